// Whether telemetry is on for an app, and which source decided. Any "off"
// wins, in this order:
//   1. TELEMETRY_ENABLED off (0/false/no/off) or unrecognised  -> off
//   2. DO_NOT_TRACK on (1/true/yes/on) or unrecognised          -> off
//   3. the user-wide choice `telguard consent off`              -> off
//   4. the app's choice `telguard consent off --app APP`        -> off
//   5. TELEMETRY_ENABLED on                                     -> on
//   6. the app's choice, then the user-wide choice, "on"        -> on
//   7. default                                                  -> on
// A choice file whose content is neither "on" nor "off" reads as off.
// Deciding reads the environment snapshot and at most two small files; it
// writes nothing. Thread-safe.
#ifndef TELGUARD_CLIENT_CONSENT_H_
#define TELGUARD_CLIENT_CONSENT_H_

#include <optional>
#include <string>
#include <string_view>

#include "client/config.h"

namespace telguard {

struct ConsentDecision {
  bool enabled = true;
  // "TELEMETRY_ENABLED=false", "DO_NOT_TRACK=1", "user-wide choice (PATH)",
  // "app choice (PATH)", "default", ...
  std::string source;
};

// `app` empty: the user-wide decision only (steps 1-3, 5-7).
ConsentDecision DecideConsent(const Config& config, std::string_view app);

// Writes the remembered choice (atomically, file 0600, directories 0700,
// never creating HOME). `app` empty: the user-wide choice.
bool RememberConsent(const Config& config, std::string_view app, bool enabled, std::string* error);

// Parses a TELEMETRY_ENABLED-style value: true/false, or nullopt for unset
// or unknown (see config.h for the spellings).
std::optional<bool> ParseSwitch(const char* value);

}  // namespace telguard

#endif  // TELGUARD_CLIENT_CONSENT_H_
