#include "redaction/pseudonym.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
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

[[noreturn]] void Die(const char* what) {
  // No pseudonym could be trusted; never fall back to the value.
  std::fprintf(stderr, "telguard: %s\n", what);
  std::abort();
}

}  // namespace

void Pseudonymizer::FreeMac::operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }

Pseudonymizer::Pseudonymizer(std::string_view key) {
  unsigned char random[32];
  if (key.empty()) {
    if (RAND_bytes(random, sizeof random) != 1) Die("no random bytes for a pseudonym key");
    key = std::string_view(reinterpret_cast<const char*>(random), sizeof random);
    random_key_ = true;
  }
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  keyed_.reset(mac ? EVP_MAC_CTX_new(mac) : nullptr);
  EVP_MAC_free(mac);  // the context keeps its own reference
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  if (!keyed_ ||
      EVP_MAC_init(keyed_.get(), reinterpret_cast<const unsigned char*>(key.data()), key.size(), params) != 1) {
    Die("HMAC-SHA-256 is not available for pseudonyms");
  }
  OPENSSL_cleanse(random, sizeof random);
}

Pseudonymizer::~Pseudonymizer() = default;

void Pseudonymizer::Mac(std::string_view domain, std::string_view value, unsigned char out[32]) const {
  // A copy of the keyed state per call: the shared one is only read, so
  // calls on many threads need no lock.
  const std::unique_ptr<EVP_MAC_CTX, FreeMac> c(EVP_MAC_CTX_dup(keyed_.get()));
  // domain NUL value: no (domain, value) pair collides with another's bytes.
  const unsigned char nul = 0;
  std::size_t len = 0;
  if (!c || EVP_MAC_update(c.get(), reinterpret_cast<const unsigned char*>(domain.data()), domain.size()) != 1 ||
      EVP_MAC_update(c.get(), &nul, 1) != 1 ||
      EVP_MAC_update(c.get(), reinterpret_cast<const unsigned char*>(value.data()), value.size()) != 1 ||
      EVP_MAC_final(c.get(), out, &len, 32) != 1 || len != 32) {
    Die("HMAC-SHA-256 failed for a pseudonym");
  }
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
