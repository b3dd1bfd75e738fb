// Minimal option parsing for the CLI: "--name value", "--name=value" and
// boolean "--flag". Unknown options are usage errors (exit 2).
#ifndef TELGUARD_CLI_ARGS_H_
#define TELGUARD_CLI_ARGS_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace telguard::cli {

struct Args {
  std::map<std::string, std::string> values;
  std::set<std::string> flags;
  std::vector<std::string> positional;

  std::optional<std::string> Get(const std::string& name) const {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  }
  bool Has(const std::string& flag) const { return flags.count(flag) > 0; }
};

// Parses argv[first..argc). `with_value` lists options that take a value,
// `boolean` those that do not. On error returns nullopt and sets *error.
std::optional<Args> ParseArgs(int argc, char** argv, int first, const std::set<std::string>& with_value,
                              const std::set<std::string>& boolean, std::string* error);

// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInput = 1;   // input or output could not be read / written
inline constexpr int kExitUsage = 2;   // bad command line
inline constexpr int kExitFailed = 3;  // send: some events could not be delivered nor spooled

}  // namespace telguard::cli

#endif  // TELGUARD_CLI_ARGS_H_
