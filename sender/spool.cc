#include "sender/spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <random>

namespace telguard::sender {
namespace {

constexpr std::size_t kNameDigits = 20;

bool IsBodyName(const std::string& n) {
  return n.size() == kNameDigits + 5 && n.compare(kNameDigits, 5, ".json") == 0 &&
         std::all_of(n.begin(), n.begin() + kNameDigits, [](char c) { return c >= '0' && c <= '9'; });
}

std::string SeqName(std::uint64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020llu.json", static_cast<unsigned long long>(seq));
  return buf;
}

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::optional<std::string> ReadAll(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string out;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

void SyncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

std::unique_ptr<Spool> Spool::Open(const std::string& dir, const SpoolOptions& options, std::string* error) {
  // Create parents as needed, each 0700.
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
  // Temporary files are what a crash mid-write leaves: never acknowledged,
  // removed. A claim is what a crash mid-flush leaves: the body was
  // acknowledged, so it goes back under its name (once it is old enough not
  // to belong to a flush running in another process right now).
  if (DIR* d = ::opendir(dir.c_str())) {
    const time_t now = ::time(nullptr);
    while (dirent* e = ::readdir(d)) {
      const std::string n = e->d_name;
      const std::string path = dir + "/" + n;
      if (n.rfind(".tmp-", 0) == 0) {
        ::unlink(path.c_str());
      } else if (n.rfind(".claim-", 0) == 0) {
        struct stat cst {};
        if (::stat(path.c_str(), &cst) == 0 && now - cst.st_ctime > 30) {
          ::rename(path.c_str(), (dir + "/" + n.substr(7)).c_str());
        }
      }
    }
    ::closedir(d);
  }
  std::lock_guard<std::mutex> lock(s->mu_);
  s->RefreshLocked();
  return s;
}

void Spool::RefreshLocked() {
  index_.clear();
  index_bytes_ = 0;
  if (DIR* d = ::opendir(dir_.c_str())) {
    while (dirent* e = ::readdir(d)) {
      const std::string n = e->d_name;
      if (!IsBodyName(n)) continue;
      struct stat st {};
      if (::stat((dir_ + "/" + n).c_str(), &st) != 0) continue;
      const std::uint64_t seq = std::stoull(n.substr(0, kNameDigits));
      index_[seq] = static_cast<std::size_t>(st.st_size);
      index_bytes_ += static_cast<std::size_t>(st.st_size);
      last_seq_ = std::max(last_seq_, seq);
    }
    ::closedir(d);
  }
}

void Spool::EnforceBoundLocked(std::size_t incoming) {
  while (!index_.empty() &&
         (index_.size() + 1 > options_.max_files || index_bytes_ + incoming > options_.max_bytes)) {
    const auto oldest = index_.begin();
    const int rc = ::unlink((dir_ + "/" + SeqName(oldest->first)).c_str());
    if (rc == 0) ++overflow_dropped_;  // ENOENT: another process delivered it
    index_bytes_ -= oldest->second;
    index_.erase(oldest);
  }
}

bool Spool::Append(std::string_view body, std::string* error) {
  std::lock_guard<std::mutex> lock(mu_);
  EnforceBoundLocked(body.size());
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const std::string tmp = dir_ + "/.tmp-" + std::to_string(::getpid()) + "-" + std::to_string(rng());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = std::string("cannot write to the spool: ") + std::strerror(errno);
    return false;
  }
  const bool ok = WriteAll(fd, body) && (!options_.fsync || ::fsync(fd) == 0);
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    *error = "cannot write to the spool: short write";
    return false;
  }
  // Claim the next sequence number; link() fails if another process took it,
  // and then the index is refreshed from the directory.
  for (int attempt = 0; attempt < 100; ++attempt) {
    const std::uint64_t seq = std::max(last_seq_, index_.empty() ? 0 : index_.rbegin()->first) + 1;
    if (::link(tmp.c_str(), (dir_ + "/" + SeqName(seq)).c_str()) == 0) {
      ::unlink(tmp.c_str());
      if (options_.fsync) SyncDir(dir_);
      index_[seq] = body.size();
      index_bytes_ += body.size();
      last_seq_ = seq;
      return true;
    }
    if (errno != EEXIST) break;
    RefreshLocked();
  }
  ::unlink(tmp.c_str());
  *error = std::string("cannot name a spool file: ") + std::strerror(errno);
  return false;
}

FlushStats Spool::Flush(const std::function<SendResult(std::string_view)>& send) {
  FlushStats stats;
  std::lock_guard<std::mutex> lock(mu_);
  RefreshLocked();
  std::vector<std::uint64_t> seqs;
  for (const auto& [seq, size] : index_) seqs.push_back(seq);
  for (const std::uint64_t seq : seqs) {
    const std::string name = SeqName(seq);
    const std::string path = dir_ + "/" + name;
    // Claim the file, so a concurrent flush in another process cannot send
    // it twice: only one rename of the name succeeds.
    const std::string claimed = dir_ + "/.claim-" + name;
    const std::size_t bytes = index_[seq];
    if (::rename(path.c_str(), claimed.c_str()) != 0) {
      index_.erase(seq);
      index_bytes_ -= bytes;
      continue;
    }
    auto body = ReadAll(claimed);
    const SendResult r = body ? send(*body) : SendResult{Delivery::kDropped, "unreadable", 0};
    if (r.delivery == Delivery::kKept) {
      ::rename(claimed.c_str(), path.c_str());  // back in its place, in order
      stats.stopped_because = r.reason;
      break;
    }
    ::unlink(claimed.c_str());
    index_.erase(seq);
    index_bytes_ -= bytes;
    ++(r.delivery == Delivery::kDelivered ? stats.delivered : stats.dropped);
  }
  stats.remaining = index_.size();
  return stats;
}

std::size_t Spool::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return index_.size();
}

std::uint64_t Spool::overflow_dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return overflow_dropped_;
}

}  // namespace telguard::sender
