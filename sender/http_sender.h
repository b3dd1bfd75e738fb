// The libcurl HTTP sender: POSTs each body to the endpoint, bounded in time
// whatever the endpoint does, and keeps what it cannot deliver in a Spool.
//
//   HttpSenderOptions o;
//   o.endpoint = "https://telemetry.example/v1/events";
//   o.spool = spool.get();
//   auto s = HttpSender::Create(o, &error);
//   SendResult r = s->Send(body);   // never throws, returns within o.deadline
//
// Behaviour (sender-rules.md): keep-alive on reused easy handles (a small
// pool, so threads do not queue behind one connection), `Expect:` disabled,
// CURLOPT_NOSIGNAL, redirects never followed, HTTPS verified (CA file
// option), plain http only to loopback unless allow_insecure_http,
// HTTPS_PROXY / NO_PROXY honoured by libcurl. Failures follow
// response_policy.h; a 429 or `circuit_threshold` failed sends in a row close
// the door until a time, and until then Send() returns at once (kKept) with
// no network. The API key is read once (from an environment variable or a
// file) and is never logged.
//
// Thread-safety: Send() and Flush() may be called from any number of threads.
// curl_global_init runs once, on the first Create(); a host that starts
// threads before that should call GlobalInit() first.
#ifndef TELGUARD_SENDER_HTTP_SENDER_H_
#define TELGUARD_SENDER_HTTP_SENDER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "sender/encoding.h"
#include "sender/sender.h"
#include "sender/spool.h"

namespace telguard::sender {

struct HttpSenderOptions {
  std::string endpoint;                 // http(s)://host[:port]/path
  std::string user_agent = "telguard/0.1.0";
  std::string api_key_header = "x-api-key";
  std::string api_key_env;              // name of an environment variable holding the key
  std::string api_key_file;             // or a file holding it (first line)
  std::string ca_file;                  // PEM bundle to verify the server with
  bool allow_insecure_http = false;     // plain http to a non-loopback host
  std::chrono::milliseconds connect_timeout{250};
  std::chrono::milliseconds deadline{1000};  // whole Send(), retries included
  long low_speed_limit = 1;                  // bytes/s below which ...
  long low_speed_time_s = 1;                 // ... for this long aborts
  int max_attempts = 4;                      // per Send(), inside the deadline
  std::chrono::milliseconds retry_base{20};  // jittered exponential backoff base
  int circuit_threshold = 3;                 // failed Send()s in a row that open the circuit
  std::chrono::milliseconds circuit_open{30000};
  std::chrono::seconds retry_after_cap{86400};
  std::size_t max_response_bytes = 64 * 1024;  // the rest of a body is not read
  std::size_t max_idle_handles = 8;
  Spool* spool = nullptr;                      // not owned; null: undelivered is dropped
  const Encoding* encoding = nullptr;          // null: ReferenceEncoding
};

void GlobalInit();

class HttpSender final : public Sender {
 public:
  static std::unique_ptr<HttpSender> Create(const HttpSenderOptions& options, std::string* error);
  ~HttpSender() override;

  SendResult Send(std::string_view body) noexcept override;

  // Delivers the spool in order (bounded by the deadline per body); stops at
  // the first body that cannot be delivered.
  FlushStats Flush() noexcept;

  // New TCP connections opened so far (to prove keep-alive).
  std::uint64_t connections_opened() const { return connections_.load(); }

 private:
  struct Impl;
  explicit HttpSender(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::atomic<std::uint64_t> connections_{0};
};

}  // namespace telguard::sender

#endif  // TELGUARD_SENDER_HTTP_SENDER_H_
