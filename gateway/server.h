// `telguard gateway`: an OTLP/HTTP receiver on 127.0.0.1 that runs every log
// record, metric and span through the agent profiles and forwards what is
// left upstream.
//
//   POST /v1/logs | /v1/metrics | /v1/traces
//     Content-Type application/json or application/x-protobuf (else 415),
//     Content-Encoding gzip or identity (else 415), at most max_body_bytes
//     after decompression, counted while decompressing (else 413);
//     200 + Export*ServiceResponse in the request's encoding, with
//     partial_success (count + value-free message) when whole records were
//     not forwarded; 400 with a value-free message when the body does not
//     decode; 401 without the bearer token (when one is configured);
//     405 for other methods.
//   POST /events/v1/track   docker-agent's {"records":[...]} through the
//     telguard Pipeline (its allow-list and schemas), forwarded one event
//     per request.
//
// Each accepted request is filtered, re-encoded in its own encoding, wire
// checked and forwarded synchronously (HttpSender: deadline, retries, 429,
// circuit; spool when the upstream is away) before the answer, so a 200 means
// "forwarded or spooled": nothing accepted is lost.
//
// Privacy per app (options.h): each request group's app (its profile's
// name, or --app) brings its own consent and pseudonym key; a group whose
// app is off is audited and not forwarded.
//
// Reviewer outputs: every audit record (one per log record, metric, span or
// event) is counted into GatewayStats (value-free: counts, pointers, rule
// ids) and, with report_path, into a report::AuditReport whose HTML page is
// rewritten atomically every report_interval and at stop.
//
// Thread-safety: Run() blocks on the calling thread; Stop() may be called
// from any thread (or a signal-watching thread). Cost: see bench/gateway_bench.
#ifndef TELGUARD_GATEWAY_SERVER_H_
#define TELGUARD_GATEWAY_SERVER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "gateway/options.h"

namespace telguard::gateway {

// What a run did, value-free (the --json summary).
struct GatewayStats {
  std::uint64_t requests = 0;  // requests decoded (OTLP and events)
  std::uint64_t records = 0;   // audit records: log records, metrics, spans, events
  std::uint64_t sent = 0, rejected = 0, dropped = 0;  // by verdict
  std::map<std::string, std::size_t> deliveries;      // forwarded, spooled, dropped, consent-off, ...
  std::map<std::string, std::size_t> removed_fields;  // pointer -> records
  std::map<std::string, std::size_t> redactions;      // rule id -> matches (pseudonym included)
};

class Gateway {
 public:
  // Checks the options, loads the profiles, binds the socket. Null and
  // *error (one line, value-free) on failure.
  static std::unique_ptr<Gateway> Create(const GatewayOptions& options, std::string* error);
  ~Gateway();

  int port() const;                // the bound port (useful with port 0)
  const std::string& host() const;  // the listen address
  // Serves until Stop(); then finishes the requests under way. False when
  // the server could not run.
  bool Run();
  void Stop();
  GatewayStats stats() const;
  // Writes the report now (when report_path is set); false and *error on failure.
  bool WriteReport(std::string* error) const;
  // The apps whose consent is off, "a, b" ("" when none).
  std::string AppsOff() const;

  struct Impl;

 private:
  explicit Gateway(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The whole command: logs a start line, serves until SIGTERM or SIGINT,
// finishes or spools what it holds, logs a stop line. Returns the exit code
// (0 after a signal, 1 when it could not start). `stats`, when given,
// receives what the run did.
int RunGateway(const GatewayOptions& options, GatewayStats* stats = nullptr);

}  // namespace telguard::gateway

#endif  // TELGUARD_GATEWAY_SERVER_H_
