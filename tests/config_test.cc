// The one environment resolver and the one destination builder (client/
// config.h, client/destination.h): every documented spelling, precedence and
// source, the gateway's OpenTelemetry variables, app names. In-process, with
// an explicit environment snapshot and real directories.
#include "client/config.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "client/consent.h"
#include "client/destination.h"

namespace telguard {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    char t[] = "/tmp/telguard-config-XXXXXX";
    path_ = mkdtemp(t);
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

Environment Env(std::map<std::string, std::string, std::less<>> vars) { return Environment(std::move(vars)); }

struct Spelling {
  std::string text;
  SwitchValue value;
};

class SwitchSpelling : public ::testing::TestWithParam<Spelling> {};

TEST_P(SwitchSpelling, IsReadAsDocumented) { EXPECT_EQ(ParseSwitchValue(GetParam().text), GetParam().value); }

INSTANTIATE_TEST_SUITE_P(
    Every, SwitchSpelling,
    ::testing::Values(Spelling{"1", SwitchValue::kOn}, Spelling{"true", SwitchValue::kOn},
                      Spelling{"TRUE", SwitchValue::kOn}, Spelling{"Yes", SwitchValue::kOn},
                      Spelling{"on", SwitchValue::kOn}, Spelling{" ON\n", SwitchValue::kOn},
                      Spelling{"0", SwitchValue::kOff}, Spelling{"false", SwitchValue::kOff},
                      Spelling{"False", SwitchValue::kOff}, Spelling{"NO", SwitchValue::kOff},
                      Spelling{"off", SwitchValue::kOff}, Spelling{"", SwitchValue::kUnset},
                      Spelling{"  ", SwitchValue::kUnset}, Spelling{"maybe", SwitchValue::kUnknown},
                      Spelling{"yes?", SwitchValue::kUnknown}, Spelling{"2", SwitchValue::kUnknown},
                      Spelling{"enabled", SwitchValue::kUnknown}, Spelling{"o n", SwitchValue::kUnknown}));

TEST(Config, UnknownSwitchValuesFailClosedWithOneWarningEachThatNeverQuotesTheValue) {
  const Config c = ResolveConfig(Env({{"TELEMETRY_ENABLED", "maybe-secretish"},
                                      {"DO_NOT_TRACK", "perhaps"},
                                      {"TELGUARD_DEBUG", "yes?"},
                                      {"TELGUARD_HIDE_NOTICE", "sure"},
                                      {"HOME", "/"}}));
  EXPECT_TRUE(c.telemetry_enabled.set);
  EXPECT_FALSE(c.telemetry_enabled.on);   // off
  EXPECT_TRUE(c.do_not_track.on);         // do not track
  EXPECT_FALSE(c.debug.on);               // no debug
  EXPECT_FALSE(c.hide_notice.on);         // the notice is shown
  ASSERT_EQ(c.warnings.size(), 4u);
  for (const auto& w : c.warnings) {
    EXPECT_EQ(w.find("secretish"), std::string::npos) << w;
    EXPECT_EQ(w.find("perhaps"), std::string::npos) << w;
    EXPECT_NE(w.find("accepted: 1/0, true/false, yes/no, on/off"), std::string::npos) << w;
  }
  const ConsentDecision d = DecideConsent(c, "app");
  EXPECT_FALSE(d.enabled);
  EXPECT_EQ(d.source, "TELEMETRY_ENABLED (unrecognised value)");
  // DO_NOT_TRACK alone, unknown: off too.
  EXPECT_FALSE(DecideConsent(ResolveConfig(Env({{"DO_NOT_TRACK", "perhaps"}, {"HOME", "/"}})), "app").enabled);
  // DO_NOT_TRACK=0 says nothing against telemetry.
  EXPECT_TRUE(DecideConsent(ResolveConfig(Env({{"DO_NOT_TRACK", "0"}, {"HOME", "/"}})), "app").enabled);
}

TEST(Config, DirectoriesFollowXdgThenHomeAndNeverAnchorBelowAMissingHome) {
  TempDir t;
  Config c = ResolveConfig(Env({{"HOME", t.path()}}));
  EXPECT_EQ(c.config_root.path, t.path() + "/.config/telguard");
  EXPECT_EQ(c.config_root.source, "HOME");
  EXPECT_EQ(c.state_root.path, t.path() + "/.local/state/telguard");
  EXPECT_TRUE(c.config_root.problem.empty());
  c = ResolveConfig(Env({{"HOME", t.path()}, {"XDG_CONFIG_HOME", t.path() + "/cfg"}, {"XDG_STATE_HOME", "rel/st"}}));
  EXPECT_EQ(c.config_root.path, t.path() + "/cfg/telguard");
  EXPECT_EQ(c.config_root.source, "XDG_CONFIG_HOME");
  EXPECT_EQ(c.state_root.source, "HOME");  // a relative XDG_STATE_HOME is ignored ...
  ASSERT_EQ(c.warnings.size(), 1u);        // ... and reported
  EXPECT_NE(c.warnings[0].find("XDG_STATE_HOME is not an absolute path"), std::string::npos);

  c = ResolveConfig(Env({{"HOME", t.path() + "/missing"}}));
  EXPECT_NE(c.config_root.problem.find("does not exist and telguard will not create it"), std::string::npos);
  EXPECT_NE(c.config_root.problem.find("XDG_CONFIG_HOME"), std::string::npos);
  std::string error;
  EXPECT_FALSE(MakeDirBelow(c.config_root, c.config_root.path + "/app", &error));
  EXPECT_FALSE(fs::exists(t.path() + "/missing"));
  c = ResolveConfig(Env({}));
  EXPECT_NE(c.config_root.problem.find("HOME is not set"), std::string::npos);
  EXPECT_TRUE(PathsForApp(c, "app").dir.empty());
}

TEST(Config, MakeDirBelowCreatesPrivateDirectoriesOnlyUnderTheAnchor) {
  TempDir t;
  const Config c = ResolveConfig(Env({{"HOME", t.path()}}));
  std::string error;
  ASSERT_TRUE(MakeDirBelow(c.config_root, PathsForApp(c, "app").dir, &error)) << error;
  struct stat st {};
  ASSERT_EQ(::stat(PathsForApp(c, "app").dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  // A file where a directory belongs: a clear error naming the variable.
  const Config blocked = ResolveConfig(Env({{"XDG_CONFIG_HOME", t.path() + "/file/cfg"}}));
  std::ofstream(t.path() + "/file") << "x";
  EXPECT_FALSE(MakeDirBelow(blocked.config_root, PathsForApp(blocked, "app").dir, &error));
  EXPECT_NE(error.find("XDG_CONFIG_HOME"), std::string::npos) << error;
}

TEST(AppName, PathComponentsOnlyWithAClearErrorThatNeverQuotesTheName) {
  std::string error;
  for (const char* ok : {"agentcli", "docker-agent", "a.b_c@d+e", "X1"}) EXPECT_TRUE(ValidateAppName(ok, &error)) << ok;
  for (const std::string& bad : {std::string(""), std::string(".."), std::string("."), std::string("a/b"),
                                std::string("../etc"), std::string("a\x01x"), std::string("a\nb"),
                                std::string(".hidden"), std::string("a b"), std::string(65, 'a'),
                                std::string("a\0b", 3)}) {
    EXPECT_FALSE(ValidateAppName(bad, &error)) << bad;
    EXPECT_FALSE(error.empty());
    if (bad.size() > 2) {
      EXPECT_EQ(error.find(bad), std::string::npos);
    }
  }
}

TEST(Destination, OptionThenVariableThenDefaultEachWithItsSource) {
  TempDir t;
  const Config c = ResolveConfig(Env({{"HOME", t.path()},
                                      {"TELGUARD_ENDPOINT", "https://env.example/v1"},
                                      {"TELGUARD_SPOOL", t.path() + "/envspool"},
                                      {"TELGUARD_DEBUG", "TRUE"},
                                      {"TELGUARD_DEBUG_LOG", t.path() + "/debug.log"},
                                      {"KEYVAR", "k"}}));
  DestinationOptions o;
  Destination d;
  std::string error;
  ASSERT_TRUE(BuildDestination(o, c, &d, &error)) << error;
  EXPECT_EQ(d.kind, Destination::Kind::kHttp);
  EXPECT_EQ(d.endpoint.value, "https://env.example/v1");
  EXPECT_EQ(d.endpoint.source, "TELGUARD_ENDPOINT");
  EXPECT_EQ(d.spool_dir.source, "TELGUARD_SPOOL");
  EXPECT_TRUE(d.debug);
  EXPECT_EQ(d.debug_source, "TELGUARD_DEBUG=TRUE");
  EXPECT_EQ(d.debug_log.source, "TELGUARD_DEBUG_LOG");

  o.endpoint = {"https://opt.example/v1", "--endpoint"};
  o.spool_dir = {t.path() + "/optspool", "--spool"};
  o.api_key_env = {"KEYVAR", "--api-key-env"};
  o.deadline = std::chrono::milliseconds(300);
  ASSERT_TRUE(BuildDestination(o, c, &d, &error)) << error;
  EXPECT_EQ(d.endpoint.source, "--endpoint");
  EXPECT_EQ(d.http.endpoint, "https://opt.example/v1");
  EXPECT_EQ(d.spool_dir.source, "--spool");
  EXPECT_EQ(d.http.api_key_env, "KEYVAR");
  EXPECT_EQ(d.api_key.value, "variable KEYVAR");  // where the key is, never the key
  EXPECT_EQ(d.http.deadline, std::chrono::milliseconds(300));

  o.api_key_env = {"UNSET_KEYVAR", "--api-key-env"};
  EXPECT_FALSE(BuildDestination(o, c, &d, &error));
  EXPECT_NE(error.find("UNSET_KEYVAR"), std::string::npos);

  // Defaults: the spool under the state root.
  const Config plain = ResolveConfig(Env({{"HOME", t.path()}}));
  o = {};
  o.endpoint = {"https://opt.example/v1", "--endpoint"};
  ASSERT_TRUE(BuildDestination(o, plain, &d, &error)) << error;
  EXPECT_EQ(d.spool_dir.value, t.path() + "/.local/state/telguard/spool");
  EXPECT_EQ(d.spool_dir.source, "default (HOME)");
  EXPECT_FALSE(d.debug);
}

TEST(Destination, LocalFileWinsOverAnyEndpointAndNoneIsAClearError) {
  TempDir t;
  const Config c = ResolveConfig(Env({{"HOME", t.path()}, {"TELGUARD_LOCAL_FILE", t.path() + "/events.jsonl"}}));
  DestinationOptions o;
  o.endpoint = {"https://opt.example/v1", "--endpoint"};
  Destination d;
  std::string error;
  ASSERT_TRUE(BuildDestination(o, c, &d, &error)) << error;
  EXPECT_EQ(d.kind, Destination::Kind::kLocalFile);
  EXPECT_EQ(d.local_file.source, "TELGUARD_LOCAL_FILE");
  EXPECT_FALSE(BuildDestination({}, ResolveConfig(Env({{"HOME", t.path()}})), &d, &error));
  EXPECT_NE(error.find("TELGUARD_ENDPOINT"), std::string::npos);
  EXPECT_NE(error.find("TELGUARD_LOCAL_FILE"), std::string::npos);
}

TEST(Destination, MissingHomeMeansNoSpoolAndSaysWhy) {
  DestinationOptions o;
  o.endpoint = {"https://opt.example/v1", "--endpoint"};
  Destination d;
  std::string error;
  ASSERT_TRUE(BuildDestination(o, ResolveConfig(Env({{"HOME", "/nonexistent-telguard-home"}})), &d, &error));
  EXPECT_FALSE(d.spool_dir.set());
  EXPECT_NE(d.spool_note.find("TELGUARD_SPOOL"), std::string::npos) << d.spool_note;
  EXPECT_NE(d.spool_note.find("XDG_STATE_HOME"), std::string::npos) << d.spool_note;
}

TEST(Upstream, OtlpEndpointGetsSignalPathsPerSignalVariablesWinHeadersMerge) {
  const Config c = ResolveConfig(Env({{"HOME", "/"},
                                      {"OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector.example:4318/"},
                                      {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://traces.example/t"},
                                      {"OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer%20abc , x-team=a%2Cb,"},
                                      {"OTEL_EXPORTER_OTLP_TIMEOUT", "2500"},
                                      {"TELGUARD_ENDPOINT", "https://not-for-the-gateway.example"}}));
  DestinationOptions o;
  o.headers = {{"x-team", "from-option"}};
  OtlpUpstream up;
  std::string error;
  ASSERT_TRUE(BuildOtlpUpstream(o, c, &up, &error)) << error;
  EXPECT_EQ(up.logs_url.value, "https://collector.example:4318/v1/logs");
  EXPECT_EQ(up.metrics_url.value, "https://collector.example:4318/v1/metrics");
  EXPECT_EQ(up.traces_url.value, "https://traces.example/t");
  EXPECT_EQ(up.traces_url.source, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  EXPECT_EQ(up.destination.endpoint.source, "OTEL_EXPORTER_OTLP_ENDPOINT");
  EXPECT_EQ(up.destination.http.deadline, std::chrono::milliseconds(2500));
  const std::vector<Header> want = {{"x-team", "from-option"}, {"authorization", "Bearer abc"}};
  EXPECT_EQ(up.destination.headers, want);

  o = {};
  o.endpoint = {"http://127.0.0.1:9999", "--upstream"};  // the option wins over every variable
  ASSERT_TRUE(BuildOtlpUpstream(o, c, &up, &error)) << error;
  EXPECT_EQ(up.traces_url.value, "http://127.0.0.1:9999/v1/traces");
  EXPECT_EQ(up.logs_url.source, "--upstream");

  EXPECT_FALSE(BuildOtlpUpstream({}, ResolveConfig(Env({{"HOME", "/"}, {"TELGUARD_ENDPOINT", "https://x"}})), &up,
                                 &error));
  EXPECT_NE(error.find("OTEL_EXPORTER_OTLP_ENDPOINT"), std::string::npos);
}

TEST(Upstream, MalformedHeaderEntriesAreNamedByPositionNeverQuoted) {
  std::vector<Header> h;
  std::string error;
  EXPECT_TRUE(ParseOtlpHeaders("a=1,b=%41", &h, &error));
  EXPECT_EQ(h.back().second, "A");
  for (const char* bad : {"a=1,secretvalue", "bad name=1", "a=%zz", "a=%0d%0aInjected: 1", "=v"}) {
    h.clear();
    EXPECT_FALSE(ParseOtlpHeaders(bad, &h, &error)) << bad;
    EXPECT_NE(error.find("entry"), std::string::npos);
    EXPECT_EQ(error.find("secretvalue"), std::string::npos);
    EXPECT_EQ(error.find("Injected"), std::string::npos);
  }
}

}  // namespace
}  // namespace telguard
