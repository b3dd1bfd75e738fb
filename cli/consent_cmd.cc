// The user's local state: telguard consent on|off|reset-id [--app NAME],
// telguard status [--app NAME] [--json], telguard dead-letters
// list|requeue|delete [--app NAME] [--json]. The rules live in client/
// (consent.h, forget.h, status.h) and sender/spool.h.
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>

#include "cli/app.h"
#include "cli/commands.h"
#include "client/config.h"
#include "client/consent.h"
#include "client/forget.h"
#include "client/local_files.h"
#include "client/status.h"
#include "cli/summary.h"
#include "sender/spool.h"

namespace telguard::cli {
namespace {

struct ConsentOptions {
  std::string what, app, spool;
};

struct DeadLetterOptions {
  std::string what = "list", app, spool;
  bool json = false;
};

struct StatusOptions {
  std::string app, spool, endpoint, local;
  bool json = false;
};

// "" is the user-wide choice; anything else must be a valid app name.
bool CheckApp(const std::string& app, const char* cmd) {
  std::string err;
  if (app.empty() || ValidateAppName(app, &err)) return true;
  std::fprintf(stderr, "telguard %s: --app: %s\n", cmd, err.c_str());
  return false;
}

DestinationOptions SpoolOption(const std::string& spool) {
  DestinationOptions o;
  o.spool_dir = {spool, "--spool"};
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

int RunConsent(const ConsentOptions& o) {
  if (!CheckApp(o.app, "consent")) return kExitUsage;
  const Config config = ResolveConfig(Environment::FromProcess());
  ReportWarnings(config, stderr);
  if (o.what == "reset-id") return ResetIds(config, o.app);
  std::string err;
  if (!RememberConsent(config, o.app, o.what == "on", &err)) {
    std::fprintf(stderr, "telguard consent: %s\n", err.c_str());
    return kExitInput;
  }
  const std::string who = o.app.empty() ? "every app (user-wide)" : o.app;
  std::printf("telguard: telemetry %s for %s (remembered in %s)\n", o.what.c_str(), who.c_str(),
              (o.app.empty() ? UserConsentPath(config) : PathsForApp(config, o.app).consent).c_str());
  if (o.what == "off") {
    // Off: what is spooled and the identity go too.
    ForgetStats stats;
    if (!ForgetApp(config, o.app, SpoolOption(o.spool), /*identity=*/true, &stats, &err)) {
      std::fprintf(stderr, "telguard consent: %s\n", err.c_str());
      return kExitInput;
    }
    std::printf("telguard: deleted %zu spooled events and the identity of %zu apps\n", stats.spool_events_removed,
                stats.identities_removed);
  }
  const ConsentDecision d = DecideConsent(config, o.app);
  if (d.enabled != (o.what == "on")) {
    std::printf("telguard: note: %s still decides: telemetry is %s\n", d.source.c_str(), d.enabled ? "on" : "off");
  }
  return kExitOk;
}

int RunStatus(const StatusOptions& o) {
  if (!CheckApp(o.app, "status")) return kExitUsage;
  const Config config = ResolveConfig(Environment::FromProcess());
  DestinationOptions d = SpoolOption(o.spool);
  d.endpoint = {o.endpoint, "--endpoint"};
  d.local_file = {o.local, "--local"};
  const std::string out = o.json ? StatusJson(config, o.app, d) : StatusText(config, o.app, d);
  std::fputs(out.c_str(), stdout);
  return kExitOk;
}

std::string UtcTime(std::int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  char buf[32];
  return gmtime_r(&t, &tm) != nullptr && std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0 ? buf : "-";
}

void PrintDeadLetters(const std::vector<sender::DeadLetter>& rows, bool json) {
  if (json) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const sender::DeadLetter& d : rows) {
      list.push_back({{"id", d.id}, {"app", d.app}, {"destination", d.destination}, {"attempts", d.attempts},
                      {"created", UtcTime(d.created_ms)}, {"failed", UtcTime(d.failed_ms)}, {"bytes", d.bytes},
                      {"reason", d.reason}});
    }
    Summary j("dead-letters");
    j.SetJson("dead_letters", std::move(list));
    j.Print(stdout);
    return;
  }
  for (const sender::DeadLetter& d : rows) {
    std::printf("%lld\t%s\t%s\t%d attempts\tfailed %s\t%zu bytes\t%s\n", static_cast<long long>(d.id),
                d.app.empty() ? "-" : d.app.c_str(), d.destination.c_str(), d.attempts, UtcTime(d.failed_ms).c_str(),
                d.bytes, d.reason.c_str());
  }
  std::fprintf(stderr, "telguard dead-letters: %zu dead letters\n", rows.size());
}

// Lists, requeues or deletes the bodies the endpoint kept refusing. Never
// prints a body; never creates a spool that is not there.
int RunDeadLetters(const DeadLetterOptions& o) {
  if (!CheckApp(o.app, "dead-letters")) return kExitUsage;
  const Config config = ResolveConfig(Environment::FromProcess());
  const Setting dir = ResolveSpoolDir(SpoolOption(o.spool), config);
  if (!dir.set()) {
    std::fprintf(stderr, "telguard dead-letters: no spool directory: give --spool DIR or set TELGUARD_SPOOL\n");
    return kExitUsage;
  }
  std::error_code ec;
  if (!std::filesystem::exists(dir.value + "/spool.db", ec)) {
    if (o.what == "list") PrintDeadLetters({}, o.json);
    if (o.what != "list") std::printf("telguard: no spool in %s (%s): nothing to %s\n", dir.value.c_str(),
                                      dir.source.c_str(), o.what.c_str());
    return kExitOk;
  }
  std::string err;
  auto spool = sender::Spool::Open(dir.value, {}, &err);
  if (!spool) {
    std::fprintf(stderr, "telguard dead-letters: %s\n", err.c_str());
    return kExitInput;
  }
  if (o.what == "list") {
    PrintDeadLetters(spool->DeadLetters(o.app), o.json);
    return kExitOk;
  }
  std::size_t n = 0;
  const sender::SpoolStatus st =
      o.what == "requeue" ? spool->RequeueDeadLetters(o.app, &n) : spool->DeleteDeadLetters(o.app, &n);
  if (st != sender::SpoolStatus::kOk) {
    std::fprintf(stderr, "telguard dead-letters: %s\n", spool->stats().last_error.c_str());
    return kExitInput;
  }
  std::printf(o.what == "requeue" ? "telguard: %zu dead letters requeued (sent by the next flush)\n"
                                  : "telguard: %zu dead letters deleted\n",
              n);
  return kExitOk;
}

}  // namespace

