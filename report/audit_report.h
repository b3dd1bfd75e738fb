// The reviewer's report: one self-contained HTML page built from value-free
// audit records (pipeline/audit.h), for `telguard report` and the gateway's
// --report.
//
// What the page shows: events by kind and verdict; input fields removed, by
// pointer; redactions by rule (with the rule's class) and by field; free-text
// fields turned into a class or a template; pseudonymised fields; rejected
// and dropped events with their reasons; a timeline. Charts are inline SVG.
//
// Contract:
// - Value-free by default: the page holds only what audit records hold
//   (counts, rule ids and classes, JSON pointers, schema keywords, event
//   kinds, verdicts, line numbers) and event times for the timeline. Rule
//   ids not in the catalogue are shown as "(unknown rule)", pointers and
//   keywords are cut at 200 bytes, every string is HTML-escaped.
// - AddDiff() is the one way raw values get in, for `--local-diff`; Html()
//   shows them only with HtmlOptions::local_diff, under a banner saying so.
// - Self-contained: no script, no external stylesheet, font, image or link;
//   a Content-Security-Policy of default-src 'none' (inline styles only)
//   keeps a browser from fetching anything.
// - Bounded memory whatever the number of events: per-kind, per-rule and
//   per-pointer counters, a timeline of at most kMaxTimeBuckets minutes and
//   line buckets, at most kMaxListed rejected events and kMaxDiffs diffs
//   listed (the counts stay exact).
// Thread-safety: none; a caller that adds from several threads locks.
// Cost: Add is a few map updates; Html is linear in the counters.
#ifndef TELGUARD_REPORT_AUDIT_REPORT_H_
#define TELGUARD_REPORT_AUDIT_REPORT_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pipeline/audit.h"

namespace telguard::report {

inline constexpr std::size_t kMaxListed = 1000;
inline constexpr std::size_t kMaxDiffs = 500;
inline constexpr std::size_t kMaxTimeBuckets = 100000;

struct HtmlOptions {
  std::string title = "telguard audit report";
  std::string source;       // what was read, e.g. a file name ("" = not shown)
  bool local_diff = false;  // show the before/after view (raw values)
};

class AuditReport {
 public:
  // One event's audit record. `timestamp_ms`: the event's own time when known
  // (a sent body's event_timestamp), else 0: the event is placed at the time
  // of the event before it, or by input line when no time is known at all.
  void Add(const AuditRecord& r, std::int64_t timestamp_ms = 0);

  // One line of an audit file as check/send/gateway write it
  // (AuditRecord::ToJsonLine). False and *error (value-free) when it is not
  // one; nothing is counted then.
  bool AddJsonLine(std::string_view line, std::string* error);

  // Raw input and output of one event, for --local-diff only. Each side is
  // cut at 4 KiB; after kMaxDiffs events nothing more is kept.
  void AddDiff(std::uint64_t line, std::int64_t record, std::string_view before, std::string_view after);

  std::string Html(const HtmlOptions& options) const;

  std::size_t events() const { return events_; }

 private:
  struct Verdicts {
    std::size_t sent = 0, rejected = 0, dropped = 0;
    std::size_t total() const { return sent + rejected + dropped; }
    void Add(Verdict v);
  };
  struct Listed {
    std::uint64_t line;
    std::int64_t record;
    std::string event;
    Verdict verdict;
    std::vector<AuditReason> reasons;
  };
  struct Diff {
    std::uint64_t line;
    std::int64_t record;
    std::string before, after;
  };

  std::size_t events_ = 0;
  std::map<std::string, Verdicts> by_kind_;
  std::map<std::string, std::size_t> stripped_;                         // pointer -> events
  std::map<std::string, std::pair<std::size_t, std::size_t>> by_rule_;  // rule -> (matches, events)
  std::map<std::string, std::size_t> by_field_;                         // pointer -> matches
  std::map<std::pair<std::string, std::string>, std::size_t> rule_field_;  // (rule, pointer) -> matches
  std::map<std::string, std::size_t> reasons_;                          // keyword -> events
  std::map<std::string, std::size_t> delivery_;                         // delivery -> events
  std::vector<Listed> listed_;
  std::size_t not_listed_ = 0;
  std::map<std::int64_t, Verdicts> by_minute_;
  std::map<std::uint64_t, Verdicts> by_line_;  // line / 100
  std::int64_t last_time_ = 0;
  std::size_t untimed_ = 0;  // events placed by no time (none known yet)
  std::vector<Diff> diffs_;
  std::size_t diffs_dropped_ = 0;
};

}  // namespace telguard::report

#endif  // TELGUARD_REPORT_AUDIT_REPORT_H_
