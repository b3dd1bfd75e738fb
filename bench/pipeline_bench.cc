// Per-event CPU cost of the pipeline (parse, validate, filter, scrub, gate,
// serialize, wire check) for a ~0.5 KB event, in the same run as:
// - the same pipeline with valijson answering every validation (the path
//   before the compiled validator: three valijson runs per event);
// - a floor: the bounded parse and one serialisation, nothing else;
// - a naive baseline that builds a fresh validator (re-parses the schemas)
//   for every event.
// Target: <= 2 us per event at p50 on one core.
//
// BM_FreeTextMode/<mode>: the same event in each free-text mode, in the same
// run; scrub is the deny-list-only pipeline of before the free-text policy
// (plus the names stage every mode has). The default (template) must not be
// slower than scrub. Measured 2026-12-05 (README): template +3.2%
// instructions per event over scrub (callgrind; it was +8.3%), CPU time
// +4% (median of 7 alternating runs on a loaded machine; it was +11%): not
// met yet. The machine is noisy: compare the modes within one run, and
// prefer instruction counts. Against the scrub-only pipeline as it was
// before the free-text policy (another commit, so another binary):
// bench/free_text_vs_before.sh (template 202.4k vs 303.3k instructions).
#include <benchmark/benchmark.h>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "bench/bench_event.h"
#include "bench/bench_util.h"
#include "pipeline/bounded_json.h"
#include "pipeline/compact_json.h"
#include "pipeline/pipeline.h"
#include "schemas/embedded.h"

namespace {

using json = nlohmann::json;

using telguard::bench::Event;

void RunPipeline(benchmark::State& state, telguard::SchemaEngine engine) {
  std::string err;
  telguard::PipelineOptions options;
  options.schema_engine = engine;
  auto p = telguard::Pipeline::Create(options, &err);
  const std::string line = Event();
  telguard::bench::Latencies lat;
  for (auto _ : state) {
    telguard::bench::Timed(lat, [&] { benchmark::DoNotOptimize(p->ProcessLine(line, 1)); });
  }
  lat.Report(state);
  state.SetLabel(std::to_string(line.size()) + " byte event");
}

void BM_Pipeline(benchmark::State& state) { RunPipeline(state, telguard::SchemaEngine::kCompiled); }
BENCHMARK(BM_Pipeline)->MinTime(1.0);

void BM_PipelineValijsonBaseline(benchmark::State& state) {
  RunPipeline(state, telguard::SchemaEngine::kValijson);
}
BENCHMARK(BM_PipelineValijsonBaseline)->MinTime(1.0);

// The floor: what any pipeline must spend at least (the bounded parse of the
// line and one serialisation of the document), with the pipeline's parser and
// serialiser, and with nlohmann's (the path before them).
void BM_FloorParseSerialise(benchmark::State& state) {
  const std::string line = Event();
  const telguard::Limits limits;
  telguard::bench::Latencies lat;
  for (auto _ : state) {
    telguard::bench::Timed(lat, [&] {
      auto parsed = telguard::ParseBounded(line, limits);
      benchmark::DoNotOptimize(telguard::SerializeCompact(parsed.value));
    });
  }
  lat.Report(state);
}
BENCHMARK(BM_FloorParseSerialise)->MinTime(1.0);

void BM_FloorParseSerialiseNlohmann(benchmark::State& state) {
  const std::string line = Event();
  const telguard::Limits limits;
  telguard::bench::Latencies lat;
  for (auto _ : state) {
    telguard::bench::Timed(lat, [&] {
      auto parsed = telguard::ParseBoundedReference(line, limits);
      benchmark::DoNotOptimize(parsed.value.dump(-1, ' ', false, json::error_handler_t::replace));
    });
  }
  lat.Report(state);
}
BENCHMARK(BM_FloorParseSerialiseNlohmann)->MinTime(1.0);

void BM_FreeTextMode(benchmark::State& state, telguard::redaction::FreeTextMode mode) {
  std::string err;
  telguard::PipelineOptions o;
  o.free_text = mode;
  o.pseudonym_key = "bench key";
  auto p = telguard::Pipeline::Create(o, &err);
  const std::string line = Event();
  telguard::bench::Latencies lat;
  for (auto _ : state) {
    telguard::bench::Timed(lat, [&] { benchmark::DoNotOptimize(p->ProcessLine(line, 1)); });
  }
  lat.Report(state);
}
BENCHMARK_CAPTURE(BM_FreeTextMode, scrub_baseline, telguard::redaction::FreeTextMode::kScrub)->MinTime(1.0);
BENCHMARK_CAPTURE(BM_FreeTextMode, template_default, telguard::redaction::FreeTextMode::kTemplate)->MinTime(1.0);
BENCHMARK_CAPTURE(BM_FreeTextMode, class, telguard::redaction::FreeTextMode::kClass)->MinTime(1.0);

// The naive baseline: parse, then compile the schema anew and validate with a
// fresh validator, per event; no filter or scrub at all.
void BM_NaiveFreshValidatorPerEvent(benchmark::State& state) {
  const std::string line = Event();
  telguard::bench::Latencies lat;
  for (auto _ : state) {
    telguard::bench::Timed(lat, [&] {
      const json doc = json::parse(line);
      for (const char* f : {"schemas/envelope.schema.json", "schemas/tool.schema.json"}) {
        const json sdoc = json::parse(telguard::FindEmbedded(f));
        valijson::Schema schema;
        valijson::SchemaParser parser;
        valijson::adapters::NlohmannJsonAdapter sa(sdoc);
        parser.populateSchema(sa, schema);
        valijson::Validator v;
        const json& target = std::string(f).find("envelope") != std::string::npos ? doc : doc["properties"];
        valijson::adapters::NlohmannJsonAdapter ta(target);
        benchmark::DoNotOptimize(v.validate(schema, ta, nullptr));
      }
      benchmark::DoNotOptimize(doc.dump());
    });
  }
  lat.Report(state);
}
BENCHMARK(BM_NaiveFreshValidatorPerEvent)->MinTime(1.0);

}  // namespace

BENCHMARK_MAIN();
