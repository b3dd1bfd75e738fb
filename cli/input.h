// Opens the input a subcommand reads: a path, "-" for stdin, or the embedded
// example session.
#ifndef TELGUARD_CLI_INPUT_H_
#define TELGUARD_CLI_INPUT_H_

#include <cstdio>
#include <optional>
#include <string>

#include "pipeline/line_reader.h"

namespace telguard::cli {

struct InputSource {
  int fd = -1;
  bool owned = false;
  std::string name;  // for messages
  ~InputSource();
};

// "-" or empty: stdin. Returns the error (naming the path) when the path
// can't be opened or is a directory.
std::optional<std::string> OpenInput(const std::string& path, InputSource* in);

// When `in` is stdin and stdin is a terminal, says on stderr that the command
// waits for input and how to end it; otherwise does nothing.
void HintIfTerminal(const char* command, const InputSource& in);

// Opens a temporary file that yields `text` (the embedded example).
std::optional<std::string> OpenText(std::string_view text, InputSource* in);

// Where --audit records go: stdout for "-", else the file (truncated).
// Null and *error when it cannot be written. CloseAudit closes a file only.
std::FILE* OpenAudit(const std::string& path, std::string* error);
void CloseAudit(std::FILE* f);

}  // namespace telguard::cli

#endif  // TELGUARD_CLI_INPUT_H_
