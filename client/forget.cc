#include "client/forget.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "client/local_files.h"

namespace telguard {
namespace {

namespace fs = std::filesystem;

// The segment spool keeps no app per record: until the spool records one,
// every spooled body goes (segments and the cursor; the lock files stay).
bool PurgeSpool(const std::string& dir, ForgetStats* stats, std::string* error) {
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(dir, ec)) return true;
  bool ok = true;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("seg-", 0) != 0 && name != "cursor") continue;
    if (fs::remove(e.path(), ec)) {
      ++stats->spool_files_removed;
    } else if (ec) {
      *error = "cannot remove " + e.path().string() + ": " + ec.message();
      ok = false;
    }
  }
  return ok;
}

bool ForgetIdentities(const Config& config, std::string_view app, ForgetStats* stats, std::string* error) {
  if (config.config_root.path.empty()) return true;
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
  bool ok = PurgeSpool(dir.value, stats, error);
  if (identity) ok = ForgetIdentities(config, app, stats, error) && ok;
  return ok;
}

}  // namespace telguard
