// Local state that keeps the promise, end to end: consent on every path
// (send, flush, the library), what "off" deletes, per-app identity, no or
// read-only HOME, unknown switch values, the variables the CLI honours, and
// signals. Real processes (the telguard binary), real files under a fresh
// directory, a real HTTP server on 127.0.0.1.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "client/client.h"
#include "client/config.h"
#include "client/local_files.h"
#include "redaction/pseudonym.h"
#include "sender/spool.h"
#include "tests/test_server.h"
#include "tests/test_util.h"

namespace telguard {
namespace {

using json = nlohmann::json;
using testing::RunProcess;
namespace fs = std::filesystem;
const std::string kBin = TELGUARD_BIN;

// Every variable telguard reads, cleared, so the host's environment never
// leaks into a test.
const char* const kTelguardVars[] = {"XDG_CONFIG_HOME",     "XDG_STATE_HOME",    "TELEMETRY_ENABLED",
                                     "DO_NOT_TRACK",        "TELGUARD_SPOOL",    "TELGUARD_ENDPOINT",
                                     "TELGUARD_LOCAL_FILE", "TELGUARD_DEBUG",    "TELGUARD_DEBUG_LOG",
                                     "TELGUARD_HIDE_NOTICE", "TELGUARD_PRICES"};

// A fresh directory used as HOME; the environment for child processes.
class Sandbox {
 public:
  Sandbox() {
    char t[] = "/tmp/telguard-state-XXXXXX";
    dir_ = mkdtemp(t);
    home_ = dir_ + "/home";
    fs::create_directory(home_);
    for (const char* v : kTelguardVars) ::unsetenv(v);
    ::setenv("HOME", home_.c_str(), 1);
  }
  ~Sandbox() {
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add);
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(dir_, ec)) {
      fs::permissions(e.path(), fs::perms::owner_all, fs::perm_options::add, ec);
    }
    fs::remove_all(dir_);
    for (const char* v : kTelguardVars) ::unsetenv(v);
  }
  const std::string& dir() const { return dir_; }
  const std::string& home() const { return home_; }
  std::string spool() const { return dir_ + "/spool"; }
  // The notice already acknowledged unless `notice` is set.
  std::vector<std::string> Env(std::vector<std::string> extra = {}, bool notice = false) const {
    std::vector<std::string> env = {"HOME=" + home_};
    for (const char* v : kTelguardVars) env.push_back(std::string(v) + "=");
    if (!notice) env.push_back("TELGUARD_HIDE_NOTICE=1");
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
  }

 private:
  std::string dir_, home_;
};

std::string Event(int i) {
  return json({{"event", "tool"},
               {"event_timestamp", 1},
               {"source", "agentcli"},
               {"properties",
                {{"action", "call"}, {"session_id", "s" + std::to_string(i)}, {"agent_name", "root"},
                 {"tool_name", "shell"}, {"duration_ms", 5}, {"is_success", true}}}})
             .dump();
}

std::string Events(int from, int to) {
  std::string s;
  for (int i = from; i < to; ++i) s += Event(i) + "\n";
  return s;
}

// Events waiting in the spool (one SQLite database per directory).
std::size_t SpoolFiles(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir + "/spool.db", ec)) return 0;
  std::string err;
  auto spool = sender::Spool::Open(dir, {}, &err);
  return spool ? spool->size() : 0;
}

std::size_t Count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1)) ++n;
  return n;
}

