// telguard send / flush: the drop-in sender an agent tool can pipe to.
// Where events go, and whether they may go at all, is decided in client/
// (config.h, consent.h, destination.h), as for the library.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/input.h"
#include "cli/run_lines.h"
#include "cli/signals.h"
#include "client/config.h"
#include "client/consent.h"
#include "client/destination.h"
#include "client/forget.h"
#include "client/local_files.h"

namespace telguard::cli {
namespace {

const std::set<std::string> kHttpValueOptions = {"endpoint", "spool", "api-key-env", "api-key-file",
                                                 "ca-file", "deadline-ms", "app"};
constexpr char kDefaultApp[] = "telguard";

Setting Opt(const Args& args, const char* name, const char* label) {
  return {args.Get(name).value_or(""), label};
}

// The command line's share of the destination. False on a bad value.
bool DestinationFromArgs(const Args& args, const char* cmd, DestinationOptions* o) {
  o->endpoint = Opt(args, "endpoint", "--endpoint");
  o->local_file = Opt(args, "local", "--local");
  o->spool_dir = Opt(args, "spool", "--spool");
  o->api_key_env = Opt(args, "api-key-env", "--api-key-env");
  o->api_key_file = Opt(args, "api-key-file", "--api-key-file");
  o->ca_file = Opt(args, "ca-file", "--ca-file");
  o->allow_insecure_http = args.Has("allow-insecure-http");
  o->debug = args.Has("debug");
  if (auto d = args.Get("deadline-ms")) {
    char* end = nullptr;
    const long ms = std::strtol(d->c_str(), &end, 10);
    if (end == d->c_str() || *end != '\0' || ms < 10 || ms > 60000) {
      std::fprintf(stderr, "telguard %s: --deadline-ms must be 10..60000\n", cmd);
      return false;
    }
    o->deadline = std::chrono::milliseconds(ms);
  }
  return true;
}

// Off: why (and what is spooled for the app is deleted); on: empty.
std::string Refusal(const Config& config, const std::string& app, const DestinationOptions& o) {
  const ConsentDecision consent = DecideConsent(config, app);
  if (consent.enabled) return "";
  ForgetStats stats;
  std::string err;
  if (!ForgetApp(config, app, o, /*identity=*/false, &stats, &err)) std::fprintf(stderr, "telguard: %s\n", err.c_str());
  return "telemetry is off (" + consent.source + ")";
}

// The first-run notice: empty when this run may send, else why not. Never
// says the notice was shown when it was not.
std::string NoticeHold(const Config& config, const std::string& app) {
  std::string err;
  switch (ShowNoticeOnce(config, PathsForApp(config, app), stderr, &err)) {
    case Notice::kShownNow: return "first run: the notice above was shown; telemetry starts with the next run";
    case Notice::kFailed: return "the first-run notice could not be recorded, so it was not shown (" + err + ")";
    default: return "";
  }
}

void DrainInput(const Args& args) {
  InputSource in;
  if (!OpenInput(args.Get("input").value_or("-"), &in)) {
    InstallStopHandlers(in.fd);
    char buf[65536];
    while (::read(in.fd, buf, sizeof buf) > 0) {
    }
  }
}

// Resolves config, app and destination. Returns an exit code, or -1 to go on.
int Prepare(const Args& args, const char* cmd, Config* config, std::string* app, Destination* d) {
  *config = ResolveConfig(Environment::FromProcess());
  ReportWarnings(*config, stderr);
  *app = args.Get("app").value_or(kDefaultApp);
  std::string err;
  if (!ValidateAppName(*app, &err)) {
    std::fprintf(stderr, "telguard %s: --app: %s\n", cmd, err.c_str());
    return kExitUsage;
  }
  DestinationOptions o;
  if (!DestinationFromArgs(args, cmd, &o)) return kExitUsage;
  std::string why = Refusal(*config, *app, o);
  if (why.empty()) {
    if (!BuildDestination(o, *config, d, &err)) {
      std::fprintf(stderr, "telguard %s: %s\n", cmd, err.c_str());
      return kExitUsage;
    }
    why = NoticeHold(*config, *app);
  }
  if (!why.empty()) {
    if (std::string(cmd) == "send") DrainInput(args);
    std::fprintf(stderr, "telguard %s: nothing sent: %s\n", cmd, why.c_str());
    return kExitOk;
  }
  if (!d->spool_note.empty()) ReportOnce("telguard " + std::string(cmd) + ": " + d->spool_note, stderr);
  return -1;
}

struct SendCounts {
  std::size_t delivered = 0, kept = 0, dropped = 0;
};

// Hands one event to the destination; after a stop signal, spools it
// without network (it was read, so it is kept).
void Deliver(OpenedDestination& out, EventOutcome& e, SendCounts* n) {
  sender::SendResult r;
  std::string err;
  if (StopSignal() != 0 && out.spool) {
    r = out.spool->Append(e.body, &err) ? sender::SendResult{sender::Delivery::kKept, "interrupted", 0}
                                        : sender::SendResult{sender::Delivery::kDropped, "spool: " + err, 0};
  } else {
    r = out.target->Send(e.body);
  }
  e.audit.delivery = sender::DeliveryName(r.delivery);
  switch (r.delivery) {
    case sender::Delivery::kDelivered: ++n->delivered; break;
    case sender::Delivery::kKept: ++n->kept; break;
    case sender::Delivery::kDropped:
      ++n->dropped;
      e.audit.reasons.push_back({"", "sender:" + r.reason});
      e.error = "not delivered: " + r.reason;
      break;
  }
}

void PrintSendSummary(const RunStats& stats, const SendCounts& n, const OpenedDestination& out) {
  std::fprintf(stderr, "telguard send: %zu events: %zu delivered, %zu spooled, %zu dropped, %zu rejected",
               stats.sent + stats.rejected + stats.dropped, n.delivered, n.kept, n.dropped + stats.dropped,
               stats.rejected);
  if (out.spool) {
    std::fprintf(stderr, "; %zu waiting in %s", out.spool->size(), out.spool->dir().c_str());
    if (out.spool->overflow_dropped() > 0) {
      std::fprintf(stderr, "; %llu oldest dropped (spool full)",
                   static_cast<unsigned long long>(out.spool->overflow_dropped()));
    }
  }
  if (StopSignal() != 0) std::fprintf(stderr, "; stopped by %s: input not read further", StopSignalName());
  std::fprintf(stderr, "\n");
}

}  // namespace

int Send(int argc, char** argv) {
  std::string err;
  std::set<std::string> with_value = kHttpValueOptions;
  with_value.insert({"input", "audit", "local"});
  auto args = ParseArgs(argc, argv, 2, with_value, {"debug", "allow-insecure-http"}, &err);
  if (!args || !args->positional.empty()) {
    std::fprintf(stderr,
                 "telguard send: %s\nusage: telguard send [--input PATH|-] [--app NAME] [--endpoint URL] "
                 "[--spool DIR] [--debug] [--audit PATH] [--local PATH] [--api-key-env NAME|--api-key-file PATH] "
                 "[--ca-file PATH] [--allow-insecure-http] [--deadline-ms N]\n",
                 args ? "unexpected argument" : err.c_str());
    return kExitUsage;
  }
  // Same rules as the library: off means no network, no files; the run that
  // shows the first-run notice sends nothing. The input is still read to the
  // end, so a tool piping to us never sees a broken pipe.
  Config config;
  std::string app;
  Destination destination;
  if (int rc = Prepare(*args, "send", &config, &app, &destination); rc >= 0) return rc;
  auto pipeline = Pipeline::Create({}, &err);
  auto out = pipeline ? OpenDestination(destination, &err) : nullptr;
  if (!out) {
    std::fprintf(stderr, "telguard send: %s\n", err.c_str());
    return pipeline ? kExitUsage : kExitInput;
  }
  InputSource in;
  if (auto e = OpenInput(args->Get("input").value_or("-"), &in)) {
    std::fprintf(stderr, "telguard send: %s\n", e->c_str());
    return kExitInput;
  }
  std::FILE* audit = nullptr;
  if (auto path = args->Get("audit")) {
    audit = OpenAudit(*path, &err);
    if (audit == nullptr) {
      std::fprintf(stderr, "telguard send: %s\n", err.c_str());
      return kExitInput;
    }
  }
  InstallStopHandlers(in.fd);
  LineReader reader(in.fd, pipeline->limits().max_line_bytes);
  RunStats stats;
  SendCounts n;
  const bool ok = RunLines(*pipeline, reader, audit, [&](EventOutcome& e) { Deliver(*out, e, &n); }, &stats);
  CloseAudit(audit);
  PrintSendSummary(stats, n, *out);
  if (StopSignal() != 0) return 128 + StopSignal();
  if (!ok) return kExitInput;
  return n.dropped > 0 ? kExitFailed : kExitOk;
}

int Flush(int argc, char** argv) {
  std::string err;
  auto args = ParseArgs(argc, argv, 2, kHttpValueOptions, {"allow-insecure-http"}, &err);
  if (!args || !args->positional.empty()) {
    std::fprintf(stderr,
                 "telguard flush: %s\nusage: telguard flush [--app NAME] [--spool DIR] [--endpoint URL] "
                 "[--api-key-env NAME|--api-key-file PATH] [--ca-file PATH] [--allow-insecure-http] "
                 "[--deadline-ms N]\n",
                 !args ? err.c_str() : "unexpected argument");
    return kExitUsage;
  }
  Config config;
  std::string app;
  Destination destination;
  if (int rc = Prepare(*args, "flush", &config, &app, &destination); rc >= 0) return rc;
  if (destination.kind != Destination::Kind::kHttp || !destination.spool_dir.set()) {
    std::fprintf(stderr, "telguard flush: nothing to flush: %s\n",
                 destination.spool_dir.set() ? "the destination is a local file" : destination.spool_note.c_str());
    return kExitUsage;
  }
  auto out = OpenDestination(destination, &err);
  if (!out) {
    std::fprintf(stderr, "telguard flush: %s\n", err.c_str());
    return kExitUsage;
  }
  InstallStopHandlers(-1);
  const sender::FlushStats s = out->http->Flush();
  std::fprintf(stderr, "telguard flush: %zu delivered, %zu dropped, %zu remaining%s%s\n", s.delivered, s.dropped,
               s.remaining, s.stopped_because.empty() ? "" : " (stopped: ",
               s.stopped_because.empty() ? "" : (s.stopped_because + ")").c_str());
  if (StopSignal() != 0) return 128 + StopSignal();
  return s.remaining == 0 && s.dropped == 0 ? kExitOk : kExitFailed;
}

}  // namespace telguard::cli
