#include "report/audit_report.h"

#include <algorithm>
#include <ctime>
#include <tuple>

#include <nlohmann/json.hpp>

#include "redaction/value_rules.h"
#include "report/html.h"

namespace telguard::report {
namespace {

constexpr std::size_t kMaxField = 200;     // pointer, keyword, rule id: longer is cut
constexpr std::size_t kMaxDiffSide = 4096;  // --local-diff: bytes of each side kept
constexpr std::size_t kMaxTimelineBars = 48;
constexpr std::int64_t kMinuteMs = 60000;

std::string N(std::size_t n) { return std::to_string(n); }

std::string_view RuleClass(std::string_view rule) {
  for (const auto& e : redaction::RuleCatalogue()) {
    if (e.id == rule) return e.cls;
  }
  return {};
}

std::string Cut(std::string_view s) { return std::string(s.substr(0, kMaxField)); }

std::string KindName(const std::string& event) { return event.empty() ? "(unreadable)" : event; }

std::string Utc(std::int64_t minute) {
  const std::time_t t = static_cast<std::time_t>(minute * 60);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

// Merges consecutive buckets so at most kMaxTimelineBars remain.
template <typename Key, typename Counts, typename LabelFn>
std::vector<Stack> Bucketise(const std::map<Key, Counts>& in, Key step, LabelFn label) {
  std::vector<Stack> out;
  if (in.empty()) return out;
  const Key first = in.begin()->first, last = in.rbegin()->first;
  const Key span = last - first + 1;
  const Key width = std::max<Key>(1, (span + static_cast<Key>(kMaxTimelineBars) - 1) / static_cast<Key>(kMaxTimelineBars));
  for (Key k = first; k <= last; k += width) {
    Stack s;
    s.label = label(k, k + width - 1, step);
    for (auto it = in.lower_bound(k); it != in.end() && it->first < k + width; ++it) {
      s.sent += it->second.sent;
      s.rejected += it->second.rejected;
      s.dropped += it->second.dropped;
    }
    out.push_back(std::move(s));
  }
  return out;
}

const char* kStyle =
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;max-width:980px;color:#1b1b1b}"
    "h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc;padding-bottom:4px}"
    "table{border-collapse:collapse;margin:8px 0 16px}th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;"
    "font-size:.9em}th{background:#f3f3f3}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
    ".cards{display:flex;flex-wrap:wrap;gap:12px}.card{border:1px solid #ddd;border-radius:6px;padding:8px 14px;"
    "min-width:110px}.card b{display:block;font-size:1.6em}.note,.none,.legend{color:#555;font-size:.9em}"
    ".valuefree{background:#e8f5e9;border:1px solid #a5d6a7;padding:8px 12px;border-radius:6px}"
    ".banner{background:#ffebee;border:2px solid #c62828;color:#b71c1c;padding:10px 14px;border-radius:6px;"
    "font-weight:bold}svg text{font-size:12px;fill:#1b1b1b}figure{margin:8px 0 16px}figcaption{font-weight:600}"
    "pre{white-space:pre-wrap;word-break:break-all;background:#fafafa;border:1px solid #eee;padding:6px;margin:0}"
    ".diff td{vertical-align:top;width:50%}";

}  // namespace

void AuditReport::Verdicts::Add(Verdict v) {
  switch (v) {
    case Verdict::kSent: ++sent; break;
    case Verdict::kRejected: ++rejected; break;
    case Verdict::kDropped: ++dropped; break;
  }
}

void AuditReport::Add(const AuditRecord& r, std::int64_t timestamp_ms) {
  ++events_;
  by_kind_[Cut(r.event)].Add(r.verdict);
  for (const auto& p : r.stripped) ++stripped_[Cut(p)];
  std::map<std::string, bool> rules_here;
  for (const auto& x : r.redactions) {
    const std::string rule = redaction::IsCataloguedRule(x.rule) ? x.rule : "(unknown rule)";
    by_rule_[rule].first += x.count;
    rules_here[rule] = true;
    by_field_[Cut(x.pointer)] += x.count;
    rule_field_[{rule, Cut(x.pointer)}] += x.count;
  }
  for (const auto& [rule, _] : rules_here) ++by_rule_[rule].second;
  if (r.verdict != Verdict::kSent) {
    for (const auto& x : r.reasons) ++reasons_[Cut(x.keyword)];
    if (listed_.size() < kMaxListed) {
      Listed l{r.line, r.record, Cut(r.event), r.verdict, {}};
      for (const auto& x : r.reasons) l.reasons.push_back({Cut(x.pointer), Cut(x.keyword)});
      listed_.push_back(std::move(l));
    } else {
      ++not_listed_;
    }
  }
  if (!r.delivery.empty()) ++delivery_[Cut(r.delivery)];
  if (timestamp_ms > 0) last_time_ = timestamp_ms;
  if (last_time_ > 0) {
    const std::int64_t minute = last_time_ / kMinuteMs;
    if (by_minute_.size() < kMaxTimeBuckets || by_minute_.count(minute)) by_minute_[minute].Add(r.verdict);
  } else {
    ++untimed_;
  }
  const std::uint64_t line_bucket = r.line / 100;
  if (by_line_.size() < kMaxTimeBuckets || by_line_.count(line_bucket)) by_line_[line_bucket].Add(r.verdict);
}

bool AuditReport::AddJsonLine(std::string_view line, std::string* error) {
  const auto j = nlohmann::json::parse(line, nullptr, false);
  if (!j.is_object() || !j.contains("verdict") || !j["verdict"].is_string()) {
    *error = "not an audit record (a JSON object with a \"verdict\")";
    return false;
  }
  try {
    AuditRecord r;
    r.line = j.value("line", std::uint64_t{0});
    r.record = j.value("record", std::int64_t{-1});
    if (j.contains("event") && j["event"].is_string()) r.event = j["event"].get<std::string>();
    const std::string v = j["verdict"].get<std::string>();
    if (v == "sent") {
      r.verdict = Verdict::kSent;
    } else if (v == "rejected") {
      r.verdict = Verdict::kRejected;
    } else if (v == "dropped") {
      r.verdict = Verdict::kDropped;
    } else {
      *error = "unknown verdict";
      return false;
    }
    for (const auto& x : j.value("reasons", nlohmann::json::array())) {
      r.reasons.push_back({x.value("pointer", ""), x.value("keyword", "")});
    }
    for (const auto& p : j.value("stripped", nlohmann::json::array())) r.stripped.push_back(p.get<std::string>());
    for (const auto& x : j.value("redactions", nlohmann::json::array())) {
      r.redactions.push_back({x.value("rule", ""), x.value("pointer", ""), x.value("count", std::size_t{0})});
    }
    r.delivery = j.value("delivery", "");
    Add(r);
    return true;
  } catch (const nlohmann::json::exception&) {
    *error = "an audit record field has the wrong type";
    return false;
  }
}

void AuditReport::AddDiff(std::uint64_t line, std::int64_t record, std::string_view before, std::string_view after) {
  if (diffs_.size() >= kMaxDiffs) {
    ++diffs_dropped_;
    return;
  }
  diffs_.push_back({line, record, std::string(before.substr(0, kMaxDiffSide)), std::string(after.substr(0, kMaxDiffSide))});
}

std::string AuditReport::Html(const HtmlOptions& o) const {
  Verdicts all;
  for (const auto& [_, v] : by_kind_) {
    all.sent += v.sent;
    all.rejected += v.rejected;
    all.dropped += v.dropped;
  }
  std::size_t removed = 0, matches = 0;
  for (const auto& [_, n] : stripped_) removed += n;
  for (const auto& [_, mr] : by_rule_) matches += mr.first;

  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
      "<meta name=\"referrer\" content=\"no-referrer\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>" +
      Escape(o.title) + "</title><style>" + kStyle + "</style></head><body>\n";
  const bool diff = o.local_diff && !diffs_.empty();
  if (diff) {
    h += "<div id=\"raw-values-banner\" class=\"banner\">This page contains RAW VALUES from the events (the "
         "before/after view of --local-diff): secrets and personal data as they were before telguard removed them. "
         "Keep it on this machine; do not attach or share it.</div>\n";
  }
  h += "<h1>" + Escape(o.title) + "</h1>";
  if (!o.source.empty()) h += "<p>Input: <code>" + Escape(o.source) + "</code></p>";
  if (!diff) {
    h += "<p id=\"value-free\" class=\"valuefree\">Value-free: this page holds counts, event kinds, verdicts, rule "
         "ids and classes, JSON pointers, schema keywords, input line numbers and event times, never a value from the "
         "events. It can be attached to a compliance ticket.</p>";
  }

  h += "<h2 id=\"summary\">Summary</h2><div class=\"cards\">";
  for (const auto& [label, n, id] : {std::tuple{"events", events_, "events"}, std::tuple{"sent", all.sent, "sent"},
                                     std::tuple{"rejected", all.rejected, "rejected"},
                                     std::tuple{"dropped", all.dropped, "dropped"},
                                     std::tuple{"fields removed", removed, "removed"},
                                     std::tuple{"redactions", matches, "redactions"}}) {
    h += std::string("<div class=\"card\" id=\"card-") + id + "\" data-value=\"" + N(n) + "\"><b>" + N(n) + "</b>" +
         label + "</div>";
  }
  h += "</div>";
  if (!delivery_.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& [d, n] : delivery_) rows.push_back({d, N(n)});
    h += "<p>Delivery (send, gateway):</p>" + Table("t-delivery", {"delivery", "events"}, rows, {false, true});
  }

