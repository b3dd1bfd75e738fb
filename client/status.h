// What `telguard status [--app NAME] [--json]` reports: whether telemetry is
// on (for the app, or user-wide), which source decided, where the app's files
// are and which exist, where events would go and which option or variable
// chose each, and any warning about the environment. Values that may be
// secrets (API keys, header values) never appear: only where they come from.
// Cost: reads a few small files; writes nothing. Thread-safe.
#ifndef TELGUARD_CLIENT_STATUS_H_
#define TELGUARD_CLIENT_STATUS_H_

#include <string>
#include <string_view>

#include "client/config.h"
#include "client/destination.h"

namespace telguard {

// `app` empty: the user-wide view. `options`: the command line's share of the
// destination (may be empty).
std::string StatusText(const Config& config, std::string_view app, const DestinationOptions& options);
std::string StatusJson(const Config& config, std::string_view app, const DestinationOptions& options);

// App directories under the config root (names that pass ValidateAppName).
std::vector<std::string> KnownApps(const Config& config);

}  // namespace telguard

#endif  // TELGUARD_CLIENT_STATUS_H_