// Spools `n` events for app "agentcli" by sending them to a closed port (or
// to `url`, an endpoint that is down for now: a spooled event is only ever
// flushed to the endpoint it was meant for).
void SpoolEvents(const Sandbox& box, int n, std::string url = "") {
  const std::string closed =
      url.empty() ? "http://127.0.0.1:" + std::to_string(testing::ClosedPort()) + "/v1/events" : url;
  auto r = RunProcess({kBin, "send", "--app", "agentcli", "--endpoint", closed, "--spool", box.spool(),
                       "--deadline-ms", "100"},
                      Events(0, n), box.Env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_NE(r.err.find("0 delivered, " + std::to_string(n) + " spooled"), std::string::npos) << r.err;
  ASSERT_GT(SpoolFiles(box.spool()), 0u);
}

struct OptOut {
  std::string name;
  std::vector<std::string> env;          // variables for the flush
  std::vector<std::string> consent_cmd;  // or a remembered choice before it
};

class FlushOptOut : public ::testing::TestWithParam<OptOut> {};

// Each opt-out form: flush makes zero requests, says why, and deletes what
// was spooled for the app (a later flush with telemetry on has nothing).
TEST_P(FlushOptOut, MakesZeroRequestsAndDeletesWhatWasSpooled) {
  Sandbox box;
  testing::HttpServer server;
  SpoolEvents(box, 3);
  if (!GetParam().consent_cmd.empty()) {
    std::vector<std::string> argv = {kBin, "consent"};
    argv.insert(argv.end(), GetParam().consent_cmd.begin(), GetParam().consent_cmd.end());
    argv.insert(argv.end(), {"--spool", box.dir() + "/other"});  // the flush itself must purge
    ASSERT_EQ(RunProcess(argv, "", box.Env()).exit_code, 0);
  }
  const std::vector<std::string> flush = {kBin, "flush", "--app", "agentcli", "--endpoint", server.url(), "--spool",
                                          box.spool()};
  auto r = RunProcess(flush, "", box.Env(GetParam().env));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("nothing sent: telemetry is off"), std::string::npos) << r.err;
  EXPECT_EQ(server.requests(), 0u);
  EXPECT_EQ(SpoolFiles(box.spool()), 0u);
  // Turned on again: nothing left to send.
  RunProcess({kBin, "consent", "on"}, "", box.Env());
  RunProcess({kBin, "consent", "on", "--app", "agentcli"}, "", box.Env());
  r = RunProcess(flush, "", box.Env());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(server.requests(), 0u) << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    EveryForm, FlushOptOut,
    ::testing::Values(OptOut{"TelemetryEnabledFalse", {"TELEMETRY_ENABLED=false"}, {}},
                      OptOut{"TelemetryEnabledZero", {"TELEMETRY_ENABLED=0"}, {}},
                      OptOut{"TelemetryEnabledOffUpperCase", {"TELEMETRY_ENABLED=OFF"}, {}},
                      OptOut{"TelemetryEnabledUnknown", {"TELEMETRY_ENABLED=maybe"}, {}},
                      OptOut{"DoNotTrackOne", {"DO_NOT_TRACK=1"}, {}},
                      OptOut{"DoNotTrackUnknown", {"DO_NOT_TRACK=please"}, {}},
                      OptOut{"ConsentOffUserWide", {}, {"off"}},
                      OptOut{"ConsentOffForTheApp", {}, {"off", "--app", "agentcli"}},
                      OptOut{"ConsentOffBeatsTelemetryEnabledTrue", {"TELEMETRY_ENABLED=true"}, {"off"}}),
    [](const auto& param_info) { return param_info.param.name; });

// The endpoint refusing the key (401, and 403 alike) is a configuration
// error on the command line too: `send` keeps every event, says so and exits
// 2; `flush` keeps the whole backlog, asks once per run and exits 2; when
// the key is fixed the backlog goes, each event once.
TEST(Cli, UnauthorizedKeepsEveryEventAndExitsWithTheConfigurationErrorCode) {
  Sandbox box;
  std::atomic<bool> authorised{false};
  testing::HttpServer server([&](const httplib::Request&, httplib::Response& res, int) {
    if (!authorised) res.status = 401;
  });
  const std::vector<std::string> send = {kBin, "send", "--app", "agentcli", "--endpoint", server.url(), "--spool",
                                         box.spool()};
  auto r = RunProcess(send, Events(0, 4), box.Env());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("0 delivered, 4 spooled"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("401"), std::string::npos) << r.err;
  EXPECT_EQ(SpoolFiles(box.spool()), 4u);
  const std::size_t after_send = server.requests();
  EXPECT_GE(after_send, 1u);
  EXPECT_EQ(server.delivered().size(), 0u);

  const std::vector<std::string> flush = {kBin, "flush", "--app", "agentcli", "--endpoint", server.url(), "--spool",
                                          box.spool()};
  for (int run = 0; run < 3; ++run) {
    r = RunProcess(flush, "", box.Env());
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("configuration error"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("4 remaining"), std::string::npos) << r.err;
  }
  EXPECT_EQ(SpoolFiles(box.spool()), 4u);
  EXPECT_EQ(server.requests() - after_send, 3u);  // one try per run, then no network

  authorised = true;
  r = RunProcess(flush, "", box.Env());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("4 delivered, 0 dropped, 0 remaining"), std::string::npos) << r.err;
  EXPECT_EQ(server.delivered().size(), 4u);
  EXPECT_EQ(SpoolFiles(box.spool()), 0u);
}

