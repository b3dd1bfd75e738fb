// Arbitrary bytes into the line reader, the bounded parser, the validator and
// the allow-list: no crash, no hang, bounded memory. Small caps keep each
// run fast; the caps themselves are what is exercised.
#include <unistd.h>

#include <cstdio>

#include "pipeline/line_reader.h"
#include "pipeline/pipeline.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto* pipeline = [] {
    telguard::PipelineOptions o;
    o.limits.max_line_bytes = 16 * 1024;
    o.limits.max_depth = 16;
    o.limits.max_string_bytes = 4096;
    std::string error;
    return telguard::Pipeline::Create(o, &error).release();
  }();
  // Through a real descriptor, as the CLI reads it.
  std::FILE* f = std::tmpfile();
  if (f == nullptr) return 0;
  std::fwrite(data, 1, size, f);
  std::fflush(f);
  std::rewind(f);
  telguard::LineReader reader(fileno(f), pipeline->limits().max_line_bytes);
  std::string line;
  std::uint64_t no = 0;
  for (;;) {
    const auto st = reader.Next(&line, &no);
    if (st == telguard::LineReader::Status::kEnd || st == telguard::LineReader::Status::kError) break;
    if (st != telguard::LineReader::Status::kLine) continue;
    for (const auto& e : pipeline->ProcessLine(line, no).events) {
      if (e.audit.verdict == telguard::Verdict::kSent && e.body.empty()) __builtin_trap();
      if (e.audit.verdict != telguard::Verdict::kSent && !e.body.empty()) __builtin_trap();
      (void)e.audit.ToJsonLine();
    }
  }
  std::fclose(f);
  return 0;
}
