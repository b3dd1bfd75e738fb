// telguard consent on|off|reset-id [--app NAME], telguard status [--app NAME] [--json].
// The rules live in client/ (consent.h, forget.h, status.h).
#include <cstdio>

#include "cli/args.h"
#include "cli/commands.h"
#include "client/config.h"
#include "client/consent.h"
#include "client/forget.h"
#include "client/local_files.h"
#include "client/status.h"

namespace telguard::cli {
namespace {

// The app named by --app ("" when absent: user-wide). False on a bad name.
bool AppFrom(const Args& args, const char* cmd, std::string* app) {
  *app = args.Get("app").value_or("");
  std::string err;
  if (args.Get("app") && !ValidateAppName(*app, &err)) {
    std::fprintf(stderr, "telguard %s: --app: %s\n", cmd, err.c_str());
    return false;
  }
  return true;
}

DestinationOptions SpoolOption(const Args& args) {
  DestinationOptions o;
  o.spool_dir = {args.Get("spool").value_or(""), "--spool"};
  return o;
}

// A new id for each app telemetry is on for; removed where it is off.
int ResetIds(const Config& config, const std::string& app) {
  const std::vector<std::string> apps = app.empty() ? KnownApps(config) : std::vector<std::string>{app};
  for (const std::string& a : apps) {
    const bool on = DecideConsent(config, a).enabled;
    std::string err;
    if (!ResetInstallId(config, PathsForApp(config, a), on, &err)) {
      std::fprintf(stderr, "telguard consent: %s\n", err.c_str());
      return kExitInput;
    }
    std::printf(on ? "telguard: %s: new install id created\n" : "telguard: %s: install id removed (telemetry is off)\n",
                a.c_str());
  }
  if (apps.empty()) std::printf("telguard: no app has an install id\n");
  return kExitOk;
}

}  // namespace

int Consent(int argc, char** argv) {
  std::string err;
  auto args = ParseArgs(argc, argv, 2, {"app", "spool"}, {}, &err);
  const std::string what = args && args->positional.size() == 1 ? args->positional[0] : "";
  if (what != "on" && what != "off" && what != "reset-id") {
    std::fputs("usage: telguard consent on|off|reset-id [--app NAME] [--spool DIR]\n", stderr);
    return kExitUsage;
  }
  std::string app;
  if (!AppFrom(*args, "consent", &app)) return kExitUsage;
  const Config config = ResolveConfig(Environment::FromProcess());
  ReportWarnings(config, stderr);
  if (what == "reset-id") return ResetIds(config, app);
  if (!RememberConsent(config, app, what == "on", &err)) {
    std::fprintf(stderr, "telguard consent: %s\n", err.c_str());
    return kExitInput;
  }
  const std::string who = app.empty() ? "every app (user-wide)" : app;
  std::printf("telguard: telemetry %s for %s (remembered in %s)\n", what.c_str(), who.c_str(),
              (app.empty() ? UserConsentPath(config) : PathsForApp(config, app).consent).c_str());
  if (what == "off") {
    // Off: what is spooled and the identity go too.
    ForgetStats stats;
    if (!ForgetApp(config, app, SpoolOption(*args), /*identity=*/true, &stats, &err)) {
      std::fprintf(stderr, "telguard consent: %s\n", err.c_str());
      return kExitInput;
    }
    std::printf("telguard: deleted %zu spool files and %zu install ids and pseudonym keys\n",
                stats.spool_files_removed, stats.identities_removed);
  }
  const ConsentDecision d = DecideConsent(config, app);
  if (d.enabled != (what == "on")) {
    std::printf("telguard: note: %s still decides: telemetry is %s\n", d.source.c_str(), d.enabled ? "on" : "off");
  }
  return kExitOk;
}

int Status(int argc, char** argv) {
  std::string err;
  auto args = ParseArgs(argc, argv, 2, {"app", "spool", "endpoint", "local"}, {"json"}, &err);
  if (!args || !args->positional.empty()) {
    std::fputs("usage: telguard status [--app NAME] [--json]\n", stderr);
    return kExitUsage;
  }
  std::string app;
  if (!AppFrom(*args, "status", &app)) return kExitUsage;
  const Config config = ResolveConfig(Environment::FromProcess());
  DestinationOptions o = SpoolOption(*args);
  o.endpoint = {args->Get("endpoint").value_or(""), "--endpoint"};
  o.local_file = {args->Get("local").value_or(""), "--local"};
  const std::string out = args->Has("json") ? StatusJson(config, app, o) : StatusText(config, app, o);
  std::fputs(out.c_str(), stdout);
  return kExitOk;
}

}  // namespace telguard::cli
