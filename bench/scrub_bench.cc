// Scrub throughput on clean log text and on text with 1% secrets, with the
// full rule set on one core, against a naive loop of one GlobalReplace per
// rule, and against the engine with its screen turned off (the RE2 set's DFA
// over every byte). Targets: >= 1 GB/s on clean text, >= 10x the naive loop; a typical
// event's strings scrubbed in < 2 us; secret-bearing lines <= 2 us each once
// warm, and the warm-up (first pass, compile, cold DFAs) measured.
#include <benchmark/benchmark.h>

#include <random>

#include <re2/re2.h>

#include "bench/bench_util.h"
#include "redaction/samples.h"
#include "redaction/scrubber.h"

namespace {

using telguard::redaction::DefaultRules;
using telguard::redaction::Scrubber;

// Log lines as agent tools write them: no secrets, no personal data.
std::vector<std::string> CleanLines(std::size_t bytes) {
  static const char* kLines[] = {
      "tool read_file finished in 12ms with 4096 bytes",
      "model gpt-4o returned 812 output tokens for session s-7f3a9c",
      "retrying request to the model provider after 250ms (attempt 2 of 5)",
      "agent root started sub-agent researcher with 3 tools enabled",
      "compaction reduced the context from 120000 to 64000 tokens",
      "shell command exited with status 1 after 2.5s",
      "fetched 23 results from web_search in 830ms",
      "warning: rate limit approaching, 12 requests left in this window",
      "edit_file applied 4 hunks to src/payment/handler.go",
      "session ended after 9800ms with 4 tool calls and 2 errors",
  };
  std::vector<std::string> out;
  std::size_t n = 0;
  std::mt19937 g(1);
  while (n < bytes) {
    out.emplace_back(kLines[g() % std::size(kLines)]);
    n += out.back().size() + 1;
  }
  return out;
}

// The same text with about 1% of its bytes being planted secrets and PII.
std::vector<std::string> DirtyLines(std::size_t bytes) {
  auto lines = CleanLines(bytes);
  std::mt19937 g(2);
  auto rnd = [&g] { return static_cast<std::uint32_t>(g()); };
  const auto rules = DefaultRules();
  std::size_t planted = 0, total = 0;
  for (auto& l : lines) total += l.size();
  for (auto& l : lines) {
    if (planted * 100 >= total) break;
    const std::string s = telguard::redaction::MakeSample(rules[g() % rules.size()], rnd);
    l += " " + s;
    planted += s.size();
  }
  return lines;
}

std::size_t Bytes(const std::vector<std::string>& v) {
  std::size_t n = 0;
  for (const auto& s : v) n += s.size();
  return n;
}

// The engine over a log file's text, as `telguard scrub` runs it: 64 KiB
// batches of lines through ScrubLines (one line out per line in).
// The default scrubber, and the same rules with the screen in front of the
// DFA turned off (every byte through the RE2 set, as before the screen).
const Scrubber& WithoutScreen() {
  static const Scrubber* const s = [] {
    telguard::redaction::ScrubberOptions o;
    o.use_prefilter = false;
    return Scrubber::Create(DefaultRules(), o, nullptr).release();
  }();
  return *s;
}

void RunEngine(benchmark::State& state, const std::vector<std::string>& lines,
               const Scrubber& s = Scrubber::Default()) {
  std::vector<std::string> batches(1);
  for (const auto& l : lines) {
    if (batches.back().size() >= 64 * 1024) batches.emplace_back();
    batches.back() += l + "\n";
  }
  std::size_t bytes = 0;
  for (const auto& b : batches) bytes += b.size();
  for (auto _ : state) {
    for (const auto& b : batches) benchmark::DoNotOptimize(s.ScrubLines(b));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}

// The engine called once per line (the per-string cost floor).
void BM_ScrubCleanPerLine(benchmark::State& state) {
  const auto lines = CleanLines(1 << 20);
  const Scrubber& s = Scrubber::Default();
  for (auto _ : state) {
    for (const auto& l : lines) benchmark::DoNotOptimize(s.Scrub(l));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * Bytes(lines)));
}
BENCHMARK(BM_ScrubCleanPerLine)->MinTime(1.0);

// The naive loop: every rule rewrites every line with GlobalReplace.
void RunNaive(benchmark::State& state, const std::vector<std::string>& lines) {
  std::vector<std::unique_ptr<RE2>> res;
  for (const auto& r : DefaultRules()) res.push_back(std::make_unique<RE2>(std::string(r.pattern)));
  for (auto _ : state) {
    for (const auto& l : lines) {
      std::string copy = l;
      for (const auto& re : res) RE2::GlobalReplace(&copy, *re, "[REDACTED]");
      benchmark::DoNotOptimize(copy);
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * Bytes(lines)));
}

void BM_ScrubClean(benchmark::State& state) { RunEngine(state, CleanLines(1 << 20)); }
void BM_ScrubOnePercentSecrets(benchmark::State& state) { RunEngine(state, DirtyLines(1 << 20)); }
void BM_NaiveGlobalReplaceClean(benchmark::State& state) { RunNaive(state, CleanLines(256 << 10)); }
void BM_NaiveGlobalReplaceOnePercentSecrets(benchmark::State& state) { RunNaive(state, DirtyLines(256 << 10)); }
void BM_ScrubCleanWithoutScreen(benchmark::State& state) { RunEngine(state, CleanLines(1 << 20), WithoutScreen()); }
BENCHMARK(BM_ScrubClean)->MinTime(1.0);
BENCHMARK(BM_ScrubCleanWithoutScreen)->MinTime(1.0);
BENCHMARK(BM_NaiveGlobalReplaceClean)->MinTime(1.0);
BENCHMARK(BM_ScrubOnePercentSecrets)->MinTime(1.0);
BENCHMARK(BM_NaiveGlobalReplaceOnePercentSecrets)->MinTime(1.0);

// The strings of a typical tool event (ids, names, a 95-byte error), as the
// pipeline scrubs them: one Check over all strings joined, then Scrub only
// when that finds candidates.
void BM_ScrubTypicalEvent(benchmark::State& state) {
  const std::vector<std::string> fields = {
      "agentcli", "call", "s-7f3a9c", "root", "read_file", "1.18.3", "linux",
      "5f0c6e2a-8d1b-4c3e-9a7f-2b4d6e8f0a1c",
      "open ./src/shop/.env: permission denied while reading the staging configuration, retry 3 of 5"};
  const Scrubber& s = Scrubber::Default();
  telguard::bench::Latencies lat;
  for (auto _ : state) {
    telguard::bench::Timed(lat, [&] {
      std::string joined;
      for (const auto& f : fields) joined += f + "\n";
      if (s.Check(joined) != Scrubber::Precheck::kClean) {
        for (const auto& f : fields) benchmark::DoNotOptimize(s.Scrub(f));
      }
    });
  }
  lat.Report(state);
}
BENCHMARK(BM_ScrubTypicalEvent)->MinTime(1.0);

// Lines that carry a credential or personal datum: every rule's generated
// sample in a log line, 8 values per rule.
std::vector<std::string> SecretLines() {
  std::vector<std::string> out;
  std::mt19937 g(3);
  auto rnd = [&g] { return static_cast<std::uint32_t>(g()); };
  for (int k = 0; k < 8; ++k) {
    for (const auto& r : DefaultRules()) {
      out.push_back("request failed (" + telguard::redaction::MakeSample(r, rnd) + ") at step two");
    }
  }
  return out;
}

// Compiling the default scrubber (what a process pays before its first
// string; each rule's own RE2 and the wire set are compiled later, on
// first use).
void BM_CompileDefaultScrubber(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(Scrubber::Create(DefaultRules(), telguard::redaction::ScrubberOptions{}, nullptr));
  }
}
BENCHMARK(BM_CompileDefaultScrubber)->Unit(benchmark::kMillisecond)->MinTime(1.0);

