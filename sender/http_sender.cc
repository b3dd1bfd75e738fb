#include "sender/http_sender.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "sender/response_policy.h"

namespace telguard::sender {
namespace {

using Clock = std::chrono::steady_clock;

bool IsLoopbackHost(std::string host) {
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
  if (host == "localhost" || host == "[::1]" || host == "::1") return true;
  return host.rfind("127.", 0) == 0;
}

bool ValidPath(std::string_view p) {
  if (p.empty()) return true;
  if (p.size() > 256 || p[0] != '/' || p.find("..") != std::string_view::npos) return false;
  return std::all_of(p.begin(), p.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '/' || c == '.' || c == '_' || c == '~' || c == '-';
  });
}

bool ValidHeaderValue(std::string_view v) {
  return v.size() <= 8192 && std::all_of(v.begin(), v.end(), [](unsigned char c) { return c >= 0x20 && c != 0x7F; });
}

bool ValidHeaderName(std::string_view n) {
  return !n.empty() && n.size() <= 256 && std::all_of(n.begin(), n.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_';
  });
}

// scheme://host[:port]/path?query with scheme and host in lower case and no
// default port; empty when `url` is not a URL. Also returns scheme and host.
std::string CanonicalUrl(const std::string& url, std::string* scheme, std::string* host) {
  CURLU* u = curl_url();
  std::string out;
  char* s = nullptr;
  char* h = nullptr;
  char* full = nullptr;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_SCHEME, &s, 0) == CURLUE_OK && curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK) {
    *scheme = s;
    *host = h;
    std::string lower = *host;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    curl_url_set(u, CURLUPART_HOST, lower.c_str(), 0);
    if (curl_url_get(u, CURLUPART_URL, &full, CURLU_NO_DEFAULT_PORT) == CURLUE_OK) out = full;
  }
  curl_free(s);
  curl_free(h);
  curl_free(full);
  curl_url_cleanup(u);
  return out;
}

std::string FailureReason(const TransportResponse& t) {
  std::string r = std::string("network: ") + FailureName(t.error);
  if (!t.detail.empty()) r += " (" + t.detail + ")";
  return r;
}

}  // namespace

struct HttpSender::Impl {
  HttpSenderOptions o;
  std::string destination;               // canonical endpoint URL
  std::vector<std::string> header_lines; // "Name: value", the API key among them
  std::unique_ptr<Transport> own_transport;
  Transport* transport = nullptr;
  std::atomic<bool> backlog{false};      // the spool may hold rows for this destination

  std::mutex state_mu;  // leaf: see the header
  Clock::time_point blocked_until{};
  std::string blocked_reason;
  Failure blocked_failure = Failure::kNone;
  bool blocked_config = false;
  int consecutive_failures = 0;

  std::string UrlFor(std::string_view path) const {
    if (path.empty()) return destination;
    if (!destination.empty() && destination.back() == '/') return destination + std::string(path.substr(1));
    return destination + std::string(path);
  }

  std::optional<SendResult> Blocked() {
    std::lock_guard<std::mutex> lock(state_mu);
    if (Clock::now() >= blocked_until) return std::nullopt;
    SendResult r{Delivery::kKept, blocked_reason, 0, blocked_failure, blocked_config};
    return r;
  }

  void OpenDoor() {
    std::lock_guard<std::mutex> lock(state_mu);
    consecutive_failures = 0;
    blocked_until = {};
    blocked_config = false;
  }

  void Block(Clock::duration d, std::string reason, Failure f, bool config) {
    std::lock_guard<std::mutex> lock(state_mu);
    blocked_until = std::max(blocked_until, Clock::now() + d);
    blocked_reason = std::move(reason);
    blocked_failure = f;
    blocked_config = config;
  }

  void CountFailure() {
    std::lock_guard<std::mutex> lock(state_mu);
    if (++consecutive_failures >= o.circuit_threshold) {
      blocked_until = std::max(blocked_until, Clock::now() + o.circuit_open);
      blocked_reason = "circuit open";
      blocked_failure = Failure::kCircuitOpen;
      blocked_config = false;
      consecutive_failures = 0;
    }
  }

  // A configuration error: nothing will work until the user fixes it.
  SendResult ConfigError(std::string reason, int status, Failure f) {
    Block(o.circuit_open, "configuration error: " + reason, f, true);
    return {Delivery::kKept, "configuration error: " + reason, status, f, true};
  }

