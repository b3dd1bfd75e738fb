// telguard as a process: check on the bundled example and on hostile input,
// scrub, rules, inventory (and README agreeing with it), exit codes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/test_util.h"

namespace telguard {
namespace {

using json = nlohmann::json;
using testing::Lines;
using testing::RunProcess;

const std::string kBin = TELGUARD_BIN;
const std::string kSrc = TELGUARD_SOURCE_DIR;

std::string Tool(const std::string& name) {
  return json({{"event", "tool"}, {"event_timestamp", 1}, {"source", "agentcli"},
               {"properties", {{"action", "call"}, {"session_id", "s1"}, {"agent_name", "root"},
                               {"tool_name", name}, {"duration_ms", 5}, {"is_success", true}}}})
      .dump();
}

TEST(Check, BundledExampleBecomesRequestBodiesWithNothingOutsideTheAllowList) {
  const std::string audit = "/tmp/telguard-cli-audit.jsonl";
  auto r = RunProcess({kBin, "check", "--input", kSrc + "/examples/session.jsonl", "--audit", audit}, "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto bodies = Lines(r.out);
  ASSERT_EQ(bodies.size(), 7u) << r.out;
  for (const auto& b : bodies) {
    const json j = json::parse(b);
    ASSERT_EQ(j.size(), 1u);
    ASSERT_EQ(j["records"].size(), 1u);
  }
  for (const std::string never : {"alice", "bob", "login bug", "agent.yaml", "os_language", "en_US", "payments",
                                  "correct-horse", "not-a-real-token", "203.0.113.7", "notes from", "\"args\""}) {
    EXPECT_EQ(r.out.find(never), std::string::npos) << never;
  }
  const auto records = Lines(testing::ReadFile(audit));
  EXPECT_EQ(records.size(), 8u);  // 7 sent + 1 rejected (line 6 record 1)
  for (const auto& a : records) EXPECT_NO_THROW(json::parse(a));
  EXPECT_NE(r.err.find("line 6 record 1: rejected: /properties/duration_ms: type"), std::string::npos) << r.err;
  std::remove(audit.c_str());

  // --example runs the embedded copy: same bodies.
  auto e = RunProcess({kBin, "check", "--example"}, "");
  EXPECT_EQ(e.out, r.out);
  EXPECT_NE(e.err.find("8 events: 7 sent, 1 rejected, 0 dropped"), std::string::npos) << e.err;
}

TEST(Check, HostileLinesGetOneErrorEachAndNeighboursStillComeOut) {
  std::string deep_obj;
  for (int i = 0; i < 100000; ++i) deep_obj += "{\"a\":";
  struct Bad {
    std::string line, expect;
  } bad[] = {
      {std::string(150000, '[') + std::string(150000, ']'), "nesting deeper than 32"},
      {deep_obj, "nesting deeper than 32"},
      {"{\"event\":\"" + std::string(300000, 'x') + "\"}", "string longer than"},
      {std::string(8u << 20, ' ') + "{}", "line longer than 1048576 bytes"},
      {"{\"event\":\"tool\xff\"}", "invalid JSON"},
      {"{\"a\":NaN}", "invalid JSON"},
      {"{\"a\":1e400}", "number is out of range"},
      {"{\"event\":\"tool\",\"event\":\"token\"}", "duplicate object key"},
      {"[1,2,3]", "line is not a JSON object"},
      {"\"just a string\"", "line is not a JSON object"},
      {"{\"event\":\"tool\",\"prop", "invalid JSON"},
      {std::string("{\"a\":\"x\0y\"}", 11), "NUL byte"},
      {"\xEF\xBB\xBF" + Tool("bom"), "byte order mark"},
  };
  std::string input;
  std::size_t n = 0;
  for (const auto& b : bad) {
    input += Tool("good" + std::to_string(n)) + "\n";
    input += b.line + "\n";
    ++n;
  }
  input += Tool("last");  // no trailing newline
  auto r = RunProcess({kBin, "check"}, input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto out = Lines(r.out);
  ASSERT_EQ(out.size(), n + 1);
  for (std::size_t i = 0; i < n; ++i) EXPECT_NE(out[i].find("\"good" + std::to_string(i) + "\""), std::string::npos);
  EXPECT_NE(out.back().find("\"last\""), std::string::npos);
  const auto errs = Lines(r.err);
  for (std::size_t i = 0; i < n; ++i) {
    const std::string prefix = "telguard: line " + std::to_string(2 * i + 2) + ": ";
    bool found = false;
    for (const auto& e : errs) {
      if (e.rfind(prefix, 0) == 0) {
        found = true;
        EXPECT_NE(e.find(bad[i].expect), std::string::npos) << e;
        EXPECT_LT(e.size(), 200u) << "error lines are short and never quote input";
      }
    }
    EXPECT_TRUE(found) << prefix << "\n" << r.err;
  }
}

TEST(Check, ExitCodes) {
  EXPECT_EQ(RunProcess({kBin, "check", "--bogus"}, "").exit_code, 2);
  EXPECT_EQ(RunProcess({kBin, "check", "extra"}, "").exit_code, 2);
  EXPECT_EQ(RunProcess({kBin}, "").exit_code, 2);
  EXPECT_EQ(RunProcess({kBin, "frobnicate"}, "").exit_code, 2);
  auto r = RunProcess({kBin, "check", "--input", "/nonexistent/events.jsonl"}, "");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/nonexistent/events.jsonl"), std::string::npos);
  // Policy rejections are not errors.
  EXPECT_EQ(RunProcess({kBin, "check"}, "{}\n").exit_code, 0);
}

TEST(Scrub, SameNumberOfLinesOutAsInAndSecretsGone) {
  const std::string key = testing::Token(std::string("gl") + "pat-", "abcdefghijklmnopqrstuvwxyz0123456789", 20, 3);
  const std::string in = "plain line\n\nkey " + key + " leaked\nmail a.b@example.org\r\n" +
                         std::string(2u << 20, 'q') + "\nlast without newline";
  auto r = RunProcess({kBin, "scrub"}, in);
  ASSERT_EQ(r.exit_code, 0);
  const auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[0], "plain line");
  EXPECT_EQ(lines[1], "");
  EXPECT_EQ(lines[2], "key [REDACTED:gitlab-pat] leaked");
  EXPECT_EQ(lines[3], "mail [REDACTED:email]");
  EXPECT_EQ(lines[4], "[REDACTED:line-too-long]");
  EXPECT_EQ(lines[5], "last without newline");
}

TEST(Rules, ListsEveryRuleWithIdClassDescription) {
  auto r = RunProcess({kBin, "rules", "--format", "json"}, "");
  ASSERT_EQ(r.exit_code, 0);
  const json j = json::parse(r.out);
  EXPECT_GE(j.size(), 80u);
  for (const auto& rule : j) {
    EXPECT_TRUE(rule.contains("id") && rule.contains("class") && rule.contains("description"));
  }
  EXPECT_EQ(RunProcess({kBin, "rules", "--format", "xml"}, "").exit_code, 2);
  EXPECT_NE(RunProcess({kBin, "rules"}, "").out.find("| `github-pat` | credential |"), std::string::npos);
}

TEST(Inventory, ReadmeWhatIsCollectedIsTheGeneratedInventory) {
  auto r = RunProcess({kBin, "inventory", "--format", "md"}, "");
  ASSERT_EQ(r.exit_code, 0);
  const std::string readme = testing::ReadFile(kSrc + "/README.md");
  const std::string begin = "<!-- inventory:begin (generated by `telguard inventory`; a test keeps it true) -->\n";
  const std::string end = "<!-- inventory:end -->";
  const auto b = readme.find(begin), e = readme.find(end);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(e, std::string::npos);
  EXPECT_EQ(readme.substr(b + begin.size(), e - b - begin.size()), r.out)
      << "README.md is out of date: paste `telguard inventory` between the markers";
  const json j = json::parse(RunProcess({kBin, "inventory", "--format", "json"}, "").out);
  EXPECT_EQ(j["events"].size(), 5u);
  EXPECT_FALSE(j["never_collected"].empty());
}

}  // namespace
}  // namespace telguard
