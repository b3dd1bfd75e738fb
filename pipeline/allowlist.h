// The allow-list (schemas/allowlist.json): which properties of which event
// kind may leave the machine, each with a class that says how its value is
// checked and bounded, and a purpose. Everything else is stripped. Free-text
// fields declare their mode (class | template | scrub); names declare a
// vocabulary, a shape and a pseudonym prefix; ids a pseudonym domain.
//
// From the same data come the strict output schemas (the output gate) and
// the data inventory (`telguard inventory`), so the three cannot drift.
//
// Thread-safety: immutable after Parse(); Filter() is const and thread-safe.
#ifndef TELGUARD_PIPELINE_ALLOWLIST_H_
#define TELGUARD_PIPELINE_ALLOWLIST_H_

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "pipeline/audit.h"
#include "pipeline/event_kind.h"
#include "pipeline/pointer.h"
#include "redaction/free_text.h"
#include "redaction/names.h"

namespace telguard {

enum class FieldClass {
  kIdentifier,
  kId,
  kUuid,
  kEnum,
  kBoolean,
  kCount,
  kDuration,
  kMoney,
  kTimestamp,
  kFreeText,
  kFreeTextList,
  kFlagNames,
  kPositionalCount,
};

std::string_view FieldClassName(FieldClass c);

struct FieldSpec {
  std::string name;
  FieldClass cls = FieldClass::kIdentifier;
  std::string purpose;
  std::vector<std::string> values;  // enum values, or allowed flag names
  std::size_t max_length = 128;     // identifier, free text: bytes
  std::size_t max_items = 32;       // lists
  std::string from;                 // derived fields: the input property read
  bool required = false;
  // Free text: "class", "template" (default) or "scrub" (free_text_list too).
  redaction::FreeTextMode free_text = redaction::FreeTextMode::kTemplate;
  // identifier: "vocabulary", "shape" (name | semver | none) and "pseudonym"
  // (prefix and HMAC domain); id and uuid: "pseudonym" (always applied).
  redaction::NameSpec names;
};

struct FilterResult {
  nlohmann::json record;              // the output envelope
  std::vector<std::string> stripped;  // input pointers removed
  std::vector<AuditReason> reasons;   // class checks that failed (field stripped)
};

class AllowList {
 public:
  // Parses allow-list JSON; null and *error when malformed.
  static std::unique_ptr<AllowList> Parse(std::string_view text, std::string* error);

  // Builds the output envelope for a record already validated against the
  // input schemas. `properties` is the record's "properties" object.
  FilterResult Filter(EventKind kind, const nlohmann::json& record, const KnownNames& names) const;

  // Envelope fields, then the kind's own fields, then the common fields.
  const std::vector<FieldSpec>& Fields(EventKind kind) const {
    return fields_[static_cast<std::size_t>(kind)];
  }
  const std::vector<FieldSpec>& EnvelopeFields() const { return envelope_; }
  const FieldSpec* Find(EventKind kind, std::string_view name) const;

  // The strict output schema for one kind: no additional properties anywhere,
  // every string bounded.
  nlohmann::json OutputSchema(EventKind kind) const;

  // The data inventory, as Markdown or JSON.
  std::string InventoryMarkdown() const;
  nlohmann::json InventoryJson() const;

  // Every name declared here (audit pointers show these; other keys are "*").
  const KnownNames& names() const { return names_; }
  const std::vector<std::string>& never_collected() const { return never_collected_; }

  // Bytes appended to free text cut at max_length.
  static constexpr std::string_view kTruncationMark = "...[truncated]";

 private:
  AllowList() = default;
  bool CheckClass(const FieldSpec& spec, const nlohmann::json& v) const;

  std::vector<FieldSpec> envelope_;
  std::array<std::vector<FieldSpec>, 5> fields_;
  std::vector<std::pair<std::string, std::string>> class_docs_;
  std::vector<std::string> never_collected_;
  KnownNames names_;
};

}  // namespace telguard

#endif  // TELGUARD_PIPELINE_ALLOWLIST_H_