// Secret-bearing lines once warm (the DFAs hold their states): the cost
// per line, and the same lines with the screen off.
void RunSecretLines(benchmark::State& state, const Scrubber& s) {
  const auto lines = SecretLines();
  for (const auto& l : lines) benchmark::DoNotOptimize(s.Scrub(l));  // warm up
  for (auto _ : state) {
    for (const auto& l : lines) benchmark::DoNotOptimize(s.Scrub(l));
  }
  state.counters["us_per_line"] = benchmark::Counter(static_cast<double>(lines.size()) * 1e-6,
                                                     benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
}
void BM_ScrubSecretLinesWarm(benchmark::State& state) { RunSecretLines(state, Scrubber::Default()); }
BENCHMARK(BM_ScrubSecretLinesWarm)->MinTime(1.0);

// The warm-up itself: a fresh scrubber (its compile not timed) scrubbing
// the secret lines once, cold DFAs and lazily compiled rules included.
void BM_ScrubSecretLinesFirstPass(benchmark::State& state) {
  const auto lines = SecretLines();
  for (auto _ : state) {
    state.PauseTiming();
    auto fresh = Scrubber::Create(DefaultRules(), telguard::redaction::ScrubberOptions{}, nullptr);
    state.ResumeTiming();
    for (const auto& l : lines) benchmark::DoNotOptimize(fresh->Scrub(l));
    state.PauseTiming();
    fresh.reset();
    state.ResumeTiming();
  }
  state.counters["us_per_line"] = benchmark::Counter(static_cast<double>(lines.size()) * 1e-6,
                                                     benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
}
BENCHMARK(BM_ScrubSecretLinesFirstPass)->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace

BENCHMARK_MAIN();
