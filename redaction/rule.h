// The rule catalogue: every credential and personal-data format telguard
// scrubs, as data.
//
// A rule is an RE2 pattern plus what to do with a match. The part that is
// replaced is the first capture group that took part in the match, or the
// whole match when the pattern has no group (so "password=hunter2" keeps
// "password=" and loses the value). In a pattern with groups, a match in
// which no group took part is an exclusion: nothing is replaced and the
// search resumes after it (an earlier alternative such as
// "Version=4.0.0.0" keeps a later one, the IPv4 address, from matching
// there). RE2's leftmost-first alternation makes this exact. The replacement is always
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
  // GitHub tokens: last 6 chars are base62(CRC32(prefix+body)). Confidence
  // only: a prefixed token whose checksum fails is still removed (no benign
  // string has that shape); RuleHit::verified counts the ones that pass.
  kGithubCrc32,
  kEntropy,       // generic secrets: Shannon entropy >= 3.5 bits per character
  kIpv6,          // parses as IPv6, and is not loopback (::1) or unspecified (::)
  kPhone,         // 8..15 digits in total
  kIpv4,          // not loopback (127/8) or unspecified (0.0.0.0)
  kAssignedValue, // a value, not a status word or a placeholder ("auth: unauthorized", "password=${PW}")
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
