#include "fuzz/leak_harness.h"

#include <cstdio>
#include <cstdlib>

#include "sender/sinks.h"

namespace telguard::fuzz {
namespace {

using json = nlohmann::json;

// In-memory sender: keeps every body it is given.
class MemorySender final : public sender::Sender {
 public:
  sender::SendResult Send(std::string_view body) noexcept override {
    bodies.append(body).push_back('\n');
    return {sender::Delivery::kDelivered, "", 200};
  }
  std::string bodies;
};

}  // namespace

std::string Pick(FuzzedDataProvider& fdp, std::initializer_list<const char*> options) {
  const std::size_t i = fdp.ConsumeIntegralInRange<std::size_t>(0, options.size() - 1);
  return *(options.begin() + static_cast<std::ptrdiff_t>(i));
}

json ValidRecord(FuzzedDataProvider& fdp) {
  const std::string kind = Pick(fdp, {"command", "tool", "token", "session_start", "session_end"});
  json props;
  std::string wire = kind;
  if (kind == "command") {
    props = {{"action", "run"}, {"args", json::array({"--yolo"})}, {"is_success", fdp.ConsumeBool()}};
  } else if (kind == "tool") {
    props = {{"action", "call"}, {"session_id", "s1"}, {"agent_name", "root"}, {"tool_name", "shell"},
             {"duration_ms", fdp.ConsumeIntegralInRange<int>(0, 100000)}, {"is_success", fdp.ConsumeBool()}};
  } else if (kind == "token") {
    props = {{"action", "usage"}, {"session_id", "s1"}, {"agent_name", "root"}, {"model_name", "gpt-4o"},
             {"input_tokens", fdp.ConsumeIntegralInRange<int>(0, 100000)}, {"output_tokens", 5}};
  } else {
    wire = "session";
    props = {{"action", kind == "session_start" ? "start" : "end"}, {"session_id", "s1"}, {"agent_name", "root"},
             {"duration_ms", 10}, {"is_success", true}};
    if (kind == "session_start") {
      props.erase("duration_ms");
      props.erase("is_success");
    }
  }
  return {{"event", wire}, {"event_timestamp", 1764021600000}, {"source", "agentcli"}, {"properties", props}};
}

bool PlantAt(json& record, const std::string& where, const std::string& planted, const std::string& value) {
  json& p = record["properties"];
  if (where == "error") {
    p["error"] = "request failed:" + value + "after retry";
  } else if (where == "errors") {
    record["event"] = "session";
    p["action"] = "end";
    p["duration_ms"] = 1;
    p["is_success"] = false;
    p["error"] = json::array({"first", "boom:" + value});
  } else if (where == "session_id" || where == "parent_session_id" || where == "user_uuid") {
    p[where] = planted;
  } else if (where == "unknown") {
    p["note"] = value;
  } else if (where == "nested") {
    p["extra"] = {{"deep", {{"x", json::array({1, value})}}}};
  } else if (where == "args") {
    record["event"] = "command";
    p["action"] = "run";
    p["is_success"] = true;
    p["args"] = json::array({"--model=" + planted, planted, "--", planted});
  } else if (where == "key") {
    p[planted] = 1;
  } else if (where == "envelope") {
    record[planted] = "x";
    record["tags"] = {{"team", value}};
  } else {
    return false;
  }
  return true;
}

Outputs RunThrough(const Pipeline& pipeline, const std::string& line) {
  Outputs out;
  MemorySender memory;
  char* log_buf = nullptr;
  std::size_t log_len = 0;
  std::FILE* log = open_memstream(&log_buf, &log_len);
  sender::DebugLogSender debug(log, &memory);
  for (const auto& e : pipeline.ProcessLine(line, 1).events) {
    if (e.audit.verdict == Verdict::kSent) (void)debug.Send(e.body);
    out.audit += e.audit.ToJsonLine() + "\n";
    out.errors += e.error + "\n";
  }
  std::fclose(log);
  out.debug_log.assign(log_buf, log_len);
  std::free(log_buf);
  out.bodies = std::move(memory.bodies);
  return out;
}

void CheckNoLeak(const Outputs& out, const std::vector<Canary>& canaries, const std::string& label,
                 const std::string& line, const std::string& background) {
  const std::pair<const std::string*, const char*> outputs[] = {{&out.bodies, "a request body"},
                                                                {&out.debug_log, "the debug log"},
                                                                {&out.audit, "an audit record"},
                                                                {&out.errors, "an error message"}};
  std::string which;
  for (const auto& [text, name] : outputs) {
    if (Leaks(*text, canaries, &which, background)) {
      Trap(label + which + " left through " + name + "\n input line: " + line + "\n output: " + *text);
    }
  }
}

}  // namespace telguard::fuzz
