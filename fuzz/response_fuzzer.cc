// Arbitrary server answers (status, header lines such as Retry-After, body)
// fed to the code that interprets them: no crash, and every backoff lies in
// [0, cap].
#include <fuzzer/FuzzedDataProvider.h>

#include "sender/response_policy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider fdp(data, size);
  const int status = fdp.ConsumeIntegralInRange<int>(-10, 1000);
  const std::int64_t now = fdp.ConsumeIntegral<std::int64_t>();
  const auto cap = std::chrono::seconds(fdp.ConsumeIntegralInRange<std::int64_t>(0, 86400 * 7));
  std::string retry_after;
  while (fdp.remaining_bytes() > 0) {
    const std::string header = fdp.ConsumeRandomLengthString(300);
    if (auto v = telguard::sender::RetryAfterFromHeaderLine(header)) {
      if (v->size() > 128) __builtin_trap();
      retry_after = *v;
    }
  }
  const auto d = telguard::sender::Classify(status, retry_after, now, cap);
  if (d.backoff.count() < 0 || d.backoff > cap) __builtin_trap();
  if (d.action == telguard::sender::Action::kDelivered && (status < 200 || status > 299)) __builtin_trap();
  if (d.action == telguard::sender::Action::kBackoff && status != 429) __builtin_trap();
  const auto w = telguard::sender::ParseRetryAfter(retry_after, now, cap);
  if (w.count() < 0 || w > cap) __builtin_trap();
  return 0;
}
