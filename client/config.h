// The one place that reads telguard's environment. The CLI, the library and
// the gateway all resolve their settings here, so every documented variable
// means the same thing everywhere:
//
//   Environment env = Environment::FromProcess();   // a snapshot, read once
//   Config config = ResolveConfig(env);             // never writes anything
//   ReportWarnings(config, stderr);                 // each warning once per process
//
// Switches (TELEMETRY_ENABLED, DO_NOT_TRACK, TELGUARD_DEBUG,
// TELGUARD_HIDE_NOTICE) accept, in any case and with surrounding blanks:
//   on:  1 true yes on        off: 0 false no off       empty: unset
// Any other value is reported (once, without quoting it) and read the way
// that keeps data in: TELEMETRY_ENABLED -> off, DO_NOT_TRACK -> set (off),
// TELGUARD_DEBUG -> off, TELGUARD_HIDE_NOTICE -> off (the notice is shown).
//
// Directories (XDG base directory rules: a relative XDG_* value is ignored
// and reported):
//   config root  $XDG_CONFIG_HOME/telguard, else $HOME/.config/telguard
//   state root   $XDG_STATE_HOME/telguard,  else $HOME/.local/state/telguard
// telguard creates directories only below an anchor that exists: $HOME
// itself, or the parent of $XDG_CONFIG_HOME / $XDG_STATE_HOME. It never
// creates $HOME (a missing HOME, even for root, is reported instead).
//
// Per-app layout under the config root (directory 0700, files 0600):
//   consent              the user-wide choice (`telguard consent on|off`)
//   <app>/consent        this app's choice (`telguard consent off --app APP`)
//   <app>/id             the app's random install id (UUIDv4)
//   <app>/pseudonym-key  32 random bytes keying this app's pseudonyms
//   <app>/notice-shown   the first-run notice marker
// Two apps share nothing, so two vendors can neither link a user nor answer
// for each other's consent; a user-wide "off" turns every app off.
//
// Every resolved value carries the source that decided it ("--endpoint",
// "ClientOptions::endpoint", "TELGUARD_ENDPOINT", "default", ...) for
// `telguard status`. Cost: one pass over environ; no file is touched.
// Thread-safety: Environment and Config are immutable values;
// ReportWarnings may be called from any thread.
#ifndef TELGUARD_CLIENT_CONFIG_H_
#define TELGUARD_CLIENT_CONFIG_H_

#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace telguard {

// A snapshot of environment variables. An empty value counts as unset.
class Environment {
 public:
  static Environment FromProcess();
  Environment() = default;
  explicit Environment(std::map<std::string, std::string, std::less<>> vars) : vars_(std::move(vars)) {}
  const std::string* Get(std::string_view name) const;

 private:
  std::map<std::string, std::string, std::less<>> vars_;
};

// A value and the source that decided it ("" when nothing did).
struct Setting {
  std::string value;
  std::string source;
  bool set() const { return !value.empty(); }
};

// The first set of `candidates`, else {"", ""}.
Setting FirstSet(std::initializer_list<Setting> candidates);

// One of the documented spellings above; nullopt for unset or unknown.
enum class SwitchValue { kUnset, kOn, kOff, kUnknown };
SwitchValue ParseSwitchValue(std::string_view text);

// A switch as read: whether it is on, and what decided that.
struct SwitchSetting {
  bool set = false;     // the variable was present (with any value)
  bool on = false;
  std::string source;   // "TELGUARD_DEBUG=1", "DO_NOT_TRACK (unrecognised value)", ...
};

// A directory telguard may use, the existing directory it may create it
// under, and why it is unusable when it is.
struct DirSetting {
  std::string path;     // empty: none
  std::string anchor;   // must exist; directories are created only below it
  std::string source;   // "XDG_CONFIG_HOME", "HOME", "ClientOptions::config_dir"
  std::string problem;  // empty when usable; else words naming the variable that fixes it
  std::string fix;      // the variable (or option) that points it elsewhere
};

struct Config {
  Environment env;
  SwitchSetting telemetry_enabled;  // on: explicitly on; !on && set: off
  SwitchSetting do_not_track;       // on: telemetry off
  SwitchSetting debug;
  SwitchSetting hide_notice;
  DirSetting config_root;           // .../telguard
  DirSetting state_root;            // .../telguard (the default spool lives in spool/)
  std::vector<std::string> warnings;  // each reported once per process
};

// `config_dir_override` (ClientOptions::config_dir) replaces the config root.
Config ResolveConfig(const Environment& env, const std::string& config_dir_override = "");

// Prints each warning of `config` on `out` unless this process printed the
// same text before.
void ReportWarnings(const Config& config, std::FILE* out);
// Prints `message` on `out` once per process.
void ReportOnce(const std::string& message, std::FILE* out);

// App names are directory names: 1..64 characters of [A-Za-z0-9._@+-],
// starting with a letter or digit (so no '/', no "..", no control
// characters). False and *error (naming the rule, never the value) otherwise.
bool ValidateAppName(std::string_view app, std::string* error);

// Where an app's files live; all empty when the config root is unusable.
struct AppPaths {
  std::string dir, consent, id, pseudonym_key, notice;
};
AppPaths PathsForApp(const Config& config, std::string_view app);
// The user-wide choice file, or "" when there is no config root.
std::string UserConsentPath(const Config& config);

// Why `dir` could not be created or written, found without writing
// anything (the nearest existing ancestor must be a writable directory), or
// "" when it looks possible.
std::string WhyNotWritable(const DirSetting& root, const std::string& dir);

// Creates `dir` (0700) and its missing parents, but only below `anchor`,
// which must already exist. False and *error (in words, with the variable
// that fixes it) otherwise.
bool MakeDirBelow(const DirSetting& root, const std::string& dir, std::string* error);

}  // namespace telguard

#endif  // TELGUARD_CLIENT_CONFIG_H_