void AddConsent(Cli& cli) {
  auto o = std::make_shared<ConsentOptions>();
  CLI::App* c = cli.Add("consent",
                        "remember the choice (on, off: also deletes what is spooled and the install id); replace "
                        "the install id (reset-id)",
                        [o] { return RunConsent(*o); });
  c->add_option("choice", o->what, "on, off or reset-id")
      ->type_name("on|off|reset-id")
      ->required()
      ->check(CLI::IsMember({"on", "off", "reset-id"}));
  c->add_option("--app", o->app, "this app only (default: every app, user-wide)")->type_name("NAME");
  c->add_option("--spool", o->spool, "the spool to delete from on off (default: as for send)")->type_name("DIR");
}

void AddStatus(Cli& cli) {
  auto o = std::make_shared<StatusOptions>();
  CLI::App* c = cli.Add("status", "is telemetry on, what decided it, where events would go",
                        [o] { return RunStatus(*o); });
  c->add_option("--app", o->app, "for this app (default: user-wide)")->type_name("NAME");
  c->add_flag("--json", o->json, "print one JSON object");
  c->add_option("--spool", o->spool, "as for send")->type_name("DIR");
  c->add_option("--endpoint", o->endpoint, "as for send")->type_name("URL");
  c->add_option("--local", o->local, "as for send")->type_name("PATH");
}

void AddDeadLetters(Cli& cli) {
  auto o = std::make_shared<DeadLetterOptions>();
  CLI::App* c = cli.Add("dead-letters",
                        "list (never the bodies), requeue or delete the events the endpoint kept refusing",
                        [o] { return RunDeadLetters(*o); });
  c->add_option("action", o->what, "list (default), requeue or delete")
      ->type_name("list|requeue|delete")
      ->check(CLI::IsMember({"list", "requeue", "delete"}));
  c->add_option("--app", o->app, "this app's only (default: every app)")->type_name("NAME");
  c->add_option("--spool", o->spool, "the spool (default: as for send)")->type_name("DIR");
  c->add_flag("--json", o->json, "list: print one JSON object");
}

}  // namespace telguard::cli
