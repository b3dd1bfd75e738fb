#include "pipeline/pipeline.h"

#include <algorithm>

#include "pipeline/bounded_json.h"
#include "pipeline/compact_json.h"
#include "pipeline/schema_set.h"
#include "redaction/value_rules.h"
#include "schemas/embedded.h"

namespace telguard {
namespace {

using json = nlohmann::json;

std::string DescribeReasons(const std::vector<AuditReason>& reasons) {
  std::string s;
  for (const auto& r : reasons) {
    if (!s.empty()) s += "; ";
    s += (r.pointer.empty() ? std::string("(event)") : r.pointer) + ": " + r.keyword;
  }
  return s;
}

void CollectStrings(const json& v, std::string& out) {
  if (v.is_string()) {
    out += v.get_ref<const std::string&>();
    out.push_back('\n');
  } else if (v.is_structured()) {
    for (const auto& child : v) CollectStrings(child, out);
  }
}

// Names, ids and UUIDs: StageNames settles them (a vocabulary word, a
// shape or a keyed pseudonym), StageScrub holds them out, GateNames checks
// them.
bool IsName(FieldClass cls) {
  return cls == FieldClass::kIdentifier || cls == FieldClass::kId || cls == FieldClass::kUuid;
}

// Template output must conform to the vocabulary: a mark made of a
// vocabulary word.
constexpr std::string_view kTemplateTruncationMark = " [truncated]";

}  // namespace

Pipeline::~Pipeline() = default;

std::unique_ptr<Pipeline> Pipeline::Create(const PipelineOptions& options, std::string* error) {
  std::unique_ptr<Pipeline> p(new Pipeline());
  p->options_ = options;
  p->scrubber_ = options.scrubber ? options.scrubber : &redaction::Scrubber::Default();
  p->free_text_ = options.free_text_policy ? options.free_text_policy : &redaction::FreeTextPolicy::Default();
  p->pseudonyms_ = std::make_unique<redaction::Pseudonymizer>(options.pseudonym_key);
  const std::string_view text = options.allowlist_json.empty()
                                    ? FindEmbedded("schemas/allowlist.json")
                                    : std::string_view(options.allowlist_json);
  p->allowlist_ = AllowList::Parse(text, error);
  if (!p->allowlist_) return nullptr;
  // Names audit pointers may show: the allow-list's and the input schemas'.
  p->names_ = p->allowlist_->names();
  for (const auto& f : EmbeddedFiles()) {
    if (f.name.find(".schema.json") == std::string_view::npos) continue;
    const json doc = json::parse(f.content, nullptr, false);
    if (doc.is_object() && doc.contains("properties")) {
      for (const auto& [k, v] : doc["properties"].items()) p->names_.Add(k);
    }
  }
  std::vector<json> outputs;
  for (EventKind k : kAllEventKinds) outputs.push_back(p->allowlist_->OutputSchema(k));
  p->schemas_ = SchemaSet::Create(outputs, &p->names_, error, options.schema_engine);
  if (!p->schemas_) return nullptr;
  return p;
}

LineOutcome Pipeline::ProcessLine(std::string_view line, std::uint64_t line_no) const noexcept {
  LineOutcome out;
  auto reject_line = [&](std::string keyword, std::string message) {
    EventOutcome e;
    e.audit.line = line_no;
    e.audit.verdict = Verdict::kRejected;
    e.audit.reasons.push_back({"", std::move(keyword)});
    e.error = std::move(message);
    out.events.push_back(std::move(e));
  };
  try {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ParsedJson parsed = ParseBounded(line, options_.limits);
    if (!parsed.ok) {
      std::string msg = parsed.error.message;
      if (parsed.error.code == "syntax" || parsed.error.code == "nul") {
        msg += " at byte " + std::to_string(parsed.error.offset);
      }
      reject_line(parsed.error.code, std::move(msg));
      return out;
    }
    json& doc = parsed.value;
    if (!doc.is_object()) {
      reject_line("type", "line is not a JSON object");
      return out;
    }
    if (doc.contains("records") && !doc.contains("event")) {
      json& records = doc["records"];
      if (!records.is_array()) {
        reject_line("type", "\"records\" is not an array");
        return out;
      }
      if (records.size() > options_.limits.max_records_per_line) {
        reject_line("maxItems", "more than " + std::to_string(options_.limits.max_records_per_line) +
                                    " records in one line");
        return out;
      }
      for (std::size_t i = 0; i < records.size(); ++i) {
        out.events.push_back(ProcessRecord(records[i], line_no, static_cast<std::int64_t>(i)));
      }
      if (records.empty()) reject_line("minItems", "\"records\" is empty");
      return out;
    }
    out.events.push_back(ProcessRecord(doc, line_no, -1));
  } catch (...) {
    out.events.clear();
    reject_line("internal", "could not process line");
  }
  return out;
}

struct Pipeline::Work {
  EventOutcome e;
  EventKind kind = EventKind::kCommand;
  json out;  // the output envelope, then the body {"records":[...]}
  void Settle(Verdict v, std::vector<AuditReason> reasons, std::string error) {
    e.audit.verdict = v;
    e.audit.reasons.insert(e.audit.reasons.end(), reasons.begin(), reasons.end());
    e.error = std::move(error);
  }
};

void Pipeline::ScrubValue(json& v, std::string& pointer, AuditRecord& audit, bool& failed,
                          bool strings) const {
  if (v.is_string()) {
    if (!strings) return;
    auto r = scrubber_->Scrub(v.get_ref<const std::string&>());
    if (!r.ok) {
      // Fail closed: the value goes, and the caller drops the event.
      v = nullptr;
      audit.reasons.push_back({pointer, "scrub-failed"});
      failed = true;
      return;
    }
    for (const auto& h : r.hits) audit.redactions.push_back({std::string(h.rule_id), pointer, h.count});
    if (r.changed()) v = std::move(r.text);
  } else if (v.is_number_unsigned() || v.is_number_integer()) {
    const bool neg = v.is_number_integer() && v.get<std::int64_t>() < 0;
    if (!neg && redaction::CardLikeInteger(v.get<std::uint64_t>())) {
      v = "[REDACTED:payment-card]";
      audit.redactions.push_back({std::string(redaction::kRulePaymentCard), pointer, 1});
    }
  } else if (v.is_object()) {
    for (auto& [k, child] : v.items()) {
      const std::size_t len = pointer.size();
      // Keys here are allow-listed names (constants from the data file), not
      // input; only values are scrubbed.
      AppendKey(pointer, k, &names_);
      ScrubValue(child, pointer, audit, failed, strings);
      pointer.resize(len);
    }
  } else if (v.is_array()) {
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::size_t len = pointer.size();
      AppendIndex(pointer, i);
      ScrubValue(v[i], pointer, audit, failed, strings);
      pointer.resize(len);
    }
  }
}