  // One message, now, with retries inside the deadline. No lock held.
  SendResult Deliver(const Message& m, Clock::time_point deadline) {
    thread_local std::mt19937 rng{std::random_device{}()};
    const std::string url = UrlFor(m.path);
    SendResult last{Delivery::kKept, "deadline reached", 0, Failure::kTimeout, false};
    bool attempted = false;
    for (int attempt = 0; attempt < o.max_attempts; ++attempt) {
      if (Clock::now() >= deadline) break;
      attempted = true;
      const TransportResponse t = transport->Post({url, m.content_type, &header_lines, m.body, deadline});
      if (t.status == 0) {
        if (t.error == Failure::kTlsVerification || t.error == Failure::kConfiguration) {
          return ConfigError(FailureName(t.error), 0, t.error);
        }
        last = {Delivery::kKept, FailureReason(t), 0, t.error, false};
        if (t.error == Failure::kTlsHandshake || t.error == Failure::kInternal) break;  // retrying will not help
      } else {
        const Decision d = Classify(t.status, t.retry_after, static_cast<std::int64_t>(std::time(nullptr)),
                                    o.retry_after_cap);
        switch (d.action) {
          case Action::kDelivered:
            OpenDoor();
            return {Delivery::kDelivered, "", t.status, Failure::kNone, false};
          case Action::kDrop: return {Delivery::kDropped, d.reason, t.status, Failure::kStatus, false};
          case Action::kBackoff:
            Block(d.backoff, "backoff window (429)", Failure::kBackoff, false);
            return {Delivery::kKept, d.reason, t.status, Failure::kStatus, false};
          case Action::kConfigError: return ConfigError(d.reason, t.status, Failure::kStatus);
          case Action::kKeep:
          case Action::kRetry: break;
        }
        last = {Delivery::kKept, d.reason, t.status, Failure::kStatus, false};
        if (d.action == Action::kKeep) break;
      }
      // Retry: jittered exponential backoff, only if it fits the deadline.
      const auto base = o.retry_base * (1 << std::min(attempt, 10));
      std::uniform_real_distribution<double> jitter(0.5, 1.5);
      const auto wait = std::chrono::duration_cast<Clock::duration>(base * jitter(rng));
      if (attempt + 1 >= o.max_attempts || Clock::now() + wait >= deadline) break;
      std::this_thread::sleep_for(wait);
    }
    if (attempted) CountFailure();
    return last;
  }

  // Keeps a message in the spool (or says why it could not).
  SendResult Keep(const Message& m, SendResult r) {
    if (o.spool == nullptr) {
      r.delivery = Delivery::kDropped;
      r.reason += r.reason.empty() ? "no spool" : "; no spool";
      if (r.failure == Failure::kNone) r.failure = Failure::kNoSpool;
      return r;
    }
    std::string err;
    if (o.spool->Append({destination, m.path, o.app, m.content_type, m.body}, &err) != SpoolStatus::kOk) {
      r.delivery = Delivery::kDropped;
      r.reason += (r.reason.empty() ? "" : "; ") + err;
      r.failure = Failure::kSpool;
      return r;
    }
    backlog = true;
    r.delivery = Delivery::kKept;
    return r;
  }

  // Replays this destination's rows. `shared_deadline`: every request shares
  // it (inside a Send); otherwise each request gets its own.
  FlushStats Replay(std::optional<Clock::time_point> shared_deadline, const FlushLimits& limits) {
    const FlushStats f = o.spool->Flush(
        destination,
        [&](const SpooledEvent& e) {
          if (auto b = Blocked()) return *b;
          const Message m{e.body, e.content_type, e.path};
          return Deliver(m, shared_deadline.value_or(Clock::now() + o.deadline));
        },
        limits);
    if (f.remaining == 0) backlog = false;
    return f;
  }

  SendResult SendNow(const Message& m) {
    const auto deadline = Clock::now() + o.deadline;
    if (auto b = Blocked()) return Keep(m, *b);
    if (o.spool != nullptr && backlog) {
      // Spooled rows go first, so delivery stays in order.
      const FlushStats f = Replay(deadline, {o.replay_per_send, deadline});
      if (f.remaining > 0) {
        SendResult why{Delivery::kKept, f.stopped_because.empty() ? "spool not drained yet" : f.stopped_because,
                       f.http_status, f.failure, f.configuration_error};
        SendResult kept = Keep(m, why);
        if (kept.delivery == Delivery::kKept) return kept;
        // The spool cannot take it (disk full, ...): deliver it now rather
        // than lose it, out of order.
      }
    }
    SendResult r = Deliver(m, deadline);
    if (r.delivery == Delivery::kKept) return Keep(m, r);
    return r;
  }
};

