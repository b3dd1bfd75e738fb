// telguard consent on|off|reset-id, telguard status.
#include <cstdio>
#include <memory>

#include "cli/app.h"
#include "cli/commands.h"
#include "client/consent.h"
#include "client/local_files.h"

namespace telguard::cli {
namespace {

int RunConsent(const std::string& what) {
  const std::string dir = ConfigDir();
  std::string err;
  if (what == "reset-id") {
    // A new id only when telemetry is on; when off, the old one is removed
    // and none is created.
    const bool on = DecideConsent(dir).enabled;
    auto id = ResetInstallId(dir, on, &err);
    if (!id) {
      std::fprintf(stderr, "telguard consent: %s\n", err.c_str());
      return kExitInput;
    }
    std::printf(on ? "telguard: new install id created\n" : "telguard: install id removed (telemetry is off)\n");
    return kExitOk;
  }
  if (!RememberConsent(dir, what == "on", &err)) {
    std::fprintf(stderr, "telguard consent: %s\n", err.c_str());
    return kExitInput;
  }
  if (what == "off") {
    std::string ignored;
    ResetInstallId(dir, false, &ignored);  // off: the id goes too
  }
  std::printf("telguard: telemetry %s (remembered in %s/consent)\n", what == "on" ? "on" : "off", dir.c_str());
  const ConsentDecision d = DecideConsent(dir);
  if (d.enabled != (what == "on")) {
    std::printf("telguard: note: %s still decides: telemetry is %s\n", d.source.c_str(), d.enabled ? "on" : "off");
  }
  return kExitOk;
}

int RunStatus() {
  const std::string dir = ConfigDir();
  const ConsentDecision d = DecideConsent(dir);
  std::printf("telemetry: %s\ndecided by: %s\nconfig directory: %s\n", d.enabled ? "on" : "off", d.source.c_str(),
              dir.empty() ? "(none: HOME unset)" : dir.c_str());
  if (auto id = ReadSmallFile(dir + "/id")) {
    std::printf("install id: present (%s/id)\n", dir.c_str());
  } else {
    std::printf("install id: none\n");
  }
  std::printf("first-run notice: %s\n", ReadSmallFile(dir + "/notice-shown") ? "shown" : "not shown yet");
  return kExitOk;
}

}  // namespace

void AddConsent(Cli& cli) {
  auto what = std::make_shared<std::string>();
  CLI::App* c = cli.Add("consent", "remember the choice (on, off); replace the install id (reset-id)",
                        [what] { return RunConsent(*what); });
  c->add_option("choice", *what, "on, off or reset-id")
      ->type_name("on|off|reset-id")
      ->required()
      ->check(CLI::IsMember({"on", "off", "reset-id"}));
}

void AddStatus(Cli& cli) {
  cli.Add("status", "is telemetry on, and what decided it", [] { return RunStatus(); });
}

}  // namespace telguard::cli
