#include "cli/app.h"

#include <cstdio>

#include "cli/commands.h"

#ifndef TELGUARD_VERSION_STRING
#error "TELGUARD_VERSION_STRING must be defined by the build"
#endif

namespace telguard::cli {
namespace {

constexpr std::size_t kMaxQuoted = 64;  // an argument quoted in an error is cut here

std::string Quote(const std::string& arg) {
  return "'" + (arg.size() > kMaxQuoted ? arg.substr(0, kMaxQuoted) + "..." : arg) + "'";
}

// The subcommand called `name`, or null (CLI11's lookup throws instead).
const CLI::App* FindCommand(const CLI::App& app, const std::string& name) {
  const auto found = app.get_subcommands([&](const CLI::App* s) { return s->get_name() == name; });
  return found.empty() ? nullptr : found.front();
}

std::string CommandList(const CLI::App& app) {
  std::string list;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    list += (list.empty() ? "" : ", ") + sub->get_name();
  }
  return list;
}

}  // namespace

Cli::Cli() : app_("telguard: a privacy-auditing telemetry pipeline for command-line agent tools", "telguard") {
  app_.set_version_flag("--version", std::string("telguard ") + TELGUARD_VERSION_STRING, "print the version and exit");
  app_.require_subcommand(0, 1);
  app_.allow_extras();
  app_.footer(
      "Run 'telguard CMD --help' or 'telguard help CMD' for a command's options.\n"
      "Exit codes: 0 ok; 1 input or output could not be read or written; 2 bad command line;\n"
      "3 send/flush: some events could not be delivered nor spooled; 4 check --fail-on: an event triggered it;\n"
      "130/143 send/flush: stopped by SIGINT/SIGTERM.");
  AddAllCommands(*this);
  app_.add_subcommand("help", "print the help of telguard or of one command")->allow_extras();
}

CLI::App* Cli::Add(const std::string& name, const std::string& description, std::function<int()> run) {
  CLI::App* c = app_.add_subcommand(name, description);
  // Leftover arguments are collected and named by Main, with the fix.
  c->allow_extras();
  runs_.emplace_back(c, std::move(run));
  return c;
}

int Cli::Help(const std::vector<std::string>& topic) {
  if (topic.empty()) {
    std::fputs(app_.help().c_str(), stdout);
    return kExitOk;
  }
  const CLI::App* sub = topic.size() == 1 && topic[0] != "help" ? FindCommand(app_, topic[0]) : nullptr;
  if (sub == nullptr) {
    std::fprintf(stderr, "telguard help: no command %s; the commands are: %s\n", Quote(topic[0]).c_str(),
                 CommandList(app_).c_str());
    return kExitUsage;
  }
  std::fputs(sub->help("telguard").c_str(), stdout);
  return kExitOk;
}

int Cli::Fail(const CLI::Error& e) {
  const std::vector<CLI::App*> chosen = app_.get_subcommands();
  const std::string cmd = chosen.empty() ? "" : chosen.front()->get_name();
  std::string what = e.what();
  // CLI11 reports a single-value option given twice as "--x: At Most 1 ...".
  if (e.get_name() == "ArgumentMismatch" && what.find("At Most") != std::string::npos) {
    what = what.substr(0, what.find(':')) + " was given more than once; give it once";
  }
  std::fprintf(stderr, "telguard%s%s: %s\nRun 'telguard%s%s --help' to see the options.\n", cmd.empty() ? "" : " ",
               cmd.c_str(), what.c_str(), cmd.empty() ? "" : " ", cmd.c_str());
  return kExitUsage;
}

int Cli::Main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(app_.help().c_str(), stderr);
    return kExitUsage;
  }
  const std::string first = argv[1];
  if (first == "help") return Help(std::vector<std::string>(argv + 2, argv + argc));
  if (first.empty() || (first[0] != '-' && FindCommand(app_, first) == nullptr)) {
    std::fprintf(stderr, "telguard: unknown command %s; the commands are: %s\nRun 'telguard --help' for more.\n",
                 Quote(first).c_str(), CommandList(app_).c_str());
    return kExitUsage;
  }
  try {
    app_.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app_.help().c_str(), stdout);  // the chosen subcommand's help
    return kExitOk;
  } catch (const CLI::CallForAllHelp&) {
    std::fputs(app_.help("", CLI::AppFormatMode::All).c_str(), stdout);
    return kExitOk;
  } catch (const CLI::CallForVersion& v) {
    std::printf("%s\n", v.what());
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    return Fail(e);
  }
  for (auto& [sub, run] : runs_) {
    if (!sub->parsed()) continue;
    const std::vector<std::string> extra = sub->remaining();
    if (!extra.empty()) {
      const std::string& x = extra.front();
      const bool option = x.size() > 1 && x[0] == '-';
      // A bare path is the commonest slip: name the option that takes it.
      const bool path = !option && sub->get_option_no_throw("--input") != nullptr;
      std::fprintf(stderr, "telguard %s: %s %s%s\nRun 'telguard %s --help' to see the options.\n",
                   sub->get_name().c_str(), option ? "unknown option" : "unexpected argument", Quote(x).c_str(),
                   path ? "; to read a file, pass --input PATH" : "", sub->get_name().c_str());
      return kExitUsage;
    }
    return run();
  }
  const std::vector<std::string> extra = app_.remaining();
  if (!extra.empty()) {
    std::fprintf(stderr, "telguard: unknown option %s\nRun 'telguard --help' to see the options.\n",
                 Quote(extra.front()).c_str());
  } else {
    std::fputs(app_.help().c_str(), stderr);
  }
  return kExitUsage;
}

void AddAllCommands(Cli& cli) {
  AddCheck(cli);
  AddReport(cli);
  AddSend(cli);
  AddFlush(cli);
  AddScrub(cli);
  AddRules(cli);
  AddInventory(cli);
  AddConsent(cli);
  AddStatus(cli);
  AddDeadLetters(cli);
  AddGateway(cli);
}

CLI::Option* AddInputOption(CLI::App* c, std::string* path, const std::string& what) {
  return c->add_option("--input", *path, "read " + what + " from PATH; - (the default) reads stdin")
      ->type_name("PATH|-");
}

CLI::Option* AddFormatOption(CLI::App* c, std::string* format) {
  return c->add_option("--format", *format, "output format (default md)")
      ->type_name("md|json")
      ->check(CLI::IsMember({"md", "json"}));
}

CLI::Option* AddJsonOption(CLI::App* c, bool* json, const std::string& where) {
  return c->add_flag("--json", *json, "print the end-of-run summary as one JSON object on " + where + " (no prose)");
}

}  // namespace telguard::cli
