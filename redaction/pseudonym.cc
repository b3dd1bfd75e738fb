#include "redaction/pseudonym.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>

namespace telguard::redaction {
namespace {

constexpr std::size_t kNameHex = 8;   // 32 bits: names are few per install
constexpr std::size_t kIdHex = 16;    // 64 bits: ids are many
constexpr char kHex[] = "0123456789abcdef";

void AppendHex(std::string& s, const unsigned char* b, std::size_t hex_digits) {
  for (std::size_t i = 0; i < hex_digits; ++i) s.push_back(kHex[(b[i / 2] >> ((i % 2) ? 0 : 4)) & 0xf]);
}

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool IsUuidAnyCase(std::string_view v) {
  if (v.size() != 36) return false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (c == '-')) return false;
    if (!dash && !((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'))) return false;
  }
  return true;
}

bool IsPrefixed(std::string_view domain, std::string_view v, std::size_t hex) {
  return v.size() == domain.size() + 1 + hex && v.substr(0, domain.size()) == domain && v[domain.size()] == '-' &&
         IsLowerHex(v.substr(domain.size() + 1));
}

}  // namespace

Pseudonymizer::Pseudonymizer(std::string_view key) : key_(key) {
  if (key_.empty()) {
    unsigned char buf[32];
    if (RAND_bytes(buf, sizeof buf) != 1) {
      // No randomness: no pseudonym could be trusted; never fall back.
      std::fprintf(stderr, "telguard: no random bytes for a pseudonym key\n");
      std::abort();
    }
    key_.assign(reinterpret_cast<const char*>(buf), sizeof buf);
    random_key_ = true;
  }
}

void Pseudonymizer::Mac(std::string_view domain, std::string_view value, unsigned char out[32]) const {
  // domain NUL value: no (domain, value) pair collides with another's bytes.
  std::string msg;
  msg.reserve(domain.size() + 1 + value.size());
  msg.append(domain).push_back('\0');
  msg.append(value);
  unsigned int len = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()), reinterpret_cast<const unsigned char*>(msg.data()),
       msg.size(), out, &len);
}

std::string Pseudonymizer::Name(std::string_view domain, std::string_view value) const {
  unsigned char mac[32];
  Mac(domain, value, mac);
  std::string s(domain);
  s.push_back('-');
  AppendHex(s, mac, kNameHex);
  return s;
}

std::string Pseudonymizer::Id(std::string_view domain, std::string_view value) const {
  if (IsUuidAnyCase(value)) return Uuid(domain, value);
  unsigned char mac[32];
  Mac(domain, value, mac);
  std::string s(domain);
  s.push_back('-');
  AppendHex(s, mac, kIdHex);
  return s;
}

std::string Pseudonymizer::Uuid(std::string_view domain, std::string_view value) const {
  unsigned char mac[32];
  Mac(domain, value, mac);
  mac[6] = static_cast<unsigned char>((mac[6] & 0x0f) | 0x40);  // version 4
  mac[8] = static_cast<unsigned char>((mac[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string s;
  s.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    AppendHex(s, mac + i, 2);
  }
  return s;
}

bool Pseudonymizer::IsName(std::string_view domain, std::string_view v) { return IsPrefixed(domain, v, kNameHex); }

bool Pseudonymizer::IsId(std::string_view domain, std::string_view v) {
  return IsPrefixed(domain, v, kIdHex) || IsUuid(v);
}

bool Pseudonymizer::IsUuid(std::string_view v) {
  if (!IsUuidAnyCase(v)) return false;
  for (char c : v) {
    if (c >= 'A' && c <= 'F') return false;
  }
  return true;
}

}  // namespace telguard::redaction
