// The client: opt-out matrix, notice, identity, sessions, cost, no-op
// context, threads. Real files under a fresh HOME, a real server on
// 127.0.0.1, real processes for the CLI.
#include "client/client.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <map>

#include <filesystem>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>

#include "client/consent.h"
#include "client/local_files.h"
#include "client/prices.h"
#include "tests/test_server.h"
#include "tests/test_util.h"

namespace telguard {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::size_t FilesUnder(const std::string& dir) {
  std::size_t n = 0;
  if (!fs::exists(dir)) return 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) n += e.is_regular_file() || e.is_directory();
  return n;
}

// A fresh HOME and a clean telemetry environment for one test.
class FreshHome {
 public:
  FreshHome() {
    char t[] = "/tmp/telguard-home-XXXXXX";
    home_ = mkdtemp(t);
    for (const char* v : {"XDG_CONFIG_HOME", "XDG_STATE_HOME", "TELEMETRY_ENABLED", "DO_NOT_TRACK", "TELGUARD_SPOOL",
                          "TELGUARD_ENDPOINT", "TELGUARD_LOCAL_FILE", "TELGUARD_DEBUG", "TELGUARD_HIDE_NOTICE",
                          "TELGUARD_PRICES"}) {
      ::unsetenv(v);
    }
    ::setenv("HOME", home_.c_str(), 1);
  }
  ~FreshHome() { fs::remove_all(home_); }
  const std::string& path() const { return home_; }
  std::vector<std::string> Env() const {
    return {"HOME=" + home_, "XDG_CONFIG_HOME=", "XDG_STATE_HOME=", "TELEMETRY_ENABLED=", "DO_NOT_TRACK=",
            "TELGUARD_HIDE_NOTICE=", "TELGUARD_SPOOL="};
  }

 private:
  std::string home_;
};

ClientOptions Options(const std::string& endpoint) {
  ClientOptions o;
  o.app_name = "testagent";
  o.app_version = "1.0.0";
  o.endpoint = endpoint;
  return o;
}

void RecordASession(const Context& ctx) {
  TrackCommand(ctx, "run", {"a prompt", "--yolo"});
  RecordSessionStart(ctx);
  RecordToolCall(ctx, "shell", ctx.session_id, ctx.agent_name, 5ms);
  RecordTokenUsage(ctx, "gpt-4o", 10, 5);
  RecordError(ctx, "boom");
  RecordSessionEnd(ctx);
}

struct OptOut {
  std::string var, value;
};

class OptOutMatrix : public ::testing::TestWithParam<OptOut> {};

TEST_P(OptOutMatrix, LibrarySendsNothingWritesNothingCreatesNoId) {
  FreshHome home;
  testing::HttpServer server;
  ::setenv(GetParam().var.c_str(), GetParam().value.c_str(), 1);
  std::string error = "unset";
  Context ctx{Client::Create(Options(server.url()), &error), "s1", "root"};
  EXPECT_EQ(ctx.client, nullptr);
  EXPECT_EQ(error, "");  // off is not an error
  EXPECT_EQ(FromContext(ctx), nullptr);
  RecordASession(ctx);
  EXPECT_EQ(server.requests(), 0u);
  EXPECT_EQ(FilesUnder(home.path()), 0u);
  ::unsetenv(GetParam().var.c_str());
}

