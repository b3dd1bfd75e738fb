#include "client/forget.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "client/local_files.h"
#include "sender/spool.h"

namespace telguard {
namespace {

namespace fs = std::filesystem;

// The spool keeps the app of each event: that app's events go (every app's
// when `app` is empty), securely deleted and checkpointed.
bool PurgeSpool(const std::string& dir, std::string_view app, ForgetStats* stats, std::string* error) {
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(dir, ec)) return true;
  // Off writes nothing new: no database is created just to find it empty.
  bool any = fs::exists(dir + "/spool.db", ec);
  for (const auto& e : fs::directory_iterator(dir, ec)) any = any || e.path().filename().string().rfind("seg-", 0) == 0;
  if (!any) return true;
  auto spool = sender::Spool::Open(dir, {}, error);
  if (!spool) return false;
  std::size_t removed = 0;
  const sender::SpoolStatus st = spool->Purge(app, &removed);
  stats->spool_events_removed += removed;
  if (st != sender::SpoolStatus::kOk) {
    *error = "cannot delete the spooled events in " + dir + ": " + spool->stats().last_error;
    return false;
  }
  return true;
}

bool ForgetIdentities(const Config& config, std::string_view app, ForgetStats* stats, std::string* error) {
  if (config.config_root.path.empty()) return true;
  if (!RetireSharedIdentity(config, error)) return false;
  if (!app.empty()) {
    const bool ok = ForgetIdentity(PathsForApp(config, app), error);
    stats->identities_removed += ok;
    return ok;
  }
  std::error_code ec;
  bool ok = true;
  for (const auto& e : fs::directory_iterator(config.config_root.path, ec)) {
    std::string ignored;
    if (!e.is_directory(ec) || !ValidateAppName(e.path().filename().string(), &ignored)) continue;
    if (ForgetIdentity(PathsForApp(config, e.path().filename().string()), error)) {
      ++stats->identities_removed;
    } else {
      ok = false;
    }
  }
  return ok;
}

}  // namespace

bool ForgetApp(const Config& config, std::string_view app, const DestinationOptions& spool, bool identity,
               ForgetStats* stats, std::string* error) {
  const Setting dir = ResolveSpoolDir(spool, config);
  bool ok = PurgeSpool(dir.value, app, stats, error);
  if (identity) ok = ForgetIdentities(config, app, stats, error) && ok;
  return ok;
}

}  // namespace telguard