TEST(ConsentOff, PurgesTheSpoolAndTheIdentityAndTheLibrarySeeingOffPurgesToo) {
  Sandbox box;
  SpoolEvents(box, 2);
  auto r = RunProcess({kBin, "consent", "off", "--app", "agentcli", "--spool", box.spool()}, "", box.Env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(SpoolFiles(box.spool()), 0u);
  EXPECT_NE(r.out.find("telemetry off for agentcli"), std::string::npos) << r.out;

  // The library, told telemetry is off, deletes what is spooled for it.
  ASSERT_EQ(RunProcess({kBin, "consent", "on", "--app", "agentcli"}, "", box.Env()).exit_code, 0);
  SpoolEvents(box, 2);
  ::setenv("TELGUARD_HIDE_NOTICE", "1", 1);
  ::setenv("DO_NOT_TRACK", "1", 1);
  ClientOptions o;
  o.app_name = "agentcli";
  o.endpoint = "http://127.0.0.1:9/x";
  o.spool_dir = box.spool();
  std::string error;
  EXPECT_EQ(Client::Create(o, &error), nullptr);
  EXPECT_EQ(error, "");
  EXPECT_EQ(SpoolFiles(box.spool()), 0u);
  EXPECT_FALSE(fs::exists(box.home() + "/.config/telguard/agentcli/id"));
}

// The layout before per-app identity kept one install id and one notice
// marker for every app at the top of the config root: the first app that
// loads its own id removes them (it never inherits the shared id), and so
// does consent off, per app or user-wide.
TEST(PerApp, TheOldSharedIdAndNoticeMarkerAreRetired) {
  Sandbox box;
  const std::string root = box.home() + "/.config/telguard/";
  fs::create_directories(root);
  const std::string shared_id = NewUuidV4();
  auto plant = [&] {
    testing::WriteFile(root + "id", shared_id + "\n");
    testing::WriteFile(root + "notice-shown", "1\n");
  };
  plant();
  ::setenv("TELGUARD_HIDE_NOTICE", "1", 1);
  ClientOptions o;
  o.app_name = "vendor-a";
  o.local_file = box.dir() + "/a.jsonl";
  std::string error;
  auto c = Client::Create(o, &error);
  ASSERT_NE(c, nullptr) << error;
  c->RecordSessionStart("s", "root");
  c.reset();
  EXPECT_FALSE(fs::exists(root + "id"));
  EXPECT_FALSE(fs::exists(root + "notice-shown"));
  const std::string own = testing::ReadFile(root + "vendor-a/id");
  ASSERT_EQ(own.size(), 37u);
  EXPECT_NE(own, shared_id + "\n");
  for (const std::vector<std::string>& off :
       {std::vector<std::string>{kBin, "consent", "off", "--app", "vendor-b"},
        std::vector<std::string>{kBin, "consent", "off"}}) {
    plant();
    auto r = RunProcess(off, "", box.Env());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_FALSE(fs::exists(root + "id")) << off.size();
    EXPECT_FALSE(fs::exists(root + "notice-shown")) << off.size();
  }
}

// Two vendors embedding telguard: different install ids, different pseudonym
// keys, separate consent; a user-wide off still turns both off.
TEST(PerApp, TwoAppsGetDifferentIdsAndPseudonymKeysAndSeparateConsent) {
  Sandbox box;
  ::setenv("TELGUARD_HIDE_NOTICE", "1", 1);
  auto make = [&](const std::string& app) {
    ClientOptions o;
    o.app_name = app;
    o.local_file = box.dir() + "/" + app + ".jsonl";
    std::string error;
    auto c = Client::Create(o, &error);
    EXPECT_TRUE(error.empty()) << error;
    return c;
  };
  auto a = make("vendor-a");
  auto b = make("vendor-b");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  a->RecordSessionStart("s", "root");
  b->RecordSessionStart("s", "root");
  const std::string root = box.home() + "/.config/telguard/";
  const std::string id_a = testing::ReadFile(root + "vendor-a/id"), id_b = testing::ReadFile(root + "vendor-b/id");
  const std::string key_a = testing::ReadFile(root + "vendor-a/pseudonym-key");
  const std::string key_b = testing::ReadFile(root + "vendor-b/pseudonym-key");
  ASSERT_EQ(id_a.size(), 37u);
  ASSERT_EQ(key_a.size(), 32u);
  ASSERT_EQ(key_b.size(), 32u);
  EXPECT_NE(id_a, id_b);
  EXPECT_NE(key_a, key_b);
  struct stat st {};
  ASSERT_EQ(::stat((root + "vendor-a/pseudonym-key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // Each app's events carry its own id only, and only as a pseudonym keyed
  // with its own key: never the raw id, never the other app's.
  const std::string sent_a = testing::ReadFile(box.dir() + "/vendor-a.jsonl");
  const std::string sent_b = testing::ReadFile(box.dir() + "/vendor-b.jsonl");
  const std::string raw_a = id_a.substr(0, 36), raw_b = id_b.substr(0, 36);
  const std::string user_a = redaction::Pseudonymizer(key_a).Uuid("user", raw_a);
  const std::string user_b = redaction::Pseudonymizer(key_b).Uuid("user", raw_b);
  EXPECT_NE(sent_a.find(user_a), std::string::npos) << sent_a;
  EXPECT_NE(sent_b.find(user_b), std::string::npos) << sent_b;
  for (const std::string& never : {raw_a, raw_b, user_b}) EXPECT_EQ(sent_a.find(never), std::string::npos);
  for (const std::string& never : {raw_a, raw_b, user_a}) EXPECT_EQ(sent_b.find(never), std::string::npos);

  // One app's "off" is not the other's.
  ASSERT_EQ(RunProcess({kBin, "consent", "off", "--app", "vendor-a"}, "", box.Env()).exit_code, 0);
  EXPECT_EQ(make("vendor-a"), nullptr);
  EXPECT_NE(make("vendor-b"), nullptr);
  EXPECT_FALSE(fs::exists(root + "vendor-a/id"));
  EXPECT_TRUE(fs::exists(root + "vendor-b/id"));
  auto st_a = RunProcess({kBin, "status", "--app", "vendor-a", "--json"}, "", box.Env());
  const json ja = json::parse(st_a.out);
  EXPECT_EQ(ja["telemetry"], "off");
  EXPECT_EQ(ja["decided_by"], "app choice (" + root + "vendor-a/consent)");
  auto st_b = RunProcess({kBin, "status", "--app", "vendor-b"}, "", box.Env());
  EXPECT_NE(st_b.out.find("telemetry: on\ndecided by: default"), std::string::npos) << st_b.out;
  // The user-wide off turns every app off, and takes every app's identity.
  ASSERT_EQ(RunProcess({kBin, "consent", "off"}, "", box.Env()).exit_code, 0);
  EXPECT_EQ(make("vendor-b"), nullptr);
  EXPECT_FALSE(fs::exists(root + "vendor-b/id"));
  EXPECT_FALSE(fs::exists(root + "vendor-b/pseudonym-key"));
  st_b = RunProcess({kBin, "status", "--app", "vendor-b"}, "", box.Env());
  EXPECT_NE(st_b.out.find("telemetry: off\ndecided by: user-wide choice"), std::string::npos) << st_b.out;
}

TEST(PerApp, AppNamesThatAreNotADirectoryNameAreRefusedClearly) {
  Sandbox box;
  ::setenv("TELGUARD_HIDE_NOTICE", "1", 1);
  for (const std::string& bad : std::vector<std::string>{"../escape", "a/b", "..", "a\x01b", "a\nb"}) {
    ClientOptions o;
    o.app_name = bad;
    o.local_file = box.dir() + "/x.jsonl";
    std::string error;
    EXPECT_EQ(Client::Create(o, &error), nullptr);
    EXPECT_NE(error.find("app name"), std::string::npos) << error;
    for (const char* cmd : {"send", "flush", "status", "consent"}) {
      std::vector<std::string> argv = {kBin, cmd};
      if (std::string(cmd) == "consent") argv.push_back("off");
      argv.insert(argv.end(), {"--app", bad});
      auto r = RunProcess(argv, "", box.Env({"TELGUARD_ENDPOINT=http://127.0.0.1:9/x"}));
      EXPECT_EQ(r.exit_code, 2) << cmd << "\n" << r.err;
      EXPECT_NE(r.err.find("--app: app name"), std::string::npos) << r.err;
    }
  }
  EXPECT_FALSE(fs::exists(box.dir() + "/escape"));
  EXPECT_FALSE(fs::exists(box.home() + "/.config/telguard"));
}

// No HOME, a HOME that does not exist (as root too), a HOME where nothing
// can be created: said once, in words, with the variable that fixes it;
// HOME is never created; nothing is sent; the notice is never claimed.
TEST(Home, MissingOrUnwritableHomeSendsNothingSaysWhyOnceAndIsNeverCreated) {
  Sandbox box;
  testing::HttpServer server;
  std::ofstream(box.dir() + "/blocked") << "a file where .config would be a directory";
  fs::create_directory(box.dir() + "/rohome");
  fs::create_symlink(box.dir() + "/blocked", box.dir() + "/rohome/.config");
  const std::vector<std::pair<std::string, std::string>> homes = {
      {"missing", "HOME=" + box.dir() + "/missing-home"},
      {"unset", "HOME="},
      {"unwritable", "HOME=" + box.dir() + "/rohome"},
  };
  for (const auto& [what, home] : homes) {
    auto env = box.Env({}, /*notice=*/true);
    env.push_back(home);
    auto r = RunProcess({kBin, "send", "--endpoint", server.url(), "--spool", box.spool()}, Events(0, 2), env);
    EXPECT_EQ(r.exit_code, 0) << what << "\n" << r.err;
    EXPECT_NE(r.err.find("nothing sent: the first-run notice could not be recorded, so it was not shown"),
              std::string::npos)
        << what << "\n" << r.err;
    EXPECT_NE(r.err.find("XDG_CONFIG_HOME"), std::string::npos) << what << "\n" << r.err;
    EXPECT_EQ(r.err.find("Turn it off"), std::string::npos) << what;  // the notice text never appeared
    EXPECT_EQ(r.err.find("notice above was shown"), std::string::npos) << what;
    auto status = RunProcess({kBin, "status", "--app", "telguard"}, "", env);
    EXPECT_NE(status.out.find("problem:"), std::string::npos) << what << "\n" << status.out;
  }
  EXPECT_EQ(server.requests(), 0u);
  EXPECT_FALSE(fs::exists(box.dir() + "/missing-home"));

  // The library: holds (sends nothing), says why once per process, creates nothing.
  ::setenv("HOME", (box.dir() + "/missing-home").c_str(), 1);
  ClientOptions o;
  o.app_name = "agentcli";
  o.endpoint = server.url();
  std::string error;
  auto c = Client::Create(o, &error);
  ASSERT_NE(c, nullptr) << error;
  EXPECT_TRUE(c->holding_for_notice());
  c->RecordSessionStart("s", "root");
  EXPECT_EQ(server.requests(), 0u);
  EXPECT_FALSE(fs::exists(box.dir() + "/missing-home"));
  // Pointing XDG_CONFIG_HOME somewhere writable fixes it.
  auto env = box.Env({"HOME=" + box.dir() + "/missing-home", "XDG_CONFIG_HOME=" + box.dir() + "/cfg",
                      "XDG_STATE_HOME=" + box.dir() + "/state"});
  auto r = RunProcess({kBin, "send", "--endpoint", server.url()}, Events(0, 2), env);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(server.requests(), 2u) << r.err;
  EXPECT_FALSE(fs::exists(box.dir() + "/missing-home"));
}

TEST(Switches, UnknownValuesAreOffWithOneMessageOnEveryPath) {
  Sandbox box;
  testing::HttpServer server;
  const std::string warn = "TELEMETRY_ENABLED has a value telguard does not recognise";
  auto r = RunProcess({kBin, "send", "--endpoint", server.url(), "--spool", box.spool()}, Events(0, 3),
                      box.Env({"TELEMETRY_ENABLED=maybe"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Count(r.err, warn), 1u) << r.err;
  EXPECT_EQ(r.err.find("maybe"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nothing sent: telemetry is off (TELEMETRY_ENABLED (unrecognised value))"),
            std::string::npos) << r.err;
  r = RunProcess({kBin, "flush", "--endpoint", server.url(), "--spool", box.spool()}, "",
                 box.Env({"TELEMETRY_ENABLED=maybe"}));
  EXPECT_EQ(Count(r.err, warn), 1u) << r.err;
  EXPECT_EQ(server.requests(), 0u);
  // TELGUARD_DEBUG=yes? is not a spelling: no debug output, events still sent.
  r = RunProcess({kBin, "send", "--endpoint", server.url(), "--spool", box.spool()}, Events(0, 2),
                 box.Env({"TELGUARD_DEBUG=yes?"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Count(r.err, "TELGUARD_DEBUG has a value telguard does not recognise"), 1u) << r.err;
  EXPECT_EQ(r.err.find("telguard debug:"), std::string::npos) << r.err;
  EXPECT_EQ(server.requests(), 2u);
  // The library: off.
  ::setenv("TELEMETRY_ENABLED", "maybe", 1);
  ClientOptions o;
  o.app_name = "agentcli";
  o.endpoint = server.url();
  std::string error;
  EXPECT_EQ(Client::Create(o, &error), nullptr);
  EXPECT_EQ(error, "");
}

// Ids leave as pseudonyms keyed with the app's own key: two `send` runs of
// one app give one session the same pseudonym (its events still group), the
// raw id never leaves, and another app's key gives an unlinkable one. The
// library uses the same per-app key as the CLI.
TEST(PerApp, SendRunsOfOneAppShareTheKeyedPseudonymAndAppsDoNot) {
  Sandbox box;
  auto session_of = [&](const std::string& app, const std::string& file) {
    auto r = RunProcess({kBin, "send", "--app", app, "--local", box.dir() + "/" + file}, Event(7), box.Env());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const auto lines = testing::Lines(testing::ReadFile(box.dir() + "/" + file));
    EXPECT_FALSE(lines.empty());
    if (lines.empty()) return std::string();
    return json::parse(lines.back())["records"][0]["properties"]["session_id"].get<std::string>();
  };
  const std::string a1 = session_of("vendor-a", "a1.jsonl");
  const std::string a2 = session_of("vendor-a", "a2.jsonl");
  const std::string b1 = session_of("vendor-b", "b1.jsonl");
  ASSERT_FALSE(a1.empty());
  EXPECT_NE(a1, "s7");  // the raw id never leaves
  EXPECT_EQ(a1, a2);    // same app, separate processes: same pseudonym
  EXPECT_NE(a1, b1);    // another app's key: unlinkable
  ASSERT_TRUE(fs::exists(box.home() + "/.config/telguard/vendor-a/pseudonym-key"));

  // The library, for the same app, pseudonymises with the same key.
  ::setenv("TELGUARD_HIDE_NOTICE", "1", 1);
  ClientOptions o;
  o.app_name = "vendor-a";
  o.local_file = box.dir() + "/lib.jsonl";
  std::string error;
  auto c = Client::Create(o, &error);
  ASSERT_NE(c, nullptr) << error;
  c->RecordSessionStart("s7", "root");
  const auto lines = testing::Lines(testing::ReadFile(o.local_file));
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(json::parse(lines.back())["records"][0]["properties"]["session_id"], a1);
}

TEST(Cli, HonoursLocalFileDebugLogAndEverySpellingOfDebug) {
  Sandbox box;
  testing::HttpServer server;
  const std::string local = box.dir() + "/events.jsonl";
  auto r = RunProcess({kBin, "send", "--endpoint", server.url()}, Events(0, 2),
                      box.Env({"TELGUARD_LOCAL_FILE=" + local}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(server.requests(), 0u);  // the local file wins over any endpoint
  EXPECT_EQ(testing::Lines(testing::ReadFile(local)).size(), 2u);
  int sent = 0;
  for (const std::string& spelling : std::vector<std::string>{"1", "true", "TRUE", "yes", "On"}) {
    const std::string debug_log = box.dir() + "/debug-" + spelling + ".log";
    r = RunProcess({kBin, "send", "--endpoint", server.url(), "--spool", box.spool()}, Events(0, 1),
                   box.Env({"TELGUARD_DEBUG=" + spelling, "TELGUARD_DEBUG_LOG=" + debug_log}));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    ++sent;
    ASSERT_EQ(server.requests(), static_cast<std::size_t>(sent));
    EXPECT_NE(testing::ReadFile(debug_log).find("telguard debug: send " + server.recorded().back().body),
              std::string::npos)
        << spelling;
    EXPECT_EQ(r.err.find("telguard debug:"), std::string::npos) << r.err;  // in the file, not on stderr
    struct stat st {};
    ASSERT_EQ(::stat(debug_log.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
  }
}

// `status` names the source of every decision, in text and JSON, and writes
// nothing.
TEST(Cli, StatusNamesTheSourceOfEachSettingAndWritesNothing) {
  Sandbox box;
  auto env = box.Env({"TELGUARD_ENDPOINT=https://env.example/v1", "TELGUARD_SPOOL=" + box.spool(),
                      "TELGUARD_DEBUG=on", "XDG_STATE_HOME=relative/dir"});
  auto r = RunProcess({kBin, "status", "--app", "agentcli", "--json"}, "", env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["telemetry"], "on");
  EXPECT_EQ(j["decided_by"], "default");
  EXPECT_EQ(j["destination"]["endpoint"]["source"], "TELGUARD_ENDPOINT");
  EXPECT_EQ(j["destination"]["spool"]["source"], "TELGUARD_SPOOL");
  EXPECT_EQ(j["destination"]["debug"], "TELGUARD_DEBUG=on");
  ASSERT_EQ(j["warnings"].size(), 1u);
  EXPECT_NE(j["warnings"][0].get<std::string>().find("XDG_STATE_HOME is not an absolute path"), std::string::npos);
  r = RunProcess({kBin, "status", "--app", "agentcli", "--endpoint", "https://opt.example/v1"}, "",
                 box.Env({"TELEMETRY_ENABLED=yes"}));
  EXPECT_NE(r.out.find("telemetry: on\ndecided by: TELEMETRY_ENABLED=yes"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("endpoint: https://opt.example/v1 (from --endpoint)"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(box.home() + "/.config"));  // status writes nothing
}

// Spawns `argv` with stdin from `stdin_fd` and stderr (and stdout) to
// `err_path`. Returns the pid.
pid_t Spawn(const std::vector<std::string>& argv, int stdin_fd, const std::string& err_path,
            const std::vector<std::string>& env, int stderr_fd = -1) {
  const pid_t pid = fork();
  if (pid == 0) {
    ::dup2(stdin_fd, 0);
    const int err = stderr_fd >= 0 ? stderr_fd : ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(err, 2);
    const int out = ::open("/dev/null", O_WRONLY);
    ::dup2(out, 1);
    for (const auto& e : env) putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

int Wait(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

class SignalWhileSending : public ::testing::TestWithParam<int> {};

// Kill `send` mid-stream: every event it read is delivered or spooled, a
// flush delivers the rest, the receiver sees each exactly once, and what it
// did not read is still in the pipe.
TEST_P(SignalWhileSending, KeepsEveryEventReadAndExitsWithTheDocumentedCode) {
  Sandbox box;
  std::atomic<bool> slow{true};
  testing::HttpServer server([&](const httplib::Request&, httplib::Response&, int) {
    if (slow) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  });
  constexpr int kEvents = 150;  // about 30 KiB: fits in the pipe
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  const std::string all = Events(0, kEvents);
  ASSERT_EQ(::write(p[1], all.data(), all.size()), static_cast<ssize_t>(all.size()));
  const std::string err = box.dir() + "/send.err";
  const pid_t pid = Spawn({kBin, "send", "--endpoint", server.url(), "--spool", box.spool(), "--deadline-ms", "5000"},
                          p[0], err, box.Env());
  for (int i = 0; i < 3000 && server.requests() < 5; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_GE(server.requests(), 5u);
  ::kill(pid, GetParam());
  EXPECT_EQ(Wait(pid), 128 + GetParam());
  const std::string summary = testing::ReadFile(err);
  EXPECT_NE(summary.find(GetParam() == SIGTERM ? "stopped by SIGTERM" : "stopped by SIGINT"), std::string::npos)
      << summary;
  // What the process never read is still in the pipe.
  ::close(p[1]);
  std::string unread;
  char buf[65536];
  for (ssize_t n; (n = ::read(p[0], buf, sizeof buf)) > 0;) unread.append(buf, static_cast<std::size_t>(n));
  ::close(p[0]);
  const std::size_t read_by_send = kEvents - testing::Lines(unread).size();
  EXPECT_GT(read_by_send, 0u);
  slow = false;
  auto r = RunProcess({kBin, "flush", "--endpoint", server.url(), "--spool", box.spool()}, "", box.Env());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, int> seen;
  for (const auto& rec : server.recorded()) ++seen[json::parse(rec.body)["records"][0]["properties"]["session_id"]];
  EXPECT_EQ(seen.size(), read_by_send);
  EXPECT_EQ(server.requests(), read_by_send);  // none twice
  for (const auto& [id, n] : seen) EXPECT_EQ(n, 1) << id;
}

INSTANTIATE_TEST_SUITE_P(TermAndInt, SignalWhileSending, ::testing::Values(SIGTERM, SIGINT),
                         [](const auto& param_info) { return param_info.param == SIGTERM ? "SIGTERM" : "SIGINT"; });

// SIGTERM during a flush: it stops sending (no request after the one in
// flight), keeps the rest, exits 143; the next flush delivers the rest;
// nothing lost, nothing delivered twice.
TEST(Signals, FlushOnSigtermStopsKeepsTheRestAndLosesNothing) {
  Sandbox box;
  std::atomic<bool> up{false};
  testing::HttpServer server([&](const httplib::Request&, httplib::Response& res, int) {
    if (!up) {
      res.status = 503;  // down while the events are spooled
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  });
  SpoolEvents(box, 40, server.url());
  up = true;
  const std::size_t refused = server.requests();
  const std::string err = box.dir() + "/flush.err";
  const int devnull = ::open("/dev/null", O_RDONLY);
  const pid_t pid = Spawn({kBin, "flush", "--app", "agentcli", "--endpoint", server.url(), "--spool", box.spool()},
                          devnull, err, box.Env());
  ::close(devnull);
  for (int i = 0; i < 3000 && server.requests() < refused + 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(pid, SIGTERM);
  EXPECT_EQ(Wait(pid), 143) << testing::ReadFile(err);
  const std::size_t first = server.requests() - refused;
  EXPECT_LT(first, 40u) << testing::ReadFile(err);  // it stopped: 40 would take 4 s
  auto r = RunProcess({kBin, "flush", "--app", "agentcli", "--endpoint", server.url(), "--spool", box.spool()}, "",
                      box.Env());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::set<std::string> ids;
  for (const auto& body : server.delivered()) ids.insert(json::parse(body)["records"][0]["properties"]["session_id"]);
  EXPECT_EQ(ids.size(), 40u);
  EXPECT_EQ(server.delivered().size(), 40u) << "first flush delivered " << first;
}

// A --debug stream whose reader is gone: the writes fail, the process lives
// and delivers everything.
TEST(Signals, DebugToAClosedPipeNeverKillsTheProcess) {
  Sandbox box;
  testing::HttpServer server;
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  ::close(p[0]);  // nobody reads stderr
  const std::string in_path = box.dir() + "/in";
  testing::WriteFile(in_path, Events(0, 5));
  const int in = ::open(in_path.c_str(), O_RDONLY);
  const pid_t pid = Spawn({kBin, "send", "--debug", "--endpoint", server.url(), "--spool", box.spool()}, in, "",
                          box.Env(), p[1]);
  ::close(in);
  ::close(p[1]);
  EXPECT_EQ(Wait(pid), 0);
  EXPECT_EQ(server.requests(), 5u);
}

// Many threads creating clients for several apps at once, each recording:
// one id per app, every event delivered (also under ThreadSanitizer).
TEST(PerApp, ThreadsCreatingClientsForSeveralAppsAtOnceGetOneIdPerApp) {
  Sandbox box;
  ::setenv("TELGUARD_HIDE_NOTICE", "1", 1);
  testing::HttpServer server;
  std::vector<std::thread> ts;
  std::atomic<int> made{0};
  for (int t = 0; t < 8; ++t) {
    ts.emplace_back([&, t] {
      ClientOptions o;
      o.app_name = "app" + std::to_string(t % 2);
      o.endpoint = server.url();
      o.spool_dir = box.spool();
      std::string error;
      auto c = Client::Create(o, &error);
      if (!c) return;
      ++made;
      for (int i = 0; i < 5; ++i) c->RecordSessionStart("s" + std::to_string(t) + "-" + std::to_string(i), "root");
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(made.load(), 8);
  ASSERT_EQ(server.requests(), 40u);
  std::map<std::string, std::set<std::string>> ids;  // app -> user_uuids seen
  for (const auto& rec : server.recorded()) {
    const json r = json::parse(rec.body)["records"][0];
    ids[r["source"]].insert(r["properties"]["user_uuid"]);
  }
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids["app0"].size(), 1u);
  EXPECT_EQ(ids["app1"].size(), 1u);
  EXPECT_NE(*ids["app0"].begin(), *ids["app1"].begin());
}

}  // namespace
}  // namespace telguard
