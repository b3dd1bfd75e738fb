// telguard gateway as a real process on 127.0.0.1, between real clients
// (httplib, raw sockets, the OpenTelemetry JS SDK's OTLP exporters) and a
// real upstream that records what arrives. What the profiles allow arrives;
// nothing planted does; identity leaves only as keyed pseudonyms of the
// app's key; names fit their vocabulary or shape or leave as pseudonyms; an
// app turned off forwards nothing; the HTML report and the --json summary
// hold counts, never values; bad input gets its status and never costs a
// neighbour; nothing accepted is lost when the upstream is away.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gateway/otlp_codec.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "tests/test_server.h"
#include "tests/test_util.h"

namespace telguard::testing {
namespace {

using gateway::Signal;
using gateway::WireFormat;
namespace logs_pb = opentelemetry::proto::collector::logs::v1;

constexpr std::string_view kAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

// What the upstream saw.
struct Capture {
  std::string path, content_type, body, team;  // team: the x-team header
};

// The upstream collector: records every POST; can fail, throttle or hang.
class Upstream {
 public:
  enum class Mode { kOk, kFail503, kThrottle429, kHang };
  explicit Upstream(int port = 0) {
    server_.new_task_queue = [] { return new httplib::ThreadPool(8); };
    server_.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      const Mode m = mode_.load();
      if (m == Mode::kHang) {
        for (int i = 0; i < 100 && !stopping_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        res.status = 503;
        return;
      }
      if (m == Mode::kFail503 || m == Mode::kThrottle429) {
        res.status = m == Mode::kFail503 ? 503 : 429;
        if (m == Mode::kThrottle429) res.set_header("Retry-After", "1");
        return;
      }
      std::lock_guard<std::mutex> lock(mu_);
      seen_.push_back({req.path, req.get_header_value("Content-Type"), req.body, req.get_header_value("x-team")});
      res.set_content("{}", "application/json");
    });
    port_ = port == 0 ? server_.bind_to_any_port("127.0.0.1") : (server_.bind_to_port("127.0.0.1", port) ? port : -1);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Upstream() {
    stopping_ = true;
    server_.stop();
    thread_.join();
  }
  void set_mode(Mode m) { mode_ = m; }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<Capture> seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }
  // Waits (bounded) until `n` requests arrived.
  bool WaitFor(std::size_t n) {
    for (int i = 0; i < 300; ++i) {
      if (seen().size() >= n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<Mode> mode_{Mode::kOk};
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::vector<Capture> seen_;
};

// `telguard gateway` as a child process with a private HOME.
class GatewayProcess {
 public:
  explicit GatewayProcess(std::vector<std::string> args, std::vector<std::string> env = {}) {
    char tmpl[] = "/tmp/telguard-gw-XXXXXX";
    dir_ = mkdtemp(tmpl);
    log_ = dir_ + "/stderr";
    out_ = dir_ + "/stdout";
    std::vector<std::string> argv = {TELGUARD_BIN, "gateway"};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_ = fork();
    if (pid_ == 0) {
      freopen(log_.c_str(), "w", stderr);
      freopen(out_.c_str(), "w", stdout);
      for (const char* v : {"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_HEADERS", "TELEMETRY_ENABLED",
                            "DO_NOT_TRACK", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "TELGUARD_SPOOL"}) {
        unsetenv(v);
      }
      setenv("HOME", dir_.c_str(), 1);
      for (const auto& e : env) putenv(const_cast<char*>(e.c_str()));
      std::vector<char*> a;
      for (auto& s : argv) a.push_back(s.data());
      a.push_back(nullptr);
      execv(a[0], a.data());
      _exit(127);
    }
    for (int i = 0; i < 400 && port_ == 0 && !exited_; ++i) {
      const std::string log = ReadFile(log_);
      const auto at = log.find("listening on 127.0.0.1:");
      if (at != std::string::npos) port_ = std::atoi(log.c_str() + at + 23);
      int status = 0;
      if (port_ == 0 && waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      if (port_ == 0) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
  }
  ~GatewayProcess() {
    Stop();
    std::system(("rm -rf '" + dir_ + "'").c_str());
  }
  // SIGTERM, then the exit code.
  int Stop() {
    if (!exited_) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
      exited_ = true;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    return exit_code_;
  }
  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  std::string log() const { return ReadFile(log_); }
  std::string out() const { return ReadFile(out_); }
  httplib::Client Client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(30, 0);
    return c;
  }

 private:
  std::string dir_, log_, out_;
  pid_t pid_ = -1;
  int port_ = 0;
  bool exited_ = false;
  int exit_code_ = -1;
};

std::string Gzip(const std::string& in) {
  z_stream z{};
  deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, in.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// Values planted where agents put them; built at run time.
struct Planted {
  std::string prompt = "please summarise " + Token("", "abcdefghijklmnopqrstuvwxyz", 12, 7) + " for my lawyer";
  std::string email = Token("", "abcdefghijklmnopqrstuvwxyz", 9, 8) + "@example.org";
  std::string key = Token("ghp_", kAlnum, 36, 9);
  std::string path = "/home/" + Token("", "abcdefghijklmnopqrstuvwxyz", 8, 10) + "/notes/plan.txt";
  std::string token = Token("", kAlnum, 24, 11);
  std::vector<std::string> all() const { return {prompt, email, key, path, token, prompt.substr(17, 12)}; }
  std::string Json() const {
    return R"({"prompt":")" + prompt + R"(","email":")" + email + R"(","key":")" + key + R"(","path":")" + path +
           R"(","token":")" + token + R"("})";
  }
};

std::string Attr(const std::string& k, const std::string& v) {
  return R"({"key":")" + k + R"(","value":{"stringValue":")" + v + R"("}})";
}

// A Claude Code-shaped logs request with values planted everywhere.
std::string ClaudeLogs(const Planted& p) {
  const std::string params = R"({\"bash_command\":\"cat )" + p.path + R"(\"})";
  return R"({"resourceLogs":[{"resource":{"attributes":[)" + Attr("service.name", "claude-code") + "," +
         Attr("host.name", p.token) + "," + Attr("user.email", p.email) +
         R"(]},"scopeLogs":[{"scope":{"name":"com.anthropic.claude_code.events"},"logRecords":[)"
         R"({"body":{"stringValue":"claude_code.user_prompt"},"attributes":[)" +
         Attr("event.name", "user_prompt") + "," + Attr("prompt", p.prompt) + "," + Attr("prompt_length", "44") + "," +
         Attr("user.email", p.email) + "," + Attr("session.id", p.token) + "," + Attr(p.token, p.key) + "]},"
         R"({"body":{"stringValue":"claude_code.api_request"},"attributes":[)" +
         Attr("event.name", "api_request") + "," + Attr("model", "claude-sonnet-4-5") +
         R"(,{"key":"input_tokens","value":{"intValue":"1200"}}]},)"
         R"({"body":{"stringValue":"claude_code.tool_result"},"attributes":[)" +
         Attr("event.name", "tool_result") + "," + Attr("tool_name", "Bash") + "," + Attr("tool_parameters", params) +
         "," + Attr("error", "cannot read " + p.path + " with " + p.key) + "]},"
         R"({"body":{"stringValue":")" + p.prompt + R"("},"attributes":[)" + Attr("event.name", p.token) + "]}]}]}]}";
}

void ExpectNothingPlanted(const std::string& text, const Planted& p) {
  for (const auto& s : p.all()) EXPECT_EQ(text.find(s), std::string::npos) << "planted value arrived upstream";
}

// The upstream body as JSON text, whatever its encoding.
std::string AsJson(Signal s, const Capture& c) {
  if (c.content_type == "application/json") return c.body;
  gateway::DecodeResult d = gateway::Decode(s, WireFormat::kProtobuf, c.body, {});
  EXPECT_TRUE(d.ok) << d.error;
  return d.ok ? gateway::Encode(*d.message, WireFormat::kJson) : "";
}

TEST(GatewayProcess, ForwardsWhatTheProfileAllowsInBothEncodingsAndNothingPlanted) {
  Upstream up;
  GatewayProcess gw({"--listen", "127.0.0.1:0", "--upstream", up.url()});
  ASSERT_GT(gw.port(), 0) << gw.log();
  Planted p;
  const std::string json = ClaudeLogs(p);
  auto c = gw.Client();
  auto r = c.Post("/v1/logs", json, "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("rejectedLogRecords"), std::string::npos) << r->body;  // the made-up event
  gateway::DecodeResult d = gateway::Decode(Signal::kLogs, WireFormat::kJson, json, {});
  ASSERT_TRUE(d.ok) << d.error;
  r = c.Post("/v1/logs", gateway::Encode(*d.message, WireFormat::kProtobuf), "application/x-protobuf");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/x-protobuf");
  r = c.Post("/v1/logs", {{"Content-Encoding", "gzip"}}, Gzip(json), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  const auto seen = up.seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].content_type, "application/json");
  EXPECT_EQ(seen[1].content_type, "application/x-protobuf");
  for (const auto& s : seen) {
    EXPECT_EQ(s.path, "/v1/logs");
    const std::string text = AsJson(Signal::kLogs, s);
    ExpectNothingPlanted(s.body, p);
    ExpectNothingPlanted(text, p);
    for (const char* kept : {"claude_code.api_request", "claude-sonnet-4-5", "input_tokens", "prompt_length", "Bash"}) {
      EXPECT_NE(text.find(kept), std::string::npos) << kept << " missing in " << text;
    }
  }
  EXPECT_EQ(gw.Stop(), 0);
  const std::string log = gw.log();
  EXPECT_NE(log.find("stopped"), std::string::npos) << log;
  ExpectNothingPlanted(log, p);
}

struct Hostile {
  const char* name;
  std::function<httplib::Result(httplib::Client&)> send;
  int status;
};

std::string DeepKvlist(int depth) {
  std::string v = R"({"stringValue":"x"})";
  for (int i = 0; i < depth; ++i) v = R"({"kvlistValue":{"values":[{"key":"k","value":)" + v + "}]}}";
  return R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":)" + v + "}]}]}]}";
}

std::string ManyAttributes(int n) {
  logs_pb::ExportLogsServiceRequest req;
  auto* lr = req.add_resource_logs()->add_scope_logs()->add_log_records();
  for (int i = 0; i < n; ++i) {
    auto* kv = lr->add_attributes();
    kv->set_key("k" + std::to_string(i));
    kv->mutable_value()->set_int_value(i);
  }
  return req.SerializeAsString();
}

std::string Bomb() {
  // 64 MiB of zeros: a gzip body of about 64 KiB.
  z_stream z{};
  deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY);
  std::string zeros(1 << 20, '\0'), out(1 << 20, '\0');
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  for (int i = 0; i < 64; ++i) {
    z.next_in = reinterpret_cast<Bytef*>(zeros.data());
    z.avail_in = static_cast<uInt>(zeros.size());
    deflate(&z, i == 63 ? Z_FINISH : Z_NO_FLUSH);
  }
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::vector<Hostile> HostileInputs() {
  const std::string json = R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"x"}}]}]}]})";
  gateway::DecodeResult d = gateway::Decode(Signal::kLogs, WireFormat::kJson, json, {});
  const std::string pb = gateway::Encode(*d.message, WireFormat::kProtobuf);
  return {
      {"TruncatedProtobuf", [pb](httplib::Client& c) { return c.Post("/v1/logs", pb.substr(0, pb.size() - 2), "application/x-protobuf"); }, 400},
      {"WrongFieldTypesJson", [](httplib::Client& c) { return c.Post("/v1/logs", R"({"resourceLogs":{"scopeLogs":7}})", "application/json"); }, 400},
      // A known field number with another wire type is an unknown field to
      // protobuf: accepted, and nothing of it leaves.
      {"WrongWireTypeProtobuf", [](httplib::Client& c) { return c.Post("/v1/logs", std::string("\x0d\x01\x02\x03\x04", 5), "application/x-protobuf"); }, 200},
      {"WrongLengthProtobuf", [](httplib::Client& c) { return c.Post("/v1/logs", std::string("\x0a\x7f\x0a\x02", 4), "application/x-protobuf"); }, 400},
      {"HundredThousandAttributes", [](httplib::Client& c) { return c.Post("/v1/logs", ManyAttributes(100000), "application/x-protobuf"); }, 400},
      {"DeepKvlistNesting", [](httplib::Client& c) { return c.Post("/v1/logs", DeepKvlist(60), "application/json"); }, 400},
      {"GzipBomb", [](httplib::Client& c) { return c.Post("/v1/logs", {{"Content-Encoding", "gzip"}}, Bomb(), "application/json"); }, 413},
      {"CorruptGzip", [](httplib::Client& c) { return c.Post("/v1/logs", {{"Content-Encoding", "gzip"}}, std::string("\x1f\x8b\x08\x00garbage", 11), "application/json"); }, 400},
      {"HugeBody", [](httplib::Client& c) { return c.Post("/v1/traces", std::string(17u << 20, ' '), "application/json"); }, 413},
      {"HugeString", [](httplib::Client& c) { return c.Post("/v1/logs", R"({"resourceLogs":[{"schemaUrl":")" + std::string(1u << 20, 'a') + R"("}]})", "application/json"); }, 400},
      {"InvalidUtf8", [](httplib::Client& c) { return c.Post("/v1/logs", "{\"resourceLogs\":[{\"schemaUrl\":\"\xc3\x28\"}]}", "application/json"); }, 400},
      {"WrongContentType", [json](httplib::Client& c) { return c.Post("/v1/logs", json, "text/plain"); }, 415},
      {"UnknownContentEncoding", [json](httplib::Client& c) { return c.Post("/v1/logs", {{"Content-Encoding", "zstd"}}, json, "application/json"); }, 415},
      {"GetIsNotAllowed", [](httplib::Client& c) { return c.Get("/v1/metrics"); }, 405},
      {"EventsNeedJson", [pb](httplib::Client& c) { return c.Post("/events/v1/track", pb, "application/x-protobuf"); }, 415},
  };
}

