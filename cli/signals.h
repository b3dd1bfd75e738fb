// What `send` and `flush` do on SIGTERM, SIGINT and SIGPIPE.
//
// SIGTERM / SIGINT: stop reading the input (the input descriptor is pointed
// at /dev/null from the handler, so a blocked or later read(2) sees the end;
// lines already read are still processed), keep every event read but not yet
// delivered (spooled without network), print the summary, and exit with
// 128 + the signal number (143 for SIGTERM, 130 for SIGINT).
// SIGPIPE: ignored, so a closed stdout, stderr or --debug stream fails the
// write (EPIPE) instead of killing the process.
//
// Not thread-safe: install once, from main's thread, before reading.
#ifndef TELGUARD_CLI_SIGNALS_H_
#define TELGUARD_CLI_SIGNALS_H_

namespace telguard::cli {

// `input_fd` < 0: no input to stop (flush).
void InstallStopHandlers(int input_fd);

// The signal that asked us to stop, or 0.
int StopSignal();

// "SIGTERM", "SIGINT" or "signal N".
const char* StopSignalName();

}  // namespace telguard::cli

#endif  // TELGUARD_CLI_SIGNALS_H_
