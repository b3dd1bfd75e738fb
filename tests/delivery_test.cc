// Delivery under faults, end to end: the HTTP sender, its SQLite spool and
// real servers on 127.0.0.1, real files, real processes (fork). Each test
// counts event ids at the receiver and in the spool: nothing lost, nothing
// delivered twice. Run repeatedly (--gtest_repeat=20) and under
// ThreadSanitizer (scripts/setup.sh).
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "sender/http_sender.h"
#include "sender/spool.h"
#include "tests/test_server.h"
#include "tests/test_util.h"

namespace telguard::sender {
namespace {

using namespace std::chrono_literals;
using telguard::testing::HttpServer;
using telguard::testing::RawServer;

std::string Body(int i, std::size_t pad = 0) {
  return R"({"records":[{"event":"tool","n":)" + std::to_string(i) + "}]}" + std::string(pad, ' ');
}

// The id in a Body(); -1 when there is none.
int IdOf(const std::string& body) {
  const auto at = body.find("\"n\":");
  return at == std::string::npos ? -1 : std::atoi(body.c_str() + at + 4);
}

// How many times each id was delivered (answered 2xx).
std::map<int, int> Counts(HttpServer& server) {
  std::map<int, int> m;
  for (const auto& b : server.delivered()) ++m[IdOf(b)];
  return m;
}

class TempDir : public testing::ScopedTempDir {
 public:
  TempDir() : ScopedTempDir("delivery") {}
};

std::unique_ptr<Spool> OpenSpool(const std::string& dir, SpoolOptions o = {}) {
  std::string err;
  auto s = Spool::Open(dir, o, &err);
  EXPECT_TRUE(s) << err;
  return s;
}

std::unique_ptr<HttpSender> MakeSender(const std::string& url, Spool* spool, HttpSenderOptions o = {}) {
  o.endpoint = url;
  o.spool = spool;
  std::string err;
  auto s = HttpSender::Create(o, &err);
  EXPECT_TRUE(s) << err;
  return s;
}

void AppendOrDie(Spool& spool, std::string_view dest, const std::string& body, std::string_view app = "app") {
  std::string err;
  ASSERT_EQ(spool.Append({dest, "", app, "application/json", body}, &err), SpoolStatus::kOk) << err;
}

TEST(Delivery, TwoEndpointsOneSpoolNeverCrossDeliver) {
  std::atomic<bool> a_up{false};
  HttpServer a([&](const httplib::Request&, httplib::Response& res, int) { res.status = a_up ? 200 : 503; });
  HttpServer b;
  TempDir dir;
  auto spool = OpenSpool(dir.path());
  HttpSenderOptions o;
  o.max_attempts = 1;
  o.circuit_threshold = 1000;
  auto to_a = MakeSender(a.url(), spool.get(), o);
  auto to_b = MakeSender(b.url(), spool.get(), o);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(to_a->Send(Body(i)).delivery, Delivery::kKept);
  for (int i = 100; i < 105; ++i) EXPECT_EQ(to_b->Send(Body(i)).delivery, Delivery::kDelivered);
  EXPECT_EQ(to_b->Flush().remaining, 0u);
  EXPECT_EQ(spool->size(to_a->destination()), 5u);  // A's events wait for A
  a_up = true;
  const FlushStats f = to_a->Flush();
  EXPECT_EQ(f.delivered, 5u);
  EXPECT_EQ(f.remaining, 0u);
  std::map<int, int> want_a, want_b;
  for (int i = 0; i < 5; ++i) want_a[i] = 1;
  for (int i = 100; i < 105; ++i) want_b[i] = 1;
  EXPECT_EQ(Counts(a), want_a);
  EXPECT_EQ(Counts(b), want_b);  // none of A's events ever reached B
}

// The children are forked before this process starts any thread (the
// server's, the sender's): a child of a threaded process may find the
// allocator locked by a thread that no longer exists (it hung under ASan).
// Each child waits on its own pipe for the destination, which exists once
// the server runs.
TEST(Delivery, FlushRacingFourAppendingProcessesLosesNothing) {
  TempDir dir;
  auto spool = OpenSpool(dir.path());
  constexpr int kPerChild = 150;
  std::vector<pid_t> children;
  std::vector<int> gates;
  for (int c = 0; c < 4; ++c) {
    int gate[2];
    ASSERT_EQ(::pipe(gate), 0);
    const pid_t pid = fork();
    if (pid == 0) {
      ::close(gate[1]);
      for (int fd : gates) ::close(fd);  // the earlier children's: each sees its own end close
      std::string dest;
      char buf[256];
      for (ssize_t n; (n = ::read(gate[0], buf, sizeof buf)) > 0;) dest.append(buf, static_cast<std::size_t>(n));
      if (dest.empty()) _exit(2);
      std::string err;
      auto own = Spool::Open(dir.path(), {}, &err);
      for (int i = 0; i < kPerChild; ++i) {
        if (!own || own->Append({dest, "", "app", "application/json", Body(c * 1000 + i)}, &err) != SpoolStatus::kOk) {
          _exit(1);
        }
        if (i % 10 == 0) ::usleep(1000);
      }
      _exit(0);
    }
    ::close(gate[0]);
    gates.push_back(gate[1]);
    children.push_back(pid);
  }
  HttpServer server;
  auto sender = MakeSender(server.url(), spool.get());
  const std::string& dest = sender->destination();
  for (int fd : gates) {
    ASSERT_EQ(::write(fd, dest.data(), dest.size()), static_cast<ssize_t>(dest.size()));
    ::close(fd);
  }
  // Flush while they append.
  for (int round = 0; round < 200; ++round) {
    (void)sender->Flush();
    int alive = 0;
    for (pid_t pid : children) alive += ::waitpid(pid, nullptr, WNOHANG) == 0;
    if (alive == 0) break;
  }
  for (pid_t pid : children) {
    int status = 0;
    if (::waitpid(pid, &status, 0) == pid) {
      ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
  }
  const FlushStats f = sender->Flush();
  EXPECT_EQ(f.remaining, 0u) << f.stopped_because;
  const auto counts = Counts(server);
  EXPECT_EQ(counts.size(), 4u * kPerChild);  // nothing lost
  for (const auto& [id, n] : counts) EXPECT_EQ(n, 1) << "id " << id << " delivered " << n << " times";
}

// A small filesystem for the spool: a tmpfs when this process may mount one
// (root), else the spool's own page cap (SQLite answers SQLITE_FULL either way).
class SmallFilesystem {
 public:
  SmallFilesystem(const std::string& dir, std::size_t bytes) : dir_(dir) {
    std::filesystem::create_directories(dir);
    const std::string opts = "size=" + std::to_string(bytes) + ",mode=0700";
    mounted_ = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, opts.c_str()) == 0;
  }
  ~SmallFilesystem() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }

