#include "gateway/egress.h"

#include <malloc.h>

#include <chrono>

namespace telguard::gateway {
namespace {

// The URL of each Destination, in enum order.
constexpr std::string GatewayOptions::*kUrls[] = {&GatewayOptions::logs_url, &GatewayOptions::metrics_url,
                                                  &GatewayOptions::traces_url, &GatewayOptions::events_url};

}  // namespace

Destination DestinationFor(Signal s) {
  return s == Signal::kLogs ? Destination::kLogs : s == Signal::kMetrics ? Destination::kMetrics : Destination::kTraces;
}

std::unique_ptr<Egress> Egress::Create(const GatewayOptions& o, const redaction::Scrubber& scrubber,
                                       std::string* error) {
  auto e = std::unique_ptr<Egress>(new Egress(o, scrubber));
  if (!o.spool_dir.empty()) {
    e->spool_ = sender::Spool::Open(o.spool_dir, {}, error);
    if (!e->spool_) return nullptr;
  }
  for (auto url : kUrls) {
    sender::HttpSenderOptions so = o.http;
    so.endpoint = o.*url;
    so.app = "gateway";
    so.spool = e->spool_.get();
    auto route = sender::HttpSender::Create(so, error);
    if (!route) return nullptr;
    e->routes_.push_back(std::move(route));
  }
  if (!o.spool_dir.empty()) e->replay_ = std::thread([p = e.get()] { p->ReplayLoop(); });
  return e;
}

Egress::~Egress() { Shutdown(); }

void Egress::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (replay_.joinable()) replay_.join();
}

void Egress::ReplayLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, options_.replay_interval, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();  // no lock across the network
    for (auto& r : routes_) (void)r->Flush();
    // glibc keeps what an arena once held: after a burst of large batches
    // the idle gateway would stay at its peak. Give free pages back once
    // per interval (about a millisecond, on this thread, not a worker's).
    malloc_trim(0);
    lock.lock();
  }
}

ForwardResult Egress::Forward(Destination d, std::string_view content_type, std::string_view body) noexcept {
  ForwardResult out;
  bool failed = false;
  const std::string_view rule = scrubber_.FindCredential(body, &failed);
  if (failed || !rule.empty()) {
    out.reason = failed ? "wire check could not run" : "wire check: " + std::string(rule);
    return out;
  }
  sender::SendResult s = routes_[static_cast<std::size_t>(d)]->Send(sender::Message{body, content_type, ""});
  out.delivery = s.delivery;
  out.reason = s.reason;
  return out;
}

}  // namespace telguard::gateway
