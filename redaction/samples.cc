#include "redaction/samples.h"

#include <charconv>
#include <cstdio>
#include <utility>
#include <vector>

#include "redaction/validators.h"

namespace telguard::redaction {
namespace {

std::string Expand(std::string_view tmpl, const RandomSource& rnd, int shorten,
                   std::vector<std::string>* parts = nullptr) {
  std::string out;
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '{') {
      out.push_back(tmpl[i]);
      continue;
    }
    const std::size_t close = tmpl.find('}', i);
    const std::string_view spec = tmpl.substr(i + 1, close - i - 1);
    i = close;
    const std::size_t colon = spec.find(':');
    const std::string_view alpha = SampleAlphabet(spec.substr(0, colon));
    const std::string_view count = spec.substr(colon + 1);
    int lo = 0, hi = 0;
    const std::size_t dash = count.find('-');
    std::from_chars(count.data(), count.data() + (dash == std::string_view::npos ? count.size() : dash), lo);
    hi = lo;
    if (dash != std::string_view::npos) {
      std::from_chars(count.data() + dash + 1, count.data() + count.size(), hi);
    }
    int n = lo + (hi > lo ? static_cast<int>(rnd() % static_cast<std::uint32_t>(hi - lo + 1)) : 0);
    // The near miss shortens the longest run (the body).
    if (shorten > 0) n = std::max(1, lo - shorten);
    std::string run;
    for (int k = 0; k < n; ++k) run.push_back(alpha[rnd() % alpha.size()]);
    if (parts) parts->push_back(run);
    out += run;
  }
  return out;
}

// Index of the longest {..} run in the template, so only the body shrinks.
std::string ShortenBody(std::string_view tmpl, const RandomSource& rnd) {
  std::size_t best = std::string_view::npos;
  int best_len = -1;
  for (std::size_t i = tmpl.find('{'); i != std::string_view::npos; i = tmpl.find('{', i + 1)) {
    const std::size_t colon = tmpl.find(':', i);
    int n = 0;
    std::from_chars(tmpl.data() + colon + 1, tmpl.data() + tmpl.size(), n);
    if (n > best_len) {
      best_len = n;
      best = i;
    }
  }
  std::string out = Expand(tmpl.substr(0, best), rnd, 0);
  const std::size_t close = tmpl.find('}', best);
  out += Expand(tmpl.substr(best, close - best + 1), rnd, 1);
  out += Expand(tmpl.substr(close + 1), rnd, 0);
  return out;
}

std::string Digits(int n, const RandomSource& rnd) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + rnd() % 10));
  return s;
}

std::string CardNumber(const RandomSource& rnd) {
  std::string d = "4" + Digits(14, rnd);  // Visa, 16 digits
  for (char c = '0'; c <= '9'; ++c) {
    if (LuhnValid(d + c)) return d + c;
  }
  return d + "0";
}

std::string Iban(const RandomSource& rnd) {
  const std::string bban = Digits(18, rnd);  // DE: 18-digit BBAN
  for (int check = 2; check <= 98; ++check) {
    std::string s = "DE" + std::string(check < 10 ? "0" : "") + std::to_string(check) + bban;
    if (IbanValid(s)) return s;
  }
  return "DE00" + bban;
}

std::string Ssn(const RandomSource& rnd) {
  const int area = 1 + static_cast<int>(rnd() % 665);  // 001..665, never 666 or 9xx
  const int group = 1 + static_cast<int>(rnd() % 99);
  const int serial = 1 + static_cast<int>(rnd() % 9999);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%03d-%02d-%04d", area, group, serial);
  return buf;
}

