#include "sender/curl_transport.h"

#include <curl/curl.h>

#include <algorithm>

#include "sender/response_policy.h"

namespace telguard::sender {
namespace {

struct Exchange {
  std::size_t body_bytes = 0;
  std::size_t max_body = 0;
  int status = 0;  // last final (non-1xx) status line seen
  std::string retry_after;
};

std::size_t OnBody(char*, std::size_t size, std::size_t n, void* user) {
  auto* x = static_cast<Exchange*>(user);
  x->body_bytes += size * n;
  if (x->body_bytes > x->max_body) return 0;  // stop reading: the status is all that matters
  return size * n;
}

// "HTTP/1.1 200 OK" -> 200; 0 for any other line.
int StatusFromLine(std::string_view line) {
  if (line.rfind("HTTP/", 0) != 0) return 0;
  const auto sp = line.find(' ');
  if (sp == std::string_view::npos || sp + 4 > line.size()) return 0;
  int code = 0;
  for (std::size_t i = sp + 1; i < sp + 4; ++i) {
    if (line[i] < '0' || line[i] > '9') return 0;
    code = code * 10 + (line[i] - '0');
  }
  return code;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t n, void* user) {
  auto* x = static_cast<Exchange*>(user);
  const std::string_view line(data, size * n);
  if (const int code = StatusFromLine(line); code >= 200) {
    x->status = code;  // 1xx interim answers are not the answer
    x->retry_after.clear();
  } else if (auto v = RetryAfterFromHeaderLine(line)) {
    x->retry_after = std::move(*v);
  }
  return size * n;
}

Failure Classify(CURLcode c) {
  switch (c) {
    case CURLE_COULDNT_CONNECT: return Failure::kConnectRefused;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return Failure::kDns;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH: return Failure::kTlsVerification;
    case CURLE_SSL_CONNECT_ERROR: return Failure::kTlsHandshake;
    case CURLE_OPERATION_TIMEDOUT: return Failure::kTimeout;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT: return Failure::kConfiguration;
    default: return Failure::kNetwork;
  }
}

}  // namespace

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::unique_ptr<CurlTransport> CurlTransport::Create(const CurlTransportOptions& options, std::string* error) {
  GlobalInit();
  if (options.user_agent.find_first_of("\r\n") != std::string::npos) {
    *error = "user agent holds a line break";
    return nullptr;
  }
  return std::unique_ptr<CurlTransport>(new CurlTransport(options));
}

CurlTransport::~CurlTransport() {
  for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
}

void* CurlTransport::Acquire() {
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!idle_.empty()) {
      void* h = idle_.back();
      idle_.pop_back();
      return h;
    }
  }
  CURL* h = curl_easy_init();
  if (h == nullptr) return nullptr;
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_USERAGENT, o_.user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!o_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, o_.ca_file.c_str());
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o_.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, o_.low_speed_limit);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, o_.low_speed_time_s);
  curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
  return h;
}

void CurlTransport::Release(void* handle, bool reusable) {
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (reusable && idle_.size() < o_.max_idle_handles) {
      idle_.push_back(handle);
      return;
    }
  }
  curl_easy_cleanup(static_cast<CURL*>(handle));  // closes its connection
}

TransportResponse CurlTransport::Post(const TransportRequest& req) noexcept {
  TransportResponse out;
  try {
    const auto left = req.deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) {
      out.error = Failure::kTimeout;
      out.detail = "deadline reached";
      return out;
    }
    auto* h = static_cast<CURL*>(Acquire());
    if (h == nullptr) {
      out.error = Failure::kInternal;
      out.detail = "cannot create an HTTP handle";
      return out;
    }
    const std::string url(req.url);
    const std::string content_type = "Content-Type: " + std::string(req.content_type);
    curl_slist* headers = curl_slist_append(nullptr, content_type.c_str());
    headers = curl_slist_append(headers, "Expect:");
    if (req.headers != nullptr) {
      for (const std::string& line : *req.headers) headers = curl_slist_append(headers, line.c_str());
    }
    Exchange x;
    x.max_body = o_.max_response_bytes;
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    const long ms = std::max<long>(1, static_cast<long>(std::chrono::ceil<std::chrono::milliseconds>(left).count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ms);
    const CURLcode code = curl_easy_perform(h);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
    curl_slist_free_all(headers);
    long connects = 0;
    if (curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK && connects > 0) {
      connections_ += static_cast<std::uint64_t>(connects);
    }
    out.status = x.status;
    out.retry_after = std::move(x.retry_after);
    if (code != CURLE_OK && x.status == 0) {
      out.error = Classify(code);
      out.detail = curl_easy_strerror(code);
    }
    // A failed exchange (even after a 2xx status line) closes its connection.
    Release(h, code == CURLE_OK);
  } catch (...) {
    out.status = 0;
    out.error = Failure::kInternal;
    out.detail = "internal error";
  }
  return out;
}

}  // namespace telguard::sender
