// The scrubber: removes credentials and personal data from free text.
//
//   auto s = telguard::redaction::Scrubber::Default();   // built once
//   ScrubResult r = s->Scrub("push failed: token=ghp_...");
//   if (!r.ok) { /* fail closed: drop the string */ }
//   // r.text == "push failed: token=[REDACTED:github-pat]"
//
// How it works, per string:
//  1. Normalise: invalid UTF-8 becomes U+FFFD; zero-width characters and soft
//     hyphens are removed (they hide a secret from a matcher, not from a reader).
//  2. A screen (prefilter.h) passes text that no rule could match without
//     the DFA; otherwise one RE2::Set pass finds every candidate rule, plus
//     markers for encoded content (percent-escapes, \u escapes, base64 runs).
//  3. Only the candidate rules rewrite, in catalogue order; each match that
//     passes the rule's validator becomes "[REDACTED:<rule-id>]".
//  4. Encoded content is decoded (bounded) and checked: a percent- or
//     \u-encoded string that hides a finding is replaced by its decoded and
//     scrubbed form; a base64 run that hides one is redacted as a whole.
//  5. A text that changed is scrubbed again until it stands still (a
//     replacement can change what another rule's context or validator
//     sees); one that still changes after 4 passes fails closed. So
//     Scrub(Scrub(x)) == Scrub(x) by construction.
//
// Failure: RE2 reports DFA memory exhaustion through Set::ErrorInfo; that is
// never read as "no match". The result is !ok and the caller drops the string.
//
// Compilation: Create() compiles the one-pass rule set and the markers' set
// (about 15 ms for the default catalogue); each rule's own RE2 (for positions and groups) and
// the wire check's set are compiled on first use, once (std::call_once), so
// a process that never meets a candidate of a rule never pays for it. A
// lazy compile that fails is a failure: the string (or the wire check)
// fails closed.
//
// Thread-safety: a Scrubber is logically immutable after Create(); share it
// freely (the lazy parts are built under std::call_once).
// Cost: clean log text mostly passes the screen (~1 GB/s per core); text
// the screen sends on costs one DFA pass (~0.4 GB/s) before any rewriting;
// text with a finding is looked at once more (step 5).
#ifndef TELGUARD_REDACTION_SCRUBBER_H_
#define TELGUARD_REDACTION_SCRUBBER_H_

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "redaction/rule.h"

namespace telguard::redaction {

struct RuleHit {
  std::string_view rule_id;  // points into the rule catalogue (static)
  std::size_t count = 0;
  // Of `count`, the findings a checksum confirmed (GitHub CRC32). A finding
  // whose checksum fails is redacted all the same: the count says how sure.
  std::size_t verified = 0;
};

struct ScrubResult {
  bool ok = true;             // false: fail closed, drop the string
  std::string text;           // the scrubbed text (empty when !ok)
  std::vector<RuleHit> hits;  // what was redacted, by rule
  bool changed() const { return !hits.empty(); }
};

struct ScrubberOptions {
  // RE2 memory budget for each DFA: the rule set's, the encoding markers'
  // set's, the wire check's, and each rule's own. A set's budget also holds
  // its compiled program: at 64 MiB the grown rule set left too little for
  // DFA states and rebuilt them on every secret-bearing line (~0.5 ms a
  // line); states are allocated as they are built, so a larger cap costs
  // memory only where text needs the states.
  std::int64_t set_max_mem = 128 << 20;
  std::int64_t rule_max_mem = 8 << 20;
  // How many times percent-encoding is peeled off ("%2541" -> "%41" -> "A").
  int max_decode_rounds = 4;
  // Longest base64 run that is decoded and checked.
  std::size_t max_base64_run = 16 * 1024;
  // Screen strings with MayMatchDefaultRules() before the DFA (applies only
  // to a scrubber over DefaultRules() itself). Off only to test the screen.
  bool use_prefilter = true;
  // Fault injection for tests: behave as if RE2::Set::Match had reported
  // kOutOfMemory on every string. (With RE2 2022-06 a Set that compiled does
  // not run out in practice: Compile() probes the DFA and refuses budgets it
  // cannot run in, so the fail-closed path needs this to be exercised.)
  bool inject_set_failure_for_testing = false;
};

class Scrubber {
 public:
  // Builds a scrubber over `rules` (which must outlive it). Returns null and
  // sets *error when a pattern does not compile.
  static std::unique_ptr<Scrubber> Create(std::span<const Rule> rules,
                                          const ScrubberOptions& options, std::string* error);

  // The scrubber over DefaultRules(), built on first use (thread-safe).
  static const Scrubber& Default();

  ~Scrubber();
  Scrubber(const Scrubber&) = delete;
  Scrubber& operator=(const Scrubber&) = delete;

  // Scrubs one string. Never throws.
  ScrubResult Scrub(std::string_view text) const noexcept;

  // The screen, then (when it fires) one DFA pass: says whether Scrub()
  // could change `text`. kClean means it would return `text` unchanged. Joining several strings with
  // '\n' and checking once is sound: any finding inside one string is also
  // a finding inside the joined text.
  enum class Precheck { kClean, kCandidates, kFailed };
  Precheck Check(std::string_view text) const noexcept;

  // Scrubs newline-separated text and keeps the number of lines, exactly as
  // Scrub() on each line would: lines the screen passes are copied in bulk,
  // the others go through the DFA in blocks, and blocks with candidates are
  // split down to single lines. A line that cannot be scrubbed becomes
  // "[REDACTED:scrub-failed]" and is counted in *failed_lines.
  ScrubResult ScrubLines(std::string_view text, std::size_t* failed_lines = nullptr) const noexcept;

  // Final wire check: scans bytes about to be sent with the credential rules
  // only. Returns the id of the first rule with a confirmed finding, or an
  // empty view. *failed is set when RE2 could not answer (treat as a hit).
  std::string_view FindCredential(std::string_view bytes, bool* failed) const noexcept;

  std::span<const Rule> rules() const;

 private:
  struct Impl;
  explicit Scrubber(std::unique_ptr<Impl> impl);
  void ScrubLinesInto(std::string_view text, std::string* out, std::vector<RuleHit>* hits,
                      std::size_t* failed_lines) const noexcept;
  std::unique_ptr<Impl> impl_;
};

}  // namespace telguard::redaction

#endif  // TELGUARD_REDACTION_SCRUBBER_H_
