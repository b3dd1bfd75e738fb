// The loop shared by `check` and `send`: read capped lines, run each through
// the pipeline, report bad lines on stderr (line number and why, never the
// content), write audit records, hand each accepted event to a sink.
#ifndef TELGUARD_CLI_RUN_LINES_H_
#define TELGUARD_CLI_RUN_LINES_H_

#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "pipeline/line_reader.h"
#include "pipeline/pipeline.h"

namespace telguard::cli {

struct RunStats {
  std::size_t sent = 0, rejected = 0, dropped = 0;
  std::map<std::string, std::size_t> stripped;    // pointer -> times
  std::map<std::string, std::size_t> redactions;  // rule -> count
};

// Returns false when the input could not be read (after processing what
// could be). `sink` gets every event with verdict kSent and may change its
// audit record (the sender sets the delivery result) before it is written.
// `observe`, when set, sees every event (any verdict) after the sink, with
// the raw input line it came from (the report's --local-diff needs it; raw:
// never print it elsewhere).
using Observer = std::function<void(const EventOutcome&, std::string_view raw_line)>;
bool RunLines(const Pipeline& pipeline, LineReader& reader, std::FILE* audit,
              const std::function<void(EventOutcome&)>& sink, RunStats* stats, const Observer& observe = {});

// "12 events: 10 sent, 1 rejected, 1 dropped" plus what was removed.
void PrintSummary(const char* command, const RunStats& stats, std::FILE* out);

// The pipeline options of check and send: --free-text MODE for every
// free-text field (class, template or scrub); empty: each field's own mode.
PipelineOptions FreeTextOptions(const std::string& mode);

}  // namespace telguard::cli

#endif  // TELGUARD_CLI_RUN_LINES_H_
