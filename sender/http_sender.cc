#include "sender/http_sender.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "sender/response_policy.h"

namespace telguard::sender {
namespace {

using Clock = std::chrono::steady_clock;

bool IsLoopbackHost(std::string host) {
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
  if (host == "localhost" || host == "[::1]" || host == "::1") return true;
  return host.rfind("127.", 0) == 0;
}

struct Exchange {
  std::size_t body_bytes = 0;
  std::size_t max_body = 0;
  bool truncated = false;
  std::string retry_after;
};

std::size_t OnBody(char*, std::size_t size, std::size_t n, void* user) {
  auto* x = static_cast<Exchange*>(user);
  x->body_bytes += size * n;
  if (x->body_bytes > x->max_body) {
    x->truncated = true;
    return 0;  // stop reading: the answer's status is all that matters
  }
  return size * n;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t n, void* user) {
  auto* x = static_cast<Exchange*>(user);
  if (auto v = RetryAfterFromHeaderLine(std::string_view(data, size * n))) x->retry_after = std::move(*v);
  return size * n;
}

// Certificate and configuration failures do not get better by retrying.
bool Permanent(CURLcode c) {
  return c == CURLE_PEER_FAILED_VERIFICATION || c == CURLE_SSL_CACERT_BADFILE ||
         c == CURLE_SSL_CERTPROBLEM || c == CURLE_UNSUPPORTED_PROTOCOL || c == CURLE_URL_MALFORMAT ||
         c == CURLE_SSL_CONNECT_ERROR;
}

}  // namespace

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct HttpSender::Impl {
  HttpSenderOptions o;
  ReferenceEncoding reference;
  curl_slist* headers = nullptr;
  std::string content_type_header;

  std::mutex pool_mu;
  std::vector<CURL*> idle;

  std::mutex state_mu;
  Clock::time_point blocked_until{};  // circuit open or 429 window
  std::string blocked_reason;
  int consecutive_failures = 0;

  ~Impl() {
    for (CURL* h : idle) curl_easy_cleanup(h);
    curl_slist_free_all(headers);
  }

  const Encoding& encoding() const { return o.encoding ? *o.encoding : reference; }

  CURL* Acquire() {
    {
      std::lock_guard<std::mutex> lock(pool_mu);
      if (!idle.empty()) {
        CURL* h = idle.back();
        idle.pop_back();
        return h;
      }
    }
    CURL* h = curl_easy_init();
    if (h == nullptr) return nullptr;
    curl_easy_setopt(h, CURLOPT_URL, o.endpoint.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_USERAGENT, o.user_agent.c_str());
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!o.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, o.ca_file.c_str());
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout.count()));
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, o.low_speed_limit);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, o.low_speed_time_s);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
    return h;
  }

  void Release(CURL* h) {
    std::lock_guard<std::mutex> lock(pool_mu);
    if (idle.size() < o.max_idle_handles) {
      idle.push_back(h);
    } else {
      curl_easy_cleanup(h);
    }
  }

  // One HTTP exchange. Returns the status (0 when there was none).
  int Perform(CURL* h, const std::string& payload, Clock::duration budget, std::string* retry_after,
              CURLcode* code, std::atomic<std::uint64_t>& connections) {
    Exchange x;
    x.max_body = o.max_response_bytes;
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));
    const long ms = std::max<long>(
        1, static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(budget).count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ms);
    *code = curl_easy_perform(h);
    long connects = 0;
    if (curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK && connects > 0) {
      connections += static_cast<std::uint64_t>(connects);
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    *retry_after = x.retry_after;
    if (*code == CURLE_OK || (*code == CURLE_WRITE_ERROR && x.truncated)) return static_cast<int>(status);
    return 0;
  }

  void OpenDoor() {
    std::lock_guard<std::mutex> lock(state_mu);
    consecutive_failures = 0;
    blocked_until = {};
  }

  void Block(Clock::duration d, std::string reason) {
    std::lock_guard<std::mutex> lock(state_mu);
    blocked_until = std::max(blocked_until, Clock::now() + d);
    blocked_reason = std::move(reason);
  }

  void CountFailure() {
    std::lock_guard<std::mutex> lock(state_mu);
    if (++consecutive_failures >= o.circuit_threshold) {
      blocked_until = std::max(blocked_until, Clock::now() + o.circuit_open);
      blocked_reason = "circuit open";
      consecutive_failures = 0;
    }
  }

  // Delivers one body now, with retries inside the deadline.
  SendResult Deliver(std::string_view body, Clock::time_point deadline, std::atomic<std::uint64_t>& connections) {
    SendResult r;
    CURL* h = Acquire();
    if (h == nullptr) return {Delivery::kKept, "cannot create an HTTP handle", 0};
    const std::string payload = encoding().Encode(body);
    thread_local std::mt19937 rng{std::random_device{}()};
    std::string reason = "deadline reached";
    bool attempted = false;
    for (int attempt = 0; attempt < o.max_attempts; ++attempt) {
      const auto left = deadline - Clock::now();
      if (left <= Clock::duration::zero()) break;
      attempted = true;
      std::string retry_after;
      CURLcode code = CURLE_OK;
      const int status = Perform(h, payload, left, &retry_after, &code, connections);
      r.http_status = status;
      const Decision d = Classify(status, retry_after, static_cast<std::int64_t>(std::time(nullptr)),
                                  o.retry_after_cap);
      reason = status == 0 ? std::string("network: ") + curl_easy_strerror(code) : d.reason;
      if (d.action == Action::kDelivered) {
        Release(h);
        OpenDoor();
        return {Delivery::kDelivered, "", status};
      }
      if (d.action == Action::kDrop) {
        Release(h);
        return {Delivery::kDropped, reason, status};
      }
      if (d.action == Action::kBackoff) {
        Release(h);
        Block(d.backoff, "backoff window (429)");
        return {Delivery::kKept, reason, status};
      }
      if (d.action == Action::kKeep || (status == 0 && Permanent(code))) break;
      // Retry: jittered exponential backoff, only if it fits the deadline.
      const auto base = o.retry_base * (1 << std::min(attempt, 10));
      std::uniform_real_distribution<double> jitter(0.5, 1.5);
      const auto wait = std::chrono::duration_cast<Clock::duration>(base * jitter(rng));
      if (Clock::now() + wait >= deadline) break;
      std::this_thread::sleep_for(wait);
    }
    Release(h);
    if (attempted) CountFailure();
    return {Delivery::kKept, reason, r.http_status};
  }

  // Keeps a body in the spool (or drops it when there is none).
  SendResult Keep(std::string_view body, SendResult r) {
    if (o.spool == nullptr) {
      r.delivery = Delivery::kDropped;
      r.reason += "; no spool";
      return r;
    }
    std::string err;
    if (!o.spool->Append(body, &err)) {
      r.delivery = Delivery::kDropped;
      r.reason += "; " + err;
      return r;
    }
    r.delivery = Delivery::kKept;
    return r;
  }
};

