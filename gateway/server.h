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
// Thread-safety: Run() blocks on the calling thread; Stop() may be called
// from any thread (or a signal-watching thread). Cost: see bench/gateway_bench.
#ifndef TELGUARD_GATEWAY_SERVER_H_
#define TELGUARD_GATEWAY_SERVER_H_

#include <memory>
#include <string>

#include "gateway/options.h"

namespace telguard::gateway {

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

  struct Impl;

 private:
  explicit Gateway(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The whole command: logs a start line, serves until SIGTERM or SIGINT,
// finishes or spools what it holds, logs a stop line. Returns the exit code
// (0 after a signal, 1 when it could not start).
int RunGateway(const GatewayOptions& options);

}  // namespace telguard::gateway

#endif  // TELGUARD_GATEWAY_SERVER_H_
