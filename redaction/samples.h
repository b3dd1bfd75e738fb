// Builds credential- and PII-shaped test values at run time from a rule's
// `sample` template, so no secret-shaped literal is ever committed. Used by
// the tests, the fuzzers and the benchmarks.
//
// Template: literal text with {class:n} or {class:min-max} runs. Classes:
//   A upper, a lower, 0 digit, x lower hex, X upper hex, hexu upper+digits,
//   an alphanumeric, w word [A-Za-z0-9_], u base64url, b base64, b32 base32,
//   bech bech32 (upper case).
// Special templates "<card>", "<iban>", "<ssn>" build checksum-valid values;
// GitHub tokens get their CRC32 suffix appended.
//
// `Random` is any callable returning uniformly distributed uint32_t (a
// std::mt19937, or bytes from a FuzzedDataProvider).
#ifndef TELGUARD_REDACTION_SAMPLES_H_
#define TELGUARD_REDACTION_SAMPLES_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "redaction/rule.h"

namespace telguard::redaction {

using RandomSource = std::function<std::uint32_t()>;

// A true positive for `rule`. When `secret_parts` is given, it receives the
// random runs of the value (the parts that must never come out: a test or an
// oracle looks for them in the output).
std::string MakeSample(const Rule& rule, const RandomSource& rnd,
                       std::vector<std::string>* secret_parts = nullptr);

// A near miss for `rule`: same shape, but one character short, or a wrong
// checksum where the rule has one. Must not be redacted by `rule`.
std::string MakeNearMiss(const Rule& rule, const RandomSource& rnd);

// The characters of a template class name ("an", "b32", ...), or empty.
std::string_view SampleAlphabet(std::string_view cls);

}  // namespace telguard::redaction

#endif  // TELGUARD_REDACTION_SAMPLES_H_
