// The one destination builder: from what a caller was given (command-line
// options, ClientOptions, gateway flags) and the resolved environment
// (config.h), where events go and how. Used by Client::Create,
// `telguard send` / `flush`, and `telguard gateway` for its upstream, so the
// three read the same variables the same way.
//
//   DestinationOptions o;
//   o.endpoint = {flag_value, "--endpoint"};       // a source label per option
//   Destination d;
//   if (!BuildDestination(o, config, &d, &error)) ...   // error names the fix
//   auto open = OpenDestination(d, &error);             // spool, HTTP, file, debug
//   open->target->Send(body);
//
// Precedence, for each setting: the option, else its variable, else the
// default; the chosen source is kept for `telguard status`.
//   local-only file   option, else TELGUARD_LOCAL_FILE. When set it wins
//                     over any endpoint: nothing goes over the network.
//   endpoint          option, else TELGUARD_ENDPOINT (required otherwise).
//   spool directory   option, else TELGUARD_SPOOL, else <state root>/spool
//                     (none when the state root is unusable: then
//                     undelivered events are dropped and counted, and
//                     `spool_note` says why).
//   API key           the variable named by api_key_env (must be set), or
//                     the first line of api_key_file. Never logged.
//   CA file, deadline, plain http only to loopback unless allowed: options.
//   debug             option, else TELGUARD_DEBUG (a switch); the log goes
//                     to the option's file, else TELGUARD_DEBUG_LOG, else
//                     stderr. Debug never changes where events go.
// The gateway's upstream (BuildOtlpUpstream) reads the OpenTelemetry
// exporter variables instead of TELGUARD_ENDPOINT.
//
// Cost: building reads no file; OpenDestination opens the spool, the
// transport and the debug log. Thread-safety: values; an OpenedDestination's
// target may be used from many threads (see sender.h).
#ifndef TELGUARD_CLIENT_DESTINATION_H_
#define TELGUARD_CLIENT_DESTINATION_H_

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "client/config.h"
#include "sender/http_sender.h"
#include "sender/sinks.h"
#include "sender/spool.h"

namespace telguard {

using Header = std::pair<std::string, std::string>;

// What the caller was given; each Setting carries its own source label
// ("--endpoint", "ClientOptions::endpoint", "--upstream", ...).
struct DestinationOptions {
  Setting endpoint, local_file, spool_dir, api_key_env, api_key_file, ca_file;
  bool allow_insecure_http = false;
  std::chrono::milliseconds deadline{1000};
  std::string user_agent = "telguard/0.1.0";
  std::string app = "telguard";  // whose events these are: the spool keeps it per event (consent off purges)
  bool debug = false;           // --debug / ClientOptions::debug
  Setting debug_log;            // a file; empty: TELGUARD_DEBUG_LOG, else stderr
  std::vector<Header> headers;  // extra request headers (gateway: --upstream-header)
  // When set and true, no further request goes out: each fails at once with
  // no network, so the delivery rules keep the body (spooled) and a flush
  // stops there. `send`/`flush` pass their SIGTERM/SIGINT flag.
  std::function<bool()> stop;
};

struct Destination {
  enum class Kind { kHttp, kLocalFile } kind = Kind::kHttp;
  Setting endpoint, local_file, spool_dir, api_key, ca_file;
  std::vector<Header> headers;   // values may be secrets: never log them
  std::string spool_note;        // why there is no spool, when there is none
  bool debug = false;
  std::string debug_source;      // "--debug", "TELGUARD_DEBUG=1", ...
  Setting debug_log;             // empty value: stderr
  std::function<bool()> stop;    // see DestinationOptions::stop
  sender::HttpSenderOptions http;  // everything but `spool` and `transport`
};

// False and *error (naming the option or variable that fixes it, never a
// value) when no usable destination follows.
bool BuildDestination(const DestinationOptions& options, const Config& config, Destination* out, std::string* error);

// Just the spool directory (as above), or an empty Setting.
Setting ResolveSpoolDir(const DestinationOptions& options, const Config& config);

// The gateway's upstream. Endpoint: options.endpoint (--upstream), else
// OTEL_EXPORTER_OTLP_ENDPOINT, a base URL to which the signal paths
// /v1/logs, /v1/metrics, /v1/traces are appended; a per-signal
// OTEL_EXPORTER_OTLP_{LOGS,METRICS,TRACES}_ENDPOINT is used as is. Headers:
// options.headers, then OTEL_EXPORTER_OTLP_HEADERS ("k=v,k2=v2", values
// percent-decoded; an option wins over the variable for the same name). CA:
// options.ca_file, else OTEL_EXPORTER_OTLP_CERTIFICATE. Deadline:
// OTEL_EXPORTER_OTLP_TIMEOUT (milliseconds) when no option set one. There is
// no default endpoint (the usual localhost:4318 is where the gateway itself
// listens); the caller should refuse an upstream equal to its own address.
struct OtlpUpstream {
  Destination destination;  // endpoint: the base (or the first per-signal URL)
  Setting logs_url, metrics_url, traces_url;
};
bool BuildOtlpUpstream(const DestinationOptions& options, const Config& config, OtlpUpstream* out,
                       std::string* error);

// Parses an OTEL_EXPORTER_OTLP_HEADERS value. False and *error (naming the
// entry's position, never its text) for a malformed entry.
bool ParseOtlpHeaders(const std::string& text, std::vector<Header>* out, std::string* error);

// The senders a destination needs, wired in order: debug log -> HTTP (with
// its spool) or the local file. `target` is what the caller sends to.
struct OpenedDestination {
  std::unique_ptr<sender::Spool> spool;
  std::unique_ptr<sender::Transport> transport;  // only with a stop predicate
  std::unique_ptr<sender::HttpSender> http;
  std::unique_ptr<sender::FileSink> file;
  std::FILE* debug_log = nullptr;
  bool owns_debug_log = false;
  std::unique_ptr<sender::DebugLogSender> debug;
  sender::Sender* target = nullptr;
  ~OpenedDestination();
};
std::unique_ptr<OpenedDestination> OpenDestination(const Destination& d, std::string* error);

}  // namespace telguard

#endif  // TELGUARD_CLIENT_DESTINATION_H_
