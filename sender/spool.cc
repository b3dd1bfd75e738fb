#include "sender/spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include <zlib.h>

namespace telguard::sender {
namespace {

constexpr char kMagic[4] = {'T', 'G', 'S', '1'};
constexpr std::size_t kHeader = 12;  // magic, length, CRC-32

std::uint32_t Crc32(std::string_view data) {
  return static_cast<std::uint32_t>(
      ::crc32(0L, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
}

void PutU32(char* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}
std::uint32_t GetU32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

std::string SegName(std::uint64_t seg) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "seg-%020llu.log", static_cast<unsigned long long>(seg));
  return buf;
}

bool ParseSegName(const std::string& n, std::uint64_t* seg) {
  if (n.size() != 28 || n.compare(0, 4, "seg-") != 0 || n.compare(24, 4, ".log") != 0) return false;
  for (std::size_t i = 4; i < 24; ++i) {
    if (n[i] < '0' || n[i] > '9') return false;
  }
  *seg = std::stoull(n.substr(4, 20));
  return true;
}

std::vector<std::uint64_t> Segments(const std::string& dir) {
  std::vector<std::uint64_t> segs;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::uint64_t s;
      if (ParseSegName(e->d_name, &s)) segs.push_back(s);
    }
    ::closedir(d);
  }
  std::sort(segs.begin(), segs.end());
  return segs;
}

bool Before(std::uint64_t s1, std::uint64_t o1, std::uint64_t s2, std::uint64_t o2) {
  return s1 < s2 || (s1 == s2 && o1 < o2);
}

// Holds an flock(2) for a scope.
class FileLock {
 public:
  FileLock(int fd, int op) : fd_(fd), held_(::flock(fd, op) == 0) {}
  ~FileLock() {
    if (held_) ::flock(fd_, LOCK_UN);
  }
  bool held() const { return held_; }

 private:
  int fd_;
  bool held_;
};

bool PreadAll(int fd, char* buf, std::size_t n, std::uint64_t off) {
  while (n > 0) {
    const ssize_t r = ::pread(fd, buf, n, static_cast<off_t>(off));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    buf += r;
    n -= static_cast<std::size_t>(r);
    off += static_cast<std::uint64_t>(r);
  }
  return true;
}

}  // namespace

