#include "client/consent.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "client/local_files.h"

namespace telguard {

std::optional<bool> ParseSwitch(const char* value) {
  if (value == nullptr) return std::nullopt;
  std::string v(value);
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.pop_back();
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
  return std::nullopt;
}

std::string ConfigDir(const std::string& override_dir) {
  if (!override_dir.empty()) return override_dir;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x == '/') return std::string(x) + "/telguard";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.config/telguard";
  return "";
}

ConsentDecision DecideConsent(const std::string& config_dir) {
  const std::optional<bool> env = ParseSwitch(std::getenv("TELEMETRY_ENABLED"));
  if (env == false) return {false, "TELEMETRY_ENABLED=" + std::string(std::getenv("TELEMETRY_ENABLED"))};
  if (ParseSwitch(std::getenv("DO_NOT_TRACK")) == true) return {false, "DO_NOT_TRACK"};
  std::optional<bool> remembered;
  const std::string path = config_dir.empty() ? "" : config_dir + "/consent";
  if (!path.empty()) {
    if (auto c = ReadSmallFile(path)) remembered = ParseSwitch(c->c_str());
  }
  if (remembered == false) return {false, "remembered choice (" + path + ")"};
  if (env == true) return {true, "TELEMETRY_ENABLED=" + std::string(std::getenv("TELEMETRY_ENABLED"))};
  if (remembered == true) return {true, "remembered choice (" + path + ")"};
  return {true, "default"};
}

bool RememberConsent(const std::string& config_dir, bool enabled, std::string* error) {
  if (config_dir.empty()) {
    *error = "no config directory: set HOME or XDG_CONFIG_HOME";
    return false;
  }
  return MakePrivateDir(config_dir, error) &&
         WriteFileAtomic(config_dir + "/consent", enabled ? "on\n" : "off\n", error);
}

}  // namespace telguard
