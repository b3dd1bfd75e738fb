// telguard: a privacy-auditing telemetry pipeline for agent tools.
#include <cstdio>
#include <cstring>
#include <string_view>

#include "cli/args.h"
#include "cli/commands.h"

namespace {

constexpr char kUsage[] =
    "usage: telguard <command> [options]\n"
    "\n"
    "  check      [--input PATH|-] [--audit PATH] [--example]\n"
    "             run the pipeline without network; print each request body\n"
    "  inventory  [--format md|json]   what can leave the machine, and what never does\n"
    "  scrub      [--input PATH|-]     remove credentials and personal data from text lines\n"
    "  rules      [--format md|json]   list the redaction rules\n"
    "  send       [--input PATH|-] [--endpoint URL] [--spool DIR] [--debug] [--audit PATH]\n"
    "             [--local PATH] [--api-key-env NAME|--api-key-file PATH] [--ca-file PATH]\n"
    "             [--allow-insecure-http] [--deadline-ms N]\n"
    "             run the pipeline and send each accepted event at once\n"
    "  flush      --spool DIR [--endpoint URL] [http options as for send]\n"
    "             deliver what is spooled, in order\n"
    "  consent    on|off|reset-id      remember the choice; replace (or remove) the install id\n"
    "  status                          is telemetry on, and what decided it\n"
    "  help                            this text\n";

struct Command {
  std::string_view name;
  int (*run)(int, char**);
};

constexpr Command kCommands[] = {
    {"check", telguard::cli::Check},
    {"inventory", telguard::cli::Inventory},
    {"scrub", telguard::cli::Scrub},
    {"rules", telguard::cli::Rules},
    {"send", telguard::cli::Send},
    {"flush", telguard::cli::Flush},
    {"consent", telguard::cli::Consent},
    {"status", telguard::cli::Status},
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return telguard::cli::kExitUsage;
  }
  const std::string_view cmd = argv[1];
  if (cmd == "help" || cmd == "--help" || cmd == "-h") {
    std::fputs(kUsage, stdout);
    return telguard::cli::kExitOk;
  }
  for (const auto& c : kCommands) {
    if (c.name == cmd) return c.run(argc, argv);
  }
  std::fprintf(stderr, "telguard: unknown command '%.*s'\n%s", static_cast<int>(cmd.size() > 64 ? 64 : cmd.size()),
               cmd.data(), kUsage);
  return telguard::cli::kExitUsage;
}