redaction::FreeTextMode Pipeline::ModeOf(const FieldSpec& spec) const {
  return options_.free_text ? *options_.free_text : spec.free_text;
}

// Envelope schema, event kind, per-kind schema.
bool Pipeline::StageInput(const json& record, Work& w) const {
  if (!record.is_object()) {
    w.Settle(Verdict::kRejected, {{"", "type"}}, "");
    return false;
  }
  if (auto r = schemas_->ValidateEnvelope(record); !r.empty()) {
    w.Settle(Verdict::kRejected, std::move(r), "");
    return false;
  }
  const std::string& ev = record["event"].get_ref<const std::string&>();
  const json& props = record["properties"];
  if (ev == "session") {
    const auto action = props.find("action");
    if (action == props.end() || !action->is_string()) {
      w.Settle(Verdict::kRejected, {{"/properties/action", "required"}}, "");
      return false;
    }
    if (*action != "start" && *action != "end") {
      w.Settle(Verdict::kRejected, {{"/properties/action", "enum"}}, "");
      return false;
    }
    w.kind = *action == "start" ? EventKind::kSessionStart : EventKind::kSessionEnd;
  } else {
    w.kind = *KindFromName(ev);  // the envelope schema's enum guarantees it
  }
  w.e.audit.event = std::string(KindName(w.kind));
  if (auto r = schemas_->ValidateProperties(w.kind, props); !r.empty()) {
    w.Settle(Verdict::kRejected, std::move(r), "");
    return false;
  }
  return true;
}

