// Leak oracle over the whole pipeline in scrub mode (--free-text scrub: the
// deny-list alone; class and template modes have the format-free oracle of
// format_free_leak_fuzzer.cc): an event of any kind with random
// fields, canaries planted at random places in random encodings, run through
// the pipeline, a debug log and an in-memory sender. Traps if any canary, or
// any 16-character window of its secret part, appears in any output byte:
// request bodies, the debug log, audit records, error messages.
//
// Excluded on purpose (SECURITY.md, "Known limits"):
//  - a prompt written unquoted into free text (error): it has no pattern; so
//    prompts go into free text only inside quotes, and raw;
//  - a secret split across two fields, or glued to word characters: every
//    canary is planted whole, between separators;
//  - encodings the scrubber does not decode (hex, look-alike characters).
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdio>
#include <random>

#include <nlohmann/json.hpp>

#include "fuzz/leak_oracle.h"
#include "pipeline/pipeline.h"
#include "redaction/scrubber.h"
#include "sender/sinks.h"

namespace {

using json = nlohmann::json;
using telguard::fuzz::Canary;
using telguard::fuzz::Encoding;

// In-memory sender: keeps every body it is given.
class MemorySender final : public telguard::sender::Sender {
 public:
  telguard::sender::SendResult Send(std::string_view body) noexcept override {
    bodies.append(body).push_back('\n');
    return {telguard::sender::Delivery::kDelivered, "", 200};
  }
  std::string bodies;
};

const telguard::Pipeline& GetPipeline() {
  static const auto* p = [] {
    static std::unique_ptr<telguard::redaction::Scrubber> scrubber;
    telguard::PipelineOptions o;
    o.free_text = telguard::redaction::FreeTextMode::kScrub;
#ifdef TELGUARD_ORACLE_DISABLE_RULE
    // Test build: one rule left out, to show the oracle catches the leak.
    static std::vector<telguard::redaction::Rule> rules;
    for (const auto& r : telguard::redaction::DefaultRules()) {
      if (r.id != TELGUARD_ORACLE_DISABLE_RULE) rules.push_back(r);
    }
    std::string err;
    scrubber = telguard::redaction::Scrubber::Create(rules, {}, &err);
    o.scrubber = scrubber.get();
#endif
    std::string error;
    return telguard::Pipeline::Create(o, &error).release();
  }();
  return *p;
}

std::string Pick(FuzzedDataProvider& fdp, std::initializer_list<const char*> options) {
  const std::size_t i = fdp.ConsumeIntegralInRange<std::size_t>(0, options.size() - 1);
  return *(options.begin() + static_cast<std::ptrdiff_t>(i));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;
  FuzzedDataProvider fdp(data, size);
  std::mt19937_64 rng(fdp.ConsumeIntegral<std::uint64_t>());
  const auto rules = telguard::redaction::DefaultRules();

  // A valid event of a random kind.
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
    if (kind == "session_start") props.erase("duration_ms"), props.erase("is_success");
  }
  json record = {{"event", wire}, {"event_timestamp", 1764021600000}, {"source", "agentcli"}, {"properties", props}};

  // Plant canaries.
  std::vector<Canary> canaries;
  const int n = fdp.ConsumeIntegralInRange<int>(1, 4);
  for (int i = 0; i < n; ++i) {
    const bool prompt = fdp.ConsumeIntegralInRange<int>(0, 3) == 0;
    const int rule = prompt ? -1 : fdp.ConsumeIntegralInRange<int>(0, static_cast<int>(rules.size()) - 1);
    const std::string where =
        Pick(fdp, {"error", "identifier", "session_id", "unknown", "nested", "args", "key", "envelope", "errors"});
    auto enc = static_cast<Encoding>(fdp.ConsumeIntegralInRange<int>(0, static_cast<int>(Encoding::kCount) - 1));
    const bool free_text = where == "error" || where == "errors";
    if (prompt && free_text) enc = Encoding::kRaw;  // see the exclusions above
    Canary c = telguard::fuzz::MakeCanary(rule, enc, rng);
    std::string value = c.planted;
    if (prompt && free_text) value = "\"" + value + "\"";
    value = " " + value + " ";
    json& p = record["properties"];
    if (where == "error") {
      p["error"] = "request failed:" + value + "after retry";
    } else if (where == "errors") {
      record["event"] = "session";
      p["action"] = "end";
      p["duration_ms"] = 1;
      p["is_success"] = false;
      p["error"] = json::array({"first", "boom:" + value});
    } else if (where == "identifier") {
      p[Pick(fdp, {"agent_name", "tool_name", "model_name", "version", "action"})] = c.planted;
    } else if (where == "session_id") {
      p["session_id"] = c.planted;
    } else if (where == "unknown") {
      p["note"] = value;
    } else if (where == "nested") {
      p["extra"] = {{"deep", {{"x", json::array({1, value})}}}};
    } else if (where == "args") {
      record["event"] = "command";
      p["action"] = "run";
      p["is_success"] = true;
      p["args"] = json::array({"--model=" + c.planted, c.planted, "--", c.planted});
    } else if (where == "key") {
      p[c.planted] = 1;
    } else {
      record[c.planted] = "x";
      record["tags"] = {{"team", value}};
    }
    canaries.push_back(std::move(c));
  }

  // The whole pipeline, the debug log and an in-memory sender.
  const std::string line = record.dump(-1, ' ', false, json::error_handler_t::replace);
  MemorySender memory;
  char* log_buf = nullptr;
  std::size_t log_len = 0;
  std::FILE* log = open_memstream(&log_buf, &log_len);
  telguard::sender::DebugLogSender debug(log, &memory);
  std::string audit, errors;
  for (const auto& e : GetPipeline().ProcessLine(line, 1).events) {
    if (e.audit.verdict == telguard::Verdict::kSent) (void)debug.Send(e.body);
    audit += e.audit.ToJsonLine() + "\n";
    errors += e.error + "\n";
  }
  std::fclose(log);
  const std::string debug_log(log_buf, log_len);
  std::free(log_buf);

  std::string which;
  for (const std::string* out : {static_cast<const std::string*>(&memory.bodies), &debug_log, static_cast<const std::string*>(&audit), static_cast<const std::string*>(&errors)}) {
    if (telguard::fuzz::Leaks(*out, canaries, &which)) {
      telguard::fuzz::Trap("canary " + which + " left through " +
                           (out == &memory.bodies ? "a request body"
                            : out == &debug_log   ? "the debug log"
                            : out == &audit       ? "an audit record"
                                                  : "an error message") +
                           "\n input line: " + line + "\n output: " + *out);
    }
  }
  return 0;
}
