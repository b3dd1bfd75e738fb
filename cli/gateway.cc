// telguard gateway: the OTLP privacy gateway (gateway/server.h) on the
// command line. Flags and environment in, RunGateway out, then the run's
// summary (prose on stderr, or --json on stdout).
//
// The app (consent, pseudonym key): --app NAME for every request, else each
// request's profile name (claude-code, gemini-cli, codex, docker-agent,
// generic). Consent is decided per app at start (DecideConsent, as `send`);
// the key is the client library's per-app key
// (<config>/<app>/pseudonym-key, LoadOrCreatePseudonymKey), read at the
// app's first request and only when its telemetry is on.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/summary.h"
#include "client/config.h"
#include "client/consent.h"
#include "client/destination.h"
#include "client/local_files.h"
#include "gateway/server.h"

namespace telguard::cli {
namespace {

struct GatewayArgs {
  gateway::GatewayOptions o;
  std::string upstream, spool, ca_file;
  std::vector<std::string> headers;  // NAME=VALUE
  bool allow_insecure_http = false;
  long deadline_ms = 0;
  long replay_ms = 5000;
  long report_ms = 10000;
  bool json = false;
};

bool ParseHeaders(const std::vector<std::string>& in, std::vector<Header>* out) {
  for (const auto& kv : in) {
    const auto eq = kv.find('=');
    if (eq == 0 || eq == std::string::npos) return false;
    const std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
    if (k.find_first_of(": \t\r\n") != std::string::npos || v.find_first_of("\r\n") != std::string::npos) return false;
    out->emplace_back(k, v);
  }
  return true;
}

// The upstream through the one destination builder (OTEL_EXPORTER_OTLP_*).
bool ResolveUpstream(GatewayArgs& a, const Config& config, std::string* error) {
  DestinationOptions d;
  d.endpoint = {a.upstream, "--upstream"};
  d.spool_dir = {a.spool, "--spool"};
  d.ca_file = {a.ca_file, "--ca-file"};
  d.allow_insecure_http = a.allow_insecure_http;
  if (a.deadline_ms > 0) d.deadline = std::chrono::milliseconds(a.deadline_ms);
  if (!ParseHeaders(a.headers, &d.headers)) {
    *error = "--upstream-header must be NAME=VALUE (no ':' or blanks in NAME, no line breaks)";
    return false;
  }
  OtlpUpstream up;
  if (!BuildOtlpUpstream(d, config, &up, error)) return false;
  gateway::GatewayOptions& o = a.o;
  o.logs_url = up.logs_url.value;
  o.metrics_url = up.metrics_url.value;
  o.traces_url = up.traces_url.value;
  // docker-agent's events go beside the OTLP paths of the same collector.
  std::string base = up.destination.endpoint.value;
  for (const char* suffix : {"/v1/logs", "/v1/metrics", "/v1/traces"}) {
    const std::string sfx = suffix;
    if (base.size() >= sfx.size() && base.compare(base.size() - sfx.size(), sfx.size(), sfx) == 0) {
      base.resize(base.size() - sfx.size());
    }
  }
  while (!base.empty() && base.back() == '/') base.pop_back();
  o.events_url = base + "/events/v1/track";
  o.http = up.destination.http;
  // A long-running server: the circuit stays open until the next replay.
  o.replay_interval = std::chrono::milliseconds(a.replay_ms);
  o.http.circuit_open = o.replay_interval;
  // Beside send's spool, never in it: the gateway's bodies are OTLP.
  if (!a.spool.empty()) o.spool_dir = a.spool;
  else if (up.destination.spool_dir.set()) o.spool_dir = up.destination.spool_dir.value + "/gateway";
  return true;
}

// Consent per app (as `send` decides it) and the app's own pseudonym key.
void WireApps(gateway::GatewayOptions& o, const Config& config) {
  o.forward = DecideConsent(config, "").enabled;
  o.app_forward = [config](const std::string& app) { return DecideConsent(config, app).enabled; };
  o.pseudonym_key = [config](const std::string& app) -> std::string {
    std::string err;
    if (auto key = LoadOrCreatePseudonymKey(config, PathsForApp(config, app), &err)) return *key;
    std::fprintf(stderr, "telguard gateway: %s: pseudonyms are for this run only: %s\n", app.c_str(), err.c_str());
    return "";
  };
}

void PrintSummary(const gateway::GatewayStats& st, bool json) {
  if (json) {
    Summary s("gateway");
    s.Set("requests", st.requests);
    s.Set("records", st.records);
    s.Set("sent", st.sent);
    s.Set("rejected", st.rejected);
    s.Set("dropped", st.dropped);
    s.Set("deliveries", st.deliveries);
    s.Set("removed_fields", st.removed_fields);
    s.Set("redactions", st.redactions);
    s.Print(stdout);
    return;
  }
  std::fprintf(stderr, "telguard gateway: %llu requests, %llu records: %llu sent, %llu rejected, %llu dropped\n",
               static_cast<unsigned long long>(st.requests), static_cast<unsigned long long>(st.records),
               static_cast<unsigned long long>(st.sent), static_cast<unsigned long long>(st.rejected),
               static_cast<unsigned long long>(st.dropped));
}

int RunGatewayCommand(GatewayArgs& a) {
  const Config config = ResolveConfig(Environment::FromProcess());
  ReportWarnings(config, stderr);
  std::string error;
  if (!a.o.app.empty() && !ValidateAppName(a.o.app, &error)) {
    std::fprintf(stderr, "telguard gateway: --app: %s\n", error.c_str());
    return kExitUsage;
  }
  if (!ResolveUpstream(a, config, &error)) {
    std::fprintf(stderr, "telguard gateway: %s\n", error.c_str());
    return kExitUsage;
  }
  WireApps(a.o, config);
  a.o.report_interval = std::chrono::milliseconds(a.report_ms);
  gateway::GatewayStats stats;
  const int rc = gateway::RunGateway(a.o, &stats);
  if (rc == 0) PrintSummary(stats, a.json);
  return rc == 0 ? kExitOk : kExitInput;
}

}  // namespace

void AddGateway(Cli& cli) {
  auto a = std::make_shared<GatewayArgs>();
  CLI::App* c = cli.Add("gateway",
                        "an OTLP/HTTP privacy gateway: agents send OpenTelemetry here, only what their profile "
                        "allows goes upstream",
                        [a] { return RunGatewayCommand(*a); });
  c->add_option("--listen", a->o.listen, "ADDR:PORT to listen on (default 127.0.0.1:4318)")->type_name("ADDR:PORT");
  c->add_option("--upstream", a->upstream,
                "the OTLP/HTTP base URL to forward to; /v1/logs etc. are appended (default: "
                "$OTEL_EXPORTER_OTLP_ENDPOINT)")
      ->type_name("URL");
  c->add_option("--upstream-header", a->headers,
                "send NAME=VALUE upstream with every request; repeatable (default: $OTEL_EXPORTER_OTLP_HEADERS)")
      ->type_name("NAME=VALUE")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  c->add_option("--spool", a->spool, "keep what the upstream cannot take now in DIR, and replay it later (default: the spool directory of send, sub-directory gateway)")
      ->type_name("DIR");
  c->add_option("--replay-interval-ms", a->replay_ms,
                "offer the spool to the upstream again every N ms; also how long an open circuit waits (100..600000)")
      ->type_name("N")
      ->check(CLI::Range(100L, 600000L));
  c->add_option("--audit", a->o.audit_path, "append one value-free audit record per record to PATH (- for stdout)")
      ->type_name("PATH");
  c->add_option("--free-text", a->o.free_text, "policy for every free-text attribute: class, template or scrub")
      ->type_name("POLICY")
      ->check(CLI::IsMember({"class", "template", "scrub"}));
  c->add_option("--app", a->o.app,
                "whose consent and pseudonym key apply to every request (default: each request's profile name, "
                "e.g. claude-code); a directory name")
      ->type_name("NAME");
  c->add_option("--report", a->o.report_path,
                "keep a value-free HTML report (as telguard report writes) in PATH, rewritten every "
                "--report-interval-ms and at stop")
      ->type_name("PATH");
  c->add_option("--report-interval-ms", a->report_ms, "rewrite the --report file every N ms (100..3600000)")
      ->type_name("N")
      ->check(CLI::Range(100L, 3600000L));
  AddJsonOption(c, &a->json, "stdout");
  c->add_option("--profile", a->o.profile,
                "apply this agent profile to every request (default: chosen from service.name / scope name)")
      ->type_name("NAME");
  c->add_option("--auth-token-file", a->o.auth_token_file,
                "clients must send the token in PATH as 'Authorization: Bearer'; required off loopback")
      ->type_name("PATH");
  c->add_option("--ca-file", a->ca_file, "trust the CA certificates in PATH (PEM) for the upstream")->type_name("PATH");
  c->add_flag("--allow-insecure-http", a->allow_insecure_http, "allow a plain http:// upstream that is not loopback");
  c->add_option("--deadline-ms", a->deadline_ms, "give up forwarding one request after N ms (10..60000)")
      ->type_name("N")
      ->check(CLI::Range(10L, 60000L));
}

}  // namespace telguard::cli
