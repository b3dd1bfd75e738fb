// The libcurl Transport. Keep-alive on reused easy handles (a small pool, so
// threads do not queue behind one connection; one handle is never used by
// two threads at once), `Expect:` disabled, CURLOPT_NOSIGNAL, redirects never
// followed, HTTPS peer and host verification (a CA file option), only http
// and https, HTTPS_PROXY / NO_PROXY honoured by libcurl. A handle whose
// exchange failed is closed, never reused (a stalled 2xx leaves no half-read
// connection behind).
//
// Cost: one POST on a reused loopback connection is about 40 us (see
// bench/send_bench.cc); a new connection costs a TCP (and TLS) handshake.
// Lock: `pool_mu_` guards the idle-handle list only; it is a leaf (nothing
// else is locked or called while it is held), never held during a transfer.
#ifndef TELGUARD_SENDER_CURL_TRANSPORT_H_
#define TELGUARD_SENDER_CURL_TRANSPORT_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sender/transport.h"

namespace telguard::sender {

struct CurlTransportOptions {
  std::string user_agent = "telguard/0.1.0";
  std::string ca_file;                          // PEM bundle to verify the server with
  std::chrono::milliseconds connect_timeout{250};
  long low_speed_limit = 1;                     // bytes/s below which ...
  long low_speed_time_s = 1;                    // ... for this long aborts
  std::size_t max_response_bytes = 64 * 1024;   // the rest of a body is not read
  std::size_t max_idle_handles = 8;
};

// curl_global_init, once. Create() calls it; a host that starts threads
// before creating a transport should call it first.
void GlobalInit();

class CurlTransport final : public Transport {
 public:
  static std::unique_ptr<CurlTransport> Create(const CurlTransportOptions& options, std::string* error);
  ~CurlTransport() override;

  TransportResponse Post(const TransportRequest& request) noexcept override;
  std::uint64_t connections_opened() const override { return connections_.load(); }

 private:
  explicit CurlTransport(CurlTransportOptions o) : o_(std::move(o)) {}
  void* Acquire();
  void Release(void* handle, bool reusable);

  CurlTransportOptions o_;
  std::mutex pool_mu_;
  std::vector<void*> idle_;
  std::atomic<std::uint64_t> connections_{0};
};

}  // namespace telguard::sender

#endif  // TELGUARD_SENDER_CURL_TRANSPORT_H_
