// telguard check: the whole pipeline, no network. Request bodies on stdout.
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/input.h"
#include "cli/run_lines.h"
#include "schemas/embedded.h"

namespace telguard::cli {

int Check(int argc, char** argv) {
  std::string err;
  auto args = ParseArgs(argc, argv, 2, {"input", "audit"}, {"example"}, &err);
  if (!args || !args->positional.empty()) {
    std::fprintf(stderr, "telguard check: %s\nusage: telguard check [--input PATH|-] [--audit PATH] [--example]\n",
                 args ? "unexpected argument" : err.c_str());
    return kExitUsage;
  }
  auto pipeline = Pipeline::Create({}, &err);
  if (!pipeline) {
    std::fprintf(stderr, "telguard check: %s\n", err.c_str());
    return kExitInput;
  }
  InputSource in;
  std::optional<std::string> open_err =
      args->Has("example") ? OpenText(FindEmbedded("examples/session.jsonl"), &in)
                           : OpenInput(args->Get("input").value_or("-"), &in);
  if (open_err) {
    std::fprintf(stderr, "telguard check: %s\n", open_err->c_str());
    return kExitInput;
  }
  std::FILE* audit = nullptr;
  if (auto path = args->Get("audit")) {
    audit = OpenAudit(*path, &err);
    if (audit == nullptr) {
      std::fprintf(stderr, "telguard check: %s\n", err.c_str());
      return kExitInput;
    }
  }
  LineReader reader(in.fd, pipeline->limits().max_line_bytes);
  RunStats stats;
  const bool ok = RunLines(*pipeline, reader, audit, [](EventOutcome& e) {
    std::fwrite(e.body.data(), 1, e.body.size(), stdout);
    std::fputc('\n', stdout);
  }, &stats);
  std::fflush(stdout);
  CloseAudit(audit);
  if (!args->Get("audit")) PrintSummary("check", stats, stderr);
  return ok ? kExitOk : kExitInput;
}

}  // namespace telguard::cli
