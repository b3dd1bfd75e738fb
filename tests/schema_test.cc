// The five input shapes and the envelope: tables of valid and invalid events.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/pipeline_fixture.h"
#include "pipeline/pipeline.h"
#include "schemas/embedded.h"

namespace telguard {
namespace {

using json = nlohmann::json;

const Pipeline& P() { return testing::SharedPipeline(); }

json Envelope(const std::string& event, json props) {
  return {{"event", event}, {"event_timestamp", 1764021600000}, {"source", "agentcli"}, {"properties", props}};
}

const json kCommand = {{"action", "run"}, {"args", {"x"}}, {"is_success", true}};
const json kTool = {{"action", "call"}, {"session_id", "s1"}, {"agent_name", "root"},
                    {"tool_name", "shell"}, {"duration_ms", 12}, {"is_success", true}};
const json kToken = {{"action", "usage"}, {"session_id", "s1"}, {"agent_name", "root"},
                     {"model_name", "gpt-4o"}, {"input_tokens", 10}, {"output_tokens", 5},
                     {"total_tokens", 15}, {"cost", 0.01}};
const json kStart = {{"action", "start"}, {"session_id", "s1"}, {"agent_name", "root"}};
const json kEnd = {{"action", "end"}, {"session_id", "s1"}, {"agent_name", "root"}, {"duration_ms", 100},
                   {"tool_calls", 2}, {"input_tokens", 10}, {"output_tokens", 5}, {"total_tokens", 15},
                   {"cost", 0.01}, {"error_count", 0}, {"is_success", true}, {"error", json::array()}};

struct Case {
  std::string name;
  json record;
  Verdict verdict;
  std::string pointer;  // expected first reason pointer when rejected
  std::string keyword;
};

json With(json base, const std::string& key, json value) {
  base[key] = std::move(value);
  return base;
}
json Without(json base, const std::string& key) {
  base.erase(key);
  return base;
}

class ShapeTest : public ::testing::TestWithParam<Case> {};

TEST_P(ShapeTest, Verdict) {
  const auto& c = GetParam();
  auto out = P().ProcessLine(c.record.dump(), 1);
  ASSERT_EQ(out.events.size(), 1u);
  const auto& e = out.events[0];
  EXPECT_EQ(e.audit.verdict, c.verdict) << e.error;
  if (c.verdict == Verdict::kRejected) {
    ASSERT_FALSE(e.audit.reasons.empty());
    bool found = false;
    for (const auto& r : e.audit.reasons) found |= r.pointer == c.pointer && r.keyword == c.keyword;
    EXPECT_TRUE(found) << e.audit.ToJsonLine();
    EXPECT_TRUE(e.body.empty());
  } else {
    EXPECT_FALSE(e.body.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ShapeTest,
    ::testing::Values(
        Case{"command_ok", Envelope("command", kCommand), Verdict::kSent, "", ""},
        Case{"tool_ok", Envelope("tool", kTool), Verdict::kSent, "", ""},
        Case{"token_ok", Envelope("token", kToken), Verdict::kSent, "", ""},
        Case{"session_start_ok", Envelope("session", kStart), Verdict::kSent, "", ""},
        Case{"session_end_ok", Envelope("session", kEnd), Verdict::kSent, "", ""},
        Case{"command_missing_action", Envelope("command", Without(kCommand, "action")), Verdict::kRejected,
             "/properties/action", "required"},
        Case{"command_args_not_strings", Envelope("command", With(kCommand, "args", {1, 2})), Verdict::kRejected,
             "/properties/args/0", "type"},
        Case{"tool_duration_string", Envelope("tool", With(kTool, "duration_ms", "fast")), Verdict::kRejected,
             "/properties/duration_ms", "type"},
        Case{"tool_negative_duration", Envelope("tool", With(kTool, "duration_ms", -1)), Verdict::kRejected,
             "/properties/duration_ms", "minimum"},
        Case{"tool_wrong_action", Envelope("tool", With(kTool, "action", "run")), Verdict::kRejected,
             "/properties/action", "enum"},
        Case{"token_missing_model", Envelope("token", Without(kToken, "model_name")), Verdict::kRejected,
             "/properties/model_name", "required"},
        Case{"token_cost_string", Envelope("token", With(kToken, "cost", "1")), Verdict::kRejected,
             "/properties/cost", "type"},
        Case{"session_unknown_action", Envelope("session", With(kStart, "action", "pause")), Verdict::kRejected,
             "/properties/action", "enum"},
        Case{"session_missing_action", Envelope("session", Without(kStart, "action")), Verdict::kRejected,
             "/properties/action", "required"},
        Case{"session_end_error_not_list", Envelope("session", With(kEnd, "error", "x")), Verdict::kRejected,
             "/properties/error", "type"},
        Case{"unknown_event", Envelope("click", kTool), Verdict::kRejected, "/event", "enum"},
        Case{"missing_timestamp", Without(Envelope("tool", kTool), "event_timestamp"), Verdict::kRejected,
             "/event_timestamp", "required"},
        Case{"properties_not_object", With(Envelope("tool", kTool), "properties", "x"), Verdict::kRejected,
             "/properties", "type"}),
    [](const auto& param_info) { return param_info.param.name; });

TEST(Schemas, OneDraft07FilePerShapeAllEmbeddedNoPatternOrFormat) {
  for (const char* name : {"envelope", "command", "tool", "token", "session_start", "session_end"}) {
    const std::string file = std::string("schemas/") + name + ".schema.json";
    const std::string_view text = FindEmbedded(file);
    ASSERT_FALSE(text.empty()) << file;
    const json doc = json::parse(text);
    EXPECT_EQ(doc["$schema"], "http://json-schema.org/draft-07/schema#");
    // valijson 1.0 runs `pattern` through std::regex (stack overflow on long
    // strings) and `format` costs ~0.5 ms: neither may appear.
    EXPECT_EQ(text.find("\"pattern\""), std::string_view::npos) << file;
    EXPECT_EQ(text.find("\"format\""), std::string_view::npos) << file;
  }
}

TEST(Schemas, ViolationsNeverQuoteValues) {
  json props = kTool;
  props["duration_ms"] = "SECRETVALUE-1";
  props["SECRETKEY-2"] = "x";
  auto out = P().ProcessLine(Envelope("tool", props).dump(), 1);
  const std::string audit = out.events[0].audit.ToJsonLine();
  EXPECT_EQ(audit.find("SECRETVALUE"), std::string::npos) << audit;
  EXPECT_EQ(out.events[0].error.find("SECRETVALUE"), std::string::npos);
}

}  // namespace
}  // namespace telguard
