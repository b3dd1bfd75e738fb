// Senders that do not use the network.
//
// FileSink: local-only mode. Each body becomes one line of a JSONL file
// (created 0600), written with a single append so concurrent writers never
// interleave within a line. Events never leave the machine.
//
// DebugLogSender: writes each body, exactly as it will be sent, to a debug
// log, then hands it to the next sender unchanged. Debug never changes where
// events go. The log holds bodies only: no headers, no key, no endpoint.
//
// Thread-safety: both may be called from many threads.
#ifndef TELGUARD_SENDER_SINKS_H_
#define TELGUARD_SENDER_SINKS_H_

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>

#include "sender/sender.h"

namespace telguard::sender {

class FileSink final : public Sender {
 public:
  static std::unique_ptr<FileSink> Open(const std::string& path, std::string* error);
  ~FileSink() override;
  SendResult Send(std::string_view body) noexcept override;

 private:
  explicit FileSink(int fd) : fd_(fd) {}
  int fd_;
};

class DebugLogSender final : public Sender {
 public:
  // `log` is not owned and must outlive this; `next` may be null (log only).
  DebugLogSender(std::FILE* log, Sender* next) : log_(log), next_(next) {}
  SendResult Send(std::string_view body) noexcept override;

 private:
  std::FILE* log_;
  Sender* next_;
  std::mutex mu_;
};

}  // namespace telguard::sender

#endif  // TELGUARD_SENDER_SINKS_H_
