// telguard send / flush: the drop-in sender an agent tool can pipe to.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/input.h"
#include "cli/run_lines.h"
#include "client/consent.h"
#include "client/local_files.h"
#include "sender/http_sender.h"
#include "sender/sinks.h"
#include "sender/spool.h"

namespace telguard::cli {
namespace {

// The options `send` and `flush` share: where and how to send over HTTP.
struct HttpArgs {
  std::string endpoint, spool, api_key_env, api_key_file, ca_file;
  bool allow_insecure_http = false;
  long deadline_ms = 0;  // 0: the sender's default
};

// Declares the HTTP options on `c`; returns them (for `excludes`).
std::vector<CLI::Option*> AddHttpOptions(CLI::App* c, HttpArgs* h) {
  std::vector<CLI::Option*> all;
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

std::string DefaultSpoolDir() {
  if (const char* x = std::getenv("TELGUARD_SPOOL"); x && *x) return x;
  if (const char* x = std::getenv("XDG_STATE_HOME"); x && *x) return std::string(x) + "/telguard/spool";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.local/state/telguard/spool";
  return "";
}

// Builds the HTTP sender and its spool from the command line and
// environment. Returns an exit code other than kExitOk on failure.
int MakeHttp(const HttpArgs& args, const char* cmd, std::unique_ptr<sender::Spool>* spool,
             std::unique_ptr<sender::HttpSender>* http) {
  sender::HttpSenderOptions o;
  if (!args.endpoint.empty()) {
    o.endpoint = args.endpoint;
  } else if (const char* env = std::getenv("TELGUARD_ENDPOINT"); env && *env) {
    o.endpoint = env;
  } else {
    std::fprintf(stderr, "telguard %s: no endpoint: pass --endpoint URL or set TELGUARD_ENDPOINT\n", cmd);
    return kExitUsage;
  }
  o.api_key_env = args.api_key_env;
  o.api_key_file = args.api_key_file;
  o.ca_file = args.ca_file;
  o.allow_insecure_http = args.allow_insecure_http;
  if (args.deadline_ms > 0) o.deadline = std::chrono::milliseconds(args.deadline_ms);
  const std::string dir = args.spool.empty() ? DefaultSpoolDir() : args.spool;
  std::string err;
  if (!dir.empty()) {
    *spool = sender::Spool::Open(dir, {}, &err);
    if (!*spool) {
      std::fprintf(stderr, "telguard %s: %s\n", cmd, err.c_str());
      return kExitInput;
    }
    o.spool = spool->get();
  }
  *http = sender::HttpSender::Create(o, &err);
  if (!*http) {
    // Name the option that fixes the refusal of a plain-http endpoint.
    const bool plain = o.endpoint.rfind("http://", 0) == 0 && !o.allow_insecure_http;
    std::fprintf(stderr, "telguard %s: %s%s\n", cmd, err.c_str(),
                 plain ? " (to send over plain http anyway, pass --allow-insecure-http)" : "");
    return kExitUsage;
  }
  return kExitOk;
}

struct SendOptions {
  std::string input = "-", audit, local;
  bool debug = false;
  HttpArgs http;
};

int RunSend(const SendOptions& o) {
  std::string err;
  // Same rules as the library: off means no network, no files; the run that
  // shows the first-run notice sends nothing. The input is still read to the
  // end, so a tool piping to us never sees a broken pipe.
  const std::string config_dir = ConfigDir();
  const ConsentDecision consent = DecideConsent(config_dir);
  const Notice notice = consent.enabled ? ShowNoticeOnce(config_dir, stderr) : Notice::kHidden;
  if (!consent.enabled || notice == Notice::kShownNow || notice == Notice::kFailed) {
    InputSource in;
    if (!OpenInput(o.input, &in)) {
      HintIfTerminal("send", in);
      char buf[65536];
      while (::read(in.fd, buf, sizeof buf) > 0) {
      }
    }
    std::fprintf(stderr, "telguard send: nothing sent: %s\n",
                 !consent.enabled ? ("telemetry is off (" + consent.source + ")").c_str()
                                  : "first run: the notice was shown, telemetry starts next run");
    return kExitOk;
  }
  auto pipeline = Pipeline::Create({}, &err);
  if (!pipeline) {
    std::fprintf(stderr, "telguard send: %s\n", err.c_str());
    return kExitInput;
  }
  std::unique_ptr<sender::Spool> spool;
  std::unique_ptr<sender::HttpSender> http;
  std::unique_ptr<sender::FileSink> file;
  sender::Sender* target = nullptr;
  if (!o.local.empty()) {
    file = sender::FileSink::Open(o.local, &err);
    if (!file) {
      std::fprintf(stderr, "telguard send: %s\n", err.c_str());
      return kExitInput;
    }
    target = file.get();
  } else {
    if (int rc = MakeHttp(o.http, "send", &spool, &http); rc != kExitOk) return rc;
    target = http.get();
  }
  const char* debug_env = std::getenv("TELGUARD_DEBUG");
  const bool debug = o.debug || (debug_env && std::strcmp(debug_env, "1") == 0);
  sender::DebugLogSender debug_sender(stderr, target);
  if (debug) target = &debug_sender;

  InputSource in;
  if (auto e = OpenInput(o.input, &in)) {
    std::fprintf(stderr, "telguard send: %s\n", e->c_str());
    return kExitInput;
  }
  std::FILE* audit = nullptr;
  if (!o.audit.empty()) {
    audit = OpenAudit(o.audit, &err);
    if (audit == nullptr) {
      std::fprintf(stderr, "telguard send: %s\n", err.c_str());
      return kExitInput;
    }
  }
  HintIfTerminal("send", in);
  LineReader reader(in.fd, pipeline->limits().max_line_bytes);
  RunStats stats;
  std::size_t delivered = 0, kept = 0, dropped = 0;
  const bool ok = RunLines(*pipeline, reader, audit, [&](EventOutcome& e) {
    const sender::SendResult r = target->Send(e.body);
    e.audit.delivery = sender::DeliveryName(r.delivery);
    switch (r.delivery) {
      case sender::Delivery::kDelivered: ++delivered; break;
      case sender::Delivery::kKept: ++kept; break;
      case sender::Delivery::kDropped:
        ++dropped;
        e.audit.reasons.push_back({"", "sender:" + r.reason});
        e.error = "not delivered: " + r.reason;
        break;
    }
  }, &stats);
  CloseAudit(audit);
  std::fprintf(stderr, "telguard send: %zu events: %zu delivered, %zu spooled, %zu dropped, %zu rejected",
               stats.sent + stats.rejected + stats.dropped, delivered, kept, dropped + stats.dropped,
               stats.rejected);
  if (spool) {
    std::fprintf(stderr, "; %zu waiting in %s", spool->size(), spool->dir().c_str());
    if (spool->overflow_dropped() > 0) {
      std::fprintf(stderr, "; %llu oldest dropped (spool full)",
                   static_cast<unsigned long long>(spool->overflow_dropped()));
    }
  }
  std::fprintf(stderr, "\n");
  if (!ok) return kExitInput;
  return dropped > 0 ? kExitFailed : kExitOk;
}

int RunFlush(const HttpArgs& args) {
  std::unique_ptr<sender::Spool> spool;
  std::unique_ptr<sender::HttpSender> http;
  if (int rc = MakeHttp(args, "flush", &spool, &http); rc != kExitOk) return rc;
  const sender::FlushStats s = http->Flush();
  std::fprintf(stderr, "telguard flush: %zu delivered, %zu dropped, %zu remaining%s%s\n", s.delivered, s.dropped,
               s.remaining, s.stopped_because.empty() ? "" : " (stopped: ", s.stopped_because.empty() ? "" : (s.stopped_because + ")").c_str());
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
  c->add_flag("--debug", o->debug, "print each request body on stderr (also TELGUARD_DEBUG=1)");
  CLI::Option* local = c->add_option("--local", o->local, "append the request bodies to PATH instead of sending")
                           ->type_name("PATH");
  for (CLI::Option* http : AddHttpOptions(c, &o->http)) local->excludes(http);
}

void AddFlush(Cli& cli) {
  auto o = std::make_shared<HttpArgs>();
  CLI::App* c = cli.Add("flush", "deliver what is spooled, oldest first", [o] { return RunFlush(*o); });
  AddHttpOptions(c, o.get());
  c->get_option("--spool")->required();
}

}  // namespace telguard::cli