 private:
  std::string dir_;
  bool mounted_ = false;
};

TEST(Delivery, FullFilesystemKeepsNewEventsFlowingAndNeverRepeats) {
  std::atomic<bool> up{false};
  HttpServer server([&](const httplib::Request&, httplib::Response& res, int) { res.status = up ? 200 : 503; });
  TempDir dir;
  SmallFilesystem fs(dir.path() + "/fs", 1024 * 1024);
  SpoolOptions so;
  if (!fs.mounted()) so.max_pages = 256;  // 1 MiB of 4 KiB pages
  std::unique_ptr<Spool> spool;
  {
    std::string err;
    spool = Spool::Open(dir.path() + "/fs/spool", so, &err);
    ASSERT_TRUE(spool) << err;
  }
  HttpSenderOptions o;
  o.max_attempts = 1;
  o.circuit_threshold = 1000000;
  o.deadline = 5s;
  auto s = MakeSender(server.url(), spool.get(), o);
  // Endpoint down: events are kept until the disk is full, which is reported.
  std::set<int> kept;
  int full_reports = 0, i = 0;
  for (; i < 3000 && full_reports < 3; ++i) {
    const SendResult r = s->Send(Body(i, 1024));
    if (r.delivery == Delivery::kKept) kept.insert(i);
    if (r.delivery == Delivery::kDropped) {
      EXPECT_EQ(r.failure, Failure::kSpool);
      EXPECT_NE(r.reason.find("disk full"), std::string::npos) << r.reason;
      ++full_reports;
    }
  }
  ASSERT_EQ(full_reports, 3) << "the disk never filled";
  EXPECT_EQ(spool->stats().last_status, SpoolStatus::kFull);
  ASSERT_GT(kept.size(), 10u);
  // Endpoint healthy, disk still full: new events flow.
  up = true;
  for (int k = 0; k < 50; ++k) {
    const SendResult r = s->Send(Body(10000 + k, 1024));
    EXPECT_EQ(r.delivery, Delivery::kDelivered) << k << ": " << r.reason;
  }
  for (int round = 0; round < 5; ++round) (void)s->Flush();
  const auto counts = Counts(server);
  for (const auto& [id, n] : counts) EXPECT_EQ(n, 1) << "id " << id << " delivered " << n << " times";
  for (int k = 0; k < 50; ++k) EXPECT_EQ(counts.count(10000 + k), 1u) << k;
  // Every kept event was delivered or is still kept.
  const std::size_t remaining = spool->size(s->destination());
  std::size_t delivered_kept = 0;
  for (int id : kept) delivered_kept += counts.count(id);
  EXPECT_EQ(spool->stats().dead_letters, 0u);
  EXPECT_GE(delivered_kept + remaining, kept.size()) << spool->stats().last_error;
  spool.reset();
  s.reset();
}

TEST(Delivery, DamagedDatabaseIsReportedAndIntactEventsDelivered) {
  TempDir dir;
  HttpServer server;
  const std::string dest = MakeSender(server.url(), nullptr)->destination();
  constexpr int kEvents = 300;
  std::string db;
  {
    auto spool = OpenSpool(dir.path());
    for (int i = 0; i < kEvents; ++i) AppendOrDie(*spool, dest, Body(i, 500));
    db = spool->db_path();
  }
  // Overwrite one page (of the database's own page size: header bytes 16-17,
  // big-endian) in the middle of the file.
  const auto size = std::filesystem::file_size(db);
  {
    std::FILE* f = std::fopen(db.c_str(), "r+b");
    ASSERT_NE(f, nullptr);
    unsigned char header[18];
    ASSERT_EQ(std::fread(header, 1, sizeof header, f), sizeof header);
    const long page_size = (header[16] << 8) | header[17];
    ASSERT_GE(page_size, 512);
    ASSERT_GT(size, 40u * static_cast<std::uintmax_t>(page_size));
    const long page = static_cast<long>(size) / page_size / 2;
    std::fseek(f, page * page_size, SEEK_SET);
    const std::string junk(static_cast<std::size_t>(page_size), '\x5a');
    std::fwrite(junk.data(), 1, junk.size(), f);
    std::fclose(f);
  }
  auto spool = OpenSpool(dir.path());
  const SpoolStats st = spool->stats();
  EXPECT_EQ(st.last_status, SpoolStatus::kCorrupt);
  EXPECT_NE(st.notice.find("damaged"), std::string::npos) << st.notice;
  EXPECT_TRUE(std::filesystem::exists(db + ".damaged"));
  auto s = MakeSender(server.url(), spool.get());
  const FlushStats f = s->Flush();
  EXPECT_EQ(f.remaining, 0u) << f.stopped_because;
  const auto counts = Counts(server);
  EXPECT_GE(counts.size(), static_cast<std::size_t>(kEvents) - 40);  // one page lost at most
  for (const auto& [id, n] : counts) {
    EXPECT_TRUE(id >= 0 && id < kEvents) << id;
    EXPECT_EQ(n, 1) << id;
  }
  for (const auto& b : server.delivered()) EXPECT_EQ(b, Body(IdOf(b), 500));  // intact, byte for byte
}

class ThreadsWith429s : public ::testing::TestWithParam<int> {};

// Many threads, one spool, 429 windows and an open circuit: every thread
// finishes (no deadlock), and every event is delivered exactly once.
TEST_P(ThreadsWith429s, EveryThreadFinishesAndEachEventIsDeliveredOnce) {
  const int threads = GetParam();
  const int per_thread = 800 / threads;
  HttpServer server([](const httplib::Request&, httplib::Response& res, int n) {
    if (n == 40 || n == 300) {
      res.status = 429;
      res.set_header("Retry-After", "1");
    } else if (n >= 500 && n < 506) {
      res.status = 500;  // kept, counted: opens the circuit
    }
  });
  TempDir dir;
  auto spool = OpenSpool(dir.path());
  HttpSenderOptions o;
  o.deadline = 5s;
  o.max_attempts = 2;
  o.circuit_threshold = 2;
  o.circuit_open = 200ms;
  auto s = MakeSender(server.url(), spool.get(), o);
  std::atomic<int> dropped{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) dropped += s->Send(Body(t * 1000 + i)).delivery == Delivery::kDropped;
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(dropped.load(), 0);
  for (int round = 0; round < 100 && spool->size() > 0; ++round) {
    (void)s->Flush();
    if (spool->size() > 0) std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(spool->size(), 0u);
  const auto counts = Counts(server);
  EXPECT_EQ(counts.size(), static_cast<std::size_t>(threads * per_thread));
  for (const auto& [id, n] : counts) EXPECT_EQ(n, 1) << "id " << id << " delivered " << n << " times";
  EXPECT_EQ(spool->stats().dead_letters, 0u);
}

INSTANTIATE_TEST_SUITE_P(Threads, ThreadsWith429s, ::testing::Values(8, 32));

TEST(Delivery, UnauthorizedKeepsTheBacklogAndSaysItIsAConfigurationError) {
  HttpServer server([](const httplib::Request&, httplib::Response& res, int) { res.status = 401; });
  TempDir dir;
  auto spool = OpenSpool(dir.path());
  auto s = MakeSender(server.url(), spool.get());
  for (int i = 0; i < 3; ++i) AppendOrDie(*spool, s->destination(), Body(i));
  const SendResult r = s->Send(Body(3));
  EXPECT_EQ(r.delivery, Delivery::kKept);
  EXPECT_TRUE(r.configuration_error);
  EXPECT_EQ(r.http_status, 401);
  EXPECT_EQ(spool->size(), 4u);
  EXPECT_EQ(server.requests(), 1u);  // then no network: the set-up must be fixed first
  const FlushStats f = s->Flush();
  EXPECT_TRUE(f.configuration_error);
  EXPECT_EQ(f.remaining, 4u);
  // Later runs (new senders) try once each and keep everything: no
  // dead-lettering of events that were refused for the key's sake.
  for (int run = 0; run < 7; ++run) {
    const FlushStats g = MakeSender(server.url(), spool.get())->Flush();
    EXPECT_TRUE(g.configuration_error);
    EXPECT_EQ(g.remaining, 4u);
  }
  EXPECT_EQ(spool->stats().dead_letters, 0u);
  EXPECT_EQ(server.delivered().size(), 0u);
}

// Answers each connection with a 2xx status line, part of the body, then
// either stalls or closes.
class HalfAnswer {
 public:
  explicit HalfAnswer(bool stall)
      : server_([this, stall](int fd, const std::atomic<bool>& stop) {
          ++connections_;
          char buf[65536];
          if (::recv(fd, buf, sizeof buf, 0) <= 0) return;
          const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nab";
          (void)::send(fd, head.data(), head.size(), MSG_NOSIGNAL);
          while (stall && !stop) std::this_thread::sleep_for(5ms);
        }) {}
  std::string url() const { return server_.url(); }
  int connections() const { return connections_.load(); }

 private:
  std::atomic<int> connections_{0};
  RawServer server_;
};

TEST(Delivery, StalledOrCutOkIsOneDeliveryAndItsConnectionIsClosed) {
  for (const bool stall : {true, false}) {
    HalfAnswer server(stall);
    TempDir dir;
    auto spool = OpenSpool(dir.path());
    HttpSenderOptions o;
    o.deadline = 500ms;
    auto s = MakeSender(server.url(), spool.get(), o);
    const SendResult r = s->Send(Body(1));
    EXPECT_EQ(r.delivery, Delivery::kDelivered) << r.reason;
    EXPECT_EQ(r.http_status, 200);
    EXPECT_EQ(server.connections(), 1);  // no retry, no second copy
    EXPECT_EQ(spool->size(), 0u);
    EXPECT_EQ(s->Send(Body(2)).delivery, Delivery::kDelivered);
    EXPECT_EQ(server.connections(), 2);  // the half-read connection was not reused
  }
}

TEST(Delivery, BacklogGetsADeadlinePerRequestNotOneForAll) {
  HttpServer server([](const httplib::Request&, httplib::Response&, int) { std::this_thread::sleep_for(150ms); });
  TempDir dir;
  auto spool = OpenSpool(dir.path());
  HttpSenderOptions o;
  o.deadline = 400ms;  // each request fits; six of them together do not
  auto s = MakeSender(server.url(), spool.get(), o);
  for (int i = 0; i < 6; ++i) AppendOrDie(*spool, s->destination(), Body(i));
  const FlushStats f = s->Flush();
  EXPECT_EQ(f.delivered, 6u) << f.stopped_because;
  EXPECT_EQ(f.remaining, 0u);
}

// Dead letters can be listed (never their bodies), requeued (delivered once
// the endpoint takes them, in their old place) and deleted from the disk.
TEST(Delivery, DeadLettersAreListedRequeuedAndDeleted) {
  std::atomic<bool> refuse{true};
  HttpServer server([&](const httplib::Request& req, httplib::Response& res, int) {
    if (refuse && req.body.find("\"n\":7") != std::string::npos) res.status = 500;
  });
  TempDir dir;
  SpoolOptions so;
  so.max_attempts = 1;
  auto spool = OpenSpool(dir.path(), so);
  HttpSenderOptions o;
  o.circuit_threshold = 1000;
  auto s = MakeSender(server.url(), spool.get(), o);
  for (int i : {7, 8}) AppendOrDie(*spool, s->destination(), Body(i), "app-a");
  AppendOrDie(*spool, "http://127.0.0.1:9/other", Body(9), "app-b");
  for (int round = 0; round < 3 && spool->stats().dead_letters == 0; ++round) (void)s->Flush();
  ASSERT_EQ(spool->stats().dead_letters, 1u);
  const std::vector<DeadLetter> listed = spool->DeadLetters("app-a");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].destination, s->destination());
  EXPECT_EQ(listed[0].bytes, Body(7).size());
  EXPECT_NE(listed[0].reason.find("500"), std::string::npos) << listed[0].reason;
  EXPECT_TRUE(spool->DeadLetters("app-b").empty());
  std::size_t n = 0;
  EXPECT_EQ(spool->RequeueDeadLetters("app-b", &n), SpoolStatus::kOk);
  EXPECT_EQ(n, 0u);  // another app's: untouched
  refuse = false;
  EXPECT_EQ(spool->RequeueDeadLetters("app-a", &n), SpoolStatus::kOk);
  EXPECT_EQ(n, 1u);
  EXPECT_EQ(spool->stats().dead_letters, 0u);
  EXPECT_EQ(s->Flush().delivered, 1u);
  EXPECT_EQ(Counts(server), (std::map<int, int>{{7, 1}, {8, 1}}));
  // Deleted: not in the table, and its bytes are nowhere in the files.
  refuse = true;
  AppendOrDie(*spool, s->destination(), Body(7, 3), "app-a");
  AppendOrDie(*spool, s->destination(), Body(10), "app-a");  // accepted: the endpoint works
  for (int round = 0; round < 3 && spool->stats().dead_letters == 0; ++round) (void)s->Flush();
  ASSERT_EQ(spool->stats().dead_letters, 1u);
  EXPECT_EQ(spool->DeleteDeadLetters("", &n), SpoolStatus::kOk);
  EXPECT_EQ(n, 1u);
  EXPECT_TRUE(spool->DeadLetters("").empty());
  for (const char* suffix : {"", "-wal"}) {
    const std::string bytes = telguard::testing::ReadFile(spool->db_path() + suffix);
    EXPECT_EQ(bytes.find(Body(7, 3)), std::string::npos) << suffix;
  }
}

