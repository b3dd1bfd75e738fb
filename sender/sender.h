// Where events go after the privacy pipeline. A Sender takes one request
// body at a time (the exact bytes the pipeline produced) and says what became
// of it. Implementations: HttpSender (libcurl), FileSink (local-only JSONL),
// DebugLogSender (writes each body to a debug log, then forwards it).
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
  kDropped,    // will never be delivered (4xx other than 429, no spool, ...)
};

const char* DeliveryName(Delivery d);

struct SendResult {
  Delivery delivery = Delivery::kDropped;
  // Why, when not delivered: "http 400", "timeout", "circuit open",
  // "backoff window (429)", ... Never a URL, header, body or key.
  std::string reason;
  int http_status = 0;  // last HTTP status seen, 0 when none
};

class Sender {
 public:
  virtual ~Sender() = default;
  [[nodiscard]] virtual SendResult Send(std::string_view body) noexcept = 0;
};

}  // namespace telguard::sender

#endif  // TELGUARD_SENDER_SENDER_H_
