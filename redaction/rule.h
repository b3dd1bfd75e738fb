// The rule catalogue: every credential and personal-data format telguard
// scrubs, as data.
//
// A rule is an RE2 pattern plus what to do with a match. The part that is
// replaced is the first capture group that took part in the match, or the
// whole match when the pattern has no group (so "password=hunter2" keeps
// "password=" and loses the value). The replacement is always
// "[REDACTED:<id>]"; a candidate that already starts with "[REDACTED:" is
// left alone, which makes scrubbing idempotent.
//
// Thread-safety: immutable static data.
#ifndef TELGUARD_REDACTION_RULE_H_
#define TELGUARD_REDACTION_RULE_H_

#include <span>
#include <string_view>

namespace telguard::redaction {

enum class Validator {
  kNone,
  kLuhn,         // payment card: 13..19 digits, issuer prefix, Luhn checksum
  kMod97,        // IBAN: length per country range, ISO 7064 mod-97 == 1
  kSsn,          // US SSN: area not 000/666/9xx, group not 00, serial not 0000
  kGithubCrc32,  // GitHub tokens: last 6 chars are base62(CRC32(prefix+body))
  kEntropy,      // generic secrets: Shannon entropy >= 3.5 bits per character
  kIpv6,         // confirms the candidate parses as an IPv6 address
  kPhone,        // 8..15 digits in total
};

struct Rule {
  std::string_view id;           // stable, lowercase, used in "[REDACTED:<id>]"
  std::string_view cls;          // "credential" or a PII kind ("email", ...)
  std::string_view description;  // one line for reviewers
  std::string_view pattern;      // RE2 syntax
  // Case-insensitive words, comma-separated. When set, a match counts only
  // if the string also holds one of them (a pattern that alone would be too
  // broad, such as a Telegram bot token without the word "bot").
  std::string_view keywords;
  Validator validator;
  // How tests, fuzzers and benchmarks build a true positive at run time:
  // literal text with {class:n} or {class:min-max} runs of random characters
  // (classes: A a 0 x X an w u b b32 bech hexu). Never a real credential.
  std::string_view sample;
};

// The full catalogue, in priority order: specific credential formats first,
// then context rules (headers, URLs, assignments), then personal data.
std::span<const Rule> DefaultRules();

bool IsCredential(const Rule& r);

}  // namespace telguard::redaction

#endif  // TELGUARD_REDACTION_RULE_H_
