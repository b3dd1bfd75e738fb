// A cheap screen in front of the rule set's DFA, for the default catalogue.
//
//   if (!MayMatchDefaultRules(text)) { /* no rule, no marker can match */ }
//
// The RE2 DFA costs about 5 cycles per byte whatever the rules are; most log
// text holds nothing any rule could match. This screen reads each byte once
// through a table and looks closer only at the few places where a match
// could begin: long runs of token characters, digits next to separators,
// ':' '=' '>' after a key name, a '-' flag after a blank, "ssw" (password),
// a tab before TRUE/FALSE, '~' before a letter, and a handful of bytes no
// clean log needs.
//
// Contract (soundness): if any pattern of DefaultRules() or any encoding
// marker of the scrubber matches anywhere in `text` (the base64 marker only
// when the run has mixed case), MayMatchDefaultRules(text) is true. "true"
// promises nothing: the caller runs the full DFA. Text with any byte >= 0x80
// is always "true" (RE2's case folding maps some non-ASCII letters onto
// ASCII ones, e.g. U+212A KELVIN SIGN onto 'k').
//
// Each rule is covered by one necessary feature of its matches, listed in
// prefilter.cc next to the check. The property is tested exactly:
// scrubbing with and without the screen gives identical results on every
// rule's generated samples, near misses, random text, the fuzz corpora, and
// under the scrub_property fuzzer. Adding a rule to the catalogue means
// adding its feature here (the sample tests fail until then).
//
// The wire check (Scrubber::FindCredential) does not use the screen: it stays
// an independent, full pass.
//
// Thread-safety: a pure function. Cost: about 1 byte per cycle on clean text.
#ifndef TELGUARD_REDACTION_PREFILTER_H_
#define TELGUARD_REDACTION_PREFILTER_H_

#include <cstddef>
#include <string_view>

namespace telguard::redaction {

bool MayMatchDefaultRules(std::string_view text) noexcept;

// The same screen, telling where it first fired: npos when it did not (then
// MayMatchDefaultRules(text) is false), else a multiple of 64 such that no
// match lies inside text[0, offset). In particular every line of `text`
// that ends before the offset passes the screen on its own, which lets
// line-oriented callers copy those lines and resume after the next ones.
std::size_t ScreenDefaultRules(std::string_view text) noexcept;

// For tests: the screen with a chosen way of classifying bytes (kBest is
// what ScreenDefaultRules uses: AVX2 when the CPU has it, else SSE2, else
// portable code). An ISA the CPU lacks falls back to kBest; ask first.
enum class ScreenIsa { kBest, kAvx2, kSse2, kPortable };
bool ScreenIsaAvailable(ScreenIsa isa) noexcept;
std::size_t ScreenDefaultRulesWith(ScreenIsa isa, std::string_view text) noexcept;

// A run of >= `min` base64 characters ([A-Za-z0-9+/_-]) holding an
// upper-case letter and a lower-case letter or digit: what base64 of text
// looks like. Lower-case hex (UUIDs, digests) and paths do not qualify.
bool HasMixedCaseRun(std::string_view s, std::size_t min) noexcept;

// The shortest such run the scrubber decodes (10 bytes of plain text).
inline constexpr std::size_t kMinBase64Run = 14;

}  // namespace telguard::redaction

#endif  // TELGUARD_REDACTION_PREFILTER_H_
