// The pipeline as a library: batches, value-free audit, threads.
#include "tests/pipeline_fixture.h"
#include "pipeline/pipeline.h"
#include "redaction/value_rules.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/test_util.h"

namespace telguard {
namespace {

using json = nlohmann::json;

const Pipeline& P() { return testing::SharedPipeline(); }

json Tool(const std::string& tool) {
  return {{"event", "tool"}, {"event_timestamp", 1}, {"source", "agentcli"},
          {"properties", {{"action", "call"}, {"session_id", "s1"}, {"agent_name", "root"}, {"tool_name", tool},
                          {"duration_ms", 5}, {"is_success", true}}}};
}

TEST(Pipeline, RequestBodyRecordsAreEachOneEvent) {
  json body = {{"records", {Tool("a"), "not an object", Tool("b"), json::object()}}};
  auto out = P().ProcessLine(body.dump(), 3);
  ASSERT_EQ(out.events.size(), 4u);
  EXPECT_EQ(out.events[0].audit.verdict, Verdict::kSent);
  EXPECT_EQ(out.events[1].audit.verdict, Verdict::kRejected);
  EXPECT_EQ(out.events[1].audit.record, 1);
  EXPECT_EQ(out.events[2].audit.verdict, Verdict::kSent);
  EXPECT_EQ(out.events[3].audit.verdict, Verdict::kRejected);
  for (const auto& e : out.events) EXPECT_EQ(e.audit.line, 3u);
  // One event per request body, in the reference wire format.
  const json sent = json::parse(out.events[2].body);
  ASSERT_EQ(sent["records"].size(), 1u);
  EXPECT_EQ(sent["records"][0]["properties"]["tool_name"], "b");
}

TEST(Pipeline, EmptyAndNonArrayRecordsAreRejected) {
  EXPECT_EQ(P().ProcessLine(R"({"records":[]})", 1).events.at(0).audit.verdict, Verdict::kRejected);
  EXPECT_EQ(P().ProcessLine(R"({"records":5})", 1).events.at(0).audit.verdict, Verdict::kRejected);
  EXPECT_EQ(P().ProcessLine(R"([1,2])", 1).events.at(0).error, "line is not a JSON object");
}

TEST(Pipeline, AuditRecordsNeverHoldAValue) {
  // A marker planted in every kind of place: values, unknown keys, nested,
  // arrays, a bad type, and a bad line.
  const std::string m = "PLANTEDMARKER";
  json r = Tool("shell");
  r["properties"]["error"] = m + " in error";
  r["properties"][m] = m;
  r["properties"]["nested"] = {{m, {m, m}}};
  r["properties"]["agent_name"] = m + " with spaces";
  r[m] = 1;
  std::vector<std::string> lines = {r.dump(), "{\"event\":\"" + m + "\"}", "{" + m, "[\"" + m + "\"]"};
  json bad = Tool("shell");
  bad["properties"]["duration_ms"] = m;
  lines.push_back(bad.dump());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    for (const auto& e : P().ProcessLine(lines[i], i + 1).events) {
      EXPECT_EQ(e.audit.ToJsonLine().find("PLANTED"), std::string::npos) << e.audit.ToJsonLine();
      EXPECT_EQ(e.error.find("PLANTED"), std::string::npos) << e.error;
    }
  }
}

TEST(Pipeline, AuditNamesRedactionsByRuleAndPointer) {
  json r = Tool("shell");
  r["properties"]["error"] = "mail bob@example.org and carol@example.org";
  auto e = P().ProcessLine(r.dump(), 1).events.at(0);
  ASSERT_EQ(e.audit.verdict, Verdict::kSent);
  // The session id is pseudonymised (audited as such); the error holds the
  // one finding.
  std::vector<AuditRedaction> at_error;
  for (const auto& x : e.audit.redactions) {
    if (x.pointer == "/properties/error") at_error.push_back(x);
  }
  ASSERT_EQ(at_error.size(), 1u);
  EXPECT_EQ(at_error[0].rule, "email");
  EXPECT_EQ(at_error[0].count, 2u);
  // Template mode (the default) keeps the scrubber's markers; every other
  // word here is vocabulary, so no placeholder was needed.
  EXPECT_EQ(json::parse(e.body)["records"][0]["properties"]["error"], "mail [REDACTED:email] and [REDACTED:email]");
  for (const auto& x : e.audit.redactions) EXPECT_TRUE(redaction::IsCataloguedRule(x.rule)) << x.rule;
}

TEST(Pipeline, CardNumberInACountFieldNeverLeaves) {
  // A card number where a count belongs never leaves: the schema's bound
  // rejects it, and were it in range the scrubber and the gate would not.
  std::string digits;
  for (const auto& rule : redaction::DefaultRules()) {
    if (rule.id == "payment-card") digits = redaction::MakeSample(rule, testing::Rng(4));
  }
  json r = {{"event", "token"}, {"event_timestamp", 1}, {"source", "agentcli"},
            {"properties", {{"action", "usage"}, {"session_id", "s1"}, {"agent_name", "root"},
                            {"model_name", "gpt-4o"}, {"input_tokens", 1}, {"output_tokens", 1}}}};
  std::string line = r.dump();
  line.replace(line.find("\"input_tokens\":1"), 16, "\"input_tokens\":" + digits);
  auto e = P().ProcessLine(line, 1).events.at(0);
  // 16 digits exceed the schema's maximum: rejected before it could leave.
  EXPECT_NE(e.audit.verdict, Verdict::kSent);
  EXPECT_EQ(e.body.find(digits), std::string::npos);
}

TEST(Pipeline, ScrubberFailureDropsTheEvent) {
  redaction::ScrubberOptions so;
  so.inject_set_failure_for_testing = true;
  std::string err;
  auto failing = redaction::Scrubber::Create(redaction::DefaultRules(), so, &err);
  ASSERT_TRUE(failing) << err;
  PipelineOptions po;
  po.scrubber = failing.get();
  auto p = Pipeline::Create(po, &err);
  ASSERT_TRUE(p) << err;
  auto e = p->ProcessLine(Tool("shell").dump(), 1).events.at(0);
  EXPECT_EQ(e.audit.verdict, Verdict::kDropped);
  EXPECT_TRUE(e.body.empty());
  EXPECT_NE(e.audit.ToJsonLine().find("scrub-failed"), std::string::npos);
}

TEST(Pipeline, ThreadsShareOnePipeline) {
  const std::string line = Tool("shell").dump();
  const std::string expected = P().ProcessLine(line, 1).events.at(0).body;
  std::atomic<int> bad{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 8; ++t) {
    ts.emplace_back([&] {
      for (int i = 0; i < 300; ++i) {
        if (P().ProcessLine(line, 1).events.at(0).body != expected) ++bad;
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace telguard