// Only allow-listed fields that pass their class remain.
bool Pipeline::StageFilter(const json& record, Work& w) const {
  FilterResult f = allowlist_->Filter(w.kind, record, names_);
  w.e.audit.stripped = std::move(f.stripped);
  w.e.audit.reasons = std::move(f.reasons);
  w.out = std::move(f.record);
  return true;
}

// Names keep what fits their vocabulary or shape (and no scrubber rule could
// touch); the rest, and every id, become keyed pseudonyms.
bool Pipeline::StageNames(Work& w) const {
  const auto& names = redaction::NamePolicy::Default();
  auto apply = [&](const FieldSpec& spec, json& container, const char* base) {
    if (!IsName(spec.cls)) return;
    const auto it = container.find(spec.name);
    if (it == container.end() || !it->is_string()) return;
    const std::string& v = it->get_ref<const std::string&>();
    std::string out;
    bool pseudonymised = true;
    switch (spec.cls) {
      case FieldClass::kIdentifier: {
        const bool suspicious = scrubber_->Check(v) != redaction::Scrubber::Precheck::kClean;
        // The audit says what kind of thing the name held (rule ids only).
        if (suspicious) LabelRules(v, base + spec.name, w.e.audit);
        out = names.Apply(spec.names, v, *pseudonyms_, suspicious, &pseudonymised);
        break;
      }
      case FieldClass::kId: out = pseudonyms_->Id(spec.names.pseudonym, v); break;
      case FieldClass::kUuid: out = pseudonyms_->Uuid(spec.names.pseudonym, v); break;
      default: return;  // not a name (IsName)
    }
    if (pseudonymised) {
      w.e.audit.redactions.push_back({std::string(redaction::kRulePseudonym), base + spec.name, 1});
      *it = std::move(out);
    }
  };
  for (const auto& spec : allowlist_->EnvelopeFields()) apply(spec, w.out, "/");
  for (const auto& spec : allowlist_->Fields(w.kind)) apply(spec, w.out["properties"], "/properties/");
  return true;
}

// The rules a name's raw value would trip, for the audit record only.
void Pipeline::LabelRules(const std::string& value, const std::string& pointer, AuditRecord& audit) const {
  const auto r = scrubber_->Scrub(value);
  for (const auto& h : r.hits) audit.redactions.push_back({std::string(h.rule_id), pointer, h.count});
}

// Credential and personal-data rules over every string but the names
// StageNames settled, card-like numbers.
bool Pipeline::StageScrub(Work& w) const {
  // Names, ids and UUIDs are final: a vocabulary word, a shape the scrubber
  // found clean, or a keyed pseudonym, which is telguard's own output and
  // whose random hex a PII rule could read as something else (an IBAN) and
  // so make the gate drop the event. They are held out of this stage.
  std::vector<std::pair<json*, json>> held;
  auto hold = [&held](const std::vector<FieldSpec>& specs, json& container) {
    for (const auto& spec : specs) {
      if (!IsName(spec.cls)) continue;
      const auto it = container.find(spec.name);
      if (it == container.end() || !it->is_string()) continue;
      held.emplace_back(&*it, std::move(*it));
      *it = nullptr;
    }
  };
  hold(allowlist_->EnvelopeFields(), w.out);
  hold(allowlist_->Fields(w.kind), w.out["properties"]);
  const bool ok = ScrubStrings(w);
  for (auto& [slot, value] : held) *slot = std::move(value);
  return ok;
}