TEST(Delivery, BodyThatKeepsFailingMovesToDeadLettersAndStopsBlocking) {
  HttpServer server([](const httplib::Request& req, httplib::Response& res, int) {
    if (req.body.find("poison") != std::string::npos) res.status = 500;
  });
  TempDir dir;
  SpoolOptions so;
  so.max_attempts = 2;
  auto spool = OpenSpool(dir.path(), so);
  HttpSenderOptions o;
  o.circuit_threshold = 1000;
  auto s = MakeSender(server.url(), spool.get(), o);
  AppendOrDie(*spool, s->destination(), R"({"records":[{"event":"poison"}]})");
  AppendOrDie(*spool, s->destination(), Body(1));
  AppendOrDie(*spool, s->destination(), Body(2));
  FlushStats f = s->Flush();
  EXPECT_EQ(f.delivered, 0u);  // in order: the first body blocks, once
  EXPECT_EQ(f.remaining, 3u);
  EXPECT_EQ(f.http_status, 500);
  f = s->Flush();
  EXPECT_EQ(f.dead_lettered, 1u);
  EXPECT_EQ(f.delivered, 2u);
  EXPECT_EQ(f.remaining, 0u);
  EXPECT_EQ(spool->stats().dead_letters, 1u);
  EXPECT_EQ(Counts(server), (std::map<int, int>{{1, 1}, {2, 1}}));
}

