// The free-text policy: what an error message (or any attribute string) may
// become before it leaves the machine. Three modes:
//
//   kClass     the text becomes one id of schemas/error_classes.json
//              ("permission_denied", "http_4xx:401", ... "other");
//   kTemplate  (the default) the text keeps its structure and only words of
//              the closed vocabulary schemas/vocabulary.json; every other
//              token becomes a typed placeholder (<path> <url> <email> <ip>
//              <hex> <number> <word> <quoted> <symbols>); what a scrubber
//              rule found stays as its marker [REDACTED:<rule-id>] (an id of
//              the rule catalogue, value_rules.h);
//              numbers stay only where the vocabulary's "numbers" rules say
//              (an HTTP status after "HTTP", an exit status after "exit");
//   kScrub     the deny-list scrubber alone, and quoted spans removed (text
//              it does not recognise leaves as written; the user accepts
//              that risk).
//
// In every mode the credential and personal-data rules run first, so the
// caller's audit can name what was removed (rule id, never a value).
//
//   const auto& p = telguard::redaction::FreeTextPolicy::Default();
//   ScrubResult r = p.Apply(FreeTextMode::kTemplate, "open /home/ann/x: permission denied");
//   // r.ok, r.text == "open <path>: permission denied", r.hits: what the scrubber found
//
// The output gate does not trust the transform: ConformsToTemplate() and
// IsClass() re-read an output with their own scanner and say whether every
// token is a vocabulary word, an allowed number, a placeholder, a catalogued
// marker or a short punctuation run (template), or one id of the class table
// (class).
//
// Template output is ASCII; case is kept only as lower, Capitalised or UPPER.
// Template(Template(x)) == Template(x); Classify(Classify(x)) is a class id.
// The output is a fixed point because a chunk (text between spaces) that
// holds a placeholder is read token by token, never by shape (no path, url,
// e-mail, ip or hex is recognised across a placeholder); <symbols> replaces
// its punctuation run in place; and a vocabulary entry read as a whole chunk
// ("http/1.1") stands apart from a <symbols> next to it.
//
// Thread-safety: immutable after Create(); every method is const and may run
// on many threads. Default() is built on first use (thread-safe).
// Cost: Template is one pass over the text (one table lookup per byte) with
// one vocabulary lookup per word: open addressing over the word read as at
// most two 8-byte loads (case folded in the hash, a masked compare gives the
// case shape), no copy, no allocation; words that leave as written are
// appended as one span of the input. For the benchmark's 150-byte, 25-word
// error message: ~6.6k instructions (callgrind, with the output's
// allocation); ConformsToTemplate, which scans the output on its own, ~3.3k.
// Classify is one RE2::Set pass (~0.3 GB/s) plus one capture match when an
// HTTP class wins; Apply adds the scrubber's cost.
// Allocation: the output string, and a copy of the text only when it may
// hold a quote (a ' " ` byte, or 0xE2, which starts a typographic one).
#ifndef TELGUARD_REDACTION_FREE_TEXT_H_
#define TELGUARD_REDACTION_FREE_TEXT_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "redaction/scrubber.h"

namespace telguard::redaction {

enum class FreeTextMode { kClass, kTemplate, kScrub };

// "class", "template", "scrub".
std::string_view FreeTextModeName(FreeTextMode mode);
// The mode of that name, or nullopt.
std::optional<FreeTextMode> ParseFreeTextMode(std::string_view name);

struct ErrorClass {
  std::string id;
  std::string doc;
  std::string pattern;          // RE2, case-insensitive; empty: the fallback class
  int status_min = 0;           // when status_max > 0, "id:NNN" for NNN in range
  int status_max = 0;
};

class FreeTextPolicy {
 public:
  // Builds a policy from the two data files' text. `scrubber` must outlive
  // the policy (null: Scrubber::Default()). Null and *error (naming the file
  // and the entry, never input) when a table is malformed.
  static std::unique_ptr<FreeTextPolicy> Create(std::string_view error_classes_json,
                                                std::string_view vocabulary_json,
                                                const Scrubber* scrubber, std::string* error);
  // The policy over the embedded tables and Scrubber::Default().
  static const FreeTextPolicy& Default();

  ~FreeTextPolicy();
  FreeTextPolicy(const FreeTextPolicy&) = delete;
  FreeTextPolicy& operator=(const FreeTextPolicy&) = delete;

  // The whole policy for one string: the scrubber, then the mode's transform.
  // !ok when the scrubber could not run (fail closed: drop the value); hits
  // are the scrubber's findings by rule. Never throws.
  ScrubResult Apply(FreeTextMode mode, std::string_view text) const noexcept;

  // The transforms alone, for text the caller has already scrubbed (the
  // pipeline scrubs all strings of an event at once).
  std::string Template(std::string_view scrubbed) const;
  std::string Classify(std::string_view text) const;

  // The gate: independent scanners over an output value.
  bool ConformsToTemplate(std::string_view out) const noexcept;
  bool IsClass(std::string_view out) const noexcept;

  // Whether `word` (any case) is in the vocabulary.
  bool IsVocabularyWord(std::string_view word) const noexcept;
  const std::vector<ErrorClass>& classes() const;
  const std::vector<std::string>& placeholders() const;
  std::size_t vocabulary_size() const;
  const Scrubber& scrubber() const;

 private:
  struct Impl;
  explicit FreeTextPolicy(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace telguard::redaction

#endif  // TELGUARD_REDACTION_FREE_TEXT_H_