bool Pipeline::ScrubStrings(Work& w) const {
  // One screen/DFA pass over all strings of the event decides whether any
  // needs scrubbing (the common answer is no); see Scrubber::Check.
  std::string joined;
  CollectStrings(w.out, joined);
  const auto pre = scrubber_->Check(joined);
  if (pre == redaction::Scrubber::Precheck::kFailed) {
    w.Settle(Verdict::kDropped, {{"", "scrub-failed"}}, "dropped: the scrubber could not run");
    return false;
  }
  std::string pointer;
  bool failed = false;
  ScrubValue(w.out, pointer, w.e.audit, failed, pre == redaction::Scrubber::Precheck::kCandidates);
  if (failed) {
    // Fail closed: a string the scrubber could not read never leaves.
    w.Settle(Verdict::kDropped, {}, "dropped: a string could not be scrubbed");
    return false;
  }
  return true;
}

// Each free-text value becomes a class, a template or stays scrubbed text;
// then its length bound (after every rule, so a cut never leaves half a
// secret unrecognised).
bool Pipeline::StageFreeText(Work& w) const {
  json& props = w.out["properties"];
  for (const auto& spec : allowlist_->Fields(w.kind)) {
    if (spec.cls != FieldClass::kFreeText && spec.cls != FieldClass::kFreeTextList) continue;
    auto it = props.find(spec.name);
    if (it == props.end()) continue;
    const redaction::FreeTextMode mode = ModeOf(spec);
    auto apply = [&](json& s, const std::string& ptr) {
      if (!s.is_string()) return;
      const std::string& in = s.get_ref<const std::string&>();
      std::string text;
      std::string_view mark = AllowList::kTruncationMark;
      switch (mode) {
        case redaction::FreeTextMode::kClass:
          text = free_text_->Classify(in);
          w.e.audit.redactions.push_back({std::string(redaction::kRuleClass), ptr, 1});
          break;
        case redaction::FreeTextMode::kTemplate: {
          text = free_text_->Template(in);
          std::size_t n = 0;
          for (std::size_t at = text.find('<'); at != std::string::npos; at = text.find('<', at + 1)) ++n;
          if (n > 0) w.e.audit.redactions.push_back({std::string(redaction::kRuleTemplate), ptr, n});
          mark = kTemplateTruncationMark;
          break;
        }
        case redaction::FreeTextMode::kScrub:
          text = in;
          if (const std::size_t n = redaction::RemoveQuotedSpans(&text); n > 0) {
            w.e.audit.redactions.push_back({std::string(redaction::kRuleQuotedText), ptr, n});
          }
          break;
      }
      if (redaction::BoundText(&text, spec.max_length, mark, mode == redaction::FreeTextMode::kTemplate)) {
        w.e.audit.redactions.push_back({std::string(redaction::kRuleTruncated), ptr, 1});
      }
      s = std::move(text);
    };
    const std::string base = "/properties/" + spec.name;
    if (it->is_array()) {
      for (std::size_t i = 0; i < it->size(); ++i) apply((*it)[i], base + "/" + std::to_string(i));
    } else {
      apply(*it, base);
    }
  }
  return true;
}