HttpSender::HttpSender(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpSender::~HttpSender() = default;

std::unique_ptr<HttpSender> HttpSender::Create(const HttpSenderOptions& options, std::string* error) {
  GlobalInit();
  auto impl = std::make_unique<Impl>();
  impl->o = options;
  std::string scheme, host;
  impl->destination = CanonicalUrl(options.endpoint, &scheme, &host);
  if (impl->destination.empty()) {
    *error = "endpoint is not a valid URL";
    return nullptr;
  }
  if (scheme != "http" && scheme != "https") {
    *error = "endpoint scheme must be http or https";
    return nullptr;
  }
  if (scheme == "http" && !IsLoopbackHost(host) && !options.allow_insecure_http) {
    *error = "plain http is allowed only to loopback; use https or allow insecure http explicitly";
    return nullptr;
  }
  if (!ValidHeaderValue(options.content_type) || options.content_type.empty()) {
    *error = "content type is empty or holds a control character";
    return nullptr;
  }
  std::string key;
  if (!options.api_key_env.empty()) {
    const char* v = std::getenv(options.api_key_env.c_str());
    if (v == nullptr || *v == '\0') {
      *error = "API key variable " + options.api_key_env + " is not set";
      return nullptr;
    }
    key = v;
  } else if (!options.api_key_file.empty()) {
    std::ifstream f(options.api_key_file);
    if (!f || !std::getline(f, key) || key.empty()) {
      *error = "cannot read an API key from " + options.api_key_file;
      return nullptr;
    }
  }
  while (!key.empty() && (key.back() == '\r' || key.back() == ' ')) key.pop_back();
  if (!ValidHeaderValue(key)) {
    *error = "API key holds a line break or control character";
    return nullptr;
  }
  if (!key.empty()) impl->header_lines.push_back(options.api_key_header + ": " + key);
  for (const auto& [name, value] : options.headers) {
    if (!ValidHeaderName(name) || !ValidHeaderValue(value)) {
      *error = "header " + (ValidHeaderName(name) ? name : std::string("(invalid name)")) +
               " has an invalid name or value";
      return nullptr;
    }
    impl->header_lines.push_back(name + ": " + value);
  }
  impl->transport = options.transport;
  if (impl->transport == nullptr) {
    CurlTransportOptions t;
    t.user_agent = options.user_agent;
    t.ca_file = options.ca_file;
    t.connect_timeout = options.connect_timeout;
    t.low_speed_limit = options.low_speed_limit;
    t.low_speed_time_s = options.low_speed_time_s;
    t.max_response_bytes = options.max_response_bytes;
    t.max_idle_handles = options.max_idle_handles;
    impl->own_transport = CurlTransport::Create(t, error);
    if (!impl->own_transport) return nullptr;
    impl->transport = impl->own_transport.get();
  }
  if (options.spool != nullptr) {
    (void)options.spool->AdoptLegacy(impl->destination);
    impl->backlog = options.spool->has(impl->destination);
  }
  return std::unique_ptr<HttpSender>(new HttpSender(std::move(impl)));
}

SendResult HttpSender::Send(std::string_view body) noexcept {
  return Send(Message{body, impl_->o.content_type, ""});
}

SendResult HttpSender::Send(const Message& m) noexcept {
  try {
    if (!ValidPath(m.path) || m.content_type.empty() || !ValidHeaderValue(m.content_type)) {
      return {Delivery::kDropped, "invalid path or content type", 0, Failure::kConfiguration, true};
    }
    return impl_->SendNow(m);
  } catch (...) {
    return {Delivery::kDropped, "internal error", 0, Failure::kInternal, false};
  }
}

SendResult HttpSender::Keep(std::string_view body, std::string_view reason) noexcept {
  try {
    return impl_->Keep(Message{body, impl_->o.content_type, ""},
                       {Delivery::kKept, std::string(reason), 0, Failure::kNone, false});
  } catch (...) {
    return {Delivery::kDropped, "internal error", 0, Failure::kInternal, false};
  }
}

FlushStats HttpSender::Flush() noexcept {
  try {
    if (impl_->o.spool == nullptr) return {};
    if (auto b = impl_->Blocked()) {
      FlushStats s;
      s.remaining = impl_->o.spool->size(impl_->destination);
      s.stopped_because = b->reason;
      s.failure = b->failure;
      s.configuration_error = b->configuration_error;
      return s;
    }
    return impl_->Replay(std::nullopt, {});
  } catch (...) {
    FlushStats s;
    s.stopped_because = "internal error";
    s.failure = Failure::kInternal;
    return s;
  }
}

const std::string& HttpSender::destination() const { return impl_->destination; }

std::uint64_t HttpSender::connections_opened() const { return impl_->transport->connections_opened(); }

}  // namespace telguard::sender