  h += "<h2 id=\"kinds\">Events by kind and verdict</h2>";
  {
    std::vector<Stack> stacks;
    std::vector<std::vector<std::string>> rows;
    for (const auto& [k, v] : by_kind_) {
      stacks.push_back({KindName(k), v.sent, v.rejected, v.dropped});
      rows.push_back({KindName(k), N(v.sent), N(v.rejected), N(v.dropped), N(v.total())});
    }
    h += StackedBarChart("chart-kinds", "Events by kind", stacks);
    h += Table("t-kinds", {"kind", "sent", "rejected", "dropped", "total"}, rows, {false, true, true, true, true});
  }

  h += "<h2 id=\"removed\">Fields removed, by path</h2><p class=\"note\">Input fields outside the allow-list; "
       "\"*\" stands for a key that is not a declared name (a key can carry data too).</p>";
  {
    std::vector<Bar> bars;
    std::vector<std::vector<std::string>> rows;
    for (const auto& [p, n] : stripped_) {
      bars.push_back({p, n});
      rows.push_back({p, N(n)});
    }
    h += BarChart("chart-removed", "Fields removed, by path", bars);
    h += Table("t-removed", {"pointer", "events"}, rows, {false, true});
  }

  h += "<h2 id=\"rules\">Redactions by rule</h2>";
  {
    std::vector<Bar> bars;
    std::vector<std::vector<std::string>> rows;
    for (const auto& [rule, mr] : by_rule_) {
      bars.push_back({rule, mr.first});
      const std::string_view cls = RuleClass(rule);
      rows.push_back({rule, cls.empty() ? "?" : std::string(cls), N(mr.first), N(mr.second)});
    }
    h += BarChart("chart-rules", "Redactions by rule (matches)", bars);
    h += Table("t-rules", {"rule", "class", "matches", "events"}, rows, {false, false, true, true});
  }