// The strict output schema, then every free-text value against its mode's
// table with the gate's own scanner (a templater bug cannot leak).
bool Pipeline::StageGate(Work& w) const {
  w.out = {{"records", json::array({std::move(w.out)})}};
  if (auto r = schemas_->ValidateOutput(w.kind, w.out); !r.empty()) {
    for (auto& x : r) x.keyword = "output-gate:" + x.keyword;
    std::string msg = "dropped by the output gate: " + DescribeReasons(r);
    w.Settle(Verdict::kDropped, std::move(r), std::move(msg));
    return false;
  }
  const json& rec = w.out["records"][0];
  const json& props = rec["properties"];
  if (!GateNames(allowlist_->EnvelopeFields(), rec, "/", w) ||
      !GateNames(allowlist_->Fields(w.kind), props, "/properties/", w)) {
    return false;
  }
  for (const auto& spec : allowlist_->Fields(w.kind)) {
    if (spec.cls != FieldClass::kFreeText && spec.cls != FieldClass::kFreeTextList) continue;
    const auto it = props.find(spec.name);
    if (it == props.end()) continue;
    const redaction::FreeTextMode mode = ModeOf(spec);
    if (mode == redaction::FreeTextMode::kScrub) continue;
    auto conforms = [&](const json& s) {
      const std::string& v = s.get_ref<const std::string&>();
      return mode == redaction::FreeTextMode::kClass ? free_text_->IsClass(v) : free_text_->ConformsToTemplate(v);
    };
    const bool ok = it->is_array() ? std::all_of(it->begin(), it->end(), conforms) : conforms(*it);
    if (!ok) {
      const std::string kw = "output-gate:" + std::string(redaction::FreeTextModeName(mode));
      w.Settle(Verdict::kDropped, {{"/properties/" + spec.name, kw}},
               "dropped by the output gate: /properties/" + spec.name + ": " + kw);
      return false;
    }
  }
  return true;
}

bool Pipeline::GateNames(const std::vector<FieldSpec>& specs, const json& container, const char* base,
                         Work& w) const {
  for (const auto& spec : specs) {
    if (!IsName(spec.cls)) continue;
    const auto it = container.find(spec.name);
    if (it == container.end() || !it->is_string()) continue;
    const std::string& v = it->get_ref<const std::string&>();
    bool ok = true;
    switch (spec.cls) {
      case FieldClass::kIdentifier: ok = redaction::NamePolicy::Default().Conforms(spec.names, v); break;
      case FieldClass::kId: ok = redaction::Pseudonymizer::IsId(spec.names.pseudonym, v); break;
      case FieldClass::kUuid: ok = redaction::Pseudonymizer::IsUuid(v); break;
      default: continue;  // not a name (IsName)
    }
    if (!ok) {
      const std::string ptr = base + spec.name;
      w.Settle(Verdict::kDropped, {{ptr, "output-gate:name"}}, "dropped by the output gate: " + ptr + ": name");
      return false;
    }
  }
  return true;
}

// The exact bytes, scanned once more with the credential rules.
bool Pipeline::StageWire(Work& w) const {
  std::string bytes = SerializeCompact(w.out);
  bool failed = false;
  const std::string_view hit = scrubber_->FindCredential(bytes, &failed);
  if (failed || !hit.empty()) {
    const std::string kw = failed ? "wire-check:failed" : "wire-check:" + std::string(hit);
    w.Settle(Verdict::kDropped, {{"", kw}}, "dropped by the wire check: " + kw);
    return false;
  }
  w.e.audit.verdict = Verdict::kSent;
  w.e.body = std::move(bytes);
  return true;
}

EventOutcome Pipeline::ProcessRecord(const json& record, std::uint64_t line_no,
                                     std::int64_t index) const noexcept {
  Work w;
  w.e.audit.line = line_no;
  w.e.audit.record = index;
  try {
    if (!StageInput(record, w)) {
      w.e.error = "rejected: " + DescribeReasons(w.e.audit.reasons);
      return std::move(w.e);
    }
    (void)(StageFilter(record, w) && StageNames(w) && StageScrub(w) && StageFreeText(w) && StageGate(w) && StageWire(w));
  } catch (...) {
    w.e.audit.verdict = Verdict::kDropped;
    w.e.audit.reasons.push_back({"", "internal"});
    w.e.body.clear();
    w.e.error = "dropped: internal error";
  }
  return std::move(w.e);
}

}  // namespace telguard