class GatewayHostile : public ::testing::TestWithParam<Hostile> {};

TEST_P(GatewayHostile, GetsItsStatusWithAValueFreeMessageAndTheNeighbourIsServed) {
  Upstream up;
  GatewayProcess gw({"--listen", "127.0.0.1:0", "--upstream", up.url()});
  ASSERT_GT(gw.port(), 0) << gw.log();
  auto c = gw.Client();
  auto r = GetParam().send(c);
  ASSERT_TRUE(r) << "no answer";
  EXPECT_EQ(r->status, GetParam().status) << r->body;
  EXPECT_LT(r->body.size(), 300u) << "the message must not quote the input";
  EXPECT_EQ(r->body.find("xxxxxxxx"), std::string::npos);
  auto n = gw.Client();
  const std::string ok = R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[]}]}]})";
  auto good = n.Post("/v1/metrics", ok, "application/json");
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 200);
  EXPECT_EQ(gw.Stop(), 0);
}

INSTANTIATE_TEST_SUITE_P(Hostile, GatewayHostile, ::testing::ValuesIn(HostileInputs()),
                         [](const auto& i) { return std::string(i.param.name); });

int Connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

TEST(GatewayProcess, SlowClientsAndManyIdleConnectionsDoNotStarveANeighbour) {
  Upstream up;
  GatewayProcess gw({"--listen", "127.0.0.1:0", "--upstream", up.url()});
  ASSERT_GT(gw.port(), 0) << gw.log();
  std::vector<int> fds;
  for (int i = 0; i < 40; ++i) fds.push_back(Connect(gw.port()));
  // Slow clients: a request line and headers, then a body that never comes.
  for (int i = 0; i < 8; ++i) {
    const int fd = Connect(gw.port());
    const std::string head = "POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{";
    ASSERT_EQ(::send(fd, head.data(), head.size(), 0), static_cast<ssize_t>(head.size()));
    fds.push_back(fd);
  }
  auto c = gw.Client();
  auto r = c.Post("/v1/metrics", R"({"resourceMetrics":[]})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  for (int fd : fds) ::close(fd);
  EXPECT_EQ(gw.Stop(), 0);
}

std::string ApiRequest(int i) {
  return R"({"resourceLogs":[{"resource":{"attributes":[)" + Attr("service.name", "claude-code") +
         R"(]},"scopeLogs":[{"logRecords":[{"body":{"stringValue":"claude_code.api_request"},"attributes":[)" +
         Attr("event.name", "api_request") + R"(,{"key":"input_tokens","value":{"intValue":")" + std::to_string(i) +
         R"("}}]}]}]}]})";
}

