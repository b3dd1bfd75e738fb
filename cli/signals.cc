#include "cli/signals.h"

#include <fcntl.h>
#include <unistd.h>

#include <csignal>

namespace telguard::cli {
namespace {

volatile std::sig_atomic_t g_signal = 0;
int g_input_fd = -1;
int g_devnull = -1;

void OnStop(int sig) {
  g_signal = sig;
  // dup2 is async-signal-safe: the reader's next read(2) (or the one this
  // signal interrupts, retried on EINTR) reads /dev/null, i.e. the end.
  if (g_input_fd >= 0 && g_devnull >= 0) ::dup2(g_devnull, g_input_fd);
}

}  // namespace

void InstallStopHandlers(int input_fd) {
  g_input_fd = input_fd;
  if (g_devnull < 0) g_devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  struct sigaction sa {};
  sa.sa_handler = OnStop;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocked read returns EINTR
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  ::sigaction(SIGPIPE, &ignore, nullptr);
}

int StopSignal() { return g_signal; }

const char* StopSignalName() {
  switch (g_signal) {
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    default: return "a signal";
  }
}

}  // namespace telguard::cli
