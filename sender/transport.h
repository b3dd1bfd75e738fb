// The transport: one HTTP POST of opaque bytes, bounded in time, and a
// classified outcome. It knows nothing of retries, 429 windows, circuits or
// the spool: those delivery rules live in HttpSender, over any Transport, so
// tests, the client and the gateway can inject another one.
//
//   TransportRequest req{url, "application/json", headers, body, deadline};
//   TransportResponse r = transport->Post(req);  // never throws
//   if (r.status >= 200 && r.status < 300) { ... delivered ... }
//
// Contract: Post() returns by `deadline` (plus scheduling slack), never
// follows redirects, never logs the body, headers or response. `status` is
// the final HTTP status line seen (0 when none): a 2xx status line counts even
// when the response body then stalls or is cut (the connection is closed).
// Thread-safety: Post() may be called from many threads at once.
#ifndef TELGUARD_SENDER_TRANSPORT_H_
#define TELGUARD_SENDER_TRANSPORT_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sender/sender.h"

namespace telguard::sender {

struct TransportRequest {
  std::string_view url;           // absolute http(s) URL
  std::string_view content_type;  // e.g. "application/json"
  const std::vector<std::string>* headers = nullptr;  // extra "Name: value" lines, may be null
  std::string_view body;
  std::chrono::steady_clock::time_point deadline;
};

struct TransportResponse {
  int status = 0;                   // final HTTP status, 0 when no status line arrived
  Failure error = Failure::kNone;   // when status == 0: why (kConnectRefused, kDns, kTimeout, ...)
  std::string retry_after;          // raw Retry-After value (at most 128 bytes), if any
  std::string detail;               // a fixed library message for the error; never data
};

class Transport {
 public:
  virtual ~Transport() = default;
  [[nodiscard]] virtual TransportResponse Post(const TransportRequest& request) noexcept = 0;
  // New connections opened so far (to prove keep-alive); 0 when unknown.
  virtual std::uint64_t connections_opened() const { return 0; }
};

}  // namespace telguard::sender

#endif  // TELGUARD_SENDER_TRANSPORT_H_
