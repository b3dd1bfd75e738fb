// The leak oracle shared by the leak fuzzer, the scrubber property fuzzer and
// their replay tests: canaries (credential- and PII-shaped samples of every
// rule, and pattern-free prompts), encodings that hide them, and a search of
// every output byte for any of them.
#ifndef TELGUARD_FUZZ_LEAK_ORACLE_H_
#define TELGUARD_FUZZ_LEAK_ORACLE_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "redaction/rule.h"

namespace telguard::fuzz {

struct Canary {
  std::string planted;             // the value as placed (encoded)
  std::string plain;               // before encoding
  std::vector<std::string> parts;  // the secret parts: no 16-char window may leave
  bool prompt = false;
  std::string rule;                // for messages
  // When set, exactly these strings are looked for (the format-free oracle
  // builds them: 12-character windows, less what the contract lets leave).
  std::vector<std::string> needles;
  bool explicit_needles = false;
};

enum class Encoding { kRaw, kJsonEscape, kPercent, kCaseChange, kZeroWidth, kBase64, kCount };
const char* EncodingName(Encoding e);

// A credential/PII canary of rule `rule_index`, or a prompt canary when
// rule_index < 0; encoded with `enc`.
Canary MakeCanary(int rule_index, Encoding enc, std::mt19937_64& rng);

// True when `output` holds a canary: the planted or plain form, or any
// 16-character window of a secret part (parts shorter than 16: the whole
// part, if at least 8 characters) -- in the raw bytes, lower-cased, and in
// every decoded view (JSON string contents, \u escapes, percent-decoding to
// a fixpoint, zero-width characters removed, base64 runs decoded).
// Needles that already occur in `background` (text the fuzzer wrote itself,
// around the canaries) are not leaks and are skipped.
bool Leaks(const std::string& output, const std::vector<Canary>& canaries, std::string* which,
           const std::string& background = "");

// Format-free canaries: what the class and template modes must stop without
// knowing its format.
enum class FormatFree { kToken, kPrompt, kBytes, kCount };
const char* FormatFreeName(FormatFree f);
// A random token (a random alphabet of 2..40 characters from printable ASCII
// and a few non-ASCII letters, 8..80 long), a random prompt (4..10 words of
// ordinary prose and a random tag), or 8..80 random bytes made valid UTF-8;
// encoded with `enc` like MakeCanary (the case change flips the first three
// characters). Its needles are left to the caller.
Canary MakeFormatFreeCanary(FormatFree kind, Encoding enc, std::mt19937_64& rng);
// The prose words prompts are made of (none is a technical word).
const std::vector<std::string>& ProseWords();

// Traps (not assert: survives NDEBUG) with a message on stderr.
[[noreturn]] void Trap(const std::string& what);

}  // namespace telguard::fuzz

#endif  // TELGUARD_FUZZ_LEAK_ORACLE_H_