TEST(Delivery, FailuresSayWhy) {
  HttpSenderOptions o;
  o.deadline = 300ms;
  o.max_attempts = 1;
  {
    auto s = MakeSender("http://127.0.0.1:" + std::to_string(telguard::testing::ClosedPort()) + "/x", nullptr, o);
    const SendResult r = s->Send(Body(1));
    EXPECT_EQ(r.failure, Failure::kConnectRefused) << r.reason;
    EXPECT_NE(r.reason.find("connection refused"), std::string::npos) << r.reason;
    EXPECT_FALSE(r.configuration_error);
  }
  {
    RawServer hang([](int, const std::atomic<bool>& stop) {
      while (!stop) std::this_thread::sleep_for(5ms);
    });
    auto s = MakeSender(hang.url(), nullptr, o);
    const SendResult r = s->Send(Body(1));
    EXPECT_EQ(r.failure, Failure::kTimeout) << r.reason;
    EXPECT_NE(r.reason.find("timeout"), std::string::npos) << r.reason;
  }
  {
    TempDir dir;
    const std::string cert = dir.path() + "/cert.pem", key = dir.path() + "/key.pem";
    const std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -keyout " + key + " -out " + cert +
                            " -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    HttpServer server(nullptr, cert, key);
    auto spool = OpenSpool(dir.path() + "/spool");
    HttpSenderOptions tls = o;
    tls.deadline = 5s;  // room for a handshake under a sanitizer; verification fails long before
    tls.connect_timeout = 5s;  // the TLS handshake is part of connecting
    auto s = MakeSender(server.url("https"), spool.get(), tls);
    const SendResult r = s->Send(Body(1));
    EXPECT_EQ(r.failure, Failure::kTlsVerification) << r.reason;
    EXPECT_TRUE(r.configuration_error);
    EXPECT_EQ(r.delivery, Delivery::kKept);  // kept until the CA is fixed
    EXPECT_EQ(spool->size(), 1u);
  }
}

