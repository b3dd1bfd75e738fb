// The telguard command line: one CLI11 application that every subcommand
// registers itself on, so `--help`, `telguard help CMD`, the man page and the
// shell completions all come from the same option definitions.
//
// Adding an option to a subcommand is one line in that subcommand's Add*()
// function, next to the struct field it fills, e.g.
//   c->add_flag("--json", o->json, "print the summary as one JSON object");
//
// Contract:
// - Parsing errors exit 2 (kExitUsage) with one line naming the option and the
//   fix, and a pointer to `telguard CMD --help`. A single-value option given
//   twice is refused (CLI11's default policy), conflicts are declared with
//   `excludes`, and an unexpected argument is named (truncated to 64 bytes).
// - `-h/--help` (stdout, exit 0) on every subcommand; `--version` at the top.
// - Each subcommand's run function is called at most once, after a clean
//   parse, and its return value is the process exit code.
// Cost: building the application allocates a few kilobytes; nothing is read
// from disk or the environment until a run function is called.
#ifndef TELGUARD_CLI_APP_H_
#define TELGUARD_CLI_APP_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

namespace telguard::cli {

// Exit codes shared by every subcommand (README "Exit codes" lists them).
inline constexpr int kExitOk = 0;
inline constexpr int kExitInput = 1;   // input or output could not be read / written
inline constexpr int kExitUsage = 2;   // bad command line
inline constexpr int kExitFailed = 3;  // send: some events could not be delivered nor spooled

class Cli {
 public:
  Cli();
  Cli(const Cli&) = delete;
  Cli& operator=(const Cli&) = delete;

  // Declares subcommand `name`; `run` is called when the command line names
  // it and parses cleanly. Options are added to the returned App.
  CLI::App* Add(const std::string& name, const std::string& description, std::function<int()> run);

  // Parses and runs; returns the process exit code.
  int Main(int argc, char** argv);

  const CLI::App& app() const { return app_; }

 private:
  int Fail(const CLI::Error& e);
  int Help(const std::vector<std::string>& topic);

  CLI::App app_;
  std::vector<std::pair<CLI::App*, std::function<int()>>> runs_;
};

// Every telguard subcommand, registered on `cli` (cli/commands.h).
void AddAllCommands(Cli& cli);

// Shared option helpers, so the same option reads the same everywhere.
// --input PATH|- (default "-": stdin).
CLI::Option* AddInputOption(CLI::App* c, std::string* path, const std::string& what = "events, one JSON per line");
// --format md|json.
CLI::Option* AddFormatOption(CLI::App* c, std::string* format);

// The man page (roff) and shell completions, generated from `app`.
std::string ManPage(const CLI::App& app);
std::string BashCompletion(const CLI::App& app);
std::string ZshCompletion(const CLI::App& app);

}  // namespace telguard::cli

#endif  // TELGUARD_CLI_APP_H_
