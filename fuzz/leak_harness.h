// What the two pipeline leak fuzzers (pipeline_leak: scrub mode, format_free_leak:
// class and template modes) share, so there is one copy: a valid record of a
// random kind, planting a value at one of the places both use, the run of a
// line through a pipeline, a debug log and an in-memory sender, and the
// oracle's check of every output.
//
// The record generator consumes the FuzzedDataProvider in a fixed order
// (kind, then that kind's fields): committed corpora keep meaning the same
// record. Not for other fuzzers: it links the pipeline and the sender.
#ifndef TELGUARD_FUZZ_LEAK_HARNESS_H_
#define TELGUARD_FUZZ_LEAK_HARNESS_H_

#include <fuzzer/FuzzedDataProvider.h>

#include <initializer_list>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzz/leak_oracle.h"
#include "pipeline/pipeline.h"

namespace telguard::fuzz {

// One of `options`, chosen by the input.
std::string Pick(FuzzedDataProvider& fdp, std::initializer_list<const char*> options);

// A valid event of a random kind (command, tool, token, session start or
// end), with the envelope, before anything is planted.
nlohmann::json ValidRecord(FuzzedDataProvider& fdp);

// Plants `planted` (or `value`: planted with separators around it, for text
// fields) at `where`: "error", "errors", "session_id", "parent_session_id",
// "user_uuid", "unknown", "nested", "args", "key" or "envelope". False (and
// nothing planted) for any other place: the caller plants it.
bool PlantAt(nlohmann::json& record, const std::string& where, const std::string& planted, const std::string& value);

// Everything the pipeline wrote for one line.
struct Outputs {
  std::string bodies;     // request bodies, as an in-memory sender got them
  std::string debug_log;  // the debug log of those sends
  std::string audit;      // audit records, one JSON line each
  std::string errors;     // error messages
};
Outputs RunThrough(const Pipeline& pipeline, const std::string& line);

// Traps (Trap) when any output holds a canary (Leaks); the message starts
// with `label` and names the output, the input line and that output.
void CheckNoLeak(const Outputs& out, const std::vector<Canary>& canaries, const std::string& label,
                 const std::string& line, const std::string& background = "");

}  // namespace telguard::fuzz

#endif  // TELGUARD_FUZZ_LEAK_HARNESS_H_
