#include "client/consent.h"

#include "client/local_files.h"

namespace telguard {
namespace {

// The choice remembered in `path`: on, off (also for unreadable content), or
// nullopt when there is no such file.
std::optional<bool> ReadChoice(const std::string& path) {
  if (path.empty()) return std::nullopt;
  const auto c = ReadSmallFile(path);
  if (!c) return std::nullopt;
  return ParseSwitchValue(*c) == SwitchValue::kOn;
}

}  // namespace

std::optional<bool> ParseSwitch(const char* value) {
  if (value == nullptr) return std::nullopt;
  switch (ParseSwitchValue(value)) {
    case SwitchValue::kOn: return true;
    case SwitchValue::kOff: return false;
    default: return std::nullopt;
  }
}

ConsentDecision DecideConsent(const Config& config, std::string_view app) {
  const SwitchSetting& te = config.telemetry_enabled;
  if (te.set && !te.on) return {false, te.source};
  if (config.do_not_track.set && config.do_not_track.on) return {false, config.do_not_track.source};
  const std::string user_path = UserConsentPath(config);
  const std::string app_path = app.empty() ? "" : PathsForApp(config, app).consent;
  const std::optional<bool> user = ReadChoice(user_path);
  const std::optional<bool> mine = ReadChoice(app_path);
  if (user == false) return {false, "user-wide choice (" + user_path + ")"};
  if (mine == false) return {false, "app choice (" + app_path + ")"};
  if (te.set && te.on) return {true, te.source};
  if (mine == true) return {true, "app choice (" + app_path + ")"};
  if (user == true) return {true, "user-wide choice (" + user_path + ")"};
  return {true, "default"};
}

bool RememberConsent(const Config& config, std::string_view app, bool enabled, std::string* error) {
  const std::string dir = app.empty() ? config.config_root.path : PathsForApp(config, app).dir;
  const std::string path = app.empty() ? UserConsentPath(config) : PathsForApp(config, app).consent;
  if (dir.empty()) {
    *error = config.config_root.problem.empty() ? "no config directory" : config.config_root.problem;
    return false;
  }
  return MakeDirBelow(config.config_root, dir, error) &&
         WriteFileAtomic(path, enabled ? "on\n" : "off\n", error);
}

}  // namespace telguard
