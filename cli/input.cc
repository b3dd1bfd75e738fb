#include "cli/input.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace telguard::cli {

InputSource::~InputSource() {
  if (owned && fd >= 0) ::close(fd);
}

std::optional<std::string> OpenInput(const std::string& path, InputSource* in) {
  if (path.empty() || path == "-") {
    in->fd = 0;
    in->name = "stdin";
    return std::nullopt;
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "cannot open " + path + ": " + std::strerror(errno);
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return "cannot read " + path + ": it is a directory; give a file, or - for stdin";
  }
  in->fd = fd;
  in->owned = true;
  in->name = path;
  return std::nullopt;
}

void HintIfTerminal(const char* command, const InputSource& in) {
  if (in.fd == 0 && ::isatty(0) == 1) {
    std::fprintf(stderr,
                 "telguard %s: reading from the terminal; end with Ctrl-D, or pass --input PATH "
                 "(see 'telguard %s --help')\n",
                 command, command);
  }
}

std::optional<std::string> OpenText(std::string_view text, InputSource* in) {
  // The embedded example is small; a temporary file keeps one code path
  // (LineReader over a descriptor) for every input.
  std::FILE* f = std::tmpfile();
  if (f == nullptr) return std::string("cannot create a temporary file: ") + std::strerror(errno);
  std::fwrite(text.data(), 1, text.size(), f);
  std::fflush(f);
  std::rewind(f);
  in->fd = ::dup(fileno(f));
  std::fclose(f);
  in->owned = true;
  in->name = "embedded example";
  return std::nullopt;
}

std::FILE* OpenAudit(const std::string& path, std::string* error) {
  std::FILE* f = path == "-" ? stdout : std::fopen(path.c_str(), "w");
  if (f == nullptr) *error = "cannot write " + path + ": " + std::strerror(errno);
  return f;
}

void CloseAudit(std::FILE* f) {
  if (f != nullptr && f != stdout) std::fclose(f);
}

}  // namespace telguard::cli
