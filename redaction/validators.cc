#include "redaction/validators.h"

#include <arpa/inet.h>

#include <array>
#include <cctype>
#include <cmath>

namespace telguard::redaction {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string DigitsOf(std::string_view s) {
  std::string d;
  d.reserve(s.size());
  for (char c : s) {
    if (IsDigit(c)) d.push_back(c);
  }
  return d;
}

// Issuer prefix and the lengths that issuer uses (so a 13-digit millisecond
// timestamp starting with 1 is never taken for a card).
bool HasCardIssuerPrefix(std::string_view d) {
  auto prefix = [&](std::size_t n) {
    int v = 0;
    for (std::size_t i = 0; i < n && i < d.size(); ++i) v = v * 10 + (d[i] - '0');
    return v;
  };
  const std::size_t n = d.size();
  const int p1 = prefix(1), p2 = prefix(2), p3 = prefix(3), p4 = prefix(4);
  if (p1 == 4) return n == 13 || n == 16 || n == 19;                         // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n == 16;   // Mastercard
  if (p2 == 34 || p2 == 37) return n == 15;                                  // Amex
  if (p2 == 36 || p2 == 38 || p2 == 39 || (p3 >= 300 && p3 <= 305)) return n >= 14 && n <= 19;  // Diners
  if (p2 == 35) return n >= 16 && n <= 19;                                   // JCB
  if (p4 == 6011 || p2 == 65 || (p3 >= 644 && p3 <= 649)) return n >= 16 && n <= 19;  // Discover
  if (p2 == 62) return n >= 16 && n <= 19;                                   // UnionPay
  if (p2 == 50 || (p2 >= 56 && p2 <= 69)) return n >= 12 && n <= 19;        // Maestro
  return false;
}

}  // namespace

bool LuhnValid(std::string_view s) {
  int sum = 0;
  bool dbl = false;
  int n = 0;
  for (auto it = s.rbegin(); it != s.rend(); ++it) {
    if (!IsDigit(*it)) continue;
    int d = *it - '0';
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
    ++n;
  }
  return n > 0 && sum % 10 == 0;
}

bool IsPaymentCard(std::string_view candidate) {
  const std::string d = DigitsOf(candidate);
  if (d.size() < 12 || d.size() > 19) return false;
  return HasCardIssuerPrefix(d) && LuhnValid(d);
}

bool IbanValid(std::string_view candidate) {
  std::string s;
  for (char c : candidate) {
    if (c != ' ') s.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  if (s.size() < 15 || s.size() > 34) return false;
  // Move the country code and check digits to the end, letters -> 10..35.
  const std::string r = s.substr(4) + s.substr(0, 4);
  int mod = 0;
  for (char c : r) {
    if (IsDigit(c)) {
      mod = (mod * 10 + (c - '0')) % 97;
    } else if (c >= 'A' && c <= 'Z') {
      const int v = c - 'A' + 10;
      mod = (mod * 100 + v) % 97;
    } else {
      return false;
    }
  }
  return mod == 1;
}

bool SsnValid(std::string_view c) {
  if (c.size() != 11 || c[3] != c[6] || (c[3] != '-' && c[3] != ' ')) return false;
  const std::string_view area = c.substr(0, 3), group = c.substr(4, 2), serial = c.substr(7, 4);
  if (area == "000" || area == "666" || area[0] == '9') return false;
  if (group == "00" || serial == "0000") return false;
  return true;
}

std::uint32_t Crc32(std::string_view data) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char b : data) crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

