#include "gateway/egress.h"

#include <chrono>

namespace telguard::gateway {
namespace {

struct RouteSpec {
  const char* name;  // spool sub-directory
  std::string GatewayOptions::*url;
  const char* content_type;
};

const RouteSpec kRoutes[] = {
    {"logs-json", &GatewayOptions::logs_url, "application/json"},
    {"logs-protobuf", &GatewayOptions::logs_url, "application/x-protobuf"},
    {"metrics-json", &GatewayOptions::metrics_url, "application/json"},
    {"metrics-protobuf", &GatewayOptions::metrics_url, "application/x-protobuf"},
    {"traces-json", &GatewayOptions::traces_url, "application/json"},
    {"traces-protobuf", &GatewayOptions::traces_url, "application/x-protobuf"},
    {"events", &GatewayOptions::events_url, "application/json"},
};

}  // namespace

Destination DestinationFor(Signal s, WireFormat f) {
  const int base = s == Signal::kLogs ? 0 : s == Signal::kMetrics ? 2 : 4;
  return static_cast<Destination>(base + (f == WireFormat::kProtobuf ? 1 : 0));
}

std::unique_ptr<Egress> Egress::Create(const GatewayOptions& o, const redaction::Scrubber& scrubber,
                                       std::string* error) {
  auto e = std::unique_ptr<Egress>(new Egress(o, scrubber));
  sender::GlobalInit();
  for (const RouteSpec& r : kRoutes) {
    Route route;
    if (!o.spool_dir.empty()) {
      route.spool = sender::Spool::Open(o.spool_dir + "/" + r.name, {}, error);
      if (!route.spool) return nullptr;
    }
    sender::HttpSenderOptions so = o.http;
    so.endpoint = o.*r.url;
    so.spool = route.spool.get();
    so.content_type = r.content_type;  // the filtered bytes are sent as they are
    route.sender = sender::HttpSender::Create(so, error);
    if (!route.sender) return nullptr;
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
    for (Route& r : routes_) (void)r.sender->Flush();
    lock.lock();
  }
}

ForwardResult Egress::Forward(Destination d, std::string_view body) noexcept {
  ForwardResult out;
  bool failed = false;
  const std::string_view rule = scrubber_.FindCredential(body, &failed);
  if (failed || !rule.empty()) {
    out.reason = failed ? "wire check could not run" : "wire check: " + std::string(rule);
    return out;
  }
  Route& r = routes_[static_cast<std::size_t>(d)];
  sender::SendResult s = r.sender->Send(body);
  out.delivery = s.delivery;
  out.reason = s.reason;
  return out;
}

}  // namespace telguard::gateway
