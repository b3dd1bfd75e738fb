#include "sender/response_policy.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>

namespace telguard::sender {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<std::string> RetryAfterFromHeaderLine(std::string_view line) {
  constexpr std::string_view kName = "retry-after:";
  if (line.size() < kName.size()) return std::nullopt;
  for (std::size_t i = 0; i < kName.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != kName[i]) return std::nullopt;
  }
  return std::string(line.substr(kName.size(), 128));
}

std::chrono::seconds ParseRetryAfter(std::string_view value, std::int64_t now, std::chrono::seconds cap) {
  const auto clamp = [&](std::int64_t s) {
    return std::chrono::seconds(std::clamp<std::int64_t>(s, 0, cap.count()));
  };
  value = Trim(value);
  if (value.empty() || value.size() > 64) return clamp(kDefaultRetryAfter.count());
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    // delta-seconds; anything longer than the cap is the cap.
    if (value.size() > 12) return cap;
    return clamp(std::stoll(std::string(value)));
  }
  // An HTTP date (IMF-fixdate, RFC 850 or asctime): curl_getdate parses all
  // three. It needs a NUL-terminated copy.
  const std::string copy(value);
  const time_t when = curl_getdate(copy.c_str(), nullptr);
  if (when == -1) return clamp(kDefaultRetryAfter.count());
  std::int64_t wait = 0;
  if (__builtin_sub_overflow(static_cast<std::int64_t>(when), now, &wait)) {
    return static_cast<std::int64_t>(when) > now ? cap : std::chrono::seconds(0);
  }
  return clamp(wait);
}

Decision Classify(int status, std::string_view retry_after, std::int64_t now, std::chrono::seconds cap) {
  Decision d;
  if (status >= 200 && status < 300) {
    d.action = Action::kDelivered;
    return d;
  }
  d.reason = status == 0 ? "network error" : "http " + std::to_string(status);
  if (status == 0 || status == 502 || status == 503 || status == 504) {
    d.action = Action::kRetry;
  } else if (status == 429) {
    d.action = Action::kBackoff;
    d.backoff = ParseRetryAfter(retry_after, now, cap);
    d.reason = "http 429, retry after " + std::to_string(d.backoff.count()) + "s";
  } else if (status >= 300 && status < 400) {
    d.action = Action::kKeep;
    d.reason = "redirect not followed (" + std::to_string(status) + ")";
  } else if (status == 401 || status == 403) {
    d.action = Action::kConfigError;
    d.reason = "http " + std::to_string(status) + " (check the API key)";
  } else if (status >= 400 && status < 500) {
    d.action = Action::kDrop;
  } else {
    d.action = Action::kKeep;  // other 5xx and anything unexpected
  }
  return d;
}

}  // namespace telguard::sender