TEST_P(OptOutMatrix, SendCommandSendsNothingWritesNothing) {
  FreshHome home;
  testing::HttpServer server;
  auto env = home.Env();
  env.push_back(GetParam().var + "=" + GetParam().value);
  const std::string event = R"({"event":"tool","event_timestamp":1,"source":"a","properties":{"action":"call",)"
                            R"("session_id":"s","agent_name":"r","tool_name":"t","duration_ms":1,"is_success":true}})";
  auto r = testing::RunProcess({TELGUARD_BIN, "send", "--endpoint", server.url()}, event + "\n", env);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("nothing sent: telemetry is off"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("Turn it off"), std::string::npos);  // no notice when off
  EXPECT_EQ(server.requests(), 0u);
  EXPECT_EQ(FilesUnder(home.path()), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    EveryForm, OptOutMatrix,
    ::testing::Values(OptOut{"TELEMETRY_ENABLED", "false"}, OptOut{"TELEMETRY_ENABLED", "FALSE"},
                      OptOut{"TELEMETRY_ENABLED", "False"}, OptOut{"TELEMETRY_ENABLED", "0"},
                      OptOut{"TELEMETRY_ENABLED", "no"}, OptOut{"TELEMETRY_ENABLED", "NO"},
                      OptOut{"TELEMETRY_ENABLED", "off"}, OptOut{"TELEMETRY_ENABLED", "Off"},
                      OptOut{"DO_NOT_TRACK", "1"}, OptOut{"DO_NOT_TRACK", "true"}, OptOut{"DO_NOT_TRACK", "YES"}),
    [](const auto& param_info) {
      std::string n = param_info.param.var + "_" + param_info.param.value;
      return n;
    });

TEST(Consent, RememberedOffWinsAndWritesOnlyTheChoice) {
  FreshHome home;
  testing::HttpServer server;
  auto r = testing::RunProcess({TELGUARD_BIN, "consent", "off"}, "", home.Env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string dir = home.path() + "/.config/telguard";
  EXPECT_EQ(FilesUnder(home.path()), 3u);  // .config, telguard, consent
  std::string error;
  ::setenv("TELEMETRY_ENABLED", "true", 1);  // an "on" signal does not beat a remembered "off"
  EXPECT_EQ(Client::Create(Options(server.url()), &error), nullptr);
  ::unsetenv("TELEMETRY_ENABLED");
  EXPECT_EQ(FilesUnder(home.path()), 3u);
  auto st = testing::RunProcess({TELGUARD_BIN, "status"}, "", home.Env());
  EXPECT_NE(st.out.find("telemetry: off"), std::string::npos) << st.out;
  EXPECT_NE(st.out.find("decided by: user-wide choice"), std::string::npos) << st.out;
  r = testing::RunProcess({TELGUARD_BIN, "consent", "on"}, "", home.Env());
  st = testing::RunProcess({TELGUARD_BIN, "status"}, "", home.Env());
  EXPECT_NE(st.out.find("telemetry: on"), std::string::npos) << st.out;
  auto env = home.Env();
  env.push_back("DO_NOT_TRACK=1");
  st = testing::RunProcess({TELGUARD_BIN, "status"}, "", env);
  EXPECT_NE(st.out.find("telemetry: off\ndecided by: DO_NOT_TRACK"), std::string::npos) << st.out;
  EXPECT_EQ(testing::RunProcess({TELGUARD_BIN, "consent", "maybe"}, "", home.Env()).exit_code, 2);
}

TEST(Notice, ShownOnceAcrossProcessesThenEventsFlow) {
  FreshHome home;
  testing::HttpServer server;
  const std::string event = R"({"event":"tool","event_timestamp":1,"source":"a","properties":{"action":"call",)"
                            R"("session_id":"s","agent_name":"r","tool_name":"t","duration_ms":1,"is_success":true}})";
  // Eight processes at once on a fresh HOME: exactly one shows the notice.
  std::vector<std::thread> ts;
  std::atomic<int> shown{0};
  for (int i = 0; i < 8; ++i) {
    ts.emplace_back([&] {
      auto r = testing::RunProcess({TELGUARD_BIN, "send", "--endpoint", server.url()}, event + "\n", home.Env());
      if (r.err.find("TELEMETRY_ENABLED=false") != std::string::npos) ++shown;
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(shown.load(), 1);
  // The run that showed it sent nothing; the seven others did.
  EXPECT_EQ(server.requests(), 7u);
  auto r = testing::RunProcess({TELGUARD_BIN, "send", "--endpoint", server.url()}, event + "\n", home.Env());
  EXPECT_EQ(r.err.find("TELEMETRY_ENABLED=false"), std::string::npos);
  EXPECT_EQ(server.requests(), 8u);
  struct stat st {};
  ASSERT_EQ(::stat((home.path() + "/.config/telguard").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(Notice, LibraryHoldsTheFirstRunAndHiddenNoticeWritesNoMarker) {
  FreshHome home;
  testing::HttpServer server;
  std::string error;
  Context first{Client::Create(Options(server.url()), &error), "s1", "root"};
  ASSERT_NE(first.client, nullptr) << error;
  EXPECT_TRUE(first.client->holding_for_notice());
  RecordASession(first);
  EXPECT_EQ(server.requests(), 0u);
  Context second{Client::Create(Options(server.url()), &error), "s2", "root"};
  EXPECT_FALSE(second.client->holding_for_notice());
  RecordASession(second);
  EXPECT_EQ(server.requests(), 5u);  // command, start, tool, token, end

  FreshHome hidden;
  ::setenv("TELGUARD_HIDE_NOTICE", "1", 1);
  auto c = Client::Create(Options(server.url()), &error);
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(c->holding_for_notice());
  EXPECT_FALSE(fs::exists(hidden.path() + "/.config/telguard/testagent/notice-shown"));
  ::unsetenv("TELGUARD_HIDE_NOTICE");
}

TEST(Identity, RandomUuidV4PrivateFileResetReplacesIt) {
  FreshHome home;
  ::setenv("TELGUARD_HIDE_NOTICE", "1", 1);
  const std::string dir = home.path() + "/.config/telguard/testagent";
  const std::string local = home.path() + "/events.jsonl";
  ClientOptions o = Options("");
  o.local_file = local;
  std::string error;
  auto c = Client::Create(o, &error);
  ASSERT_NE(c, nullptr) << error;
  const auto id = ReadSmallFile(dir + "/id");
  ASSERT_TRUE(id);
  EXPECT_TRUE(std::regex_match(id->substr(0, 36), std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << *id;
  struct stat st {};
  ::stat((dir + "/id").c_str(), &st);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  c->RecordSessionStart("s1", "root");
  // The install id leaves only as a keyed pseudonym UUID, never as itself.
  const std::string sent = testing::ReadFile(local);
  EXPECT_EQ(sent.find(id->substr(0, 36)), std::string::npos);
  EXPECT_TRUE(std::regex_search(sent, std::regex("\"user_uuid\":\"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\"")))
      << sent;
  auto r = testing::RunProcess({TELGUARD_BIN, "consent", "reset-id", "--app", "testagent"}, "", home.Env());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto id2 = ReadSmallFile(dir + "/id");
  ASSERT_TRUE(id2);
  EXPECT_NE(*id, *id2);
  r = testing::RunProcess({TELGUARD_BIN, "consent", "off", "--app", "testagent"}, "", home.Env());
  EXPECT_FALSE(fs::exists(dir + "/id"));  // off: the id goes
  ::unsetenv("TELGUARD_HIDE_NOTICE");
}

// Local-only mode, so the test reads exactly what would have been sent.
class Recording : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("TELGUARD_HIDE_NOTICE", "1", 1);
    local_ = home_.path() + "/events.jsonl";
    ClientOptions o = Options("");
    o.local_file = local_;
    std::string error;
    client_ = Client::Create(o, &error);
    ASSERT_NE(client_, nullptr) << error;
  }
  void TearDown() override { ::unsetenv("TELGUARD_HIDE_NOTICE"); }
  std::vector<json> Events() {
    std::vector<json> v;
    for (const auto& l : testing::Lines(testing::ReadFile(local_))) v.push_back(json::parse(l)["records"][0]);
    return v;
  }
  // Session ids leave only as keyed pseudonyms (a random key per process
  // here), so a session's end event is found by its agent, or by its
  // pseudonym as read from the events themselves.
  json EndOfAgent(const std::string& agent) {
    for (const auto& e : Events()) {
      if (e["properties"]["action"] == "end" && e["properties"]["agent_name"] == agent) return e["properties"];
    }
    return nullptr;
  }
  json EndOfSession(const json& pseudonym) {
    for (const auto& e : Events()) {
      if (e["properties"]["action"] == "end" && e["properties"]["session_id"] == pseudonym) return e["properties"];
    }
    return nullptr;
  }
  FreshHome home_;
  std::string local_;
  std::shared_ptr<Client> client_;
};

TEST_F(Recording, SessionTotalsAddUpAndCostIsTheTrueSum) {
  Context ctx{client_, "s1", "root"};
  RecordSessionStart(ctx);
  RecordToolCall(ctx, "shell", "s1", "root", 10ms);
  RecordToolCall(ctx, "read_file", "s1", "root", 20ms, "open /home/alice/x: denied");
  RecordToolCall(ctx, "edit_file", "s1", "root", 30ms);
  RecordTokenUsage(ctx, "gpt-4o", 1000, 100, 0.25);
  RecordTokenUsage(ctx, "gpt-4o", 2000, 200, 0.5);
  RecordError(ctx, "model error: 500");
  RecordSessionEnd(ctx);
  const json end = EndOfAgent("root");
  ASSERT_FALSE(end.is_null());
  EXPECT_EQ(end["tool_calls"], 3);
  EXPECT_EQ(end["input_tokens"], 3000);
  EXPECT_EQ(end["output_tokens"], 300);
  EXPECT_EQ(end["total_tokens"], 3300);
  EXPECT_DOUBLE_EQ(end["cost"].get<double>(), 0.75);
  EXPECT_EQ(end["error_count"], 2);
  EXPECT_EQ(end["is_success"], false);
  EXPECT_EQ(end["error"].size(), 2u);
  EXPECT_EQ(end["error"][0].get<std::string>().find("alice"), std::string::npos);
  // Each token event carries its own call's cost, not a running total.
  std::vector<double> costs;
  for (const auto& e : Events()) {
    if (e["event"] == "token") costs.push_back(e["properties"]["cost"]);
  }
  EXPECT_EQ(costs, (std::vector<double>{0.25, 0.5}));
}

// ClientOptions::free_text (and the C API's free_text) picks the free-text
// mode for every field; a mode that does not exist is refused.
TEST(FreeTextOption, ClientSendsErrorsInTheChosenMode) {
  FreshHome home;
  ::setenv("TELGUARD_HIDE_NOTICE", "1", 1);
  for (const auto& [mode, want] : std::vector<std::pair<std::string, std::string>>{
           {"class", "permission_denied"}, {"template", "open <path>: permission denied"},
           {"", "open <path>: permission denied"}}) {
    ClientOptions o = Options("");
    o.local_file = home.path() + "/events-" + mode + ".jsonl";
    o.free_text = mode;
    std::string error;
    auto c = Client::Create(o, &error);
    ASSERT_NE(c, nullptr) << error;
    c->RecordToolCall("s", "root", "read_file", std::chrono::milliseconds(1), "open /home/alice/diary.txt: permission denied");
    const auto lines = testing::Lines(testing::ReadFile(o.local_file));
    ASSERT_EQ(lines.size(), 1u) << mode;
    EXPECT_EQ(json::parse(lines[0])["records"][0]["properties"]["error"], want) << mode;
  }
  ClientOptions bad = Options("");
  bad.local_file = home.path() + "/x.jsonl";
  bad.free_text = "none";
  std::string error;
  EXPECT_EQ(Client::Create(bad, &error), nullptr);
  EXPECT_NE(error.find("free_text"), std::string::npos) << error;
  ::unsetenv("TELGUARD_HIDE_NOTICE");
}

TEST_F(Recording, CommandSuccessFollowsTheError) {
  client_->TrackCommand("run", {"x"});
  client_->TrackCommand("run", {"x"}, "exit status 2");
  const auto ev = Events();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0]["properties"]["is_success"], true);
  EXPECT_EQ(ev[1]["properties"]["is_success"], false);
}

TEST_F(Recording, NestedAndConcurrentSessionsAreSeparate) {
  Context parent{client_, "p", "root"};
  Context child{client_, "c", "researcher"};
  RecordSessionStart(parent);
  RecordSessionStart(child, parent.session_id);
  RecordToolCall(child, "web_search", "c", "researcher", 5ms);
  RecordToolCall(child, "web_search", "c", "researcher", 5ms);
  RecordTokenUsage(child, "gpt-4o-mini", 100, 10, 0.01);
  RecordSessionEnd(child);
  RecordToolCall(parent, "shell", "p", "root", 5ms);
  RecordTokenUsage(parent, "gpt-4o", 1000, 100, 1.0);
  RecordSessionEnd(parent);
  const json c = EndOfAgent("researcher"), p = EndOfAgent("root");
  EXPECT_EQ(c["tool_calls"], 2);
  // The parent link survives pseudonymisation; the raw id does not leave.
  EXPECT_EQ(c["parent_session_id"], p["session_id"]);
  EXPECT_NE(c["parent_session_id"], "p");
  EXPECT_EQ(c["agent_name"], "researcher");
  EXPECT_EQ(p["tool_calls"], 1);
  EXPECT_DOUBLE_EQ(p["cost"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(c["cost"].get<double>(), 0.01);
  EXPECT_EQ(p["agent_name"], "root");

  const std::size_t before = Events().size();
  std::vector<std::thread> ts;
  for (int t = 0; t < 8; ++t) {
    ts.emplace_back([&, t] {
      Context ctx{client_, "t" + std::to_string(t), "root"};
      RecordSessionStart(ctx);
      for (int i = 0; i <= t; ++i) RecordToolCall(ctx, "shell", ctx.session_id, "root", 1ms);
      RecordTokenUsage(ctx, "gpt-4o", 10 * (t + 1), 1, 0.5 * (t + 1));
      RecordSessionEnd(ctx);
    });
  }
  for (auto& t : ts) t.join();
  // Session t made t+1 tool calls: its pseudonym is the one with t+1 tool
  // events.
  std::map<std::string, int> tool_events;
  const auto events = Events();
  for (std::size_t i = before; i < events.size(); ++i) {
    if (events[i]["event"] == "tool") ++tool_events[events[i]["properties"]["session_id"].get<std::string>()];
  }
  ASSERT_EQ(tool_events.size(), 8u);
  for (int t = 0; t < 8; ++t) {
    std::string pseudonym;
    for (const auto& [sid, n] : tool_events) {
      if (n == t + 1) pseudonym = sid;
    }
    const json e = EndOfSession(pseudonym);
    ASSERT_FALSE(e.is_null()) << t;
    EXPECT_EQ(e["tool_calls"], t + 1);
    EXPECT_EQ(e["input_tokens"], 10 * (t + 1));
    EXPECT_DOUBLE_EQ(e["cost"].get<double>(), 0.5 * (t + 1));
  }
}

TEST_F(Recording, PositionalArgumentsNeverLeave) {
  client_->TrackCommand("run", {"./agent.yaml", "rewrite the pricing page for project kestrel", "--model=gpt-4o"});
  const std::string all = testing::ReadFile(local_);
  EXPECT_EQ(all.find("kestrel"), std::string::npos);
  EXPECT_EQ(all.find("agent.yaml"), std::string::npos);
  EXPECT_NE(all.find(R"("positional_count":2)"), std::string::npos) << all;
}

TEST(Cost, FromTheEmbeddedTableAndFromAnOverrideFile) {
  auto t = PriceTable::Embedded();
  ASSERT_TRUE(t);
  EXPECT_NEAR(*t->Cost("gpt-4o", 1000, 1000), 0.0125, 1e-12);                    // 2.50 and 10.00 per 1M
  EXPECT_NEAR(*t->Cost("claude-3-5-sonnet-20241022", 1'000'000, 0), 3.0, 1e-9);  // longest prefix
  EXPECT_NEAR(*t->Cost("openai/gpt-4o-mini", 0, 1'000'000), 0.6, 1e-9);          // provider prefix
  EXPECT_NEAR(*t->Cost("claude-sonnet-4", 0, 0, 1'000'000, 1'000'000), 0.3 + 3.75, 1e-9);
  EXPECT_FALSE(t->Cost("my-private-model", 10, 10));
  std::string error;
  auto o = PriceTable::Parse(R"({"my-private-model":{"input_cost_per_token":0.001,"output_cost_per_token":0.002}})",
                             &error);
  ASSERT_TRUE(o) << error;
  EXPECT_NEAR(*o->Cost("my-private-model", 10, 10), 0.03, 1e-12);
  EXPECT_FALSE(PriceTable::Parse("[]", &error));
  EXPECT_FALSE(PriceTable::Parse(R"({"x":{}})", &error));
}

TEST(Cost, ClientEstimatesWhenNoCostIsGivenUsingTheOverride) {
  FreshHome home;
  ::setenv("TELGUARD_HIDE_NOTICE", "1", 1);
  const std::string prices = home.path() + "/prices.json";
  testing::WriteFile(prices, R"({"house-model":{"input_cost_per_token":0.5,"output_cost_per_token":1.0}})");
  ClientOptions o = Options("");
  o.local_file = home.path() + "/events.jsonl";
  o.prices_file = prices;
  std::string error;
  auto c = Client::Create(o, &error);
  ASSERT_NE(c, nullptr) << error;
  c->RecordSessionStart("s", "root");
  c->RecordTokenUsage("s", "root", "house-model", 2, 3);
  c->RecordTokenUsage("s", "root", "unknown-model", 2, 3);  // no price: no cost, not a made-up one
  c->RecordSessionEnd("s");
  const auto lines = testing::Lines(testing::ReadFile(o.local_file));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_DOUBLE_EQ(json::parse(lines[1])["records"][0]["properties"]["cost"].get<double>(), 4.0);
  EXPECT_FALSE(json::parse(lines[2])["records"][0]["properties"].contains("cost"));
  EXPECT_DOUBLE_EQ(json::parse(lines[3])["records"][0]["properties"]["cost"].get<double>(), 4.0);
  o.prices_file = home.path() + "/missing.json";
  EXPECT_EQ(Client::Create(o, &error), nullptr);
  EXPECT_NE(error.find("missing.json"), std::string::npos);
  ::unsetenv("TELGUARD_HIDE_NOTICE");
}

TEST(Context, WithoutAClientEverythingIsANoOp) {
  Context ctx;
  EXPECT_EQ(FromContext(ctx), nullptr);
  RecordASession(ctx);  // must not crash or do anything
  SUCCEED();
}

TEST(Client, InvalidOptionsAreErrorsNotCrashes) {
  FreshHome home;
  ::setenv("TELGUARD_HIDE_NOTICE", "1", 1);
  std::string error;
  ClientOptions o = Options("");
  EXPECT_EQ(Client::Create(o, &error), nullptr);  // no destination
  EXPECT_NE(error.find("no destination"), std::string::npos);
  o = Options("http://telemetry.example.org/x");  // plain http, not loopback
  EXPECT_EQ(Client::Create(o, &error), nullptr);
  EXPECT_NE(error.find("loopback"), std::string::npos);
  o = Options("http://127.0.0.1:9/x");
  o.app_name = "my agent";
  EXPECT_EQ(Client::Create(o, &error), nullptr);
  ::unsetenv("TELGUARD_HIDE_NOTICE");
}

TEST(Client, DebugWritesEachEventExactlyAsSentAndChangesNothingElse) {
  FreshHome home;
  ::setenv("TELGUARD_HIDE_NOTICE", "1", 1);
  testing::HttpServer server;
  ClientOptions o = Options(server.url());
  o.debug = true;
  o.debug_log_file = home.path() + "/debug.log";
  std::string error;
  auto c = Client::Create(o, &error);
  ASSERT_NE(c, nullptr) << error;
  c->RecordSessionStart("s1", "root");
  ASSERT_EQ(server.requests(), 1u);  // debug still sends, to the same place
  const std::string log = testing::ReadFile(o.debug_log_file);
  EXPECT_NE(log.find("telguard debug: send " + server.recorded()[0].body + "\n"), std::string::npos) << log;
  ::unsetenv("TELGUARD_HIDE_NOTICE");
}

TEST(Client, ThirtyTwoThreadsRecordingAtOnce) {
  FreshHome home;
  ::setenv("TELGUARD_HIDE_NOTICE", "1", 1);
  testing::HttpServer server;
  std::string error;
  // What is checked is that 32 threads lose and repeat nothing, not how
  // fast a send is. The default 1 s deadline was the only timing this test
  // depended on (a send past it keeps its event: one run under
  // ThreadSanitizer on a machine with load ~6 failed), so it is generous.
  ClientOptions o = Options(server.url());
  o.deadline = std::chrono::seconds(60);
  auto c = Client::Create(o, &error);
  ASSERT_NE(c, nullptr) << error;
  std::vector<std::thread> ts;
  for (int t = 0; t < 32; ++t) {
    ts.emplace_back([&, t] {
      Context ctx{c, "t" + std::to_string(t), "root"};
      RecordSessionStart(ctx);
      for (int i = 0; i < 10; ++i) RecordToolCall(ctx, "shell", ctx.session_id, "root", 1ms);
      RecordSessionEnd(ctx);
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(c->stats().delivered, 32u * 12u);
  EXPECT_EQ(server.requests(), 32u * 12u);
  ::unsetenv("TELGUARD_HIDE_NOTICE");
}

}  // namespace
}  // namespace telguard