bool FileHolds(const std::string& path, const std::string& needle) {
  return telguard::testing::ReadFile(path).find(needle) != std::string::npos;
}

bool DiskHolds(const Spool& spool, const std::string& needle) {
  return FileHolds(spool.db_path(), needle) || FileHolds(spool.db_path() + "-wal", needle);
}

TEST(Delivery, PurgeDeletesAnAppsEventsFromDisk) {
  TempDir dir;
  auto spool = OpenSpool(dir.path());
  const std::string a = telguard::testing::Token("marker-a-", "abcdefghijklmnop", 24, 5);
  const std::string b = telguard::testing::Token("marker-b-", "abcdefghijklmnop", 24, 6);
  for (int i = 0; i < 20; ++i) {
    AppendOrDie(*spool, "http://127.0.0.1:9/x", Body(i) + a, "vendor-a");
    AppendOrDie(*spool, "http://127.0.0.1:9/x", Body(i) + b, "vendor-b");
  }
  ASSERT_TRUE(DiskHolds(*spool, a));  // the check below can fail
  std::size_t removed = 0;
  ASSERT_EQ(spool->Purge("vendor-a", &removed), SpoolStatus::kOk);
  EXPECT_EQ(removed, 20u);
  EXPECT_EQ(spool->size(), 20u);
  EXPECT_FALSE(DiskHolds(*spool, a));  // deleted means gone from disk
  EXPECT_TRUE(DiskHolds(*spool, b));
}

