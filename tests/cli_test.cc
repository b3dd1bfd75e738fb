// telguard as a process: check on the bundled example and on hostile input,
// scrub, rules, inventory (and README agreeing with it), exit codes.
#include <gtest/gtest.h>

#include <regex>

#include <filesystem>
#include <map>

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

// Ids leave as keyed pseudonyms; the key is random per `check` run.
std::string WithoutPseudonyms(std::string s) {
  static const std::regex id(R"re("(session_id|parent_session_id|user_uuid)":"[^"]*")re");
  return std::regex_replace(s, id, "\"$1\":\"P\"");
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
  for (const auto& a : records) EXPECT_NO_THROW({ const json j = json::parse(a); EXPECT_TRUE(j.is_object()); });
  EXPECT_NE(r.err.find("line 6 record 1: rejected: /properties/duration_ms: type"), std::string::npos) << r.err;
  std::remove(audit.c_str());

  // --example runs the embedded copy: same bodies (ids are pseudonymised
  // with a key of each run's own, so they differ between runs and only
  // between runs).
  auto e = RunProcess({kBin, "check", "--example"}, "");
  EXPECT_EQ(WithoutPseudonyms(e.out), WithoutPseudonyms(r.out));
  EXPECT_NE(e.out, r.out);
  EXPECT_EQ(r.out.find("s-7f3a9c"), std::string::npos);
  EXPECT_EQ(r.out.find("5f0c6e2a-8d1b-4c3e-9a7f-2b4d6e8f0a1c"), std::string::npos);
  EXPECT_NE(e.err.find("8 events: 7 sent, 1 rejected, 0 dropped"), std::string::npos) << e.err;
}

TEST(Check, FreeTextOptionChoosesTheModeOfEveryErrorField) {
  const std::string event = json({{"event", "tool"}, {"event_timestamp", 1}, {"source", "agentcli"},
                                   {"properties", {{"action", "call"}, {"session_id", "s1"}, {"agent_name", "root"},
                                                   {"tool_name", "read_file"}, {"duration_ms", 5}, {"is_success", false},
                                                   {"error", "open '/home/alice/notes.txt': permission denied"}}}})
                                .dump() + "\n";
  auto error_of = [&](std::vector<std::string> args) {
    auto r = RunProcess(args, event);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out)["records"][0]["properties"]["error"].get<std::string>();
  };
  EXPECT_EQ(error_of({kBin, "check"}), "open <quoted>: permission denied");
  EXPECT_EQ(error_of({kBin, "check", "--free-text", "template"}), "open <quoted>: permission denied");
  EXPECT_EQ(error_of({kBin, "check", "--free-text", "class"}), "permission_denied");
  EXPECT_EQ(error_of({kBin, "check", "--free-text", "scrub"}), "open [REDACTED:quoted-text]: permission denied");
  EXPECT_EQ(RunProcess({kBin, "check", "--free-text", "none"}, event).exit_code, 2);
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

#include "tests/test_server.h"

namespace telguard {
namespace {

std::string TempDirPath() {
  char t[] = "/tmp/telguard-cli-XXXXXX";
  return mkdtemp(t);
}

// A private config dir with the notice already acknowledged, so `send` runs
// as it does after the first run; never the real home directory.
std::vector<std::string> SendEnv(const std::string& dir) {
  return {"XDG_CONFIG_HOME=" + dir + "/config", "XDG_STATE_HOME=" + dir + "/state", "TELGUARD_HIDE_NOTICE=1",
          "TELEMETRY_ENABLED=", "DO_NOT_TRACK="};
}

// send + flush deliver every accepted event exactly once across an outage
// (503s), a hanging endpoint and a 429 window.
TEST(SendFlush, EveryEventExactlyOnceAcrossOutageHangAnd429) {
  enum Mode { kDown503, kHang, kTooMany, kUp };
  std::atomic<int> mode{kDown503};
  testing::HttpServer server([&](const httplib::Request&, httplib::Response& res, int) {
    switch (mode.load()) {
      case kDown503: res.status = 503; break;
      case kHang: std::this_thread::sleep_for(std::chrono::milliseconds(600)); res.status = 200; break;
      case kTooMany: res.status = 429; res.set_header("Retry-After", "1"); break;
      default: res.status = 200;
    }
  });
  const std::string dir = TempDirPath();
  const std::vector<std::string> base = {kBin, "send", "--endpoint", server.url(), "--spool", dir + "/spool",
                                         "--deadline-ms", "150"};
  auto line = [](int i) {
    return json({{"event", "tool"}, {"event_timestamp", 1}, {"source", "agentcli"},
                 {"properties", {{"action", "call"}, {"session_id", "s" + std::to_string(i)}, {"agent_name", "root"},
                                 {"tool_name", "shell"}, {"duration_ms", 5}, {"is_success", true}}}})
               .dump() + "\n";
  };
  std::string batch1, batch2, batch3;
  for (int i = 0; i < 4; ++i) batch1 += line(i);
  for (int i = 4; i < 8; ++i) batch2 += line(i);
  for (int i = 8; i < 12; ++i) batch3 += line(i);

  const auto env = SendEnv(dir);
  auto r = RunProcess(base, batch1, env);  // 503s: all spooled
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("0 delivered, 4 spooled"), std::string::npos) << r.err;
  mode = kHang;
  r = RunProcess(base, batch2, env);  // answers after the deadline: spooled
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("0 delivered, 4 spooled"), std::string::npos) << r.err;
  mode = kTooMany;
  r = RunProcess(base, batch3, env);  // 429: spooled, window open
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("0 delivered, 4 spooled"), std::string::npos) << r.err;
  mode = kUp;
  r = RunProcess({kBin, "flush", "--spool", dir + "/spool", "--endpoint", server.url()}, "", env);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("12 delivered, 0 dropped, 0 remaining"), std::string::npos) << r.err;

  // Each session id arrived exactly once among the 2xx answers. The hanging
  // phase's requests reached the server but were answered too late, so the
  // server saw them (the client could not know): a receiver dedupes on a
  // request id for at-least-once; telguard's spool never sends an
  // acknowledged body twice.
  std::map<std::string, int> ok;
  const auto rec = server.recorded();
  for (std::size_t i = rec.size() - 12; i < rec.size(); ++i) {
    ok[json::parse(rec[i].body)["records"][0]["properties"]["session_id"]]++;
  }
  EXPECT_EQ(ok.size(), 12u);
  for (const auto& [id, n] : ok) EXPECT_EQ(n, 1) << id;
  std::filesystem::remove_all(dir);
}

