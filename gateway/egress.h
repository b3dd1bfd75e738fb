// Where the gateway's filtered requests go: one HttpSender (deadlines,
// retries, 429, circuit) per upstream URL (logs, metrics, traces, events),
// each message sent with its request's own Content-Type, over one spool
// (rows are tagged with their destination, path and content type, so a
// replayed body goes where and as it was meant to), plus a replay thread
// that offers every destination's spooled rows again every replay_interval
// and then returns the process's free heap pages to the system.
//
// Forward() runs the wire check (the credential rules) on the exact bytes it
// is given before any network: a hit drops the body (fail closed).
//
// Thread-safety: Forward may be called from many threads; no lock is held
// across a network call (HttpSender's own rules). Cost: one FindCredential
// pass over the body plus the HTTP call (bounded by the deadline).
#ifndef TELGUARD_GATEWAY_EGRESS_H_
#define TELGUARD_GATEWAY_EGRESS_H_

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gateway/options.h"
#include "gateway/otlp_codec.h"
#include "redaction/scrubber.h"
#include "sender/http_sender.h"
#include "sender/spool.h"

namespace telguard::gateway {

enum class Destination { kLogs, kMetrics, kTraces, kEvents, kCount };

Destination DestinationFor(Signal s);

struct ForwardResult {
  sender::Delivery delivery = sender::Delivery::kDropped;
  std::string reason;  // value-free: "wire check: <rule>", "http 400", ...
};

class Egress {
 public:
  static std::unique_ptr<Egress> Create(const GatewayOptions& o, const redaction::Scrubber& scrubber,
                                        std::string* error);
  ~Egress();

  ForwardResult Forward(Destination d, std::string_view content_type, std::string_view body) noexcept;

  // Stops the replay thread after one last offer of every spool.
  void Shutdown();

 private:
  Egress(const GatewayOptions& o, const redaction::Scrubber& s) : options_(o), scrubber_(s) {}
  void ReplayLoop();

  GatewayOptions options_;
  const redaction::Scrubber& scrubber_;
  std::unique_ptr<sender::Spool> spool_;  // declared before the senders that use it
  std::vector<std::unique_ptr<sender::HttpSender>> routes_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread replay_;
};

}  // namespace telguard::gateway

#endif  // TELGUARD_GATEWAY_EGRESS_H_
