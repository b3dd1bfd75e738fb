// What to do with an HTTP answer (or its absence): a pure function, so it is
// unit-tested and fuzzed on its own (sender-rules.md, "Status codes").
//
//   2xx                     delivered
//   network error, 502-504  retry (bounded, jittered, inside the deadline),
//                           then keep
//   429                     keep; no network until Retry-After (seconds or
//                           HTTP date; garbage -> 60 s; capped)
//   3xx                     not followed; keep (a misconfigured endpoint
//                           must not lose events)
//   401, 403                configuration error: keep, report, no network
//                           until the circuit's time has passed
//   other 4xx               drop (the server will never accept it)
//   other 5xx               keep
#ifndef TELGUARD_SENDER_RESPONSE_POLICY_H_
#define TELGUARD_SENDER_RESPONSE_POLICY_H_

#include <chrono>
#include <optional>
#include <cstdint>
#include <string>
#include <string_view>

namespace telguard::sender {

enum class Action { kDelivered, kRetry, kBackoff, kKeep, kDrop, kConfigError };

struct Decision {
  Action action = Action::kKeep;
  // For kBackoff: how long to stay away from the endpoint.
  std::chrono::seconds backoff{0};
  std::string reason;  // "http 503", "redirect not followed (302)", ...
};

// Default wait when Retry-After is absent or unparseable.
inline constexpr std::chrono::seconds kDefaultRetryAfter{60};

// `status` is the HTTP status, or 0 for a network-level failure.
// `retry_after` is the raw header value (may be empty). `now` is the current
// Unix time in seconds (for HTTP-date values). `cap` bounds any backoff.
Decision Classify(int status, std::string_view retry_after, std::int64_t now,
                  std::chrono::seconds cap);

// The value of a "Retry-After:" header line (any case), or nullopt when the
// line is another header. At most 128 bytes of the value are kept.
std::optional<std::string> RetryAfterFromHeaderLine(std::string_view line);

// Parses a Retry-After value: delta-seconds or an HTTP date. Returns the
// wait, clamped to [0, cap]; kDefaultRetryAfter (clamped) when unparseable.
std::chrono::seconds ParseRetryAfter(std::string_view value, std::int64_t now, std::chrono::seconds cap);

}  // namespace telguard::sender

#endif  // TELGUARD_SENDER_RESPONSE_POLICY_H_