// Near misses for rules whose shape is set by context or a length range, where
// a shorter body would still match: the same look, without what makes it a
// finding.
constexpr std::pair<std::string_view, std::string_view> kNearMisses[] = {
    {"http-authorization", "authorization failed for user {a:8}"},
    {"bearer-token", "bearer {u:12}"},
    {"http-cookie", "cookies disabled {a:8}"},
    {"api-key-header", "x-api-key missing"},
    {"url-userinfo", "https://example.org/{an:16}@x"},
    {"url-query-secret", "https://api.example.org/v1?user=1&page={an:24}"},
    {"secret-assignment", "DB_PASSWORDS {an:16}"},
    {"high-entropy-near-secret-name", "token expired after {0:3} seconds"},
    {"telegram-bot-token", "chat {0:10}:A{u:34}"},
    {"email", "{a:8}.{a:6}@localhost"},
    {"phone-e164", "+44 20 {0:2}"},
    {"phone-us", "(415) 055-{0:4}"},
    {"ipv4", "192.0.2.3{0:1}{0:1}"},
    {"ipv6", "version {x:4}::"},
    {"mac-address", "3c:22:fb:{x:2}:{x:2}"},
    {"home-directory-user", "/homework/{a:8}/x"},
    {"tilde-user", "cd ~/{a:8}/src"},
    {"unc-path-host", "open \\\\{a:8}"},
    {"xml-secret-element", "<Password></Password> {an:16}"},
    {"netrc-password", "login failed: password {a:8}ing"},
    {"netrc-login", "machine api.example.org login {a:8}"},
    {"secret-flag-value", "deploy --api-key-file {an:24} --verbose"},
    {"curl-user", "curl -sS -X {A:4} https://example.org/{an:16}"},
    {"aws-configure-set", "aws configure set region {a:8}"},
    {"openssl-pass-arg", "openssl pkcs12 -passin env:{A:8} -in a.p12"},
    {"netscape-cookie-jar", ".example.org\tTRUE\t/\tTRUE\tsession\t{an:32}"},
    {"generic-sk-key", "sk-{a:40}"},
    {"jwt", "eyJ{u:20}.{u:40}"},
    {"private-key-pem", "-----BEGIN PUBLIC KEY-----\n{b:64}"},
    {"slack-webhook", "https://hooks.slack.com/services/T{hexu:10}"},
    {"discord-webhook", "https://discord.com/api/webhooks/{0:18}/{u:40}"},
    {"google-oauth-access-token", "ya29.{u:20}"},
    {"tailscale-key", "tskey-auth-{an:12}"},
    {"slack-legacy-token", "xoxr-{0:12}-{an:8}"},
    {"anthropic-api-key", "sk-ant-api03-{u:60}"},
    {"anthropic-admin-key", "sk-ant-admin01-{u:60}"},
    {"openai-project-key", "sk-proj-{u:30}"},
    {"pypi-token", "pypi-AgEIcHlwaS5vcmc{u:40}"},
    {"square-access-token", "sq0atp-{u:21}"},
};

}  // namespace

std::string_view SampleAlphabet(std::string_view cls) {
  if (cls == "A") return "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  if (cls == "a") return "abcdefghijklmnopqrstuvwxyz";
  if (cls == "0") return "0123456789";
  if (cls == "x") return "0123456789abcdef";
  if (cls == "X") return "0123456789ABCDEF";
  if (cls == "hexu") return "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  if (cls == "an") return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  if (cls == "w") return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_";
  if (cls == "u") return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  if (cls == "b") return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (cls == "b32") return "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  if (cls == "bech") return "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L";
  return "";
}

std::string MakeSample(const Rule& rule, const RandomSource& rnd,
                       std::vector<std::string>* secret_parts) {
  std::string s;
  if (rule.sample == "<card>") {
    s = CardNumber(rnd);
  } else if (rule.sample == "<iban>") {
    s = Iban(rnd);
  } else if (rule.sample == "<ssn>") {
    s = Ssn(rnd);
  } else {
    std::vector<std::string> parts;
    s = Expand(rule.sample, rnd, 0, &parts);
    // A generic-secret sample must look generated (the rule's validator).
    for (int i = 0; i < 64 && rule.validator == Validator::kEntropy && !parts.empty() &&
                    !RunValidator(rule.validator, parts.back());
         ++i) {
      parts.clear();
      s = Expand(rule.sample, rnd, 0, &parts);
    }
    if (rule.validator == Validator::kGithubCrc32) {
      const std::string sum = GithubChecksum(std::string_view(s).substr(s.find('_') + 1));
      s += sum;
      if (!parts.empty()) parts.back() += sum;
    }
    if (secret_parts) *secret_parts = std::move(parts);
    return s;
  }
  if (secret_parts) secret_parts->assign(1, s);
  return s;
}

std::string MakeNearMiss(const Rule& rule, const RandomSource& rnd) {
  if (rule.sample == "<card>") {
    std::string c = CardNumber(rnd);
    c.back() = static_cast<char>('0' + (c.back() - '0' + 1) % 10);  // breaks Luhn
    return c;
  }
  if (rule.sample == "<iban>") {
    std::string s = Iban(rnd);
    s[2] = s[2] == '9' ? '8' : static_cast<char>(s[2] + 1);  // wrong check digits
    return s;
  }
  if (rule.sample == "<ssn>") return "666-" + Digits(2, rnd).replace(0, 1, "1") + "-" + Digits(3, rnd) + "1";
  if (rule.validator == Validator::kGithubCrc32) {
    // A wrong checksum is still a finding (the prefix decides); the near
    // miss is one character short.
    std::string s = Expand(rule.sample, rnd, 0);
    return s + GithubChecksum(std::string_view(s).substr(s.find('_') + 1)).substr(1);
  }
  for (const auto& [id, tmpl] : kNearMisses) {
    if (id == rule.id) return Expand(tmpl, rnd, 0);
  }
  return ShortenBody(rule.sample, rnd);
}

}  // namespace telguard::redaction
