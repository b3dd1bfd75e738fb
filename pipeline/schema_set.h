// The compiled JSON Schemas: one per event kind for input, the envelope, and
// the strict output schemas generated from the allow-list. Compiled once by
// Create(); validation is read-only and thread-safe (the schemas use no
// `pattern` keyword, so valijson's regex cache is never touched; a test
// enforces that).
//
// Violations come back as (JSON pointer, keyword), never the value, and with
// object keys that telguard does not know rendered as "*".
#ifndef TELGUARD_PIPELINE_SCHEMA_SET_H_
#define TELGUARD_PIPELINE_SCHEMA_SET_H_

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pipeline/audit.h"
#include "pipeline/event_kind.h"

namespace telguard {

class KnownNames;

class SchemaSet {
 public:
  // Parses the embedded schemas plus the given output schemas (one per kind,
  // in kAllEventKinds order). Null and *error on failure.
  static std::unique_ptr<SchemaSet> Create(const std::vector<nlohmann::json>& output_schemas,
                                           const KnownNames* names, std::string* error);
  ~SchemaSet();

  // Each returns the violations; empty means valid. Never throws.
  std::vector<AuditReason> ValidateEnvelope(const nlohmann::json& record) const noexcept;
  std::vector<AuditReason> ValidateProperties(EventKind kind,
                                              const nlohmann::json& properties) const noexcept;
  std::vector<AuditReason> ValidateOutput(EventKind kind, const nlohmann::json& body) const noexcept;

 private:
  struct Impl;
  explicit SchemaSet(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace telguard

#endif  // TELGUARD_PIPELINE_SCHEMA_SET_H_