HttpSender::HttpSender(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpSender::~HttpSender() = default;

std::unique_ptr<HttpSender> HttpSender::Create(const HttpSenderOptions& options, std::string* error) {
  GlobalInit();
  auto impl = std::make_unique<Impl>();
  impl->o = options;
  CURLU* url = curl_url();
  char* scheme = nullptr;
  char* host = nullptr;
  const bool parsed = curl_url_set(url, CURLUPART_URL, options.endpoint.c_str(), 0) == CURLUE_OK &&
                      curl_url_get(url, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
                      curl_url_get(url, CURLUPART_HOST, &host, 0) == CURLUE_OK;
  const std::string s = scheme ? scheme : "", hst = host ? host : "";
  curl_free(scheme);
  curl_free(host);
  curl_url_cleanup(url);
  if (!parsed) {
    *error = "endpoint is not a valid URL";
    return nullptr;
  }
  if (s != "http" && s != "https") {
    *error = "endpoint scheme must be http or https";
    return nullptr;
  }
  if (s == "http" && !IsLoopbackHost(hst) && !options.allow_insecure_http) {
    *error = "plain http is allowed only to loopback; use https or allow insecure http explicitly";
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
  if (key.find_first_of("\r\n") != std::string::npos) {
    *error = "API key holds a line break";
    return nullptr;
  }
  impl->content_type_header = "Content-Type: " + std::string(impl->encoding().content_type());
  impl->headers = curl_slist_append(impl->headers, impl->content_type_header.c_str());
  impl->headers = curl_slist_append(impl->headers, "Expect:");
  if (!key.empty()) {
    const std::string h = options.api_key_header + ": " + key;
    impl->headers = curl_slist_append(impl->headers, h.c_str());
  }
  return std::unique_ptr<HttpSender>(new HttpSender(std::move(impl)));
}

SendResult HttpSender::Send(std::string_view body) noexcept {
  try {
    const auto deadline = Clock::now() + impl_->o.deadline;
    {
      std::unique_lock<std::mutex> lock(impl_->state_mu);
      if (Clock::now() < impl_->blocked_until) {
        SendResult r{Delivery::kKept, impl_->blocked_reason, 0};
        // Never hold state_mu while taking the spool's lock: a Flush holds
        // the spool's lock while Deliver takes state_mu (lock-order
        // inversion, found by the gateway's replay thread racing a Send).
        lock.unlock();
        return impl_->Keep(body, r);
      }
    }
    // Spooled bodies go first, so delivery stays in order.
    if (impl_->o.spool != nullptr && !impl_->o.spool->empty()) {
      SendResult kept = impl_->Keep(body, {Delivery::kKept, "", 0});
      if (kept.delivery == Delivery::kDropped) return kept;
      const FlushStats f = impl_->o.spool->Flush(
          [&](std::string_view b) { return impl_->Deliver(b, deadline, connections_); });
      if (f.remaining == 0) return {Delivery::kDelivered, "", 200};
      return {Delivery::kKept, f.stopped_because.empty() ? "spool not drained" : f.stopped_because, 0};
    }
    SendResult r = impl_->Deliver(body, deadline, connections_);
    if (r.delivery == Delivery::kKept) return impl_->Keep(body, r);
    return r;
  } catch (...) {
    return {Delivery::kDropped, "internal error", 0};
  }
}

FlushStats HttpSender::Flush() noexcept {
  try {
    if (impl_->o.spool == nullptr) return {};
    {
      std::unique_lock<std::mutex> lock(impl_->state_mu);
      if (Clock::now() < impl_->blocked_until) {
        FlushStats s;
        s.stopped_because = impl_->blocked_reason;
        lock.unlock();  // the spool's lock is never taken under state_mu (see Send)
        s.remaining = impl_->o.spool->size();
        return s;
      }
    }
    return impl_->o.spool->Flush([&](std::string_view b) {
      return impl_->Deliver(b, Clock::now() + impl_->o.deadline, connections_);
    });
  } catch (...) {
    FlushStats s;
    s.stopped_because = "internal error";
    return s;
  }
}

}  // namespace telguard::sender