// A body the endpoint keeps refusing ends in the dead letters after the
// documented attempts; `dead-letters` lists it without its body, requeues it
// (the next flush delivers it once) and deletes.
TEST(SendFlush, DeadLettersListRequeueAndDelete) {
  std::atomic<int> mode{503};
  const std::string marker = "read_file";  // the refused event's tool; the others' is "shell"
  testing::HttpServer server([&](const httplib::Request& req, httplib::Response& res, int) {
    if (mode == 503) res.status = 503;
    if (mode == 500 && req.body.find(marker) != std::string::npos) res.status = 500;
  });
  const std::string dir = TempDirPath(), spool = dir + "/spool";
  const auto env = SendEnv(dir);
  std::string lines;
  for (const std::string& tool : {marker, std::string("shell"), std::string("shell")}) {
    lines += json({{"event", "tool"}, {"event_timestamp", 1}, {"source", "agentcli"},
                   {"properties", {{"action", "call"}, {"session_id", "s1"}, {"agent_name", "root"}, {"tool_name", tool},
                                   {"duration_ms", 5}, {"is_success", true}}}})
                 .dump() + "\n";
  }
  auto r = RunProcess({kBin, "send", "--endpoint", server.url(), "--spool", spool}, lines, env);
  ASSERT_NE(r.err.find("3 spooled"), std::string::npos) << r.err << r.out;
  mode = 500;
  const std::vector<std::string> flush = {kBin, "flush", "--spool", spool, "--endpoint", server.url(), "--json"};
  int dead = 0;
  for (int i = 0; i < 8 && dead == 0; ++i) dead = json::parse(RunProcess(flush, "", env).out)["dead_lettered"];
  ASSERT_EQ(dead, 1);
  std::string refused;  // the body as it went out
  for (const auto& rec : server.recorded()) {
    if (rec.body.find(marker) != std::string::npos) refused = rec.body;
  }
  ASSERT_FALSE(refused.empty());

  r = RunProcess({kBin, "dead-letters", "--spool", spool}, "", env);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("500"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(server.url()), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("session_id"), std::string::npos) << r.out;  // never the body
  EXPECT_EQ(r.out.find(marker), std::string::npos) << r.out;
  r = RunProcess({kBin, "dead-letters", "list", "--spool", spool, "--json"}, "", env);
  const json listed = json::parse(r.out)["dead_letters"];
  ASSERT_EQ(listed.size(), 1u) << r.out;
  EXPECT_EQ(listed[0]["app"], "telguard");
  EXPECT_GE(listed[0]["attempts"].get<int>(), 5);
  EXPECT_EQ(RunProcess({kBin, "dead-letters", "requeue", "--spool", spool, "--app", "other"}, "", env).out,
            "telguard: 0 dead letters requeued (sent by the next flush)\n");
  r = RunProcess({kBin, "dead-letters", "requeue", "--spool", spool}, "", env);
  EXPECT_EQ(r.out, "telguard: 1 dead letters requeued (sent by the next flush)\n") << r.err;
  mode = 200;
  const std::size_t before = server.recorded().size();
  r = RunProcess(flush, "", env);
  EXPECT_EQ(json::parse(r.out)["delivered"], 1) << r.out;
  ASSERT_EQ(server.recorded().size(), before + 1);
  EXPECT_EQ(server.recorded().back().body, refused);
  EXPECT_EQ(server.recorded().back().status, 200);
  EXPECT_EQ(RunProcess({kBin, "dead-letters", "delete", "--spool", spool}, "", env).out,
            "telguard: 0 dead letters deleted\n");
  EXPECT_EQ(RunProcess({kBin, "dead-letters", "--spool", spool, "--app", "../x"}, "", env).exit_code, 2);
  EXPECT_EQ(RunProcess({kBin, "dead-letters", "purge", "--spool", spool}, "", env).exit_code, 2);
  // No spool there: nothing to list, nothing created. No spool directory at all: said, exit 2.
  r = RunProcess({kBin, "dead-letters", "--spool", dir + "/none", "--json"}, "", env);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["dead_letters"].size(), 0u) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir + "/none"));
  r = RunProcess({kBin, "dead-letters"}, "", {"HOME=", "XDG_STATE_HOME=", "TELGUARD_SPOOL="});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("no spool directory: give --spool DIR or set TELGUARD_SPOOL"), std::string::npos) << r.err;
  std::filesystem::remove_all(dir);
}

