#include "client/local_files.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>


namespace telguard {
namespace {

std::string TempName(const std::string& path) {
  return path + ".tmp-" + std::to_string(::getpid()) + "-" + NewUuidV4().substr(0, 8);
}

bool WriteTemp(const std::string& tmp, const std::string& content, std::string* error) {
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = "cannot write " + tmp + ": " + std::strerror(errno);
    return false;
  }
  const bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    *error = "cannot write " + tmp;
  }
  return ok;
}

}  // namespace

const char kNoticeText[] =
    "telguard: this tool collects anonymous usage telemetry.\n"
    "  Collected: command names and whether they succeeded, allow-listed option names\n"
    "  (never their values), agent, tool and model names, tool call durations, token\n"
    "  counts and estimated cost, session durations and error counts, scrubbed error\n"
    "  messages, a random install id, the tool's version and the OS family.\n"
    "  Never collected: your prompts or any command argument, agent responses, file\n"
    "  contents or paths you give, API keys or credentials, personal data.\n"
    "  Turn it off: TELEMETRY_ENABLED=false (or DO_NOT_TRACK=1), or `telguard consent off`.\n"
    "  Nothing is sent in this run; telemetry starts with the next one.\n";

bool WriteFileAtomic(const std::string& path, const std::string& content, std::string* error) {
  const std::string tmp = TempName(path);
  if (!WriteTemp(tmp, content, error)) return false;
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    *error = "cannot write " + path + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

bool CreateFileOnce(const std::string& path, const std::string& content, std::string* error) {
  const std::string tmp = TempName(path);
  if (!WriteTemp(tmp, content, error)) return false;
  const bool created = ::link(tmp.c_str(), path.c_str()) == 0;
  const int link_errno = errno;
  ::unlink(tmp.c_str());
  if (!created && link_errno != EEXIST) *error = "cannot create " + path + ": " + std::strerror(link_errno);
  return created;
}

std::optional<std::string> ReadSmallFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[256];
  const ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  if (n < 0) return std::nullopt;
  return std::string(buf, static_cast<std::size_t>(n));
}

std::string NewUuidV4() {
  unsigned char b[16];
  std::size_t got = 0;
  while (got < sizeof b) {
    const ssize_t n = ::getrandom(b + got, sizeof b - got, 0);
    if (n > 0) got += static_cast<std::size_t>(n);
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    s.push_back(hex[b[i] >> 4]);
    s.push_back(hex[b[i] & 15]);
  }
  return s;
}

std::string RandomBytes(std::size_t n) {
  std::string b(n, '\0');
  std::size_t got = 0;
  while (got < n) {
    const ssize_t r = ::getrandom(b.data() + got, n - got, 0);
    if (r > 0) got += static_cast<std::size_t>(r);
  }
  return b;
}

namespace {

// Reads `path` if `valid` accepts its content, else creates it once with
// `make()` (another process may win the race: then its file is read).
std::optional<std::string> LoadOrCreate(const Config& config, const AppPaths& paths, const std::string& path,
                                        const std::function<std::optional<std::string>(const std::string&)>& valid,
                                        const std::function<std::string()>& make, std::string* error) {
  if (path.empty()) {
    *error = config.config_root.problem.empty() ? "no config directory" : config.config_root.problem;
    return std::nullopt;
  }
  if (auto c = ReadSmallFile(path)) {
    if (auto v = valid(*c)) return v;
  }
  if (!MakeDirBelow(config.config_root, paths.dir, error)) return std::nullopt;
  const std::string fresh = make();
  if (CreateFileOnce(path, fresh, error)) return valid(fresh);
  if (auto c = ReadSmallFile(path)) return valid(*c);
  return std::nullopt;
}

std::optional<std::string> ValidId(const std::string& c) {
  if (c.size() < 36) return std::nullopt;
  return c.substr(0, 36);
}

}  // namespace

bool RetireSharedIdentity(const Config& config, std::string* error) {
  if (config.config_root.path.empty()) return true;
  for (const char* name : {"/id", "/notice-shown"}) {
    const std::string p = config.config_root.path + name;
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (::unlink(p.c_str()) != 0 && errno != ENOENT) {
      *error = "cannot remove the old shared " + p + ": " + std::strerror(errno);
      return false;
    }
  }
  return true;
}

std::optional<std::string> LoadOrCreateInstallId(const Config& config, const AppPaths& paths, std::string* error) {
  std::string ignored;  // a file that cannot be removed now is tried again next time
  RetireSharedIdentity(config, &ignored);
  return LoadOrCreate(config, paths, paths.id, ValidId, [] { return NewUuidV4() + "\n"; }, error);
}

std::optional<std::string> LoadOrCreatePseudonymKey(const Config& config, const AppPaths& paths,
                                                    std::string* error) {
  auto valid = [](const std::string& c) -> std::optional<std::string> {
    if (c.size() != 32) return std::nullopt;
    return c;
  };
  return LoadOrCreate(config, paths, paths.pseudonym_key, valid, [] { return RandomBytes(32); }, error);
}

std::optional<std::string> ResetInstallId(const Config& config, const AppPaths& paths, bool create,
                                          std::string* error) {
  if (paths.id.empty()) {
    *error = config.config_root.problem.empty() ? "no config directory" : config.config_root.problem;
    return std::nullopt;
  }
  if (!create) {
    if (::unlink(paths.id.c_str()) != 0 && errno != ENOENT) {
      *error = "cannot remove " + paths.id + ": " + std::strerror(errno);
      return std::nullopt;
    }
    return std::string();
  }
  if (!MakeDirBelow(config.config_root, paths.dir, error)) return std::nullopt;
  const std::string id = NewUuidV4();
  if (!WriteFileAtomic(paths.id, id + "\n", error)) return std::nullopt;
  return id;
}

bool ForgetIdentity(const AppPaths& paths, std::string* error) {
  for (const std::string& p : {paths.id, paths.pseudonym_key}) {
    if (!p.empty() && ::unlink(p.c_str()) != 0 && errno != ENOENT) {
      *error = "cannot remove " + p + ": " + std::strerror(errno);
      return false;
    }
  }
  return true;
}

Notice ShowNoticeOnce(const Config& config, const AppPaths& paths, std::FILE* out, std::string* error) {
  error->clear();
  if (config.hide_notice.set && config.hide_notice.on) return Notice::kHidden;
  if (paths.notice.empty()) {
    *error = config.config_root.problem.empty() ? "no config directory" : config.config_root.problem;
    return Notice::kFailed;
  }
  if (ReadSmallFile(paths.notice)) return Notice::kShownBefore;
  if (!MakeDirBelow(config.config_root, paths.dir, error)) return Notice::kFailed;
  // Whoever creates the marker shows the notice: once per app and user,
  // across processes running at the same time.
  if (!CreateFileOnce(paths.notice, "1\n", error)) {
    return error->empty() ? Notice::kShownBefore : Notice::kFailed;
  }
  std::fputs(kNoticeText, out);
  std::fflush(out);
  return Notice::kShownNow;
}

}  // namespace telguard
