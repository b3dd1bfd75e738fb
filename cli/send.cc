// telguard send / flush: the drop-in sender an agent tool can pipe to.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cli/args.h"
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

const std::set<std::string> kHttpValueOptions = {"endpoint", "spool", "api-key-env", "api-key-file",
                                                 "ca-file", "deadline-ms"};

std::string DefaultSpoolDir() {
  if (const char* x = std::getenv("TELGUARD_SPOOL"); x && *x) return x;
  if (const char* x = std::getenv("XDG_STATE_HOME"); x && *x) return std::string(x) + "/telguard/spool";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.local/state/telguard/spool";
  return "";
}

// Builds the HTTP sender and its spool from the command line and
// environment. Returns an exit code other than kExitOk on failure.
int MakeHttp(const Args& args, const char* cmd, std::unique_ptr<sender::Spool>* spool,
             std::unique_ptr<sender::HttpSender>* http) {
  sender::HttpSenderOptions o;
  if (auto e = args.Get("endpoint")) {
    o.endpoint = *e;
  } else if (const char* env = std::getenv("TELGUARD_ENDPOINT"); env && *env) {
    o.endpoint = env;
  } else {
    std::fprintf(stderr, "telguard %s: no endpoint: pass --endpoint URL or set TELGUARD_ENDPOINT\n", cmd);
    return kExitUsage;
  }
  o.api_key_env = args.Get("api-key-env").value_or("");
  o.api_key_file = args.Get("api-key-file").value_or("");
  o.ca_file = args.Get("ca-file").value_or("");
  o.allow_insecure_http = args.Has("allow-insecure-http");
  if (auto d = args.Get("deadline-ms")) {
    char* end = nullptr;
    const long ms = std::strtol(d->c_str(), &end, 10);
    if (end == d->c_str() || *end != '\0' || ms < 10 || ms > 60000) {
      std::fprintf(stderr, "telguard %s: --deadline-ms must be 10..60000\n", cmd);
      return kExitUsage;
    }
    o.deadline = std::chrono::milliseconds(ms);
  }
  const std::string dir = args.Get("spool").value_or(DefaultSpoolDir());
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
    std::fprintf(stderr, "telguard %s: %s\n", cmd, err.c_str());
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace

int Send(int argc, char** argv) {
  std::string err;
  std::set<std::string> with_value = kHttpValueOptions;
  with_value.insert({"input", "audit", "local"});
  auto args = ParseArgs(argc, argv, 2, with_value, {"debug", "allow-insecure-http"}, &err);
  if (!args || !args->positional.empty()) {
    std::fprintf(stderr,
                 "telguard send: %s\nusage: telguard send [--input PATH|-] [--endpoint URL] [--spool DIR] "
                 "[--debug] [--audit PATH] [--local PATH] [--api-key-env NAME|--api-key-file PATH] "
                 "[--ca-file PATH] [--allow-insecure-http] [--deadline-ms N]\n",
                 args ? "unexpected argument" : err.c_str());
    return kExitUsage;
  }
  // Same rules as the library: off means no network, no files; the run that
  // shows the first-run notice sends nothing. The input is still read to the
  // end, so a tool piping to us never sees a broken pipe.
  const std::string config_dir = ConfigDir();
  const ConsentDecision consent = DecideConsent(config_dir);
  const Notice notice = consent.enabled ? ShowNoticeOnce(config_dir, stderr) : Notice::kHidden;
  if (!consent.enabled || notice == Notice::kShownNow || notice == Notice::kFailed) {
    InputSource in;
    if (!OpenInput(args->Get("input").value_or("-"), &in)) {
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
  if (auto local = args->Get("local")) {
    file = sender::FileSink::Open(*local, &err);
    if (!file) {
      std::fprintf(stderr, "telguard send: %s\n", err.c_str());
      return kExitInput;
    }
    target = file.get();
  } else {
    if (int rc = MakeHttp(*args, "send", &spool, &http); rc != kExitOk) return rc;
    target = http.get();
  }
  const char* debug_env = std::getenv("TELGUARD_DEBUG");
  const bool debug = args->Has("debug") || (debug_env && std::strcmp(debug_env, "1") == 0);
  sender::DebugLogSender debug_sender(stderr, target);
  if (debug) target = &debug_sender;

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

int Flush(int argc, char** argv) {
  std::string err;
  auto args = ParseArgs(argc, argv, 2, kHttpValueOptions, {"allow-insecure-http"}, &err);
  if (!args || !args->positional.empty() || !args->Get("spool")) {
    std::fprintf(stderr,
                 "telguard flush: %s\nusage: telguard flush --spool DIR [--endpoint URL] "
                 "[--api-key-env NAME|--api-key-file PATH] [--ca-file PATH] [--allow-insecure-http] "
                 "[--deadline-ms N]\n",
                 !args ? err.c_str() : !args->Get("spool") ? "--spool DIR is required" : "unexpected argument");
    return kExitUsage;
  }
  std::unique_ptr<sender::Spool> spool;
  std::unique_ptr<sender::HttpSender> http;
  if (int rc = MakeHttp(*args, "flush", &spool, &http); rc != kExitOk) return rc;
  const sender::FlushStats s = http->Flush();
  std::fprintf(stderr, "telguard flush: %zu delivered, %zu dropped, %zu remaining%s%s\n", s.delivered, s.dropped,
               s.remaining, s.stopped_because.empty() ? "" : " (stopped: ", s.stopped_because.empty() ? "" : (s.stopped_because + ")").c_str());
  return s.remaining == 0 && s.dropped == 0 ? kExitOk : kExitFailed;
}

}  // namespace telguard::cli
