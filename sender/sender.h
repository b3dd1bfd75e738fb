// Where events go after the privacy pipeline. A Sender takes one request
// body at a time (the exact bytes the pipeline produced) and says what became
// of it. Implementations: HttpSender (delivery rules over a Transport),
// FileSink (local-only JSONL), DebugLogSender (writes each body to a debug
// log, then forwards it).
//
// Contract: Send() never throws, never aborts, and returns within the
// implementation's deadline. Thread-safety: every implementation here may be
// called from many threads at once.
#ifndef TELGUARD_SENDER_SENDER_H_
#define TELGUARD_SENDER_SENDER_H_

#include <string>
#include <string_view>

namespace telguard::sender {

enum class Delivery {
  kDelivered,  // the endpoint accepted it (2xx), or the sink wrote it
  kKept,       // not delivered now; kept in the spool for a later send/flush
  kDropped,    // will never be delivered (4xx other than 401/403/429, no spool, ...)
};

const char* DeliveryName(Delivery d);

// Why a body was not delivered (what the caller prints; never a value).
enum class Failure {
  kNone,
  kConnectRefused,   // nothing listens there (or the host is unreachable)
  kDns,              // the host name did not resolve
  kTlsVerification,  // the certificate did not verify: a configuration error
  kTlsHandshake,     // TLS could not be negotiated
  kTimeout,          // the deadline passed
  kNetwork,          // another transport error
  kStatus,           // the server answered with a non-2xx status (see http_status)
  kCircuitOpen,      // no network: too many failures in a row
  kBackoff,          // no network: inside a 429 Retry-After window
  kConfiguration,    // bad URL or transport configuration
  kSpool,            // the spool could not keep it (see reason)
  kNoSpool,          // not delivered and there is no spool
  kInternal,
};

const char* FailureName(Failure f);

struct SendResult {
  Delivery delivery = Delivery::kDropped;
  // Why, when not delivered: "http 400", "timeout", "circuit open",
  // "backoff window (429)", ... Never a URL, header, body or key.
  std::string reason;
  int http_status = 0;  // last HTTP status seen, 0 when none
  Failure failure = Failure::kNone;
  // 401, 403 or a TLS verification failure: nothing will be delivered until
  // the user fixes the key, the CA or the endpoint. The event is kept; the
  // caller reports it and exits non-zero.
  bool configuration_error = false;
};

class Sender {
 public:
  virtual ~Sender() = default;
  [[nodiscard]] virtual SendResult Send(std::string_view body) noexcept = 0;
};

}  // namespace telguard::sender

#endif  // TELGUARD_SENDER_SENDER_H_
