// The gateway's per-request work for a 512-record batch, per core, against
// a pass-through baseline measured in the same run:
//   PassThrough  decode + re-encode (what any OTLP proxy does)
//   Gateway      decode + profile filter (classes, free-text template,
//                scrubbers) + re-encode + wire check
// for JSON and protobuf bodies shaped like Claude Code's logs (api_request,
// tool_result with an error text, user_prompt with a prompt). items_per_second
// is records per second on one core; p50_us / p99_us are per batch, so the
// added latency of the privacy stage is Gateway minus PassThrough.
// The end-to-end HTTP figures (wrk) and idle memory: bench/gateway_http_bench.sh.
#include <benchmark/benchmark.h>

#include <string>

#include "bench/bench_util.h"
#include "bench/otlp_batch.h"
#include "gateway/otlp_codec.h"
#include "gateway/otlp_filter.h"
#include "gateway/profile.h"
#include "gateway/value_policy.h"
#include "redaction/scrubber.h"

namespace {

using namespace telguard::gateway;

const std::string& Body(WireFormat f) {
  static const std::string json = telguard::bench::ClaudeLogsBatch512();
  static const std::string pb = [] {
    DecodeResult d = Decode(Signal::kLogs, WireFormat::kJson, json, {});
    return Encode(*d.message, WireFormat::kProtobuf);
  }();
  return f == WireFormat::kJson ? json : pb;
}

void PassThrough(benchmark::State& state, WireFormat f) {
  const std::string& body = Body(f);
  telguard::bench::Latencies lat;
  for (auto _ : state) {
    telguard::bench::Timed(lat, [&] {
      DecodeResult d = Decode(Signal::kLogs, f, body, {});
      benchmark::DoNotOptimize(Encode(*d.message, f));
    });
  }
  state.SetItemsProcessed(state.iterations() * 512);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
  lat.Report(state);
}

void Gateway(benchmark::State& state, WireFormat f) {
  const std::string& body = Body(f);
  std::string error;
  static const auto profiles = ProfileSet::LoadEmbedded(&error);
  static const telguard::redaction::Pseudonymizer keyed("");  // a random key, as without a config dir
  static const ValuePolicy values(telguard::redaction::Scrubber::Default(), keyed);
  const FilterOptions o{profiles.get(), nullptr, &values, {}};
  const auto& scrubber = telguard::redaction::Scrubber::Default();
  telguard::bench::Latencies lat;
  std::int64_t kept = 0;
  for (auto _ : state) {
    telguard::bench::Timed(lat, [&] {
      DecodeResult d = Decode(Signal::kLogs, f, body, {});
      FilterResult r = FilterRequest(Signal::kLogs, *d.message, o, 1);
      const std::string out = Encode(*r.request, f);
      bool failed = false;
      benchmark::DoNotOptimize(scrubber.FindCredential(out, &failed));
      kept += r.items_kept;
    });
  }
  state.SetItemsProcessed(state.iterations() * 512);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
  state.counters["kept_per_batch"] = static_cast<double>(kept) / static_cast<double>(state.iterations());
  lat.Report(state);
}

BENCHMARK_CAPTURE(PassThrough, json_512, WireFormat::kJson)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(Gateway, json_512, WireFormat::kJson)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(PassThrough, protobuf_512, WireFormat::kProtobuf)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(Gateway, protobuf_512, WireFormat::kProtobuf)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
