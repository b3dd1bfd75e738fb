// telguard report: the reviewer's HTML page (report/audit_report.h) from
// events run through the pipeline (as `check` does) or from audit records an
// earlier check, send or gateway run wrote.
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/input.h"
#include "cli/run_lines.h"
#include "client/local_files.h"
#include "report/audit_report.h"

namespace telguard::cli {
namespace {

struct ReportOptions {
  std::string input = "-";
  std::string from_audit;  // read audit records instead of events
  std::string audit;       // also write the audit records (as check does)
  std::string output;
  bool local_diff = false;
};

// The event's own time from a request body ({"records":[{"event_timestamp":..}]}), or 0.
std::int64_t BodyTime(const std::string& body) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("records") || !j["records"].is_array() || j["records"].empty()) return 0;
  const auto& r = j["records"][0];
  if (!r.is_object() || !r.contains("event_timestamp") || !r["event_timestamp"].is_number_integer()) return 0;
  return r["event_timestamp"].get<std::int64_t>();
}

// Events through the pipeline; false when the input could not be read.
bool FromEvents(const ReportOptions& o, report::AuditReport* rep, int* rc) {
  std::string err;
  auto pipeline = Pipeline::Create({}, &err);
  if (!pipeline) {
    std::fprintf(stderr, "telguard report: %s\n", err.c_str());
    *rc = kExitInput;
    return false;
  }
  InputSource in;
  if (auto e = OpenInput(o.input, &in)) {
    std::fprintf(stderr, "telguard report: %s\n", e->c_str());
    *rc = kExitInput;
    return false;
  }
  std::FILE* audit = nullptr;
  if (!o.audit.empty() && (audit = OpenAudit(o.audit, &err)) == nullptr) {
    std::fprintf(stderr, "telguard report: %s\n", err.c_str());
    *rc = kExitInput;
    return false;
  }
  HintIfTerminal("report", in);
  LineReader reader(in.fd, pipeline->limits().max_line_bytes);
  RunStats stats;
  const bool ok = RunLines(*pipeline, reader, audit, [](EventOutcome&) {}, &stats,
                           [&](const EventOutcome& e, std::string_view raw) {
                             rep->Add(e.audit, e.body.empty() ? 0 : BodyTime(e.body));
                             if (o.local_diff) {
                               rep->AddDiff(e.audit.line, e.audit.record, raw,
                                            e.body.empty() ? "not sent: " + e.error : e.body);
                             }
                           });
  CloseAudit(audit);
  if (!ok) *rc = kExitInput;
  return ok;
}

// Audit records (JSON lines); a bad line is named and skipped.
bool FromAudit(const ReportOptions& o, report::AuditReport* rep, int* rc) {
  InputSource in;
  if (auto e = OpenInput(o.from_audit, &in)) {
    std::fprintf(stderr, "telguard report: %s\n", e->c_str());
    *rc = kExitInput;
    return false;
  }
  HintIfTerminal("report", in);
  LineReader reader(in.fd, 1u << 20);
  std::string line, err;
  std::uint64_t line_no = 0;
  for (;;) {
    const auto st = reader.Next(&line, &line_no);
    if (st == LineReader::Status::kEnd) return true;
    if (st == LineReader::Status::kError) {
      std::fprintf(stderr, "telguard report: %s: %s\n", in.name.c_str(), reader.error().c_str());
      *rc = kExitInput;
      return false;
    }
    if (st == LineReader::Status::kTooLong) {
      std::fprintf(stderr, "telguard report: %s line %llu: longer than 1048576 bytes, skipped\n", in.name.c_str(),
                   static_cast<unsigned long long>(line_no));
      continue;
    }
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (!rep->AddJsonLine(line, &err)) {
      std::fprintf(stderr, "telguard report: %s line %llu: %s, skipped\n", in.name.c_str(),
                   static_cast<unsigned long long>(line_no), err.c_str());
    }
  }
}

int RunReport(const ReportOptions& o) {
  report::AuditReport rep;
  int rc = kExitOk;
  const bool ok = o.from_audit.empty() ? FromEvents(o, &rep, &rc) : FromAudit(o, &rep, &rc);
  if (!ok && rep.events() == 0) return rc;
  report::HtmlOptions h;
  h.source = o.from_audit.empty() ? (o.input == "-" ? "stdin" : o.input) : o.from_audit + " (audit records)";
  h.local_diff = o.local_diff;
  const std::string html = rep.Html(h);
  std::string err;
  if (o.output == "-") {
    std::fwrite(html.data(), 1, html.size(), stdout);
  } else if (!WriteFileAtomic(o.output, html, &err)) {
    std::fprintf(stderr, "telguard report: %s\n", err.c_str());
    return kExitInput;
  }
  std::fprintf(stderr, "telguard report: %zu events; %s%s\n", rep.events(),
               o.output == "-" ? "page written to stdout" : ("page written to " + o.output).c_str(),
               o.local_diff ? " (with raw values: --local-diff)" : " (value-free)");
  return rc;
}

}  // namespace

void AddReport(Cli& cli) {
  auto o = std::make_shared<ReportOptions>();
  CLI::App* c = cli.Add("report",
                        "write a self-contained HTML page for a reviewer: what the events carried and what was "
                        "removed (value-free unless --local-diff)",
                        [o] { return RunReport(*o); });
  CLI::Option* input = AddInputOption(c, &o->input);
  CLI::Option* from = c->add_option("--from-audit", o->from_audit,
                                    "build the page from audit records (check/send/gateway --audit) instead of events")
                          ->type_name("PATH|-")
                          ->excludes(input);
  c->add_option("--audit", o->audit, "also write one value-free audit record per event to PATH (- for stdout)")
      ->type_name("PATH|-")
      ->excludes(from);
  c->add_option("--output", o->output, "where the HTML page goes (- for stdout); written atomically, mode 0600")
      ->type_name("PATH|-")
      ->required();
  c->add_flag("--local-diff", o->local_diff,
              "add a before/after view of each event: RAW VALUES, for your own eyes only (a banner says so)")
      ->excludes(from);
}

}  // namespace telguard::cli
