// The compiled JSON Schemas: one per event kind for input, the envelope, and
// the strict output schemas generated from the allow-list. Compiled once by
// Create(); validation is read-only and thread-safe (the schemas use no
// `pattern` keyword, so valijson's regex cache is never touched; a test
// enforces that).
//
// Two engines answer. By default each schema is compiled into plain checks
// (pipeline/compiled_schema.h) that accept exactly what valijson accepts and
// cost ~0.1 us per event; valijson, the reference, is compiled on the first
// rejection only (about a millisecond per schema, once) and names the
// reasons. A document the compiled checks reject is rejected even if
// valijson were to accept it (fail closed; the differential test and the
// fast_path_equivalence fuzzer keep the two equal). SchemaEngine::kValijson
// uses valijson alone (the reference for those tests and the benchmark's
// baseline).
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

enum class SchemaEngine { kCompiled, kValijson };

class SchemaSet {
 public:
  // Parses the embedded schemas plus the given output schemas (one per kind,
  // in kAllEventKinds order). Null and *error on failure.
  static std::unique_ptr<SchemaSet> Create(const std::vector<nlohmann::json>& output_schemas,
                                           const KnownNames* names, std::string* error,
                                           SchemaEngine engine = SchemaEngine::kCompiled);
  ~SchemaSet();

  // Each returns the violations; empty means valid. Never throws.
  std::vector<AuditReason> ValidateEnvelope(const nlohmann::json& record) const noexcept;
  std::vector<AuditReason> ValidateProperties(EventKind kind,
                                              const nlohmann::json& properties) const noexcept;
  std::vector<AuditReason> ValidateOutput(EventKind kind, const nlohmann::json& body) const noexcept;

 private:
  struct Slot;
  struct Impl;
  explicit SchemaSet(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace telguard

#endif  // TELGUARD_PIPELINE_SCHEMA_SET_H_
