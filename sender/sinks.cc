#include "sender/sinks.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace telguard::sender {

const char* DeliveryName(Delivery d) {
  switch (d) {
    case Delivery::kDelivered: return "delivered";
    case Delivery::kKept: return "kept";
    case Delivery::kDropped: return "dropped";
  }
  return "dropped";
}

const char* FailureName(Failure f) {
  switch (f) {
    case Failure::kNone: return "none";
    case Failure::kConnectRefused: return "connection refused";
    case Failure::kDns: return "host name not resolved";
    case Failure::kTlsVerification: return "TLS certificate not verified";
    case Failure::kTlsHandshake: return "TLS handshake failed";
    case Failure::kTimeout: return "timeout";
    case Failure::kNetwork: return "network error";
    case Failure::kStatus: return "http status";
    case Failure::kCircuitOpen: return "circuit open";
    case Failure::kBackoff: return "backoff window (429)";
    case Failure::kConfiguration: return "configuration error";
    case Failure::kSpool: return "spool error";
    case Failure::kNoSpool: return "no spool";
    case Failure::kInternal: return "internal error";
  }
  return "internal error";
}

std::unique_ptr<FileSink> FileSink::Open(const std::string& path, std::string* error) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = "cannot open " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  return std::unique_ptr<FileSink>(new FileSink(fd));
}

FileSink::~FileSink() { ::close(fd_); }

SendResult FileSink::Send(std::string_view body) noexcept {
  try {
    std::string line(body);
    line.push_back('\n');
    // One write(2) per line with O_APPEND: lines from concurrent writers do
    // not interleave.
    const ssize_t n = ::write(fd_, line.data(), line.size());
    if (n != static_cast<ssize_t>(line.size())) {
      return {Delivery::kDropped, std::string("file sink: ") + (n < 0 ? std::strerror(errno) : "short write"), 0};
    }
    return {Delivery::kDelivered, "", 0};
  } catch (...) {
    return {Delivery::kDropped, "file sink: internal error", 0};
  }
}

SendResult DebugLogSender::Send(std::string_view body) noexcept {
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::fprintf(log_, "telguard debug: send %.*s\n", static_cast<int>(body.size()), body.data());
    std::fflush(log_);
  }
  if (next_ == nullptr) return {Delivery::kDelivered, "", 0};
  SendResult r = next_->Send(body);
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::fprintf(log_, "telguard debug: result %s%s%s\n", DeliveryName(r.delivery), r.reason.empty() ? "" : ": ",
                 r.reason.c_str());
    std::fflush(log_);
  }
  return r;
}

}  // namespace telguard::sender
