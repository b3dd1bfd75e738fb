#include "cli/run_lines.h"

namespace telguard::cli {

bool RunLines(const Pipeline& pipeline, LineReader& reader, std::FILE* audit,
              const std::function<void(EventOutcome&)>& sink, RunStats* stats, const Observer& observe) {
  std::string line;
  std::uint64_t line_no = 0;
  for (;;) {
    const LineReader::Status st = reader.Next(&line, &line_no);
    if (st == LineReader::Status::kEnd) return true;
    if (st == LineReader::Status::kError) {
      std::fprintf(stderr, "telguard: input: %s\n", reader.error().c_str());
      return false;
    }
    LineOutcome outcome;
    if (st == LineReader::Status::kTooLong) {
      EventOutcome e;
      e.audit.line = line_no;
      e.audit.verdict = Verdict::kRejected;
      e.audit.reasons.push_back({"", "line-length"});
      e.error = "line longer than " + std::to_string(pipeline.limits().max_line_bytes) + " bytes";
      outcome.events.push_back(std::move(e));
    } else {
      // Blank lines separate nothing and are not events.
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      outcome = pipeline.ProcessLine(line, line_no);
    }
    for (EventOutcome& e : outcome.events) {
      if (e.audit.verdict == Verdict::kSent) sink(e);
      switch (e.audit.verdict) {
        case Verdict::kSent: ++stats->sent; break;
        case Verdict::kRejected: ++stats->rejected; break;
        case Verdict::kDropped: ++stats->dropped; break;
      }
      for (const auto& s : e.audit.stripped) ++stats->stripped[s];
      for (const auto& r : e.audit.redactions) stats->redactions[r.rule] += r.count;
      if (!e.error.empty()) {
        if (e.audit.record >= 0) {
          std::fprintf(stderr, "telguard: line %llu record %lld: %s\n",
                       static_cast<unsigned long long>(e.audit.line),
                       static_cast<long long>(e.audit.record), e.error.c_str());
        } else {
          std::fprintf(stderr, "telguard: line %llu: %s\n", static_cast<unsigned long long>(e.audit.line),
                       e.error.c_str());
        }
      }
      if (audit != nullptr) {
        const std::string a = e.audit.ToJsonLine();
        std::fprintf(audit, "%s\n", a.c_str());
      }
      if (observe) observe(e, st == LineReader::Status::kTooLong ? std::string_view() : std::string_view(line));
    }
  }
}

void PrintSummary(const char* command, const RunStats& stats, std::FILE* out) {
  std::fprintf(out, "telguard %s: %zu events: %zu sent, %zu rejected, %zu dropped\n", command,
               stats.sent + stats.rejected + stats.dropped, stats.sent, stats.rejected, stats.dropped);
  if (!stats.stripped.empty()) {
    std::fprintf(out, "  removed fields:");
    for (const auto& [p, n] : stats.stripped) std::fprintf(out, " %s (%zu)", p.c_str(), n);
    std::fprintf(out, "\n");
  }
  if (!stats.redactions.empty()) {
    std::fprintf(out, "  redactions:");
    for (const auto& [r, n] : stats.redactions) std::fprintf(out, " %s (%zu)", r.c_str(), n);
    std::fprintf(out, "\n");
  }
}

PipelineOptions FreeTextOptions(const std::string& mode) {
  PipelineOptions p;
  if (!mode.empty()) p.free_text = redaction::ParseFreeTextMode(mode);
  return p;
}

}  // namespace telguard::cli
