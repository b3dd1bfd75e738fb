// Per-event send latency on loopback: the HTTP sender on its reused
// connection against a new connection per event (a fresh sender each time),
// in the same run, plus the cost of a call while the circuit is open (the
// event goes to the SQLite spool), and the spool append itself, each against
// the old segment format's append (the baseline) in the same run, with
// synchronous NORMAL and FULL (durability against power loss).
// Targets: reused p50 <= 60 us, p99 <= 250 us, zero new connections after the
// first; circuit open p99 <= 50 us (NORMAL; README says how far it is).
#include <benchmark/benchmark.h>

#include <filesystem>

#include "bench/bench_util.h"
#include "bench/legacy_segment_append.h"
#include "sender/http_sender.h"
#include "tests/test_server.h"

namespace {

using telguard::sender::HttpSender;
using telguard::sender::HttpSenderOptions;

const std::string kBody =
    R"({"records":[{"event":"tool","event_timestamp":1764021601200,"properties":{"action":"call","agent_name":"root","duration_ms":412,"is_success":true,"os":"linux","session_id":"s-7f3a9c","tool_name":"shell","user_uuid":"5f0c6e2a-8d1b-4c3e-9a7f-2b4d6e8f0a1c","version":"1.18.3"},"source":"agentcli"}]})";

telguard::testing::HttpServer& Server() {
  static telguard::testing::HttpServer server;
  return server;
}

std::unique_ptr<HttpSender> Make(const std::string& url, telguard::sender::Spool* spool = nullptr) {
  HttpSenderOptions o;
  o.endpoint = url;
  o.spool = spool;
  o.circuit_threshold = 1;
  std::string err;
  return HttpSender::Create(o, &err);
}

void BM_SendReusedConnection(benchmark::State& state) {
  auto s = Make(Server().url());
  (void)s->Send(kBody);  // the one connection
  const auto before = s->connections_opened();
  telguard::bench::Latencies lat;
  for (auto _ : state) telguard::bench::Timed(lat, [&] { benchmark::DoNotOptimize(s->Send(kBody)); });
  lat.Report(state);
  state.counters["new_connections"] = static_cast<double>(s->connections_opened() - before);
}
BENCHMARK(BM_SendReusedConnection)->Iterations(20000);

void BM_SendNewConnectionPerEvent(benchmark::State& state) {
  telguard::bench::Latencies lat;
  std::uint64_t connections = 0;
  for (auto _ : state) {
    auto s = Make(Server().url());
    telguard::bench::Timed(lat, [&] { benchmark::DoNotOptimize(s->Send(kBody)); });
    connections += s->connections_opened();
  }
  lat.Report(state);
  state.counters["new_connections"] = static_cast<double>(connections);
}
// Bounded: each new connection leaves a socket in TIME_WAIT.
BENCHMARK(BM_SendNewConnectionPerEvent)->Iterations(2000);

// arg 0: synchronous NORMAL (default; survives a crash of the process),
// arg 1: FULL (survives a power loss); both keep at most 1,000 events, a
// bound reached during the run, so the bound's delete is measured too.
// arg 2: NORMAL below the bound (appends only).
std::unique_ptr<telguard::sender::Spool> FreshSpool(const std::string& dir, std::int64_t arg) {
  std::filesystem::remove_all(dir);
  telguard::sender::SpoolOptions so;
  so.durability = arg == 1 ? telguard::sender::Durability::kFull : telguard::sender::Durability::kNormal;
  so.max_events = arg == 2 ? 100000 : 1000;
  std::string err;
  return telguard::sender::Spool::Open(dir, so, &err);
}

void BM_SendCircuitOpen(benchmark::State& state) {
  const std::string dir = "/tmp/telguard-bench-spool";
  auto spool = FreshSpool(dir, state.range(0));
  auto s = Make("http://127.0.0.1:" + std::to_string(telguard::testing::ClosedPort()) + "/x", spool.get());
  (void)s->Send(kBody);  // fails, opens the circuit (threshold 1)
  telguard::bench::Latencies lat;
  for (auto _ : state) telguard::bench::Timed(lat, [&] { benchmark::DoNotOptimize(s->Send(kBody)); });
  lat.Report(state);
  state.counters["spooled"] = static_cast<double>(spool->size());
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_SendCircuitOpen)->Arg(0)->Arg(1)->Arg(2)->Iterations(5000);

// The spool append alone: SQLite (NORMAL / FULL) ...
void BM_SpoolAppendSqlite(benchmark::State& state) {
  const std::string dir = "/tmp/telguard-bench-spool";
  auto spool = FreshSpool(dir, state.range(0));
  telguard::bench::Latencies lat;
  std::string err;
  const telguard::sender::SpoolRecord rec{"http://127.0.0.1:9/x", "", "bench", "application/json", kBody};
  for (auto _ : state) telguard::bench::Timed(lat, [&] { benchmark::DoNotOptimize(spool->Append(rec, &err)); });
  lat.Report(state);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_SpoolAppendSqlite)->Arg(0)->Arg(1)->Arg(2)->Iterations(5000);

// ... against the old segment format's append (no fsync / fdatasync each).
void BM_SpoolAppendOldSegments(benchmark::State& state) {
  const std::string dir = "/tmp/telguard-bench-segments";
  std::filesystem::remove_all(dir);
  telguard::bench::LegacySegmentAppend old(dir, state.range(0) != 0);
  telguard::bench::Latencies lat;
  for (auto _ : state) telguard::bench::Timed(lat, [&] { benchmark::DoNotOptimize(old.Append(kBody)); });
  lat.Report(state);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_SpoolAppendOldSegments)->Arg(0)->Arg(1)->Iterations(5000);

// The same call when there is no spool: the decision alone.
void BM_SendCircuitOpenNoSpool(benchmark::State& state) {
  auto s = Make("http://127.0.0.1:" + std::to_string(telguard::testing::ClosedPort()) + "/x");
  (void)s->Send(kBody);
  telguard::bench::Latencies lat;
  for (auto _ : state) telguard::bench::Timed(lat, [&] { benchmark::DoNotOptimize(s->Send(kBody)); });
  lat.Report(state);
}
BENCHMARK(BM_SendCircuitOpenNoSpool)->Iterations(20000);

}  // namespace

BENCHMARK_MAIN();
