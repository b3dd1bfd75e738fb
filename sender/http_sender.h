// The HTTP sender: the delivery rules (sender-rules.md) over a Transport.
// POSTs each body to the endpoint, bounded in time whatever the endpoint
// does, and keeps what it cannot deliver in a Spool, tagged with this
// sender's destination so no other endpoint ever receives it.
//
//   HttpSenderOptions o;
//   o.endpoint = "https://telemetry.example/v1/events";
//   o.spool = spool.get();
//   auto s = HttpSender::Create(o, &error);
//   SendResult r = s->Send(body);   // never throws, returns within o.deadline
//   SendResult g = s->Send({body, "application/x-protobuf", "/v1/logs"});
//
// The sender sends opaque bytes with a content type (encoding is the
// pipeline's or the gateway's job). A message's `path` is appended to the
// endpoint (an OTLP base URL + "/v1/logs"); `headers` are added to every
// request (an upstream's own headers); the API key is read once (from an
// environment variable or a file) and is never logged.
//
// Rules (response_policy.h): 2xx delivered (a 2xx status line counts even if
// the body then stalls); network errors and 502/503/504 retried with
// jittered backoff inside the deadline, then kept; 429 keeps the event and
// opens a window (Retry-After) with no network until it ends; 401/403 and a
// TLS verification failure are configuration errors: kept, flagged
// (SendResult::configuration_error) and the circuit opened; other 4xx
// dropped; 3xx and other 5xx kept. `circuit_threshold` failed sends in a row
// open the circuit for `circuit_open`; meanwhile Send() keeps the event at
// once (the cost of one spool append) and Flush() does nothing.
// While the spool holds rows for this destination, Send() first replays up to
// `replay_per_send` of them (inside its deadline) so delivery stays in order;
// Flush() replays all of them with a fresh deadline per request.
//
// Thread-safety: Send() and Flush() may be called from any number of threads.
// Locks: `state_mu` (the circuit/429 window) is a leaf, held only to read or
// update that state: never across a Transport call, a Spool call or a sleep.
// The Spool's and the Transport's locks are never taken while it is held, and
// this sender never holds a lock while calling them (see spool.h).
#ifndef TELGUARD_SENDER_HTTP_SENDER_H_
#define TELGUARD_SENDER_HTTP_SENDER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sender/curl_transport.h"
#include "sender/sender.h"
#include "sender/spool.h"
#include "sender/transport.h"

namespace telguard::sender {

struct HttpSenderOptions {
  std::string endpoint;                 // http(s)://host[:port]/path
  std::string app = "telguard";         // the app whose events these are (spool rows, Purge)
  std::string content_type = "application/json";  // for Send(body)
  std::string user_agent = "telguard/0.1.0";
  std::string api_key_header = "x-api-key";
  std::string api_key_env;              // name of an environment variable holding the key
  std::string api_key_file;             // or a file holding it (first line)
  std::vector<std::pair<std::string, std::string>> headers;  // sent with every request
  std::string ca_file;                  // PEM bundle to verify the server with
  bool allow_insecure_http = false;     // plain http to a non-loopback host
  std::chrono::milliseconds connect_timeout{250};
  std::chrono::milliseconds deadline{1000};  // one Send(), retries included; one request in Flush()
  long low_speed_limit = 1;                  // bytes/s below which ...
  long low_speed_time_s = 1;                 // ... for this long aborts
  int max_attempts = 4;                      // per request, inside the deadline
  std::chrono::milliseconds retry_base{20};  // jittered exponential backoff base
  int circuit_threshold = 3;                 // failed sends in a row that open the circuit
  std::chrono::milliseconds circuit_open{30000};
  std::chrono::seconds retry_after_cap{86400};
  std::size_t max_response_bytes = 64 * 1024;  // the rest of a body is not read
  std::size_t max_idle_handles = 8;
  std::size_t replay_per_send = 32;            // spooled rows a Send() replays first, at most
  Spool* spool = nullptr;                      // not owned; null: undelivered is dropped
  Transport* transport = nullptr;              // not owned; null: a CurlTransport from the fields above
};

// One request: opaque bytes, their content type, and a path appended to the
// endpoint ("" for the endpoint itself; else "/" and [A-Za-z0-9/._~-], no "..").
struct Message {
  std::string_view body;
  std::string_view content_type;
  std::string_view path;
};

class HttpSender final : public Sender {
 public:
  static std::unique_ptr<HttpSender> Create(const HttpSenderOptions& options, std::string* error);
  ~HttpSender() override;

  // Send(body) is Send({body, options.content_type, ""}).
  SendResult Send(std::string_view body) noexcept override;
  SendResult Send(const Message& message) noexcept;

  // Keeps a body in the spool with no network (a host that is stopping):
  // kKept with `reason`, or kDropped saying why the spool could not.
  SendResult Keep(std::string_view body, std::string_view reason) noexcept;

  // Delivers this destination's spooled rows in order, a deadline per
  // request; stops at the first that cannot be delivered.
  FlushStats Flush() noexcept;

  // The canonical endpoint URL: the spool's `destination` for this sender.
  const std::string& destination() const;

  // New TCP connections opened so far (to prove keep-alive).
  std::uint64_t connections_opened() const;

 private:
  struct Impl;
  explicit HttpSender(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace telguard::sender

#endif  // TELGUARD_SENDER_HTTP_SENDER_H_
