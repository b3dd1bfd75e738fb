// Options of `telguard gateway` (a plain struct; the defaults are the
// documented ones). The CLI fills it from flags and the environment.
#ifndef TELGUARD_GATEWAY_OPTIONS_H_
#define TELGUARD_GATEWAY_OPTIONS_H_

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "gateway/otlp_codec.h"
#include "sender/http_sender.h"

namespace telguard::gateway {

struct GatewayOptions {
  // ADDR:PORT to listen on; port 0 picks a free port (tests). A non-loopback
  // address requires auth_token_file.
  std::string listen = "127.0.0.1:4318";
  // Bearer token clients must send (first line of the file; never logged).
  std::string auth_token_file;
  // The upstream, as the one destination builder resolved it
  // (client/destination.h BuildOtlpUpstream): the URL per signal, and the
  // HTTP options every route shares (CA, deadline, plain-http rule, key,
  // the upstream's own headers -- never logged).
  // events_url receives docker-agent's {"records":[...]} events.
  std::string logs_url, metrics_url, traces_url, events_url;
  sender::HttpSenderOptions http;  // endpoint, spool and encoding are set per route
  // Spool directory: one sub-directory per destination; empty: what the
  // upstream cannot take now is dropped (and audited).
  std::string spool_dir;
  std::chrono::milliseconds replay_interval{1000};  // how often spools are offered again
  // Audit records (JSON lines): "" none, "-" stdout, else a file (appended).
  std::string audit_path;
  // Profile for every request ("" = chosen per request from service.name /
  // scope name, else "generic").
  std::string profile;
  // Free-text policy for every free-text attribute ("" = each profile's own):
  // class, template or scrub.
  std::string free_text;
  // Consent: false means accept and answer, forward nothing (audited).
  bool forward = true;
  // The app whose consent and pseudonym key apply: "" = the name of each
  // request's profile (claude-code, gemini-cli, codex, docker-agent,
  // generic); else this one app for every request (--app).
  std::string app;
  // Per app, read once at start: false = its records are answered and
  // audited, never forwarded (null: every app forwards, as `forward` says).
  std::function<bool(const std::string& app)> app_forward;
  // Per app, asked at its first request (only for an app that forwards):
  // its pseudonym key (the client library's per-app key). "" or null: a
  // random key for this process (pseudonyms then hold within one run).
  std::function<std::string(const std::string& app)> pseudonym_key;
  // The reviewer's HTML report (report/audit_report.h): "" none; else
  // rewritten (temporary file + rename) every report_interval and at stop.
  std::string report_path;
  std::chrono::milliseconds report_interval{10000};
  std::size_t max_body_bytes = 16u << 20;  // after decompression
  CodecLimits limits;
  int threads = 64;                        // request workers (an idle keep-alive connection holds one)
  int read_timeout_s = 5;                  // a client slower than this is cut off
  int keep_alive_timeout_s = 2;
  std::FILE* log = stderr;                 // one line per start, stop, error
};

}  // namespace telguard::gateway

#endif  // TELGUARD_GATEWAY_OPTIONS_H_
