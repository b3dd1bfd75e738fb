// Whether telemetry is on, and which source decided. Any "off" wins:
//   1. TELEMETRY_ENABLED = false|0|no|off (any case)      -> off
//   2. DO_NOT_TRACK = 1|true|yes (any case)                -> off
//   3. the remembered choice (`telguard consent off`)       -> off
//   4. TELEMETRY_ENABLED = true|1|yes|on                   -> on
//   5. the remembered choice (`telguard consent on`)        -> on
//   6. default                                              -> on
// Deciding reads the environment and at most one file; it writes nothing.
#ifndef TELGUARD_CLIENT_CONSENT_H_
#define TELGUARD_CLIENT_CONSENT_H_

#include <optional>
#include <string>

namespace telguard {

struct ConsentDecision {
  bool enabled = true;
  std::string source;  // "TELEMETRY_ENABLED=off", "DO_NOT_TRACK", "remembered choice (path)", "default"
};

// $XDG_CONFIG_HOME/telguard, else $HOME/.config/telguard; `override` wins.
std::string ConfigDir(const std::string& override_dir = "");

ConsentDecision DecideConsent(const std::string& config_dir);

// Writes the remembered choice (atomically, file 0600, directory 0700).
bool RememberConsent(const std::string& config_dir, bool enabled, std::string* error);

// Parses a TELEMETRY_ENABLED-style value: true/false, or nullopt if neither.
std::optional<bool> ParseSwitch(const char* value);

}  // namespace telguard

#endif  // TELGUARD_CLIENT_CONSENT_H_