TEST(Delivery, DeliveredEventsAreGoneFromDisk) {
  HttpServer server;
  TempDir dir;
  auto spool = OpenSpool(dir.path());
  auto s = MakeSender(server.url(), spool.get());
  const std::string m = telguard::testing::Token("marker-", "abcdefghijklmnop", 24, 7);
  for (int i = 0; i < 20; ++i) AppendOrDie(*spool, s->destination(), Body(i) + m);
  ASSERT_TRUE(DiskHolds(*spool, m));
  EXPECT_EQ(s->Flush().delivered, 20u);
  EXPECT_FALSE(DiskHolds(*spool, m));
}

void PutU32(std::string* s, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

TEST(Delivery, OldSegmentFormatIsMigratedOnceAndDelivered) {
  TempDir dir;
  std::string seg;
  std::size_t second = 0;
  for (int i = 0; i < 3; ++i) {
    if (i == 1) second = seg.size();
    const std::string b = Body(i);
    seg += "TGS1";
    PutU32(&seg, static_cast<std::uint32_t>(b.size()));
    PutU32(&seg, static_cast<std::uint32_t>(
                     ::crc32(0L, reinterpret_cast<const Bytef*>(b.data()), static_cast<uInt>(b.size()))));
    seg += b;
  }
  telguard::testing::WriteFile(dir.path() + "/seg-00000000000000000001.log", seg);
  telguard::testing::WriteFile(dir.path() + "/cursor", "1 " + std::to_string(second) + "\n");  // 0 was delivered
  HttpServer server;
  auto spool = OpenSpool(dir.path());
  EXPECT_NE(spool->stats().notice.find("migrated 2"), std::string::npos) << spool->stats().notice;
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/seg-00000000000000000001.log"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/cursor"));
  auto s = MakeSender(server.url(), spool.get());
  EXPECT_EQ(s->Flush().delivered, 2u);
  EXPECT_EQ(Counts(server), (std::map<int, int>{{1, 1}, {2, 1}}));
  EXPECT_EQ(OpenSpool(dir.path())->size(), 0u);  // once
}

