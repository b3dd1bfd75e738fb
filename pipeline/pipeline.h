// The privacy pipeline for one event, one named stage per step:
//
//   line -> caps + bounded parse                            (ProcessLine)
//        -> envelope schema -> per-kind schema              (StageInput)
//        -> allow-list filter                               (StageFilter)
//        -> names: vocabulary | shape | keyed pseudonym;
//           ids: keyed pseudonyms only                      (StageNames)
//        -> scrubbers (every other string, card-like
//           numbers; a name's value is final after
//           StageNames: a pseudonym is never rescanned)     (StageScrub)
//        -> free-text policy: class | template | scrub,
//           then the length bound                           (StageFreeText)
//        -> output gate: strict schema, then every free-text
//           value against its mode's table, every name and id
//           against its shape or pseudonym form              (StageGate)
//        -> serialize -> wire check (credential rules over
//           the exact bytes)                                (StageWire)
//
// Every rule id an audit record names is in redaction::RuleCatalogue().
//
// Every event yields one AuditRecord; only an event whose verdict is kSent
// has a body. Nothing here does I/O.
//
//   std::string err;
//   auto p = telguard::Pipeline::Create({}, &err);
//   for (auto& ev : p->ProcessLine(line, line_no).events) { ... }
//
// Thread-safety: a Pipeline is immutable after Create(); Process* are const
// and may run on many threads at once.
// Cost: about 15 us for a 0.5 KB event on one core (bench/pipeline_bench,
// 2026-11-29; the same pipeline validating with valijson: about 25 us).
#ifndef TELGUARD_PIPELINE_PIPELINE_H_
#define TELGUARD_PIPELINE_PIPELINE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "pipeline/allowlist.h"
#include "pipeline/audit.h"
#include "pipeline/limits.h"
#include "pipeline/schema_set.h"
#include "redaction/free_text.h"
#include "redaction/names.h"
#include "redaction/pseudonym.h"
#include "redaction/scrubber.h"

namespace telguard {

class SchemaSet;

struct PipelineOptions {
  Limits limits;
  // The scrubber; null means redaction::Scrubber::Default().
  const redaction::Scrubber* scrubber = nullptr;
  // Allow-list JSON; empty means the embedded schemas/allowlist.json.
  std::string allowlist_json;
  // Free text: when set, this mode for every free-text field (the CLI's
  // --free-text); otherwise each field's "free_text" in the allow-list
  // (template when it says nothing).
  std::optional<redaction::FreeTextMode> free_text;
  // The class and vocabulary tables; null means FreeTextPolicy::Default().
  const redaction::FreeTextPolicy* free_text_policy = nullptr;
  // The HMAC key (bytes) of the keyed pseudonyms for ids and unfit names.
  // The client passes a random per-app key kept 0600 in its config dir.
  // Empty: a random key for this process -- pseudonyms are then stable only
  // within one run (what `telguard check` shows).
  std::string pseudonym_key;
  // Which validator answers (tests and the benchmark's baseline use valijson).
  SchemaEngine schema_engine = SchemaEngine::kCompiled;
};

struct EventOutcome {
  AuditRecord audit;
  std::string body;   // the exact request body; set only when audit.verdict == kSent
  std::string error;  // one line, value-free: why it was not sent ("" when sent)
};

struct LineOutcome {
  std::vector<EventOutcome> events;  // one per record; one for an unreadable line
};

class Pipeline {
 public:
  static std::unique_ptr<Pipeline> Create(const PipelineOptions& options, std::string* error);
  ~Pipeline();

  // One input line: an envelope, or {"records":[...]}. Never throws.
  LineOutcome ProcessLine(std::string_view line, std::uint64_t line_no) const noexcept;

  // One already-parsed record (the client API builds these). The record must
  // have passed the same caps (ProcessLine does that); the client goes
  // through ProcessLine for that reason.
  EventOutcome ProcessRecord(const nlohmann::json& record, std::uint64_t line_no,
                             std::int64_t index) const noexcept;

  const AllowList& allowlist() const { return *allowlist_; }
  const Limits& limits() const { return options_.limits; }
  const redaction::Scrubber& scrubber() const { return *scrubber_; }

 private:
  Pipeline() = default;
  struct Work;  // one event on its way through the stages
  // Each stage returns false when it settled the event's verdict (rejected
  // or dropped, with reasons and error set).
  bool StageInput(const nlohmann::json& record, Work& w) const;
  bool StageFilter(const nlohmann::json& record, Work& w) const;
  bool StageNames(Work& w) const;
  bool StageScrub(Work& w) const;
  bool ScrubStrings(Work& w) const;
  void LabelRules(const std::string& value, const std::string& pointer, AuditRecord& audit) const;
  bool StageFreeText(Work& w) const;
  bool StageGate(Work& w) const;
  bool GateNames(const std::vector<FieldSpec>& specs, const nlohmann::json& container, const char* base,
                 Work& w) const;
  bool StageWire(Work& w) const;
  // Scrubs every string (when `strings`) and card-like number of `v` in
  // place; sets `failed` when a string could not be scrubbed.
  void ScrubValue(nlohmann::json& v, std::string& pointer, AuditRecord& audit, bool& failed,
                  bool strings) const;
  redaction::FreeTextMode ModeOf(const FieldSpec& spec) const;

  PipelineOptions options_;
  std::unique_ptr<AllowList> allowlist_;
  std::unique_ptr<SchemaSet> schemas_;
  KnownNames names_;
  const redaction::Scrubber* scrubber_ = nullptr;
  const redaction::FreeTextPolicy* free_text_ = nullptr;
  std::unique_ptr<redaction::Pseudonymizer> pseudonyms_;
};

}  // namespace telguard

#endif  // TELGUARD_PIPELINE_PIPELINE_H_
