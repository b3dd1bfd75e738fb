// The benchmark event: a ~0.5 KB tool event with an error text, ids, a
// field the allow-list drops and a nested one. Shared by pipeline_bench and
// per_event_main (which is also compiled against older trees), so every
// per-event figure is for the same bytes. Needs only nlohmann/json.
#ifndef TELGUARD_BENCH_BENCH_EVENT_H_
#define TELGUARD_BENCH_BENCH_EVENT_H_

#include <string>

#include <nlohmann/json.hpp>

namespace telguard::bench {

inline std::string Event() {
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

}  // namespace telguard::bench

#endif  // TELGUARD_BENCH_BENCH_EVENT_H_
