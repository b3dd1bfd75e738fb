// One benchmark event through the pipeline of whichever tree this file is
// compiled against, with its default options (or -DMODE=kScrub|kTemplate|
// kClass on a tree that has the free-text policy): the same event and count
// for every tree, so bench/free_text_vs_before.sh can compare a build of
// today's tree with the scrub-only pipeline from before the policy, in the
// same run. Runs 200 warm-up events, then N (argv[1], default 1000).
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "pipeline/pipeline.h"

namespace {

// The event of bench/pipeline_bench.cc (error text, ids, a nested field).
std::string Event() {
  const nlohmann::json e = {
      {"event", "tool"},
      {"event_timestamp", 1764021602300},
      {"source", "agentcli"},
      {"properties",
       {{"action", "call"},
        {"session_id", "s-7f3a9c"},
        {"agent_name", "root"},
        {"tool_name", "read_file"},
        {"duration_ms", 3},
        {"is_success", false},
        {"error", "open /home/alice/src/shop/.env: permission denied while reading the configuration "
                  "for the staging deployment, retry 3 of 5 after 250ms"},
        {"user_uuid", "5f0c6e2a-8d1b-4c3e-9a7f-2b4d6e8f0a1c"},
        {"version", "1.18.3"},
        {"os", "linux"},
        {"os_language", "en_US.UTF-8"},
        {"team", "payments"},
        {"extra", {{"trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"}, {"span", 7}}}}}};
  return e.dump();
}

}  // namespace

int main(int argc, char** argv) {
  telguard::PipelineOptions o;
#ifdef MODE
  o.free_text = telguard::redaction::FreeTextMode::MODE;
#endif
  std::string err;
  auto p = telguard::Pipeline::Create(o, &err);
  if (!p) {
    std::fprintf(stderr, "per_event: %s\n", err.c_str());
    return 1;
  }
  const std::string line = Event();
  const long n = argc > 1 ? std::atol(argv[1]) : 1000;
  std::size_t bytes = 0;
  for (long i = 0; i < 200 + n; ++i) {
    for (const auto& ev : p->ProcessLine(line, 1).events) bytes += ev.body.size();
  }
  std::printf("%zu bytes sent\n", bytes);
  return bytes > 0 ? 0 : 1;
}
