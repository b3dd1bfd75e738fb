#include "pipeline/line_reader.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace telguard {
namespace {
constexpr std::size_t kChunk = 64 * 1024;
}  // namespace

LineReader::LineReader(int fd, std::size_t max_line_bytes) : fd_(fd), max_(max_line_bytes) {}

bool LineReader::Fill() {
  if (eof_) return false;
  if (pos_ > 0) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  const std::size_t old = buf_.size();
  buf_.resize(old + kChunk);
  ssize_t n;
  do {
    n = ::read(fd_, buf_.data() + old, kChunk);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    error_ = std::strerror(errno);
    buf_.resize(old);
    eof_ = true;
    return false;
  }
  buf_.resize(old + static_cast<std::size_t>(n));
  if (n == 0) eof_ = true;
  return n > 0;
}

LineReader::Status LineReader::Next(std::string* line, std::uint64_t* line_no) {
  bool too_long = false;
  for (;;) {
    const std::size_t nl = buf_.find('\n', pos_);
    if (nl != std::string::npos) {
      const std::size_t len = nl - pos_;
      *line_no = ++line_no_;
      if (too_long || len > max_) {
        pos_ = nl + 1;
        line->clear();
        return Status::kTooLong;
      }
      line->assign(buf_, pos_, len);
      pos_ = nl + 1;
      return Status::kLine;
    }
    // No newline yet: drop what is already over the cap.
    if (buf_.size() - pos_ > max_) {
      too_long = true;
      buf_.clear();
      pos_ = 0;
    }
    if (!Fill()) {
      if (!error_.empty()) return Status::kError;
      if (buf_.size() > pos_ || too_long) {  // last line without '\n'
        *line_no = ++line_no_;
        const std::size_t len = buf_.size() - pos_;
        const bool over = too_long || len > max_;
        if (!over) line->assign(buf_, pos_, len);
        buf_.clear();
        pos_ = 0;
        return over ? Status::kTooLong : Status::kLine;
      }
      return Status::kEnd;
    }
  }
}

}  // namespace telguard