TEST(SendFlush, UsageAndConfigurationErrors) {
  const std::string dir = TempDirPath();
  auto env = SendEnv(dir);
  env.push_back("TELGUARD_ENDPOINT=");
  EXPECT_EQ(RunProcess({kBin, "send"}, "", env).exit_code, 2);  // no endpoint
  EXPECT_EQ(RunProcess({kBin, "send", "--endpoint", "http://example.org/x"}, "", env).exit_code, 2);  // plain http
  EXPECT_EQ(RunProcess({kBin, "flush"}, "", env).exit_code, 2);  // --spool required
  std::filesystem::remove_all(dir);
}

TEST(SendFlush, DroppedBySenderExitsThree) {
  testing::HttpServer server([](const httplib::Request&, httplib::Response& res, int) { res.status = 400; });
  const std::string dir = TempDirPath();
  auto r = RunProcess({kBin, "send", "--endpoint", server.url(), "--spool", dir + "/spool", "--audit",
                       dir + "/audit.jsonl"},
                      Tool("x") + "\n", SendEnv(dir));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("not delivered: http 400"), std::string::npos) << r.err;
  const json audit = json::parse(testing::ReadFile(dir + "/audit.jsonl"));
  EXPECT_EQ(audit["delivery"], "dropped");
  EXPECT_EQ(RunProcess({kBin, "send", "--endpoint", server.url(), "--audit", "/nonexistent/dir/a"}, "",
                       SendEnv(dir)).exit_code, 1);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace telguard