  h += "<h2 id=\"fields\">Redactions by field</h2>";
  {
    std::vector<Bar> bars;
    for (const auto& [p, n] : by_field_) bars.push_back({p, n});
    std::vector<std::vector<std::string>> rows;
    for (const auto& [rf, n] : rule_field_) rows.push_back({rf.second, rf.first, N(n)});
    std::sort(rows.begin(), rows.end());
    h += BarChart("chart-fields", "Redactions by field (matches)", bars);
    h += Table("t-fields", {"pointer", "rule", "matches"}, rows, {false, false, true});
  }

  h += "<h2 id=\"free-text\">Free text turned into a class or a template</h2>";
  {
    std::vector<std::vector<std::string>> rows;
    for (const auto& [rf, n] : rule_field_) {
      if (rf.first == redaction::kRuleClass) rows.push_back({rf.second, "class", N(n)});
      if (rf.first == redaction::kRuleTemplate) rows.push_back({rf.second, "template", N(n)});
    }
    h += Table("t-free-text", {"pointer", "mode", "count"}, rows, {false, false, true});
  }

  h += "<h2 id=\"pseudonyms\">Pseudonymised fields</h2>";
  {
    std::vector<std::vector<std::string>> rows;
    for (const auto& [rf, n] : rule_field_) {
      if (rf.first == redaction::kRulePseudonym) rows.push_back({rf.second, N(n)});
    }
    h += Table("t-pseudonyms", {"pointer", "values replaced by a keyed pseudonym"}, rows, {false, true});
  }

