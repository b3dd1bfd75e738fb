// One benchmark event through the pipeline of whichever tree this file is
// compiled against, with its default options (or -DMODE=kScrub|kTemplate|
// kClass on a tree that has the free-text policy): the same event and count
// for every tree, so bench/free_text_vs_before.sh can compare a build of
// today's tree with the scrub-only pipeline from before the policy, in the
// same run. Runs 200 warm-up events, then N (argv[1], default 1000).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench/bench_event.h"
#include "pipeline/pipeline.h"

int main(int argc, char** argv) {
  telguard::PipelineOptions o;
#ifdef MODE
  o.free_text = telguard::redaction::FreeTextMode::MODE;
#endif
  std::string err;
  auto p = telguard::Pipeline::Create(o, &err);
  if (!p) {
    std::fprintf(stderr, "per_event: %s\n", err.c_str());
    return 1;
  }
  const std::string line = telguard::bench::Event();
  const long n = argc > 1 ? std::atol(argv[1]) : 1000;
  std::size_t bytes = 0;
  for (long i = 0; i < 200 + n; ++i) {
    for (const auto& ev : p->ProcessLine(line, 1).events) bytes += ev.body.size();
  }
  std::printf("%zu bytes sent\n", bytes);
  return bytes > 0 ? 0 : 1;
}
