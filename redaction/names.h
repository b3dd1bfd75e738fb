// Names and ids that cannot carry content: each name field declares a
// vocabulary and a shape; what fits either leaves as written, anything else
// leaves as a keyed pseudonym (pseudonym.h) instead of being dropped. Ids
// always leave as pseudonyms.
//
//   NameSpec spec{"tools", NameShape::kName, "tool"};
//   const auto& names = NamePolicy::Default();
//   names.Apply(spec, "read_file", p)          -> "read_file"      (vocabulary)
//   names.Apply(spec, "lint_rust", p)          -> "lint_rust"      (shape)
//   names.Apply(spec, "please fix my diary", p) -> "tool-3f9a1c2e"  (pseudonym)
//
// Shapes:
//   kName    lower-case ASCII words [a-z0-9]+ joined by one or two of
//            _ - . : / @, at most 64 bytes, no segment longer than 32, and no
//            high-entropy segment (10+ characters mixing 2+ letters and
//            2+ digits at >= 3 bits of entropy per character: a key, a hash);
//   kSemver  MAJOR.MINOR.PATCH with an optional leading v, -prerelease and
//            +build metadata (each dot-separated part at most 12 characters,
//            at most 64 bytes in all): 1.4.2+sha.5114f85 stays;
//   kNone    only the vocabulary.
// Vocabularies: "models" (the embedded price list, schemas/prices.json),
// "tools", "agents", "os", "commands" (schemas/names.json). Lookups are exact.
// A value that fits but holds something a scrubber rule could match (an
// e-mail address is a valid kName) is pseudonymised too (the caller passes
// the scrubber's verdict).
//
// Residual channel (SECURITY.md): a value of the declared shape leaves as
// written, so a secret that happens to be one lower-case word is not
// recognised; ids have no such channel.
//
// Thread-safety: immutable after construction. Cost: a hash lookup, or one
// linear scan of the value, or one HMAC.
#ifndef TELGUARD_REDACTION_NAMES_H_
#define TELGUARD_REDACTION_NAMES_H_

#include <memory>
#include <string>
#include <string_view>

#include "redaction/pseudonym.h"

namespace telguard::redaction {

enum class NameShape { kNone, kName, kSemver };
std::string_view NameShapeName(NameShape s);

struct NameSpec {
  std::string vocabulary;  // a list name, or empty
  NameShape shape = NameShape::kName;
  std::string pseudonym;   // the pseudonym's prefix and HMAC domain
};

class NamePolicy {
 public:
  // From names.json and prices.json text. Null and *error when malformed.
  static std::unique_ptr<NamePolicy> Create(std::string_view names_json, std::string_view prices_json,
                                            std::string* error);
  static const NamePolicy& Default();  // the embedded tables
  ~NamePolicy();

  bool HasVocabulary(std::string_view list) const;
  bool InVocabulary(std::string_view list, std::string_view value) const;
  // Whether the value may leave as written (vocabulary or shape).
  bool Fits(const NameSpec& spec, std::string_view value) const;
  // The value, or its pseudonym. `suspicious`: a scrubber rule could match it.
  std::string Apply(const NameSpec& spec, std::string_view value, const Pseudonymizer& p, bool suspicious,
                    bool* pseudonymised) const;
  // The gate: fits, or is a pseudonym of the spec's domain.
  bool Conforms(const NameSpec& spec, std::string_view out) const;
  std::size_t VocabularySize(std::string_view list) const;

  static bool IsStrictName(std::string_view v);
  static bool IsSemver(std::string_view v);

 private:
  struct Impl;
  explicit NamePolicy(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace telguard::redaction

#endif  // TELGUARD_REDACTION_NAMES_H_