  h += "<h2 id=\"rejected\">Rejected and dropped events, with their reasons</h2>";
  {
    std::vector<Bar> bars;
    for (const auto& [k, n] : reasons_) bars.push_back({k, n});
    h += BarChart("chart-reasons", "Reasons (schema keyword or pipeline reason)", bars);
    std::vector<std::vector<std::string>> rows;
    for (const auto& l : listed_) {
      std::string why;
      for (const auto& x : l.reasons) why += (why.empty() ? "" : "; ") + (x.pointer.empty() ? "(line)" : x.pointer) + ": " + x.keyword;
      rows.push_back({N(l.line), l.record >= 0 ? N(static_cast<std::size_t>(l.record)) : "", KindName(l.event),
                      VerdictName(l.verdict), why});
    }
    h += Table("t-rejected", {"line", "record", "kind", "verdict", "reasons (pointer: keyword)"}, rows,
               {true, true, false, false, false});
    if (not_listed_ > 0) h += "<p class=\"note\">" + N(not_listed_) + " more not listed (counted above)</p>";
  }

  h += "<h2 id=\"timeline\">Timeline</h2>";
  if (!by_minute_.empty()) {
    h += "<p class=\"note\">Events per time bucket (UTC, by the event's own time; a rejected event is placed at "
         "the time of the event before it).</p>";
    h += TimelineChart("chart-timeline", "Events over time",
                       Bucketise(by_minute_, std::int64_t{1}, [](std::int64_t a, std::int64_t b, std::int64_t) {
                         return a == b ? Utc(a) : Utc(a) + " .. " + Utc(b);
                       }));
    if (untimed_ > 0) h += "<p class=\"note\">" + N(untimed_) + " events before the first known time</p>";
  } else {
    h += "<p class=\"note\">No event times known: events in input order, by line.</p>";
    h += TimelineChart("chart-timeline", "Events in input order",
                       Bucketise(by_line_, std::uint64_t{100}, [](std::uint64_t a, std::uint64_t b, std::uint64_t step) {
                         return "lines " + std::to_string(std::max<std::uint64_t>(1, a * step)) + ".." +
                                std::to_string((b + 1) * step - 1);
                       }));
  }

  if (diff) {
    h += "<h2 id=\"diff\">Before and after (raw values)</h2><div class=\"banner\">Raw values below.</div>";
    h += "<table id=\"t-diff\" class=\"diff\"><thead><tr><th>line</th><th>before (input line)</th><th>after "
         "(request body, or why not sent)</th></tr></thead><tbody>";
    for (const auto& d : diffs_) {
      h += "<tr><td class=\"n\">" + N(d.line) + (d.record >= 0 ? "." + N(static_cast<std::size_t>(d.record)) : "") +
           "</td><td><pre>" + Escape(d.before, kMaxDiffSide) + "</pre></td><td><pre>" + Escape(d.after, kMaxDiffSide) +
           "</pre></td></tr>";
    }
    h += "</tbody></table>";
    if (diffs_dropped_ > 0) h += "<p class=\"note\">" + N(diffs_dropped_) + " more events not shown</p>";
  }
  h += "<hr><p class=\"note\">Generated by telguard. No script, no external resource.</p></body></html>\n";
  return h;
}

}  // namespace telguard::report