std::size_t CountOf(const std::vector<Capture>& seen, const std::string& needle) {
  std::size_t n = 0;
  for (const auto& s : seen) n += s.body.find(needle) != std::string::npos;
  return n;
}

TEST(GatewayProcess, UpstreamDownThenBackNothingAcceptedIsLost) {
  const int port = ClosedPort();
  std::unique_ptr<GatewayProcess> gw;
  gw = std::make_unique<GatewayProcess>(std::vector<std::string>{"--listen", "127.0.0.1:0", "--upstream",
                                                                 "http://127.0.0.1:" + std::to_string(port),
                                                                 "--replay-interval-ms", "200", "--deadline-ms", "300"});
  ASSERT_GT(gw->port(), 0) << gw->log();
  auto c = gw->Client();
  for (int i = 0; i < 5; ++i) {
    auto r = c.Post("/v1/logs", ApiRequest(1000 + i), "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << "accepted and spooled";
    EXPECT_EQ(r->body, "{}");
  }
  Upstream up(port);
  ASSERT_EQ(up.port(), port);
  ASSERT_TRUE(up.WaitFor(5)) << "the spool was not replayed";
  const auto seen = up.seen();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(CountOf(seen, "\"" + std::to_string(1000 + i) + "\""), 1u) << i;
  EXPECT_EQ(gw->Stop(), 0);
}

TEST(GatewayProcess, Upstream5xx429AndHangingAreKeptAndDeliveredLater) {
  Upstream up;
  GatewayProcess gw({"--listen", "127.0.0.1:0", "--upstream", up.url(), "--replay-interval-ms", "200",
                     "--deadline-ms", "300"});
  ASSERT_GT(gw.port(), 0) << gw.log();
  auto c = gw.Client();
  int i = 0;
  for (auto mode : {Upstream::Mode::kFail503, Upstream::Mode::kThrottle429, Upstream::Mode::kHang}) {
    up.set_mode(mode);
    auto r = c.Post("/v1/logs", ApiRequest(2000 + i++), "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  up.set_mode(Upstream::Mode::kOk);
  ASSERT_TRUE(up.WaitFor(3)) << "kept bodies were not delivered";
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto seen = up.seen();
  for (int k = 0; k < 3; ++k) EXPECT_EQ(CountOf(seen, "\"" + std::to_string(2000 + k) + "\""), 1u) << k;
  EXPECT_EQ(gw.Stop(), 0);
}

TEST(GatewayProcess, ABearerTokenIsRequiredWhenConfiguredAndNeverLogged) {
  Upstream up;
  char tmpl[] = "/tmp/telguard-token-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  const std::string token = Token("", kAlnum, 32, 21);
  WriteFile(dir + "/token", token + "\n");
  GatewayProcess gw({"--listen", "127.0.0.1:0", "--upstream", up.url(), "--auth-token-file", dir + "/token"});
  ASSERT_GT(gw.port(), 0) << gw.log();
  auto c = gw.Client();
  const std::string body = R"({"resourceMetrics":[]})";
  auto r = c.Post("/v1/metrics", body, "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  r = c.Post("/v1/metrics", {{"Authorization", "Bearer " + token + "x"}}, body, "application/json");
  EXPECT_EQ(r->status, 401);
  r = c.Post("/v1/metrics", {{"Authorization", "Bearer " + token}}, body, "application/json");
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(gw.Stop(), 0);
  EXPECT_EQ(gw.log().find(token), std::string::npos);
  std::system(("rm -rf '" + dir + "'").c_str());
}

TEST(GatewayProcess, RefusesToStartExposedOrLooped) {
  Upstream up;
  GatewayProcess open({"--listen", "0.0.0.0:0", "--upstream", up.url()});
  EXPECT_EQ(open.port(), 0);
  EXPECT_EQ(open.Stop(), 1);
  EXPECT_NE(open.log().find("--auth-token-file"), std::string::npos) << open.log();
  const int port = ClosedPort();
  GatewayProcess loop({"--listen", "127.0.0.1:" + std::to_string(port), "--upstream",
                       "http://localhost:" + std::to_string(port)});
  EXPECT_EQ(loop.Stop(), 1);
  EXPECT_NE(loop.log().find("own --listen address"), std::string::npos) << loop.log();
  GatewayProcess insecure({"--listen", "127.0.0.1:0", "--upstream", "http://192.0.2.1:4318"});
  EXPECT_EQ(insecure.Stop(), 1) << insecure.log();
}

TEST(GatewayProcess, UpstreamHeadersFromTheFlagOrTheOtelVariableAreSentUpstream) {
  Upstream up;
  {
    GatewayProcess gw({"--listen", "127.0.0.1:0", "--upstream", up.url(), "--upstream-header", "x-team=alpha"});
    ASSERT_GT(gw.port(), 0) << gw.log();
    auto r = gw.Client().Post("/v1/logs", ApiRequest(11), "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(gw.Stop(), 0);
    EXPECT_EQ(gw.log().find("alpha"), std::string::npos);
  }
  {
    GatewayProcess gw({"--listen", "127.0.0.1:0", "--upstream", up.url()}, {"OTEL_EXPORTER_OTLP_HEADERS=x-team=beta"});
    ASSERT_GT(gw.port(), 0) << gw.log();
    auto r = gw.Client().Post("/v1/logs", ApiRequest(12), "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(gw.Stop(), 0);
  }
  const auto seen = up.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].team, "alpha");
  EXPECT_EQ(seen[1].team, "beta");
}

TEST(GatewayProcess, DockerAgentEventsGoThroughThePipeline) {
  Upstream up;
  GatewayProcess gw({"--listen", "127.0.0.1:0", "--upstream", up.url()});
  ASSERT_GT(gw.port(), 0) << gw.log();
  Planted p;
  const std::string body =
      R"({"records":[{"event":"command","event_timestamp":1700000000000,"source":"docker-agent","properties":)"
      R"({"action":"run","args":[")" + p.prompt + R"(",")" + p.path + R"("],"is_success":true,"user_uuid":)"
      R"("2b1c4a4e-9f0e-4c1a-8d2e-1f2a3b4c5d6e","version":"1.0.0","os":"linux"}}]})";
  auto c = gw.Client();
  auto r = c.Post("/events/v1/track", body, "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  ASSERT_TRUE(up.WaitFor(1));
  const auto seen = up.seen();
  EXPECT_EQ(seen[0].path, "/events/v1/track");
  EXPECT_NE(seen[0].body.find("\"command\""), std::string::npos) << seen[0].body;
  ExpectNothingPlanted(seen[0].body, p);
  EXPECT_EQ(gw.Stop(), 0);
}

TEST(GatewayProcess, ConsentOffAnswersAndForwardsNothing) {
  Upstream up;
  GatewayProcess gw({"--listen", "127.0.0.1:0", "--upstream", up.url()}, {"DO_NOT_TRACK=1"});
  ASSERT_GT(gw.port(), 0) << gw.log();
  auto c = gw.Client();
  auto r = c.Post("/v1/logs", ApiRequest(7), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(gw.Stop(), 0);
  EXPECT_TRUE(up.seen().empty());
  EXPECT_NE(gw.log().find("nothing is forwarded"), std::string::npos) << gw.log();
}

// --- pseudonyms, names, per-app consent, report and summary ---

constexpr std::string_view kLower = "abcdefghijklmnopqrstuvwxyz";

// Identity values planted where Claude Code puts them; built at run time.
struct Identity {
  std::string email = Token("", kLower, 10, 31) + "@example.org";
  std::string account = "acct_" + Token("", kAlnum, 20, 32);
  std::string session = Token("", kAlnum, 24, 33);
  std::string uuid = [] {
    std::string h = Token("", "0123456789abcdef", 32, 34);
    return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
  }();
  std::vector<std::string> all() const { return {email, account, session, uuid, email.substr(0, 10)}; }
};

std::string IdentityLogs(const Identity& id, const std::string& model) {
  return R"({"resourceLogs":[{"resource":{"attributes":[)" + Attr("service.name", "claude-code") +
         R"(]},"scopeLogs":[{"logRecords":[{"body":{"stringValue":"claude_code.api_request"},"attributes":[)" +
         Attr("event.name", "api_request") + "," + Attr("model", model) + "," + Attr("user.email", id.email) + "," +
         Attr("user.account_id", id.account) + "," + Attr("session.id", id.session) + "," +
         Attr("user.account_uuid", id.uuid) + "]}]}]}]}";
}

std::string GeminiToolCall(const std::string& function_name) {
  return R"({"resourceLogs":[{"resource":{"attributes":[)" + Attr("service.name", "gemini-cli") +
         R"(]},"scopeLogs":[{"logRecords":[{"attributes":[)" + Attr("event.name", "gemini_cli.tool_call") + "," +
         Attr("function_name", function_name) + "]}]}]}]}";
}

// The string attributes of the log records in one upstream body.
std::map<std::string, std::string> LogAttributes(const Capture& c) {
  std::map<std::string, std::string> out;
  const auto j = nlohmann::json::parse(AsJson(Signal::kLogs, c), nullptr, false);
  if (!j.is_object()) return out;
  for (const auto& rl : j.value("resourceLogs", nlohmann::json::array())) {
    for (const auto& sl : rl.value("scopeLogs", nlohmann::json::array())) {
      for (const auto& lr : sl.value("logRecords", nlohmann::json::array())) {
        for (const auto& kv : lr.value("attributes", nlohmann::json::array())) {
          const auto& v = kv["value"];
          if (v.contains("stringValue")) out[kv["key"].get<std::string>()] = v["stringValue"].get<std::string>();
        }
      }
    }
  }
  return out;
}

// One gateway run: `body` posted once; the attributes that arrived.
std::map<std::string, std::string> ArrivedOnce(std::vector<std::string> args, const std::vector<std::string>& env,
                                               const std::string& body, const std::vector<std::string>& planted) {
  Upstream up;
  args.insert(args.begin(), {"--listen", "127.0.0.1:0", "--upstream", up.url()});
  GatewayProcess gw(args, env);
  EXPECT_GT(gw.port(), 0) << gw.log();
  auto r = gw.Client().Post("/v1/logs", body, "application/json");
  EXPECT_TRUE(r && r->status == 200);
  EXPECT_EQ(gw.Stop(), 0);
  const auto seen = up.seen();
  EXPECT_EQ(seen.size(), 1u) << gw.log();
  if (seen.size() != 1) return {};
  for (const auto& s : planted) {
    EXPECT_EQ(seen[0].body.find(s), std::string::npos) << "planted value arrived upstream";
    EXPECT_EQ(gw.log().find(s), std::string::npos) << "planted value in the log";
  }
  return LogAttributes(seen[0]);
}

bool Matches(const std::string& v, const char* re) { return std::regex_match(v, std::regex(re)); }

TEST(GatewayPseudonyms, IdentityLeavesOnlyAsKeyedPseudonymsStablePerAppKeyOtherForAnotherAppOrConfig) {
  ScopedTempDir t("gw-keys");
  const std::string cfg_a = "XDG_CONFIG_HOME=" + t.path() + "/a", cfg_b = "XDG_CONFIG_HOME=" + t.path() + "/b";
  const Identity id;
  const std::string body = IdentityLogs(id, "claude-sonnet-4");
  const auto first = ArrivedOnce({}, {cfg_a}, body, id.all());
  const auto again = ArrivedOnce({}, {cfg_a}, body, id.all());
  const auto other_app = ArrivedOnce({"--app", "other-app"}, {cfg_a}, body, id.all());
  const auto other_config = ArrivedOnce({}, {cfg_b}, body, id.all());
  ASSERT_EQ(first.count("user.email"), 1u);
  EXPECT_TRUE(Matches(first.at("user.email"), "email-[0-9a-f]{16}")) << first.at("user.email");
  EXPECT_TRUE(Matches(first.at("user.account_id"), "account-[0-9a-f]{16}")) << first.at("user.account_id");
  EXPECT_TRUE(Matches(first.at("session.id"), "session-[0-9a-f]{16}")) << first.at("session.id");
  // A UUID stays UUID-shaped (version 4), and is not the one sent.
  EXPECT_TRUE(Matches(first.at("user.account_uuid"), "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"))
      << first.at("user.account_uuid");
  EXPECT_EQ(first.at("model"), "claude-sonnet-4");
  for (const char* k : {"user.email", "user.account_id", "session.id", "user.account_uuid"}) {
    EXPECT_EQ(again.at(k), first.at(k)) << k << ": the same app key gives the same pseudonym";
    EXPECT_NE(other_app.at(k), first.at(k)) << k << ": another app's key gives another";
    EXPECT_NE(other_config.at(k), first.at(k)) << k << ": another config dir's key gives another";
  }
  // The client library's per-app key: 32 bytes, 0600, one per app.
  for (const char* app : {"claude-code", "other-app"}) {
    const std::string key = t.path() + "/a/telguard/" + app + "/pseudonym-key";
    struct stat st {};
    ASSERT_EQ(::stat(key.c_str(), &st), 0) << key;
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(st.st_size, 32);
  }
}

TEST(GatewayNames, VocabularyAndShapeNamesLeaveAsWrittenOthersOnlyAsPseudonyms) {
  ScopedTempDir t("gw-names");
  const std::string cfg = "XDG_CONFIG_HOME=" + t.path();
  const Identity id;
  // A model from schemas/prices.json, and one with a random token in it.
  EXPECT_EQ(ArrivedOnce({}, {cfg}, IdentityLogs(id, "gemini-2.5-pro"), id.all()).at("model"), "gemini-2.5-pro");
  const std::string odd_model = "claude-" + Token("", kAlnum, 20, 35);
  const auto m = ArrivedOnce({"--audit", t.path() + "/audit"}, {cfg}, IdentityLogs(id, odd_model), {odd_model, odd_model.substr(7)});
  ASSERT_EQ(m.count("model"), 1u);
  EXPECT_TRUE(Matches(m.at("model"), "model-[0-9a-f]{8}")) << m.at("model");
  const std::string audit = ReadFile(t.path() + "/audit");
  EXPECT_NE(audit.find(R"({"rule":"pseudonym","pointer":"/attributes/model")"), std::string::npos) << audit;
  EXPECT_EQ(audit.find(odd_model), std::string::npos);
  // A tool name of the name shape leaves; a random token as one does not.
  EXPECT_EQ(ArrivedOnce({}, {cfg}, GeminiToolCall("read_file"), {}).at("function_name"), "read_file");
  const std::string odd_tool = "x" + Token("", kLower, 6, 36) + "7" + Token("", "0123456789abcdef", 14, 37) + "q9";
  const auto tool = ArrivedOnce({}, {cfg}, GeminiToolCall(odd_tool), {odd_tool});
  ASSERT_EQ(tool.count("function_name"), 1u);
  EXPECT_TRUE(Matches(tool.at("function_name"), "function_name-[0-9a-f]{8}")) << tool.at("function_name");
}

std::string GeminiApiRequest() {
  return R"({"resourceLogs":[{"resource":{"attributes":[)" + Attr("service.name", "gemini-cli") +
         R"(]},"scopeLogs":[{"logRecords":[{"attributes":[)" + Attr("event.name", "gemini_cli.api_request") + "," +
         Attr("model", "gemini-2.5-pro") + "]}]}]}]}";
}

TEST(GatewayConsent, AnAppTurnedOffForwardsNoneOfItsRecordsAndCreatesNoKey) {
  ScopedTempDir t("gw-consent");
  const std::string cfg = "XDG_CONFIG_HOME=" + t.path();
  const ProcessResult off = RunProcess({TELGUARD_BIN, "consent", "off", "--app", "claude-code"}, "", {cfg});
  ASSERT_EQ(off.exit_code, 0) << off.err;
  {
    // Per profile: Claude Code's records stay; Gemini CLI's still go.
    Upstream up;
    GatewayProcess gw({"--listen", "127.0.0.1:0", "--upstream", up.url(), "--json"}, {cfg});
    ASSERT_GT(gw.port(), 0) << gw.log();
    auto c = gw.Client();
    auto r = c.Post("/v1/logs", ApiRequest(7), "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    r = c.Post("/v1/logs", GeminiApiRequest(), "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(gw.Stop(), 0);
    const auto seen = up.seen();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_NE(seen[0].body.find("gemini_cli.api_request"), std::string::npos);
    EXPECT_EQ(seen[0].body.find("claude_code"), std::string::npos);
    EXPECT_NE(gw.log().find("telemetry is off for claude-code"), std::string::npos) << gw.log();
    const auto j = nlohmann::json::parse(gw.out(), nullptr, false);
    ASSERT_TRUE(j.is_object()) << gw.out();
    EXPECT_EQ(j["deliveries"].value("consent-off", 0), 1);
    EXPECT_EQ(j["deliveries"].value("delivered", 0), 1);
  }
  {
    // Speaking for Claude Code alone: zero upstream requests.
    Upstream up;
    GatewayProcess gw({"--listen", "127.0.0.1:0", "--upstream", up.url(), "--app", "claude-code"}, {cfg});
    ASSERT_GT(gw.port(), 0) << gw.log();
    auto c = gw.Client();
    for (const std::string& body : {ApiRequest(8), GeminiApiRequest()}) {
      auto r = c.Post("/v1/logs", body, "application/json");
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 200);
    }
    EXPECT_EQ(gw.Stop(), 0);
    EXPECT_TRUE(up.seen().empty());
  }
  struct stat st {};
  EXPECT_NE(::stat((t.path() + "/telguard/claude-code/pseudonym-key").c_str(), &st), 0) << "off: no key created";
}

// Whether the tags of `html` nest (void and self-closed elements aside).
bool TagsNest(const std::string& html, std::string* why) {
  static const std::set<std::string> kVoid = {"meta", "br", "hr", "img", "input", "link", "col", "wbr", "area", "base"};
  std::vector<std::string> open;
  std::size_t i = 0;
  while ((i = html.find('<', i)) != std::string::npos) {
    const std::size_t end = html.find('>', i);
    if (end == std::string::npos) return *why = "unclosed tag", false;
    const std::string tag = html.substr(i + 1, end - i - 1);
    i = end + 1;
    if (tag.empty() || tag[0] == '!') continue;
    const bool closing = tag[0] == '/';
    std::string name = tag.substr(closing ? 1 : 0, tag.find_first_of(" \t\n/", closing ? 1 : 0) - (closing ? 1 : 0));
    if (closing) {
      if (open.empty() || open.back() != name) return *why = "</" + name + "> closes " + (open.empty() ? "nothing" : open.back()), false;
      open.pop_back();
    } else if (!kVoid.count(name) && tag.back() != '/') {
      open.push_back(name);
      if (name == "style") {  // CSS is text
        i = html.find("</style>", i);
        if (i == std::string::npos) return *why = "unclosed style", false;
      }
    }
  }
  if (!open.empty()) return *why = "<" + open.back() + "> never closed", false;
  return true;
}

TEST(GatewayReport, TheHtmlReportIsRewrittenValueFreeAndTheJsonSummaryMatchesTheAudit) {
  ScopedTempDir t("gw-report");
  const std::string report = t.path() + "/report.html", audit = t.path() + "/audit";
  Upstream up;
  GatewayProcess gw({"--listen", "127.0.0.1:0", "--upstream", up.url(), "--report", report, "--report-interval-ms",
                     "100", "--json", "--audit", audit},
                    {"XDG_CONFIG_HOME=" + t.path()});
  ASSERT_GT(gw.port(), 0) << gw.log();
  const std::string before = ReadFile(report);
  ASSERT_FALSE(before.empty()) << "written at start";
  Planted p;
  auto r = gw.Client().Post("/v1/logs", ClaudeLogs(p), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  bool rewritten = false;
  for (int i = 0; i < 300 && !rewritten; ++i) {
    rewritten = ReadFile(report) != before;
    if (!rewritten) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(rewritten) << "the report was not rewritten";
  EXPECT_EQ(gw.Stop(), 0);
  const std::string html = ReadFile(report);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  std::string why;
  EXPECT_TRUE(TagsNest(html, &why)) << why;
  ExpectNothingPlanted(html, p);
  EXPECT_NE(html.find("pseudonym"), std::string::npos) << "pseudonymised fields are shown";
  // The summary: one JSON object on stdout, its counts those of the audit.
  const auto j = nlohmann::json::parse(gw.out(), nullptr, false);
  ASSERT_TRUE(j.is_object()) << gw.out();
  ExpectNothingPlanted(gw.out(), p);
  EXPECT_EQ(j["command"], "gateway");
  EXPECT_EQ(j["requests"], 1);
  const auto lines = Lines(ReadFile(audit));
  std::size_t sent = 0, dropped = 0;
  for (const auto& l : lines) {
    sent += l.find(R"("verdict":"sent")") != std::string::npos;
    dropped += l.find(R"("verdict":"dropped")") != std::string::npos;
  }
  EXPECT_EQ(j["records"], lines.size());
  EXPECT_EQ(j["records"], 4);  // ClaudeLogs: three declared events and one made up
  EXPECT_EQ(j["sent"], sent);
  EXPECT_EQ(j["sent"], 3);
  EXPECT_EQ(j["dropped"], dropped);
  EXPECT_EQ(j["dropped"], 1);
  EXPECT_EQ(j["deliveries"].value("delivered", 0), 3);
  EXPECT_EQ(j["removed_fields"].value("/attributes/prompt", 0), 1);
  EXPECT_EQ(j["redactions"].value("pseudonym", 0), 2);  // user.email and session.id
}

// The OpenTelemetry JS SDK's real exporters, one run per profile and
// protocol (tests/otel-js/drive.js; installed by scripts/setup.sh).
struct JsCase {
  const char* profile;
  const char* protocol;
};

class GatewayOtelJs : public ::testing::TestWithParam<JsCase> {};

TEST_P(GatewayOtelJs, RealExportersPlantedValuesStayOutAllowedOnesArrive) {
  const std::string js = std::string(TELGUARD_SOURCE_DIR) + "/tests/otel-js";
  struct stat st {};
  if (::stat((js + "/node_modules/@opentelemetry/sdk-logs").c_str(), &st) != 0) {
    GTEST_SKIP() << "run 'npm ci' in tests/otel-js (scripts/setup.sh does)";
  }
  Upstream up;
  GatewayProcess gw({"--listen", "127.0.0.1:0", "--upstream", up.url()});
  ASSERT_GT(gw.port(), 0) << gw.log();
  Planted p;
  const ProcessResult r = RunProcess({"/usr/bin/env", "node", js + "/drive.js", "http://127.0.0.1:" + std::to_string(gw.port()),
                                      GetParam().profile, GetParam().protocol},
                                     "", {"TG_PLANT=" + p.Json()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto seen = up.seen();
  ASSERT_FALSE(seen.empty());
  std::string all;
  for (const auto& s : seen) {
    const Signal sig = s.path == "/v1/logs" ? Signal::kLogs : s.path == "/v1/metrics" ? Signal::kMetrics : Signal::kTraces;
    EXPECT_EQ(s.content_type, std::string(GetParam().protocol) == "json" ? "application/json" : "application/x-protobuf");
    ExpectNothingPlanted(s.body, p);
    all += AsJson(sig, s);
  }
  ExpectNothingPlanted(all, p);
  // drive.js prints what must arrive.
  const auto at = r.out.find("\"expect\":[");
  ASSERT_NE(at, std::string::npos) << r.out;
  std::string list = r.out.substr(at + 10, r.out.find(']', at) - at - 10);
  std::size_t pos = 0;
  while ((pos = list.find('"', pos)) != std::string::npos) {
    const auto end = list.find('"', pos + 1);
    const std::string want = list.substr(pos + 1, end - pos - 1);
    EXPECT_NE(all.find(want), std::string::npos) << want << " did not arrive: " << all;
    pos = end + 1;
  }
  EXPECT_EQ(gw.Stop(), 0);
}

INSTANTIATE_TEST_SUITE_P(Agents, GatewayOtelJs,
                         ::testing::Values(JsCase{"claude-code", "json"}, JsCase{"claude-code", "protobuf"},
                                           JsCase{"gemini-cli", "json"}, JsCase{"gemini-cli", "protobuf"},
                                           JsCase{"codex", "json"}, JsCase{"codex", "protobuf"},
                                           JsCase{"docker-agent", "json"}, JsCase{"docker-agent", "protobuf"}),
                         [](const auto& i) {
                           std::string n = std::string(i.param.profile) + "_" + i.param.protocol;
                           for (char& ch : n) if (ch == '-') ch = '_';
                           return n;
                         });

}  // namespace
}  // namespace telguard::testing
