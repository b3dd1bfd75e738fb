// telguard check: the whole pipeline, no network. Request bodies on stdout.
#include <cstdio>
#include <memory>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/fail_on.h"
#include "cli/input.h"
#include "cli/run_lines.h"
#include "cli/summary.h"
#include "schemas/embedded.h"

namespace telguard::cli {
namespace {

struct CheckOptions {
  std::string input = "-";
  std::string audit;  // empty: no audit records, a summary on stderr
  bool example = false;
  std::string fail_on;  // empty: no gate
  bool json = false;    // the summary as JSON on stderr (stdout carries the bodies)
  std::string free_text;  // class | template | scrub; empty: each field's own
};

// --fail-on: one value-free line per kind that fired.
std::vector<std::string> Fired(const std::string& kinds, const RunStats& stats) {
  std::string err;
  const auto gate = FailOn::Parse(kinds, &err);  // validated when parsed: cannot fail here
  return gate ? gate->Triggers(stats) : std::vector<std::string>{};
}

int RunCheck(const CheckOptions& o) {
  std::string err;
  auto pipeline = Pipeline::Create(FreeTextOptions(o.free_text), &err);
  if (!pipeline) {
    std::fprintf(stderr, "telguard check: %s\n", err.c_str());
    return kExitInput;
  }
  InputSource in;
  std::optional<std::string> open_err =
      o.example ? OpenText(FindEmbedded("examples/session.jsonl"), &in) : OpenInput(o.input, &in);
  if (open_err) {
    std::fprintf(stderr, "telguard check: %s\n", open_err->c_str());
    return kExitInput;
  }
  std::FILE* audit = nullptr;
  if (!o.audit.empty()) {
    audit = OpenAudit(o.audit, &err);
    if (audit == nullptr) {
      std::fprintf(stderr, "telguard check: %s\n", err.c_str());
      return kExitInput;
    }
  }
  HintIfTerminal("check", in);
  LineReader reader(in.fd, pipeline->limits().max_line_bytes);
  RunStats stats;
  const bool ok = RunLines(*pipeline, reader, audit, [](EventOutcome& e) {
    std::fwrite(e.body.data(), 1, e.body.size(), stdout);
    std::fputc('\n', stdout);
  }, &stats);
  std::fflush(stdout);
  CloseAudit(audit);
  const std::vector<std::string> fired = o.fail_on.empty() ? std::vector<std::string>{} : Fired(o.fail_on, stats);
  if (o.json) {
    Summary s("check");
    AddRunStats(&s, stats);
    if (!o.fail_on.empty()) s.Set("fail_on", fired);
    s.Print(stderr);
  } else {
    if (o.audit.empty()) PrintSummary("check", stats, stderr);
    for (const auto& line : fired) std::fprintf(stderr, "telguard check: --fail-on %s\n", line.c_str());
  }
  if (!ok) return kExitInput;
  return fired.empty() ? kExitOk : kExitGate;
}

}  // namespace

void AddCheck(Cli& cli) {
  auto o = std::make_shared<CheckOptions>();
  CLI::App* c = cli.Add("check", "run the pipeline without network; print each request body on stdout",
                        [o] { return RunCheck(*o); });
  CLI::Option* input = AddInputOption(c, &o->input);
  c->add_option("--audit", o->audit, "write one value-free audit record per event to PATH (- for stdout)")
      ->type_name("PATH|-");
  c->add_option("--free-text", o->free_text,
                "free text (error messages) leaves as: class (an error class), template (default: vocabulary and "
                "placeholders) or scrub (deny-list only)")
      ->check(CLI::IsMember({"class", "template", "scrub"}))
      ->type_name("MODE");
  c->add_flag("--example", o->example, "run the bundled example session instead of an input")->excludes(input);
  c->add_option("--fail-on", o->fail_on,
                "exit 4 when any event has a redaction of KIND (credential, pii, a rule class or id), or is "
                "rejected, dropped or pseudonymised")
      ->type_name("KIND[,KIND...]")
      ->check([](const std::string& v) {
        std::string err;
        return FailOn::Parse(v, &err) ? std::string() : err;
      });
  AddJsonOption(c, &o->json, "stderr (stdout carries the request bodies)");
}

}  // namespace telguard::cli
