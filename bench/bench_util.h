// Percentile counters for Google Benchmark: per-iteration latencies are
// recorded and reported as p50/p99 in microseconds.
#ifndef TELGUARD_BENCH_BENCH_UTIL_H_
#define TELGUARD_BENCH_BENCH_UTIL_H_

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <vector>

namespace telguard::bench {

class Latencies {
 public:
  void Add(std::chrono::nanoseconds d) { ns_.push_back(static_cast<double>(d.count())); }
  void Report(benchmark::State& state) {
    if (ns_.empty()) return;
    std::sort(ns_.begin(), ns_.end());
    auto at = [&](double q) { return ns_[static_cast<std::size_t>(q * static_cast<double>(ns_.size() - 1))] / 1000.0; };
    state.counters["p50_us"] = at(0.50);
    state.counters["p99_us"] = at(0.99);
  }

 private:
  std::vector<double> ns_;
};

template <typename F>
void Timed(Latencies& l, F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  l.Add(std::chrono::steady_clock::now() - t0);
}

}  // namespace telguard::bench

#endif  // TELGUARD_BENCH_BENCH_UTIL_H_