// A database written by the first schema (AUTOINCREMENT ids, an index on
// destination, no counters.seq), built here with SQLite itself.
void WriteFirstSchemaSpool(const std::string& dir, const std::string& destination) {
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open((dir + "/spool.db").c_str(), &h), SQLITE_OK);
  std::string sql = R"sql(
PRAGMA journal_mode=WAL;
CREATE TABLE events(id INTEGER PRIMARY KEY AUTOINCREMENT, destination TEXT NOT NULL, path TEXT NOT NULL,
  app TEXT NOT NULL, content_type TEXT NOT NULL, body BLOB NOT NULL, crc INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL, lease_until_ms INTEGER NOT NULL DEFAULT 0);
CREATE INDEX events_by_destination ON events(destination, id);
CREATE TABLE dead_letters(id INTEGER PRIMARY KEY, destination TEXT NOT NULL, path TEXT NOT NULL,
  app TEXT NOT NULL, content_type TEXT NOT NULL, body BLOB NOT NULL, attempts INTEGER NOT NULL,
  created_ms INTEGER NOT NULL, failed_ms INTEGER NOT NULL, reason TEXT NOT NULL);
CREATE TABLE counters(id INTEGER PRIMARY KEY CHECK (id = 1), events INTEGER NOT NULL, bytes INTEGER NOT NULL,
  overflow INTEGER NOT NULL, dead INTEGER NOT NULL);
INSERT INTO counters VALUES (1, 0, 0, 0, 0);
CREATE TRIGGER events_added AFTER INSERT ON events BEGIN
  UPDATE counters SET events = events + 1, bytes = bytes + length(NEW.body) WHERE id = 1; END;
