// What "off" deletes. When telemetry is turned off for an app (`telguard
// consent off --app APP`, or the library or a command seeing it off), what
// is spooled for that app is deleted; `consent off` also removes the app's
// install id and pseudonym key. With `app` empty (a user-wide off) every
// app's spooled events and identity go.
//
// Nothing is created: a missing spool directory or config root is not an
// error. Cost: one pass over the spool directory and the config root.
#ifndef TELGUARD_CLIENT_FORGET_H_
#define TELGUARD_CLIENT_FORGET_H_

#include <string>
#include <string_view>

#include "client/config.h"
#include "client/destination.h"

namespace telguard {

struct ForgetStats {
  std::size_t spool_events_removed = 0;
  std::size_t identities_removed = 0;
};

// `spool` says where the spool is (as for BuildDestination). False and
// *error when something could not be removed (the rest is still removed).
bool ForgetApp(const Config& config, std::string_view app, const DestinationOptions& spool, bool identity,
               ForgetStats* stats, std::string* error);

}  // namespace telguard

#endif  // TELGUARD_CLIENT_FORGET_H_
