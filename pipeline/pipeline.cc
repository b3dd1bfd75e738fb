#include "pipeline/pipeline.h"

#include <re2/re2.h>

#include "pipeline/bounded_json.h"
#include "pipeline/compact_json.h"
#include "pipeline/schema_set.h"
#include "redaction/text_codec.h"
#include "redaction/validators.h"
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

// Quoted spans in free text usually echo input (a file name, a prompt, a
// value): they go. The opening quote must follow a space, bracket or
// separator, so apostrophes inside words ("can't") do not pair up.
const RE2& QuotedSpanRe() {
  static const RE2 re(
      R"((^|[\s(\[{=:,])(?:'[^'\n]+'|"[^"\n]+"|`[^`\n]+`|“[^”\n]+”|‘[^’\n]+’))");
  return re;
}

void CollectStrings(const json& v, std::string& out) {
  if (v.is_string()) {
    out += v.get_ref<const std::string&>();
    out.push_back('\n');
  } else if (v.is_structured()) {
    for (const auto& child : v) CollectStrings(child, out);
  }
}

std::size_t CountDigits(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

}  // namespace

Pipeline::~Pipeline() = default;

std::unique_ptr<Pipeline> Pipeline::Create(const PipelineOptions& options, std::string* error) {
  std::unique_ptr<Pipeline> p(new Pipeline());
  p->options_ = options;
  p->scrubber_ = options.scrubber ? options.scrubber : &redaction::Scrubber::Default();
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

void Pipeline::ScrubValue(json& v, std::string& pointer, AuditRecord& audit, bool& failed,
                          bool strings) const {
  if (v.is_string()) {
    if (!strings) return;
    auto r = scrubber_->Scrub(v.get_ref<const std::string&>());
    if (!r.ok) {
      // Fail closed: the value goes; the output gate then drops the event.
      v = nullptr;
      audit.reasons.push_back({pointer, "scrub-failed"});
      failed = true;
      return;
    }
    for (const auto& h : r.hits) audit.redactions.push_back({std::string(h.rule_id), pointer, h.count});
    if (r.changed()) v = std::move(r.text);
  } else if (v.is_number_unsigned() || v.is_number_integer()) {
    const bool neg = v.is_number_integer() && v.get<std::int64_t>() < 0;
    const std::uint64_t u = neg ? 0 : v.get<std::uint64_t>();
    const std::size_t digits = CountDigits(u);
    if (digits >= 12 && digits <= 19 && redaction::IsPaymentCard(std::to_string(u))) {
      v = "[REDACTED:payment-card]";
      audit.redactions.push_back({"payment-card", pointer, 1});
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

EventOutcome Pipeline::ProcessRecord(const json& record, std::uint64_t line_no,
                                     std::int64_t index) const noexcept {
  EventOutcome e;
  AuditRecord& audit = e.audit;
  audit.line = line_no;
  audit.record = index;
  auto reject = [&](std::vector<AuditReason> reasons) {
    audit.verdict = Verdict::kRejected;
    e.error = "rejected: " + DescribeReasons(reasons);
    audit.reasons.insert(audit.reasons.end(), reasons.begin(), reasons.end());
    return std::move(e);
  };
  try {
    if (!record.is_object()) return reject({{"", "type"}});
    if (auto r = schemas_->ValidateEnvelope(record); !r.empty()) return reject(std::move(r));
    const std::string& ev = record["event"].get_ref<const std::string&>();
    const json& props = record["properties"];
    EventKind kind;
    if (ev == "session") {
      const auto action = props.find("action");
      if (action == props.end() || !action->is_string()) return reject({{"/properties/action", "required"}});
      if (*action == "start") {
        kind = EventKind::kSessionStart;
      } else if (*action == "end") {
        kind = EventKind::kSessionEnd;
      } else {
        return reject({{"/properties/action", "enum"}});
      }
    } else {
      kind = *KindFromName(ev);  // the envelope schema's enum guarantees it
    }
    audit.event = std::string(KindName(kind));
    if (auto r = schemas_->ValidateProperties(kind, props); !r.empty()) return reject(std::move(r));

    FilterResult f = allowlist_->Filter(kind, record, names_);
    audit.stripped = std::move(f.stripped);
    audit.reasons = std::move(f.reasons);

    // One DFA pass over all strings of the event decides whether any needs
    // scrubbing (the common answer is no); see Scrubber::Check.
    std::string joined;
    CollectStrings(f.record, joined);
    const auto pre = scrubber_->Check(joined);
    if (pre == redaction::Scrubber::Precheck::kFailed) {
      audit.verdict = Verdict::kDropped;
      audit.reasons.push_back({"", "scrub-failed"});
      e.error = "dropped: the scrubber could not run";
      return e;
    }
    std::string pointer;
    bool scrub_failed = false;
    ScrubValue(f.record, pointer, audit, scrub_failed, pre == redaction::Scrubber::Precheck::kCandidates);
    if (scrub_failed) {
      // Fail closed: a string the scrubber could not read never leaves.
      audit.verdict = Verdict::kDropped;
      e.error = "dropped: a string could not be scrubbed";
      return e;
    }

    // Free text: quoted spans go, then the length bound (after scrubbing, so
    // a cut never leaves half a secret unrecognised).
    json& out_props = f.record["properties"];
    for (const auto& spec : allowlist_->Fields(kind)) {
      if (spec.cls != FieldClass::kFreeText && spec.cls != FieldClass::kFreeTextList) continue;
      auto it = out_props.find(spec.name);
      if (it == out_props.end()) continue;
      auto bound = [&](json& s, const std::string& ptr) {
        if (!s.is_string()) return;
        std::string text = s.get<std::string>();
        if (const int n = RE2::GlobalReplace(&text, QuotedSpanRe(), R"(\1[REDACTED:quoted-text])"); n > 0) {
          audit.redactions.push_back({"quoted-text", ptr, static_cast<std::size_t>(n)});
        }
        if (text.size() > spec.max_length) {
          text = std::string(redaction::TruncateUtf8(text, spec.max_length)) +
                 std::string(AllowList::kTruncationMark);
          audit.redactions.push_back({"truncated", ptr, 1});
        }
        s = std::move(text);
      };
      const std::string base = "/properties/" + spec.name;
      if (it->is_array()) {
        for (std::size_t i = 0; i < it->size(); ++i) bound((*it)[i], base + "/" + std::to_string(i));
      } else {
        bound(*it, base);
      }
    }

    json body = {{"records", json::array({std::move(f.record)})}};
    if (auto r = schemas_->ValidateOutput(kind, body); !r.empty()) {
      audit.verdict = Verdict::kDropped;
      for (auto& x : r) x.keyword = "output-gate:" + x.keyword;
      e.error = "dropped by the output gate: " + DescribeReasons(r);
      audit.reasons.insert(audit.reasons.end(), r.begin(), r.end());
      return e;
    }
    std::string bytes = SerializeCompact(body);
    bool wire_failed = false;
    const std::string_view hit = scrubber_->FindCredential(bytes, &wire_failed);
    if (wire_failed || !hit.empty()) {
      audit.verdict = Verdict::kDropped;
      const std::string kw = wire_failed ? "wire-check:failed" : "wire-check:" + std::string(hit);
      audit.reasons.push_back({"", kw});
      e.error = "dropped by the wire check: " + kw;
      return e;
    }
    audit.verdict = Verdict::kSent;
    e.body = std::move(bytes);
  } catch (...) {
    audit.verdict = Verdict::kDropped;
    audit.reasons.push_back({"", "internal"});
    e.body.clear();
    e.error = "dropped: internal error";
  }
  return e;
}

}  // namespace telguard
