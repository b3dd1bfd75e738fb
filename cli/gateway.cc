// telguard gateway: the OTLP privacy gateway (gateway/server.h) on the
// command line. Flags and environment in, RunGateway out.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "cli/app.h"
#include "cli/commands.h"
#include "client/consent.h"
#include "gateway/server.h"

namespace telguard::cli {
namespace {

struct GatewayArgs {
  gateway::GatewayOptions o;
  std::vector<std::string> headers;  // K=V
  long deadline_ms = 0;
};

// OTEL_EXPORTER_OTLP_HEADERS: "k1=v1,k2=v2" (values may be percent-encoded;
// they are passed on as written).
void SplitHeaders(const std::string& text, std::vector<std::string>* out) {
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out->push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
}

bool ParseHeaders(const std::vector<std::string>& in, gateway::GatewayOptions* o) {
  for (const auto& kv : in) {
    const auto eq = kv.find('=');
    if (eq == 0 || eq == std::string::npos) return false;
    std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
    while (!k.empty() && k.back() == ' ') k.pop_back();
    while (!k.empty() && k.front() == ' ') k.erase(k.begin());
    if (k.find_first_of(":\r\n") != std::string::npos || v.find_first_of("\r\n") != std::string::npos) return false;
    o->upstream_headers.emplace_back(k, v);
  }
  return true;
}

int RunGatewayCommand(GatewayArgs& a) {
  if (a.o.upstream.empty()) {
    if (const char* e = std::getenv("OTEL_EXPORTER_OTLP_ENDPOINT"); e && *e) a.o.upstream = e;
  }
  if (a.headers.empty()) {
    if (const char* e = std::getenv("OTEL_EXPORTER_OTLP_HEADERS"); e && *e) SplitHeaders(e, &a.headers);
  }
  if (!ParseHeaders(a.headers, &a.o)) {
    std::fprintf(stderr, "telguard gateway: --upstream-header must be NAME=VALUE (no ':' in NAME, no line breaks)\n");
    return kExitUsage;
  }
  if (a.deadline_ms > 0) a.o.deadline = std::chrono::milliseconds(a.deadline_ms);
  const ConsentDecision consent = DecideConsent(ConfigDir());
  a.o.forward = consent.enabled;
  const int rc = gateway::RunGateway(a.o);
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
  c->add_option("--upstream", a->o.upstream,
                "the OTLP/HTTP base URL to forward to; /v1/logs etc. are appended (default: "
                "$OTEL_EXPORTER_OTLP_ENDPOINT)")
      ->type_name("URL");
  c->add_option("--upstream-header", a->headers,
                "send NAME=VALUE upstream with every request; repeatable (default: $OTEL_EXPORTER_OTLP_HEADERS)")
      ->type_name("NAME=VALUE")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  c->add_option("--spool", a->o.spool_dir, "keep what the upstream cannot take now in DIR, and replay it later")
      ->type_name("DIR");
  c->add_option("--audit", a->o.audit_path, "append one value-free audit record per record to PATH (- for stdout)")
      ->type_name("PATH");
  c->add_option("--free-text", a->o.free_text, "policy for every free-text attribute: class, template or scrub")
      ->type_name("POLICY")
      ->check(CLI::IsMember({"class", "template", "scrub"}));
  c->add_option("--profile", a->o.profile,
                "apply this agent profile to every request (default: chosen from service.name / scope name)")
      ->type_name("NAME");
  c->add_option("--auth-token-file", a->o.auth_token_file,
                "clients must send the token in PATH as 'Authorization: Bearer'; required off loopback")
      ->type_name("PATH");
  c->add_option("--ca-file", a->o.ca_file, "trust the CA certificates in PATH (PEM) for the upstream")->type_name("PATH");
  c->add_flag("--allow-insecure-http", a->o.allow_insecure_http, "allow a plain http:// upstream that is not loopback");
  c->add_option("--deadline-ms", a->deadline_ms, "give up forwarding one request after N ms (10..60000)")
      ->type_name("N")
      ->check(CLI::Range(10L, 60000L));
}

}  // namespace telguard::cli