CREATE TRIGGER events_removed AFTER DELETE ON events BEGIN
  UPDATE counters SET events = events - 1, bytes = bytes - length(OLD.body) WHERE id = 1; END;
)sql";
  // Ids 1..5; the newest two were delivered (deleted): their ids must never be given again.
  for (int i = 1; i <= 5; ++i) {
    const std::string b = Body(i);
    sql += "INSERT INTO events(destination, path, app, content_type, body, crc, created_ms) VALUES ('" +
           destination + "', '', 'app', 'application/json', '" + b + "', " +
           std::to_string(::crc32(0L, reinterpret_cast<const Bytef*>(b.data()), static_cast<uInt>(b.size()))) +
           ", 0);";
  }
  sql += "DELETE FROM events WHERE id >= 4;";
  ASSERT_EQ(sqlite3_exec(h, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(h);
  sqlite3_close(h);
}

TEST(Delivery, FirstSchemaDatabaseIsMigratedOnceKeepingItsEventsAndIds) {
  TempDir dir;
  HttpServer server;
  WriteFirstSchemaSpool(dir.path(), server.url());
  auto spool = OpenSpool(dir.path());
  EXPECT_EQ(spool->size(), 3u);
  EXPECT_EQ(spool->stats().bytes, Body(1).size() * 3);
  AppendOrDie(*spool, server.url(), Body(6));
  std::vector<std::int64_t> ids;
  const FlushStats st = spool->Flush(server.url(), [&](const SpooledEvent& e) {
    ids.push_back(e.id);
    SendResult r;
    r.delivery = Delivery::kDelivered;
    return r;
  });
  EXPECT_EQ(st.delivered, 4u);
  // Kept ids, in order; the new event's id is past every id ever given.
  EXPECT_EQ(ids, (std::vector<std::int64_t>{1, 2, 3, 6}));
  spool.reset();
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() + "/spool.db").c_str(), &h), SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(h,
                               "SELECT (SELECT user_version FROM pragma_user_version), "
                               "(SELECT count(*) FROM sqlite_schema WHERE name = 'events_by_destination'), "
                               "(SELECT sql FROM sqlite_schema WHERE name = 'events')",
                               -1, &q, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(q, 0), 2);
  EXPECT_EQ(sqlite3_column_int(q, 1), 0);
  const std::string table_sql = reinterpret_cast<const char*>(sqlite3_column_text(q, 2));
  EXPECT_EQ(table_sql.find("AUTOINCREMENT"), std::string::npos) << table_sql;
  sqlite3_finalize(q);
  sqlite3_close(h);
}

// Counts calls and forwards them to the real libcurl transport: any
// Transport can carry the sender's rules.
class CountingTransport final : public Transport {
 public:
  explicit CountingTransport(Transport* next) : next_(next) {}
  TransportResponse Post(const TransportRequest& r) noexcept override {
    ++calls;
    urls.emplace_back(r.url);
    return next_->Post(r);
  }
  int calls = 0;
  std::vector<std::string> urls;

 private:
  Transport* next_;
};

TEST(Delivery, PathsHeadersAndContentTypePerRequestThroughAnInjectedTransport) {
  std::atomic<bool> up{false};
  HttpServer server([&](const httplib::Request&, httplib::Response& res, int) { res.status = up ? 200 : 503; });
  std::string err;
  auto curl = CurlTransport::Create({}, &err);
  ASSERT_TRUE(curl) << err;
  CountingTransport counting(curl.get());
  TempDir dir;
  auto spool = OpenSpool(dir.path());
  HttpSenderOptions o;
  o.transport = &counting;
  o.headers = {{"x-tenant", "team-1"}};
  o.max_attempts = 1;
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port());
  auto s = MakeSender(base, spool.get(), o);
  EXPECT_EQ(s->Send(Message{"\x0a\x02hi", "application/x-protobuf", "/v1/logs"}).delivery, Delivery::kKept);
  up = true;
  EXPECT_EQ(s->Flush().delivered, 1u);
  EXPECT_EQ(s->Send(Message{"{}", "application/json", "/v1/metrics"}).delivery, Delivery::kDelivered);
  const auto rec = server.recorded();
  ASSERT_EQ(rec.size(), 3u);
  EXPECT_EQ(rec[1].path, "/v1/logs");  // kept with its path and content type, replayed with them
  EXPECT_EQ(rec[1].content_type, "application/x-protobuf");
  EXPECT_EQ(rec[1].body, "\x0a\x02hi");
  EXPECT_EQ(rec[1].tenant, "team-1");
  EXPECT_EQ(rec[2].path, "/v1/metrics");
  EXPECT_EQ(counting.calls, 3);
  EXPECT_EQ(s->Send(Message{"{}", "application/json", "/../admin"}).delivery, Delivery::kDropped);
  EXPECT_EQ(counting.calls, 3);
}

}  // namespace
}  // namespace telguard::sender
