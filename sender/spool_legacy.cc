#include "sender/spool_legacy.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include <zlib.h>

namespace telguard::sender::legacy {
namespace {

constexpr char kMagic[4] = {'T', 'G', 'S', '1'};
constexpr std::size_t kHeader = 12;

std::uint32_t GetU32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

bool ParseSegName(const std::string& n, std::uint64_t* seg) {
  if (n.size() != 28 || n.compare(0, 4, "seg-") != 0 || n.compare(24, 4, ".log") != 0) return false;
  for (std::size_t i = 4; i < 24; ++i) {
    if (n[i] < '0' || n[i] > '9') return false;
  }
  *seg = std::stoull(n.substr(4, 20));
  return true;
}

std::vector<std::pair<std::uint64_t, std::string>> Segments(const std::string& dir) {
  std::vector<std::pair<std::uint64_t, std::string>> segs;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::uint64_t s;
      if (ParseSegName(e->d_name, &s)) segs.emplace_back(s, dir + "/" + e->d_name);
    }
    ::closedir(d);
  }
  std::sort(segs.begin(), segs.end());
  return segs;
}

std::string ReadAll(const std::string& path) {
  std::string out;
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    char buf[65536];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
    std::fclose(f);
  }
  return out;
}

void Shred(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd >= 0) {
    struct stat st {};
    if (::fstat(fd, &st) == 0) {
      const std::string zeros(64 * 1024, '\0');
      for (off_t done = 0; done < st.st_size;) {
        const auto n = std::min<off_t>(st.st_size - done, static_cast<off_t>(zeros.size()));
        if (::pwrite(fd, zeros.data(), static_cast<std::size_t>(n), done) != n) break;
        done += n;
      }
      (void)::fsync(fd);
    }
    ::close(fd);
  }
  ::unlink(path.c_str());
}

}  // namespace

bool Present(const std::string& dir) {
  struct stat st {};
  return !Segments(dir).empty() || ::stat((dir + "/cursor").c_str(), &st) == 0;
}

std::vector<std::string> ReadPending(const std::string& dir) {
  unsigned long long cur_seg = 0, cur_off = 0;
  if (std::FILE* f = std::fopen((dir + "/cursor").c_str(), "r")) {
    if (std::fscanf(f, "%llu %llu", &cur_seg, &cur_off) != 2) cur_seg = cur_off = 0;
    std::fclose(f);
  }
  std::vector<std::string> out;
  for (const auto& [seg, path] : Segments(dir)) {
    if (seg < cur_seg) continue;
    const std::string data = ReadAll(path);
    std::size_t pos = seg == cur_seg ? static_cast<std::size_t>(std::min<unsigned long long>(cur_off, data.size())) : 0;
    while (pos + kHeader <= data.size() && std::memcmp(data.data() + pos, kMagic, 4) == 0) {
      const std::uint32_t len = GetU32(data.data() + pos + 4);
      if (len > data.size() - pos - kHeader) break;  // torn
      const std::string_view body(data.data() + pos + kHeader, len);
      const auto crc = static_cast<std::uint32_t>(
          ::crc32(0L, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size())));
      if (crc != GetU32(data.data() + pos + 8)) break;
      out.emplace_back(body);
      pos += kHeader + len;
    }
  }
  return out;
}

void Remove(const std::string& dir) {
  for (const auto& seg : Segments(dir)) Shred(seg.second);
  for (const char* name : {"cursor", "cursor.tmp", "append.lock", "flush.lock"}) Shred(dir + "/" + name);
}

}  // namespace telguard::sender::legacy
