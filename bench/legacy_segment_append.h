// The baseline for bench/send_bench.cc: the append path of the spool format
// telguard used before its SQLite spool (per-process append-only segment of
// [magic][u32 length][u32 CRC-32][body] records, one write(2) under an
// flock, optional fdatasync), kept here only so the SQLite spool's cost is
// measured against it in the same run. Nothing else uses it.
#ifndef TELGUARD_BENCH_LEGACY_SEGMENT_APPEND_H_
#define TELGUARD_BENCH_LEGACY_SEGMENT_APPEND_H_

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <string_view>

#include <zlib.h>

namespace telguard::bench {

class LegacySegmentAppend {
 public:
  LegacySegmentAppend(const std::string& dir, bool fsync) : fsync_(fsync) {
    ::mkdir(dir.c_str(), 0700);
    lock_ = ::open((dir + "/append.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    fd_ = ::open((dir + "/seg-00000000000000000001.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  }
  ~LegacySegmentAppend() {
    ::close(fd_);
    ::close(lock_);
  }
  bool Append(std::string_view body) {
    ::flock(lock_, LOCK_EX);
    struct stat st {};
    ::fstat(fd_, &st);  // the old code checked its segment on every append
    std::string rec(12 + body.size(), '\0');
    std::memcpy(rec.data(), "TGS1", 4);
    Put(rec.data() + 4, static_cast<std::uint32_t>(body.size()));
    Put(rec.data() + 8, static_cast<std::uint32_t>(
                            ::crc32(0L, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()))));
    std::memcpy(rec.data() + 12, body.data(), body.size());
    const bool ok = ::write(fd_, rec.data(), rec.size()) == static_cast<ssize_t>(rec.size()) &&
                    (!fsync_ || ::fdatasync(fd_) == 0);
    ::flock(lock_, LOCK_UN);
    return ok;
  }

 private:
  static void Put(char* p, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  }
  bool fsync_;
  int lock_ = -1;
  int fd_ = -1;
};

}  // namespace telguard::bench

#endif  // TELGUARD_BENCH_LEGACY_SEGMENT_APPEND_H_