std::unique_ptr<Spool> Spool::Open(const std::string& dir, const SpoolOptions& options, std::string* error) {
  for (std::size_t i = 1; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') {
      const std::string part = dir.substr(0, i);
      if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) {
        *error = "cannot create spool directory " + part + ": " + std::strerror(errno);
        return nullptr;
      }
    }
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    *error = "spool path is not a directory: " + dir;
    return nullptr;
  }
  if ((st.st_mode & 077) != 0 && ::chmod(dir.c_str(), 0700) != 0) {
    *error = "cannot make spool directory private (0700): " + dir;
    return nullptr;
  }
  std::unique_ptr<Spool> s(new Spool(dir, options));
  s->append_lock_ = ::open((dir + "/append.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  s->flush_lock_ = ::open((dir + "/flush.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (s->append_lock_ < 0 || s->flush_lock_ < 0) {
    *error = "cannot create spool lock files in " + dir + ": " + std::strerror(errno);
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(s->mu_);
  FileLock fl(s->append_lock_, LOCK_EX);
  s->pending_ = s->ScanLocked(&s->pending_bytes_);
  return s;
}

Spool::~Spool() {
  for (int fd : {own_fd_, append_lock_, flush_lock_}) {
    if (fd >= 0) ::close(fd);
  }
}

Spool::Position Spool::ReadCursor() const {
  Position p;
  if (std::FILE* f = std::fopen((dir_ + "/cursor").c_str(), "r")) {
    unsigned long long s = 0, o = 0;
    if (std::fscanf(f, "%llu %llu", &s, &o) == 2) {
      p.segment = s;
      p.offset = o;
    }
    std::fclose(f);
  }
  return p;
}

void Spool::WriteCursor(const Position& p) const {
  const std::string tmp = dir_ + "/cursor.tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  char buf[64];
  const int n = std::snprintf(buf, sizeof buf, "%llu %llu\n", static_cast<unsigned long long>(p.segment),
                              static_cast<unsigned long long>(p.offset));
  const bool ok = ::write(fd, buf, static_cast<std::size_t>(n)) == n && (!options_.fsync || ::fsync(fd) == 0);
  ::close(fd);
  if (ok) ::rename(tmp.c_str(), (dir_ + "/cursor").c_str());
}

std::deque<Spool::Position> Spool::ScanLocked(std::uint64_t* bytes) const {
  std::deque<Position> out;
  *bytes = 0;
  const Position cursor = ReadCursor();
  for (const std::uint64_t seg : Segments(dir_)) {
    if (seg < cursor.segment) continue;
    const int fd = ::open((dir_ + "/" + SegName(seg)).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    struct stat st {};
    ::fstat(fd, &st);
    const auto size = static_cast<std::uint64_t>(st.st_size);
    std::uint64_t pos = seg == cursor.segment ? cursor.offset : 0;
    std::string body;
    while (pos + kHeader <= size) {
      char h[kHeader];
      if (!PreadAll(fd, h, kHeader, pos) || std::memcmp(h, kMagic, 4) != 0) break;
      const std::uint32_t len = GetU32(h + 4);
      if (pos + kHeader + len > size) break;  // torn: the writer died mid-record
      body.resize(len);
      if (!PreadAll(fd, body.data(), len, pos + kHeader) || Crc32(body) != GetU32(h + 8)) break;
      out.push_back({seg, pos, kHeader + len});
      *bytes += kHeader + len;
      pos += kHeader + len;
    }
    ::close(fd);
  }
  return out;
}

bool Spool::OpenOwnSegmentLocked(std::string* error) {
  if (own_fd_ >= 0) ::close(own_fd_);
  own_fd_ = -1;
  const auto segs = Segments(dir_);
  std::uint64_t seg = std::max<std::uint64_t>(segs.empty() ? 0 : segs.back(), ReadCursor().segment) + 1;
  for (int attempt = 0; attempt < 100; ++attempt, ++seg) {
    const int fd = ::open((dir_ + "/" + SegName(seg)).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC,
                          0600);
    if (fd >= 0) {
      own_fd_ = fd;
      own_segment_ = seg;
      return true;
    }
    if (errno != EEXIST) break;
  }
  *error = std::string("cannot create a spool segment: ") + std::strerror(errno);
  return false;
}

void Spool::EnforceBoundLocked(std::size_t incoming) {
  if (pending_.size() + 1 <= options_.max_events && pending_bytes_ + incoming <= options_.max_bytes) return;
  // Drop the oldest: at least what makes room, and a tenth of the bound so
  // a full spool does not rewrite the cursor on every append.
  std::size_t drop = std::max<std::size_t>(1, options_.max_events / 10);
  std::uint64_t freed = 0;
  std::size_t n = 0;
  while (n < pending_.size() &&
         (n < drop || pending_bytes_ - freed + incoming > options_.max_bytes)) {
    freed += pending_[n].length;
    ++n;
  }
  if (n == 0) return;
  const Position& last = pending_[n - 1];
  FileLock fl(append_lock_, LOCK_EX);
  const Position cur = ReadCursor();
  if (Before(cur.segment, cur.offset, last.segment, last.offset + last.length)) {
    WriteCursor({last.segment, last.offset + last.length, 0});
  }
  overflow_dropped_ += n;
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
  pending_bytes_ -= freed;
}

bool Spool::Append(std::string_view body, std::string* error) {
  if (body.size() > 0xFFFFFFF0u) {
    *error = "body too large for the spool";
    return false;
  }
  std::lock_guard<std::mutex> lock(mu_);
  EnforceBoundLocked(body.size() + kHeader);
  FileLock fl(append_lock_, LOCK_EX);
  struct stat st {};
  // A flush in another process may have removed our segment once it was
  // consumed: then start a new one (never write into an unlinked file).
  if (own_fd_ < 0 || ::fstat(own_fd_, &st) != 0 || st.st_nlink == 0 ||
      static_cast<std::size_t>(st.st_size) >= options_.segment_bytes) {
    if (!OpenOwnSegmentLocked(error)) return false;
    ::fstat(own_fd_, &st);
  }
  const auto offset = static_cast<std::uint64_t>(st.st_size);
  std::string record(kHeader + body.size(), '\0');
  std::memcpy(record.data(), kMagic, 4);
  PutU32(record.data() + 4, static_cast<std::uint32_t>(body.size()));
  PutU32(record.data() + 8, Crc32(body));
  std::memcpy(record.data() + kHeader, body.data(), body.size());
  // One write: a record is whole or, if the process dies inside it, torn at
  // the end of this process's segment (and skipped by readers).
  const ssize_t n = ::write(own_fd_, record.data(), record.size());
  if (n != static_cast<ssize_t>(record.size())) {
    const int e = errno;
    if (n > 0) (void)::ftruncate(own_fd_, static_cast<off_t>(offset));
    *error = std::string("cannot write to the spool: ") + (n < 0 ? std::strerror(e) : "short write");
    return false;
  }
  if (options_.fsync && ::fdatasync(own_fd_) != 0) {
    *error = std::string("cannot sync the spool: ") + std::strerror(errno);
    return false;
  }
  pending_.push_back({own_segment_, offset, record.size()});
  pending_bytes_ += record.size();
  return true;
}

FlushStats Spool::Flush(const std::function<SendResult(std::string_view)>& send) {
  FlushStats stats;
  std::lock_guard<std::mutex> lock(mu_);
  FileLock one_flush(flush_lock_, LOCK_EX | LOCK_NB);
  if (!one_flush.held()) {
    stats.stopped_because = "another flush is running";
    stats.remaining = pending_.size();
    return stats;
  }
  std::deque<Position> records;
  {
    FileLock fl(append_lock_, LOCK_EX);
    std::uint64_t bytes = 0;
    records = ScanLocked(&bytes);
  }
  std::string body;
  for (const Position& rec : records) {
    const int fd = ::open((dir_ + "/" + SegName(rec.segment)).c_str(), O_RDONLY | O_CLOEXEC);
    body.resize(rec.length - kHeader);
    const bool read = fd >= 0 && PreadAll(fd, body.data(), body.size(), rec.offset + kHeader);
    if (fd >= 0) ::close(fd);
    if (!read) continue;  // taken by an overflow in another process meanwhile
    const SendResult r = send(body);
    if (r.delivery == Delivery::kKept) {
      stats.stopped_because = r.reason;
      break;
    }
    ++(r.delivery == Delivery::kDelivered ? stats.delivered : stats.dropped);
    // Past this body, at once: it is never sent again.
    FileLock fl(append_lock_, LOCK_EX);
    const Position cur = ReadCursor();
    if (Before(cur.segment, cur.offset, rec.segment, rec.offset + rec.length)) {
      WriteCursor({rec.segment, rec.offset + rec.length, 0});
    }
    // Segments before the cursor's are consumed.
    const std::uint64_t cursor_segment = std::max(cur.segment, rec.segment);
    for (const std::uint64_t seg : Segments(dir_)) {
      if (seg >= cursor_segment) break;
      ::unlink((dir_ + "/" + SegName(seg)).c_str());
    }
  }
  {
    FileLock fl(append_lock_, LOCK_EX);
    pending_ = ScanLocked(&pending_bytes_);
  }
  stats.remaining = pending_.size();
  return stats;
}

std::size_t Spool::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_.size();
}

std::uint64_t Spool::overflow_dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return overflow_dropped_;
}

}  // namespace telguard::sender