std::string GithubChecksum(std::string_view random_part) {
  static constexpr char kAlphabet[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::uint32_t v = Crc32(random_part);
  std::string out(6, '0');
  for (int i = 5; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = kAlphabet[v % 62];
    v /= 62;
  }
  return out;
}

bool GithubChecksumValid(std::string_view token) {
  // The checksum covers the random part only: the characters between the
  // prefix's '_' and the last six.
  const std::size_t us = token.find('_');
  if (us == std::string_view::npos || token.size() < us + 1 + 6 + 1) return false;
  const std::string_view body = token.substr(us + 1);
  return GithubChecksum(body.substr(0, body.size() - 6)) == body.substr(body.size() - 6);
}

double ShannonEntropy(std::string_view s) {
  if (s.empty()) return 0;
  std::array<int, 256> counts{};
  for (unsigned char c : s) ++counts[c];
  double h = 0;
  const double n = static_cast<double>(s.size());
  for (int c : counts) {
    if (c == 0) continue;
    const double p = c / n;
    h -= p * std::log2(p);
  }
  return h;
}

bool Ipv6Valid(std::string_view candidate) {
  if (candidate.size() < 2 || candidate.size() > 45) return false;
  std::string s(candidate);
  unsigned char buf[16];
  if (inet_pton(AF_INET6, s.c_str(), buf) != 1) return false;
  // "::" alone, or a C++ scope like "a::b" with fewer than 3 groups, is not
  // worth redacting as an address; real addresses have 3+ groups or a
  // leading/trailing "::".
  int colons = 0;
  for (char c : s) colons += c == ':';
  bool zero_prefix = true;  // the first 15 bytes are zero: :: or ::1
  for (int i = 0; i < 15; ++i) zero_prefix &= buf[i] == 0;
  if (zero_prefix && buf[15] <= 1) return false;
  // "::1:6379": loopback and a port, as printed by many runtimes.
  if (s.rfind("::1:", 0) == 0 && s.size() <= 9 && s.find_first_not_of("0123456789", 4) == std::string::npos) {
    return false;
  }
  return colons >= 3 || s.rfind("::", 0) == 0;
}

bool Ipv4NotLocal(std::string_view candidate) {
  if (candidate.substr(0, 4) == "127.") return false;
  // 0.0.0.0 (octets may carry leading zeros: 00.0.000.0).
  for (char c : candidate) {
    if (c != '0' && c != '.') return true;
  }
  return false;
}

bool LooksAssigned(std::string_view v) {
  while (!v.empty() && (v.back() == '.' || v.back() == ',' || v.back() == ')')) v.remove_suffix(1);
  if (v.empty()) return false;
  std::string l;
  for (char c : v) l.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  static constexpr std::string_view kWords[] = {
      "unauthorized", "unauthenticated", "unauthorised", "required", "missing", "invalid", "expired",
      "denied", "failed", "failure", "forbidden", "rejected", "incorrect", "wrong", "mismatch", "none",
      "null", "nil", "true", "false", "undefined", "empty", "redacted", "hidden", "masked", "disabled",
      "enabled", "not", "no", "yes", "ok", "error", "unknown", "n/a", "na", "set", "unset", "present",
      "absent", "provided", "supplied", "configured", "needed", "ignored", "bearer", "basic", "digest",
      "negotiate", "reset", "changed", "updated", "found", "valid", "is", "was", "for", "from", "the",
      "of", "in", "to", "and", "or", "please", "check", "see", "must", "should", "cannot", "could",
      "will", "via", "using", "env", "file", "stdin", "prompt", "default", "auto", "on", "off",
  };
  for (std::string_view w : kWords) {
    if (l == w) return false;
  }
  if (l[0] == '$' || l.rfind("%s", 0) == 0 || l.rfind("%v", 0) == 0 || l.rfind("{{", 0) == 0) return false;
  if (l.size() >= 3 && l.front() == '<' && l.back() == '>') return false;
  if (l.size() >= 3 && l.front() == '%' && l.back() == '%') return false;  // %VAR%
  const bool mask = l.find_first_not_of("*x#.-") == std::string::npos && l.size() >= 3;
  return !mask;
}

bool LooksGenerated(std::string_view s) {
  // name=value inside a run ("completion_tokens=221") is an assignment:
  // only a side that looks generated on its own counts. '=' at the end is
  // base64 padding.
  std::string_view body = s;
  while (!body.empty() && body.back() == '=') body.remove_suffix(1);
  if (const std::size_t eq = body.find('='); eq != std::string_view::npos) {
    const std::string_view left = body.substr(0, eq), right = body.substr(eq + 1);
    return (left.size() >= 16 && LooksGenerated(left)) || (right.size() >= 16 && LooksGenerated(right));
  }
  bool digit = false, alpha = false, non_hex = false;
  for (char c : s) {
    if (c >= '0' && c <= '9') digit = true;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      alpha = true;
      if (!((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) non_hex = true;
    }
  }
  // Hex runs (UUIDs, git SHAs, digests) are identifiers, not keys; secrets
  // in hex are caught by the assignment rule when a name says so.
  return digit && alpha && non_hex && ShannonEntropy(s) >= 3.5;
}

bool PhoneDigitsValid(std::string_view candidate) {
  std::size_t n = 0;
  for (char c : candidate) n += IsDigit(c);
  return n >= 8 && n <= 15;
}

bool RunValidator(Validator v, std::string_view candidate) {
  switch (v) {
    case Validator::kNone: return true;
    case Validator::kLuhn: return IsPaymentCard(candidate);
    case Validator::kMod97: return IbanValid(candidate);
    case Validator::kSsn: return SsnValid(candidate);
    case Validator::kGithubCrc32: return GithubChecksumValid(candidate);
    case Validator::kEntropy: return LooksGenerated(candidate);
    case Validator::kIpv6: return Ipv6Valid(candidate);
    case Validator::kPhone: return PhoneDigitsValid(candidate);
    case Validator::kIpv4: return Ipv4NotLocal(candidate);
    case Validator::kAssignedValue: return LooksAssigned(candidate);
  }
  return true;
}

bool ValidatorGates(Validator v) { return v != Validator::kGithubCrc32; }

}  // namespace telguard::redaction
