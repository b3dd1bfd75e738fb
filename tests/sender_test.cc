// The HTTP sender against real servers on 127.0.0.1: healthy keep-alive,
// port closed, hanging, trickling, status codes, 429, redirect, TLS, huge
// answers, threads; the spool; the response policy.
#include "sender/http_sender.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <chrono>
#include <climits>
#include <filesystem>
#include <set>
#include <thread>

#include "sender/response_policy.h"
#include "sender/sinks.h"
#include "sender/spool.h"
#include "tests/test_server.h"
#include "tests/test_util.h"

namespace telguard::sender {
namespace {

using namespace std::chrono_literals;
using telguard::testing::HttpServer;
using telguard::testing::RawServer;
using Clock = std::chrono::steady_clock;

std::string Body(int i) { return R"({"records":[{"event":"tool","n":)" + std::to_string(i) + "}]}"; }

class TempDir : public testing::ScopedTempDir {
 public:
  TempDir() : ScopedTempDir("spool") {}
};

std::unique_ptr<HttpSender> MakeSender(const std::string& url, Spool* spool, HttpSenderOptions o = {}) {
  o.endpoint = url;
  o.spool = spool;
  std::string err;
  auto s = HttpSender::Create(o, &err);
  EXPECT_TRUE(s) << err;
  return s;
}

std::unique_ptr<Spool> OpenSpool(const std::string& dir, SpoolOptions o = {}) {
  std::string err;
  auto s = Spool::Open(dir, o, &err);
  EXPECT_TRUE(s) << err;
  return s;
}

TEST(HttpSender, HealthyThousandEventsOverExactlyOneConnection) {
  HttpServer server;
  auto s = MakeSender(server.url(), nullptr);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(s->Send(Body(i)).delivery, Delivery::kDelivered) << i;
  EXPECT_EQ(server.requests(), 1000u);
  EXPECT_EQ(server.connections(), 1u);
  EXPECT_EQ(s->connections_opened(), 1u);
  const auto rec = server.recorded();
  EXPECT_EQ(rec[0].body, Body(0));
  EXPECT_EQ(rec[999].body, Body(999));
  EXPECT_EQ(rec[0].content_type, "application/json");
  EXPECT_EQ(rec[0].user_agent, "telguard/0.1.0");
  EXPECT_EQ(rec[0].expect, "");
}

TEST(HttpSender, ApiKeyFromEnvironmentIsSentAndNeverLogged) {
  HttpServer server;
  const std::string key = telguard::testing::Token("tk-", "abcdefghijklmnop0123456789", 24, 77);
  ::setenv("TELGUARD_TEST_KEY", key.c_str(), 1);
  HttpSenderOptions o;
  o.api_key_env = "TELGUARD_TEST_KEY";
  auto http = MakeSender(server.url(), nullptr, o);
  char* buf = nullptr;
  std::size_t len = 0;
  std::FILE* log = open_memstream(&buf, &len);
  DebugLogSender debug(log, http.get());
  EXPECT_EQ(debug.Send(Body(1)).delivery, Delivery::kDelivered);
  std::fclose(log);
  const std::string logged(buf, len);
  std::free(buf);
  EXPECT_EQ(server.recorded().at(0).api_key, key);
  EXPECT_NE(logged.find(Body(1)), std::string::npos);  // debug shows the exact body
  EXPECT_EQ(logged.find(key), std::string::npos);       // and never the key
  ::unsetenv("TELGUARD_TEST_KEY");
  o.api_key_env = "TELGUARD_TEST_KEY";
  o.endpoint = server.url();
  std::string err;
  EXPECT_EQ(HttpSender::Create(o, &err), nullptr);  // a missing key is a configuration error
  EXPECT_NE(err.find("TELGUARD_TEST_KEY"), std::string::npos);
}

TEST(HttpSender, PortClosedIsKeptQuickly) {
  TempDir dir;
  auto spool = OpenSpool(dir.path());
  auto s = MakeSender("http://127.0.0.1:" + std::to_string(telguard::testing::ClosedPort()) + "/x", spool.get());
  const SendResult r = s->Send(Body(1));
  EXPECT_EQ(r.delivery, Delivery::kKept);
  EXPECT_NE(r.reason.find("network"), std::string::npos) << r.reason;
  EXPECT_EQ(spool->size(), 1u);
}

TEST(HttpSender, HangingEndpointCostsAtMostTheDeadlineThenTheCircuitOpens) {
  RawServer hang([](int, const std::atomic<bool>& stop) {
    while (!stop) std::this_thread::sleep_for(10ms);  // accept, never answer
  });
  TempDir dir;
  auto spool = OpenSpool(dir.path());
  HttpSenderOptions o;
  o.deadline = 300ms;
  o.circuit_threshold = 2;
  auto s = MakeSender(hang.url(), spool.get(), o);
  for (int i = 0; i < 2; ++i) {
    const auto t0 = Clock::now();
    EXPECT_EQ(s->Send(Body(i)).delivery, Delivery::kKept);
    // Bounded: the deadline, plus scheduling slack.
    EXPECT_LT(Clock::now() - t0, 300ms + 2000ms);  // the deadline, not the hang (slack for loaded CI)
  }
  // Circuit open: no network at all now, the event goes straight to the spool.
  const SendResult r = s->Send(Body(2));
  EXPECT_EQ(r.delivery, Delivery::kKept);
  EXPECT_EQ(r.reason, "circuit open");
  EXPECT_EQ(spool->size(), 3u);
}

TEST(HttpSender, TricklingResponseIsCutAtTheDeadline) {
  RawServer trickle([](int fd, const std::atomic<bool>& stop) {
    char buf[4096];
    (void)::recv(fd, buf, sizeof buf, 0);
    const std::string resp = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'x');
    for (char c : resp) {
      if (stop || ::send(fd, &c, 1, MSG_NOSIGNAL) != 1) return;
      std::this_thread::sleep_for(50ms);
    }
  });
  HttpSenderOptions o;
  o.deadline = 400ms;
  auto s = MakeSender(trickle.url(), nullptr, o);
  const auto t0 = Clock::now();
  const SendResult r = s->Send(Body(1));
  EXPECT_NE(r.delivery, Delivery::kDelivered);
  EXPECT_LT(Clock::now() - t0, 400ms + 2000ms);  // the deadline, not the 5 s trickle
}

struct StatusCase {
  int status;
  Delivery expected;
  int requests;  // attempts the server saw
};

class StatusTest : public ::testing::TestWithParam<StatusCase> {};

TEST_P(StatusTest, FollowsThePolicy) {
  const auto c = GetParam();
  HttpServer server([&](const httplib::Request&, httplib::Response& res, int) { res.status = c.status; });
  TempDir dir;
  auto spool = OpenSpool(dir.path());
  HttpSenderOptions o;
  o.circuit_threshold = 100;
  auto s = MakeSender(server.url(), spool.get(), o);
  const SendResult r = s->Send(Body(1));
  EXPECT_EQ(r.delivery, c.expected) << r.reason;
  EXPECT_EQ(r.http_status, c.status);
  EXPECT_EQ(static_cast<int>(server.requests()), c.requests);
  EXPECT_EQ(spool->size(), c.expected == Delivery::kKept ? 1u : 0u);
}

INSTANTIATE_TEST_SUITE_P(Codes, StatusTest,
                         ::testing::Values(StatusCase{200, Delivery::kDelivered, 1},
                                           StatusCase{202, Delivery::kDelivered, 1},
                                           StatusCase{400, Delivery::kDropped, 1},
                                           StatusCase{401, Delivery::kKept, 1},
                                           StatusCase{403, Delivery::kKept, 1},
                                           StatusCase{413, Delivery::kDropped, 1},
                                           StatusCase{500, Delivery::kKept, 1},
                                           StatusCase{502, Delivery::kKept, 4},
                                           StatusCase{503, Delivery::kKept, 4},
                                           StatusCase{504, Delivery::kKept, 4}),
                         [](const auto& param_info) { return std::to_string(param_info.param.status); });

TEST(HttpSender, ServiceUnavailableThreeTimesThenOk) {
  HttpServer server([](const httplib::Request&, httplib::Response& res, int n) { res.status = n <= 3 ? 503 : 200; });
  auto s = MakeSender(server.url(), nullptr);
  const SendResult r = s->Send(Body(1));
  EXPECT_EQ(r.delivery, Delivery::kDelivered) << r.reason;
  EXPECT_EQ(server.requests(), 4u);
}

TEST(HttpSender, TooManyRequestsOpensAWindowWithoutSleeping) {
  for (const std::string retry_after : {"120", "Wed, 21 Oct 2099 07:28:00 GMT"}) {
    HttpServer server([&](const httplib::Request&, httplib::Response& res, int) {
      res.status = 429;
      res.set_header("Retry-After", retry_after);
    });
    TempDir dir;
    auto spool = OpenSpool(dir.path());
    auto s = MakeSender(server.url(), spool.get());
    SendResult r = s->Send(Body(1));
    EXPECT_EQ(r.delivery, Delivery::kKept);
    EXPECT_EQ(server.requests(), 1u);  // no retry inside the window
    r = s->Send(Body(2));
    EXPECT_EQ(r.delivery, Delivery::kKept);
    EXPECT_EQ(r.reason, "backoff window (429)");
    EXPECT_EQ(server.requests(), 1u);  // the window holds: no network
    EXPECT_EQ(spool->size(), 2u);
    EXPECT_EQ(s->Flush().remaining, 2u);  // flush respects the window too
  }
}

TEST(HttpSender, RedirectIsNotFollowed) {
  HttpServer target;
  HttpServer server([&](const httplib::Request&, httplib::Response& res, int) {
    res.status = 302;
    res.set_header("Location", target.url());
  });
  TempDir dir;
  auto spool = OpenSpool(dir.path());
  auto s = MakeSender(server.url(), spool.get());
  const SendResult r = s->Send(Body(1));
  EXPECT_EQ(r.delivery, Delivery::kKept);
  EXPECT_NE(r.reason.find("redirect not followed (302)"), std::string::npos);
  EXPECT_EQ(target.requests(), 0u);
}

// A 32 MiB answer, streamed from one 64 KiB chunk (no per-request
// allocation: on a loaded machine building 32 MiB could outlast the deadline
// before the status line is even written). The sender takes the 2xx status
// line as the delivery and stops reading: the server never gets to write the
// whole body.
TEST(HttpSender, HugeResponseBodyIsNotRead) {
  constexpr std::size_t kBodySize = 32u << 20;
  static const std::string chunk(64u << 10, 'z');
  std::atomic<std::size_t> written{0};
  HttpServer server([&](const httplib::Request&, httplib::Response& res, int) {
    res.set_content_provider(kBodySize, "text/plain", [&](std::size_t offset, std::size_t, httplib::DataSink& sink) {
      const std::size_t n = std::min(chunk.size(), kBodySize - offset);
      if (!sink.write(chunk.data(), n)) return false;
      written += n;
      return true;
    });
  });
  HttpSenderOptions o;
  o.deadline = std::chrono::seconds(10);  // what is tested is the reading, not the time
  auto s = MakeSender(server.url(), nullptr, o);
  const auto r = s->Send(Body(1));
  EXPECT_EQ(r.delivery, Delivery::kDelivered) << r.reason << " status " << r.http_status;
  EXPECT_EQ(r.http_status, 200);
  s.reset();  // closes the connection
  EXPECT_LT(written.load(), kBodySize);
}

TEST(HttpSender, PlainHttpOnlyToLoopback) {
  std::string err;
  HttpSenderOptions o;
  o.endpoint = "http://telemetry.example.org/v1";
  EXPECT_EQ(HttpSender::Create(o, &err), nullptr);
  EXPECT_NE(err.find("loopback"), std::string::npos);
  o.allow_insecure_http = true;  // explicitly allowed: accepted (nothing is sent here)
  EXPECT_NE(HttpSender::Create(o, &err), nullptr);
  o.endpoint = "ftp://127.0.0.1/x";
  EXPECT_EQ(HttpSender::Create(o, &err), nullptr);
  o.endpoint = "not a url";
  EXPECT_EQ(HttpSender::Create(o, &err), nullptr);
}

TEST(HttpSender, SelfSignedCertificateRejectedThenAcceptedWithItsCaFile) {
  TempDir dir;
  const std::string cert = dir.path() + "/cert.pem", key = dir.path() + "/key.pem";
  const std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -keyout " + key + " -out " + cert +
                          " -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  HttpServer server(nullptr, cert, key);
  auto strict = MakeSender(server.url("https"), nullptr);
  const SendResult r = strict->Send(Body(1));
  EXPECT_NE(r.delivery, Delivery::kDelivered);
  EXPECT_EQ(server.requests(), 0u);
  HttpSenderOptions o;
  o.ca_file = cert;
  auto trusting = MakeSender(server.url("https"), nullptr, o);
  EXPECT_EQ(trusting->Send(Body(2)).delivery, Delivery::kDelivered);
  EXPECT_EQ(server.requests(), 1u);
}

TEST(HttpSender, SixteenThreadsAtOnce) {
  HttpServer server;
  auto s = MakeSender(server.url(), nullptr);
  std::atomic<int> delivered{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 16; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) delivered += s->Send(Body(t * 1000 + i)).delivery == Delivery::kDelivered;
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(delivered.load(), 800);
  EXPECT_EQ(server.requests(), 800u);
  EXPECT_LE(server.connections(), 16u);
}

TEST(HttpSender, OutageThenRecoveryDeliversEverythingOnceInOrder) {
  std::atomic<bool> up{false};
  HttpServer server([&](const httplib::Request&, httplib::Response& res, int) { res.status = up ? 200 : 503; });
  TempDir dir;
  auto spool = OpenSpool(dir.path());
  HttpSenderOptions o;
  o.max_attempts = 1;       // the outage answers at once: no retries needed here
  o.deadline = 5000ms;      // generous: draining the spool must not race a clock
  o.circuit_threshold = 1000;
  auto s = MakeSender(server.url(), spool.get(), o);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(s->Send(Body(i)).delivery, Delivery::kKept);
  up = true;
  EXPECT_EQ(s->Send(Body(5)).delivery, Delivery::kDelivered);  // drains the spool first
  EXPECT_EQ(spool->size(), 0u);
  std::vector<std::string> ok;
  for (const auto& r : server.recorded()) {
    if (ok.size() < 6 && r.body == Body(static_cast<int>(ok.size()))) ok.push_back(r.body);
  }
  EXPECT_EQ(ok.size(), 6u);  // 0..5, in order
  std::size_t successes = 0;
  for (const auto& r : server.recorded()) successes += r.body == Body(3);
  EXPECT_GE(successes, 1u);
}

constexpr std::string_view kDest = "http://127.0.0.1:9/v1/events";

SpoolRecord Rec(const std::string& body, std::string_view dest = kDest, std::string_view app = "app") {
  return {dest, "", app, "application/json", body};
}

SendResult Ok() { return {Delivery::kDelivered, "", 200, Failure::kNone, false}; }

TEST(Spool, FilesArePrivateAndOverflowDropsTheOldest) {
  TempDir dir;
  const std::string sub = dir.path() + "/a/spool";
  SpoolOptions so;
  so.max_events = 5;
  auto spool = OpenSpool(sub, so);
  std::string err;
  std::vector<std::string> bodies;
  for (int i = 0; i < 8; ++i) bodies.push_back(Body(i));
  for (const auto& b : bodies) ASSERT_EQ(spool->Append(Rec(b), &err), SpoolStatus::kOk) << err;
  EXPECT_EQ(spool->size(), 5u);
  EXPECT_EQ(spool->overflow_dropped(), 3u);
  struct stat st {};
  ASSERT_EQ(::stat(sub.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  for (const auto& e : std::filesystem::directory_iterator(sub)) {
    ASSERT_EQ(::stat(e.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << e.path();
  }
  std::vector<std::string> seen;
  spool->Flush(kDest, [&](const SpooledEvent& e) {
    seen.push_back(e.body);
    return Ok();
  });
  EXPECT_EQ(seen, (std::vector<std::string>{Body(3), Body(4), Body(5), Body(6), Body(7)}));
}

TEST(Spool, TheByteBoundCountsAndABodyLargerThanItIsRefused) {
  TempDir dir;
  SpoolOptions so;
  so.max_bytes = 1000;
  auto spool = OpenSpool(dir.path(), so);
  std::string err;
  for (int i = 0; i < 10; ++i) ASSERT_EQ(spool->Append(Rec(std::string(300, static_cast<char>('a' + i))), &err), SpoolStatus::kOk);
  EXPECT_EQ(spool->size(), 3u);
  EXPECT_LE(spool->stats().bytes, 1000u);
  EXPECT_EQ(spool->overflow_dropped(), 7u);
  EXPECT_EQ(spool->Append(Rec(std::string(1001, 'z')), &err), SpoolStatus::kTooLarge);
  EXPECT_FALSE(err.empty());
}

TEST(Spool, KillDuringWritesThenFlushDeliversEveryAcknowledgedBodyOnce) {
  TempDir dir;
  const std::string ack = dir.path() + "/acked";
  const pid_t child = fork();
  if (child == 0) {
    std::string err;
    SpoolOptions big;  // no overflow in this test: every acknowledged body must come out
    big.max_bytes = 1u << 30;
    big.max_events = 1u << 20;
    auto spool = Spool::Open(dir.path() + "/spool", big, &err);
    std::FILE* f = std::fopen(ack.c_str(), "w");
    for (int i = 0;; ++i) {
      if (!spool || spool->Append(Rec(Body(i) + std::string(20000, ' ')), &err) != SpoolStatus::kOk) _exit(1);
      std::fprintf(f, "%d\n", i);  // acknowledged only after Append returned
      std::fflush(f);
    }
  }
  std::this_thread::sleep_for(300ms);
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  const auto acked = telguard::testing::Lines(telguard::testing::ReadFile(ack));
  ASSERT_GT(acked.size(), 5u);
  SpoolOptions big;
  big.max_bytes = 1u << 30;
  big.max_events = 1u << 20;
  auto spool = OpenSpool(dir.path() + "/spool", big);
  std::vector<std::string> seen;
  const FlushStats f = spool->Flush(kDest, [&](const SpooledEvent& e) {
    seen.push_back(e.body);
    return Ok();
  });
  EXPECT_EQ(f.remaining, 0u);
  // Every acknowledged body, once, in order; at most one more (committed
  // just before the kill, whose acknowledgement was not written).
  ASSERT_GE(seen.size(), acked.size());
  ASSERT_LE(seen.size(), acked.size() + 1);
  for (std::size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i], Body(static_cast<int>(i)) + std::string(20000, ' ')) << i;
  }
}

TEST(Spool, ProcessesSharingADirectoryLoseNothingAndKeepTheirOrder) {
  TempDir dir;
  std::vector<pid_t> children;
  for (int c = 0; c < 4; ++c) {
    const pid_t pid = fork();
    if (pid == 0) {
      std::string err;
      auto spool = Spool::Open(dir.path(), {}, &err);
      for (int i = 0; i < 200; ++i) {
        if (!spool || spool->Append(Rec(Body(c * 1000 + i)), &err) != SpoolStatus::kOk) _exit(1);
      }
      _exit(0);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  auto spool = OpenSpool(dir.path());
  EXPECT_EQ(spool->size(), 800u);
  std::vector<int> seen;
  const FlushStats f = spool->Flush(kDest, [&](const SpooledEvent& e) {
    const auto at = e.body.find("\"n\":") + 4;
    seen.push_back(std::stoi(e.body.substr(at)));
    return Ok();
  });
  EXPECT_EQ(f.delivered, 800u);
  EXPECT_EQ(f.remaining, 0u);
  std::vector<int> last(4, -1);
  std::set<int> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), 800u);
  for (int v : seen) {
    EXPECT_GT(v % 1000, last[v / 1000]) << "per-process order";
    last[v / 1000] = v % 1000;
  }
  // Everything delivered: a second flush has nothing to do.
  EXPECT_EQ(OpenSpool(dir.path())->Flush(kDest, [](const SpooledEvent&) { return SendResult{}; }).delivered, 0u);
}

TEST(FileSink, LocalOnlyModeAppendsLinesAndNeverTouchesTheNetwork) {
  TempDir dir;
  std::string err;
  auto sink = FileSink::Open(dir.path() + "/events.jsonl", &err);
  ASSERT_TRUE(sink) << err;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(sink->Send(Body(i)).delivery, Delivery::kDelivered);
  EXPECT_EQ(telguard::testing::ReadFile(dir.path() + "/events.jsonl"), Body(0) + "\n" + Body(1) + "\n" + Body(2) + "\n");
  struct stat st {};
  ::stat((dir.path() + "/events.jsonl").c_str(), &st);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(ResponsePolicy, RetryAfterForms) {
  const std::int64_t now = 4102444800;  // 2100-01-01
  const auto cap = std::chrono::seconds(86400);
  EXPECT_EQ(ParseRetryAfter("120", now, cap).count(), 120);
  EXPECT_EQ(ParseRetryAfter(" 5 ", now, cap).count(), 5);
  EXPECT_EQ(ParseRetryAfter("99999999999999999999", now, cap), cap);
  EXPECT_EQ(ParseRetryAfter("garbage", now, cap), kDefaultRetryAfter);
  EXPECT_EQ(ParseRetryAfter("", now, cap), kDefaultRetryAfter);
  EXPECT_EQ(ParseRetryAfter("-5", now, cap), kDefaultRetryAfter);
  EXPECT_EQ(ParseRetryAfter("Fri, 01 Jan 2100 00:01:00 GMT", now, cap).count(), 60);
  EXPECT_EQ(ParseRetryAfter("Friday, 01-Jan-00 00:01:00 GMT", now, cap).count() >= 0, true);
  EXPECT_EQ(ParseRetryAfter("Thu, 01 Jan 1970 00:00:00 GMT", now, cap).count(), 0);  // past: now
  EXPECT_EQ(ParseRetryAfter("Sat, 01 Jan 2101 00:00:00 GMT", now, cap), cap);
}

}  // namespace
}  // namespace telguard::sender

namespace telguard::sender {
namespace {

TEST(ResponsePolicy, ExtremeClocksNeverOverflow) {
  const auto cap = std::chrono::seconds(86400);
  EXPECT_EQ(ParseRetryAfter("Fri, 01 Jan 2100 00:01:00 GMT", INT64_MIN + 5, cap), cap);
  EXPECT_EQ(ParseRetryAfter("Fri, 01 Jan 2100 00:01:00 GMT", INT64_MAX - 5, cap).count(), 0);
}

}  // namespace
}  // namespace telguard::sender
