// telguard send / flush: the drop-in sender an agent tool can pipe to.
// Where events go, and whether they may go at all, is decided in client/
// (config.h, consent.h, destination.h), as for the library.
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/input.h"
#include "cli/run_lines.h"
#include "cli/summary.h"
#include "cli/signals.h"
#include "client/config.h"
#include "client/consent.h"
#include "client/destination.h"
#include "client/forget.h"
#include "client/local_files.h"

namespace telguard::cli {
namespace {

// The options `send` and `flush` share: where and how to send over HTTP.
struct HttpArgs {
  std::string app = "telguard";
  std::string endpoint, spool, api_key_env, api_key_file, ca_file;
  bool allow_insecure_http = false;
  long deadline_ms = 0;  // 0: the sender's default
};

// Declares the HTTP options on `c`; returns them (for `excludes`).
std::vector<CLI::Option*> AddHttpOptions(CLI::App* c, HttpArgs* h) {
  std::vector<CLI::Option*> all;
  c->add_option("--app", h->app,
                "whose consent, notice and spooled events these are (default: telguard); a directory name")
      ->type_name("NAME");
  all.push_back(c->add_option("--endpoint", h->endpoint, "the OTLP/HTTP logs URL (default: $TELGUARD_ENDPOINT)")
                    ->type_name("URL"));
  all.push_back(c->add_option("--spool", h->spool,
                              "keep what cannot be delivered in DIR (default: $TELGUARD_SPOOL, else "
                              "$XDG_STATE_HOME/telguard/spool)")
                    ->type_name("DIR"));
  CLI::Option* env = c->add_option("--api-key-env", h->api_key_env, "read the API key from environment variable NAME")
                         ->type_name("NAME");
  CLI::Option* file = c->add_option("--api-key-file", h->api_key_file, "read the API key from file PATH")
                          ->type_name("PATH");
  env->excludes(file);
  all.insert(all.end(), {env, file});
  all.push_back(c->add_option("--ca-file", h->ca_file, "trust the CA certificates in PATH (PEM)")->type_name("PATH"));
  all.push_back(c->add_flag("--allow-insecure-http", h->allow_insecure_http,
                            "allow a plain http:// endpoint that is not loopback"));
  all.push_back(c->add_option("--deadline-ms", h->deadline_ms, "give up on one request after N ms (10..60000)")
                    ->type_name("N")
                    ->check(CLI::Range(10L, 60000L)));
  return all;
}

struct SendOptions {
  std::string input = "-", audit, local;
  bool debug = false;
  bool json = false;  // the summary as JSON on stdout
  std::string free_text;  // class | template | scrub; empty: each field's own
  HttpArgs http;
};

// The command line's share of the destination.
DestinationOptions DestinationFrom(const SendOptions& so) {
  DestinationOptions o;
  o.endpoint = {so.http.endpoint, "--endpoint"};
  o.local_file = {so.local, "--local"};
  o.spool_dir = {so.http.spool, "--spool"};
  o.api_key_env = {so.http.api_key_env, "--api-key-env"};
  o.api_key_file = {so.http.api_key_file, "--api-key-file"};
  o.ca_file = {so.http.ca_file, "--ca-file"};
  o.allow_insecure_http = so.http.allow_insecure_http;
  o.debug = so.debug;
  o.stop = [] { return StopSignal() != 0; };
  o.app = so.http.app;
  if (so.http.deadline_ms > 0) o.deadline = std::chrono::milliseconds(so.http.deadline_ms);
  return o;
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

void DrainInput(const std::string& path) {
  InputSource in;
  if (!OpenInput(path, &in)) {
    HintIfTerminal("send", in);
    InstallStopHandlers(in.fd);
    char buf[65536];
    while (::read(in.fd, buf, sizeof buf) > 0) {
    }
  }
}

// Names the option that fixes the refusal of a plain-http endpoint.
const char* InsecureHint(const Destination& d) {
  const bool plain = d.http.endpoint.rfind("http://", 0) == 0 && !d.http.allow_insecure_http;
  return plain ? " (to send over plain http anyway, pass --allow-insecure-http)" : "";
}

// Resolves config, app and destination, and decides whether this run may
// send. Returns an exit code, or -1 to go on.
int Prepare(const SendOptions& so, const char* cmd, Config* config, Destination* d) {
  *config = ResolveConfig(Environment::FromProcess());
  ReportWarnings(*config, stderr);
  std::string err;
  if (!ValidateAppName(so.http.app, &err)) {
    std::fprintf(stderr, "telguard %s: --app: %s\n", cmd, err.c_str());
    return kExitUsage;
  }
  const DestinationOptions o = DestinationFrom(so);
  std::string why = Refusal(*config, so.http.app, o);
  if (why.empty()) {
    if (!BuildDestination(o, *config, d, &err)) {
      std::fprintf(stderr, "telguard %s: %s\n", cmd, err.c_str());
      return kExitUsage;
    }
    why = NoticeHold(*config, so.http.app);
  }
  if (!why.empty()) {
    if (std::string(cmd) == "send") DrainInput(so.input);
    std::fprintf(stderr, "telguard %s: nothing sent: %s\n", cmd, why.c_str());
    return StopSignal() != 0 ? 128 + StopSignal() : kExitOk;
  }
  if (!d->spool_note.empty()) ReportOnce("telguard " + std::string(cmd) + ": " + d->spool_note, stderr);
  return -1;
}

struct SendCounts {
  std::size_t delivered = 0, kept = 0, dropped = 0;
  std::string config_error;  // the first configuration error (401/403, TLS verification)
};

// Hands one event to the destination; after a stop signal, spools it
// without network (it was read, so it is kept).
void Deliver(OpenedDestination& out, EventOutcome& e, SendCounts* n) {
  sender::SendResult r;
  if (StopSignal() != 0 && out.spool) {
    r = out.http->Keep(e.body, "interrupted");
  } else {
    r = out.target->Send(e.body);
  }
  e.audit.delivery = sender::DeliveryName(r.delivery);
  if (r.configuration_error && n->config_error.empty()) n->config_error = r.reason;
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

// A damaged spool moved aside, the old format migrated, a full disk: said once.
void PrintSpoolFaults(const char* cmd, const OpenedDestination& out) {
  if (!out.spool) return;
  const sender::SpoolStats st = out.spool->stats();
  if (!st.notice.empty()) std::fprintf(stderr, "telguard %s: %s\n", cmd, st.notice.c_str());
  if (st.last_status != sender::SpoolStatus::kOk && st.last_error != st.notice) {
    std::fprintf(stderr, "telguard %s: %s\n", cmd, st.last_error.c_str());
  }
  if (st.dead_letters > 0) {
    std::fprintf(stderr, "telguard %s: %llu events refused repeatedly are kept aside (dead letters) in %s\n", cmd,
                 static_cast<unsigned long long>(st.dead_letters), out.spool->dir().c_str());
  }
}

void PrintSendSummary(const RunStats& stats, const SendCounts& n, const OpenedDestination& out, bool json) {
  if (json) {
    Summary s("send");
    s.Set("events", static_cast<std::uint64_t>(stats.sent + stats.rejected + stats.dropped));
    s.Set("delivered", static_cast<std::uint64_t>(n.delivered));
    s.Set("spooled", static_cast<std::uint64_t>(n.kept));
    s.Set("dropped", static_cast<std::uint64_t>(n.dropped + stats.dropped));
    s.Set("rejected", static_cast<std::uint64_t>(stats.rejected));
    s.Set("removed_fields", stats.stripped);
    s.Set("redactions", stats.redactions);
    if (out.spool) {
      s.Set("spool", out.spool->dir());
      s.Set("waiting", static_cast<std::uint64_t>(out.spool->size()));
      s.Set("overflow_dropped", static_cast<std::uint64_t>(out.spool->overflow_dropped()));
    }
    if (StopSignal() != 0) s.Set("stopped_by", std::string_view(StopSignalName()));
    if (!n.config_error.empty()) s.Set("configuration_error", n.config_error);
    s.Print(stdout);
    PrintSpoolFaults("send", out);  // faults stay prose on stderr
    return;
  }
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
  PrintSpoolFaults("send", out);
  if (!n.config_error.empty()) {
    std::fprintf(stderr, "telguard send: %s: events are kept in the spool until it is fixed\n", n.config_error.c_str());
  }
}

int RunSend(const SendOptions& so) {
  // Same rules as the library: off means no network, no files; the run that
  // shows the first-run notice sends nothing. The input is still read to the
  // end, so a tool piping to us never sees a broken pipe.
  Config config;
  Destination destination;
  if (int rc = Prepare(so, "send", &config, &destination); rc >= 0) return rc;
  std::string err;
  // The app's own pseudonym key, as the library uses, so that events of one
  // session sent by separate `send` runs still group. If it cannot be kept,
  // a key for this process (pseudonyms then do not link across runs).
  PipelineOptions po = FreeTextOptions(so.free_text);
  if (auto key = LoadOrCreatePseudonymKey(config, PathsForApp(config, so.http.app), &err)) {
    po.pseudonym_key = *key;
  } else {
    std::fprintf(stderr, "telguard send: pseudonyms are for this run only: %s\n", err.c_str());
  }
  err.clear();
  auto pipeline = Pipeline::Create(po, &err);
  auto out = pipeline ? OpenDestination(destination, &err) : nullptr;
  if (!out) {
    std::fprintf(stderr, "telguard send: %s%s\n", err.c_str(), pipeline ? InsecureHint(destination) : "");
    return pipeline ? kExitUsage : kExitInput;
  }
  InputSource in;
  if (auto e = OpenInput(so.input, &in)) {
    std::fprintf(stderr, "telguard send: %s\n", e->c_str());
    return kExitInput;
  }
  std::FILE* audit = nullptr;
  if (!so.audit.empty()) {
    audit = OpenAudit(so.audit, &err);
    if (audit == nullptr) {
      std::fprintf(stderr, "telguard send: %s\n", err.c_str());
      return kExitInput;
    }
  }
  HintIfTerminal("send", in);
  InstallStopHandlers(in.fd);
  LineReader reader(in.fd, pipeline->limits().max_line_bytes);
  RunStats stats;
  SendCounts n;
  const bool ok = RunLines(*pipeline, reader, audit, [&](EventOutcome& e) { Deliver(*out, e, &n); }, &stats);
  CloseAudit(audit);
  PrintSendSummary(stats, n, *out, so.json);
  if (StopSignal() != 0) return 128 + StopSignal();
  if (!ok) return kExitInput;
  if (!n.config_error.empty()) return kExitUsage;
  return n.dropped > 0 ? kExitFailed : kExitOk;
}

int RunFlush(const HttpArgs& args, bool json) {
  SendOptions so;
  so.http = args;
  Config config;
  Destination destination;
  if (int rc = Prepare(so, "flush", &config, &destination); rc >= 0) return rc;
  if (destination.kind != Destination::Kind::kHttp || !destination.spool_dir.set()) {
    std::fprintf(stderr, "telguard flush: nothing to flush: %s\n",
                 destination.spool_dir.set() ? "the destination is a local file" : destination.spool_note.c_str());
    return kExitUsage;
  }
  std::string err;
  auto out = OpenDestination(destination, &err);
  if (!out) {
    std::fprintf(stderr, "telguard flush: %s%s\n", err.c_str(), InsecureHint(destination));
    return kExitUsage;
  }
  InstallStopHandlers(-1);
  const sender::FlushStats s = out->http->Flush();
  if (json) {
    Summary j("flush");
    j.Set("delivered", static_cast<std::uint64_t>(s.delivered));
    j.Set("dropped", static_cast<std::uint64_t>(s.dropped));
    j.Set("dead_lettered", static_cast<std::uint64_t>(s.dead_lettered));
    j.Set("remaining", static_cast<std::uint64_t>(s.remaining));
    if (!s.stopped_because.empty()) j.Set("stopped_because", s.stopped_because);
    if (StopSignal() != 0) j.Set("stopped_by", std::string_view(StopSignalName()));
    j.Print(stdout);
  } else {
    std::fprintf(stderr, "telguard flush: %zu delivered, %zu dropped, %zu remaining%s%s\n", s.delivered, s.dropped,
                 s.remaining, s.stopped_because.empty() ? "" : " (stopped: ",
                 s.stopped_because.empty() ? "" : (s.stopped_because + ")").c_str());
  }
  if (s.dead_lettered > 0) {
    std::fprintf(stderr, "telguard flush: %zu refused again and again: moved to the dead letters (telguard "
                 "dead-letters lists, requeues or deletes them)\n", s.dead_lettered);
  }
  PrintSpoolFaults("flush", *out);
  if (s.configuration_error) {
    std::fprintf(stderr, "telguard flush: configuration error: events are kept in the spool until it is fixed\n");
  }
  if (StopSignal() != 0) return 128 + StopSignal();
  if (s.configuration_error) return kExitUsage;
  return s.remaining == 0 && s.dropped == 0 ? kExitOk : kExitFailed;
}

}  // namespace

void AddSend(Cli& cli) {
  auto o = std::make_shared<SendOptions>();
  CLI::App* c = cli.Add("send", "run the pipeline and send each accepted event at once",
                        [o] { return RunSend(*o); });
  AddInputOption(c, &o->input);
  c->add_option("--audit", o->audit, "write one value-free audit record per event to PATH (- for stdout)")
      ->type_name("PATH|-");
  c->add_option("--free-text", o->free_text,
                "free text (error messages) leaves as: class (an error class), template (default: vocabulary and "
                "placeholders) or scrub (deny-list only)")
      ->check(CLI::IsMember({"class", "template", "scrub"}))
      ->type_name("MODE");
  c->add_flag("--debug", o->debug,
              "print each request body on stderr or $TELGUARD_DEBUG_LOG (also TELGUARD_DEBUG=1/true/yes/on)");
  CLI::Option* local = c->add_option("--local", o->local, "append the request bodies to PATH instead of sending")
                           ->type_name("PATH");
  for (CLI::Option* http : AddHttpOptions(c, &o->http)) local->excludes(http);
  AddJsonOption(c, &o->json, "stdout");
}

void AddFlush(Cli& cli) {
  auto o = std::make_shared<HttpArgs>();
  auto json = std::make_shared<bool>(false);
  CLI::App* c = cli.Add("flush", "deliver what is spooled, oldest first", [o, json] { return RunFlush(*o, *json); });
  AddHttpOptions(c, o.get());
  AddJsonOption(c, json.get(), "stdout");
}

}  // namespace telguard::cli
