#include "client/config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>

extern char** environ;

namespace telguard {
namespace {

constexpr char kSpellings[] = "accepted: 1/0, true/false, yes/no, on/off, any case";

std::string Lower(std::string_view s) {
  std::string v(s);
  for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return v;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool IsDir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string Parent(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// `unknown_on`: how an unrecognised value is read (the way that keeps data in).
SwitchSetting ReadSwitch(const Environment& env, const char* name, bool unknown_on, const char* unknown_means,
                         std::vector<std::string>* warnings) {
  SwitchSetting s;
  const std::string* v = env.Get(name);
  if (v == nullptr) return s;
  s.set = true;
  switch (ParseSwitchValue(*v)) {
    case SwitchValue::kUnset: s.set = false; return s;
    case SwitchValue::kOn: s.on = true; break;
    case SwitchValue::kOff: s.on = false; break;
    case SwitchValue::kUnknown:
      s.on = unknown_on;
      s.source = std::string(name) + " (unrecognised value)";
      warnings->push_back(std::string("telguard: ") + name + " has a value telguard does not recognise (" +
                          kSpellings + "); treated as " + unknown_means);
      return s;
  }
  s.source = std::string(name) + "=" + std::string(Trim(*v));
  return s;
}

// $<xdg>/telguard, else $HOME/<home_rel>/telguard.
DirSetting ResolveDir(const Environment& env, const char* xdg, const char* home_rel,
                      std::vector<std::string>* warnings) {
  DirSetting d;
  d.fix = xdg;
  if (const std::string* x = env.Get(xdg)) {
    if ((*x)[0] == '/') {
      d.path = *x + "/telguard";
      d.anchor = Parent(*x);
      d.source = xdg;
      if (!IsDir(d.anchor)) d.problem = "the directory above " + std::string(xdg) + " does not exist";
      return d;
    }
    warnings->push_back(std::string("telguard: ") + xdg + " is not an absolute path; ignored");
  }
  const std::string* home = env.Get("HOME");
  if (home == nullptr) {
    d.problem = std::string("HOME is not set: set ") + xdg + " (or HOME) to a writable directory";
    return d;
  }
  d.path = *home + "/" + home_rel + "/telguard";
  d.anchor = *home;
  d.source = "HOME";
  if (!IsDir(*home)) {
    d.problem = "HOME (" + *home + ") does not exist and telguard will not create it: set " + xdg +
                " (or HOME) to a writable directory";
  }
  return d;
}

}  // namespace

Environment Environment::FromProcess() {
  std::map<std::string, std::string, std::less<>> vars;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq != nullptr) vars.emplace(std::string(*e, static_cast<std::size_t>(eq - *e)), std::string(eq + 1));
  }
  return Environment(std::move(vars));
}

const std::string* Environment::Get(std::string_view name) const {
  auto it = vars_.find(name);
  if (it == vars_.end() || it->second.empty()) return nullptr;
  return &it->second;
}

Setting FirstSet(std::initializer_list<Setting> candidates) {
  for (const Setting& s : candidates) {
    if (s.set()) return s;
  }
  return {};
}

SwitchValue ParseSwitchValue(std::string_view text) {
  const std::string v = Lower(Trim(text));
  if (v.empty()) return SwitchValue::kUnset;
  if (v == "1" || v == "true" || v == "yes" || v == "on") return SwitchValue::kOn;
  if (v == "0" || v == "false" || v == "no" || v == "off") return SwitchValue::kOff;
  return SwitchValue::kUnknown;
}

Config ResolveConfig(const Environment& env, const std::string& config_dir_override) {
  Config c;
  c.env = env;
  c.telemetry_enabled = ReadSwitch(env, "TELEMETRY_ENABLED", false, "off: telemetry is off", &c.warnings);
  c.do_not_track = ReadSwitch(env, "DO_NOT_TRACK", true, "set: telemetry is off", &c.warnings);
  c.debug = ReadSwitch(env, "TELGUARD_DEBUG", false, "off: no debug log", &c.warnings);
  c.hide_notice = ReadSwitch(env, "TELGUARD_HIDE_NOTICE", false, "off: the notice is shown", &c.warnings);
  if (!config_dir_override.empty()) {
    c.config_root = {config_dir_override, Parent(config_dir_override), "ClientOptions::config_dir", "",
                     "ClientOptions::config_dir"};
  } else {
    c.config_root = ResolveDir(env, "XDG_CONFIG_HOME", ".config", &c.warnings);
  }
  c.state_root = ResolveDir(env, "XDG_STATE_HOME", ".local/state", &c.warnings);
  return c;
}

void ReportOnce(const std::string& message, std::FILE* out) {
  static std::mutex mu;
  static std::set<std::string> reported;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (!reported.insert(message).second) return;
  }
  std::fprintf(out, "%s\n", message.c_str());
  std::fflush(out);
}

void ReportWarnings(const Config& config, std::FILE* out) {
  for (const std::string& w : config.warnings) ReportOnce(w, out);
}

bool ValidateAppName(std::string_view app, std::string* error) {
  if (app.empty() || app.size() > 64) {
    *error = "app name must be 1..64 characters";
    return false;
  }
  if (!std::isalnum(static_cast<unsigned char>(app[0]))) {
    *error = "app name must start with a letter or digit (it names a directory)";
    return false;
  }
  for (char c : app) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && std::string_view("._@+-").find(c) == std::string_view::npos) {
      *error = "app name may hold only letters, digits and . _ @ + - (it names a directory: no '/', no control "
               "characters)";
      return false;
    }
  }
  return true;
}

AppPaths PathsForApp(const Config& config, std::string_view app) {
  AppPaths p;
  if (config.config_root.path.empty()) return p;
  p.dir = config.config_root.path + "/" + std::string(app);
  p.consent = p.dir + "/consent";
  p.id = p.dir + "/id";
  p.pseudonym_key = p.dir + "/pseudonym-key";
  p.notice = p.dir + "/notice-shown";
  return p;
}

std::string UserConsentPath(const Config& config) {
  return config.config_root.path.empty() ? "" : config.config_root.path + "/consent";
}

std::string WhyNotWritable(const DirSetting& root, const std::string& dir) {
  if (!root.problem.empty()) return root.problem;
  if (dir.empty()) return "no directory";
  std::string p = dir;
  struct stat st {};
  while (::stat(p.c_str(), &st) != 0 && p.size() > 1) p = Parent(p);
  if (!S_ISDIR(st.st_mode) || ::access(p.c_str(), W_OK) != 0) {
    return "cannot create or write " + dir + " (" + p + " is not a writable directory): set " + root.fix +
           " to a writable directory";
  }
  return "";
}

bool MakeDirBelow(const DirSetting& root, const std::string& dir, std::string* error) {
  const std::string& fix = root.fix;
  if (!root.problem.empty()) {
    *error = root.problem;
    return false;
  }
  if (root.path.empty() || dir.compare(0, root.anchor.size(), root.anchor) != 0 || !IsDir(root.anchor)) {
    *error = "no usable directory for " + dir + ": set " + fix + " to a writable directory";
    return false;
  }
  for (std::size_t i = root.anchor.size() + 1; i <= dir.size(); ++i) {
    if (i != dir.size() && dir[i] != '/') continue;
    const std::string part = dir.substr(0, i);
    if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) {
      *error = "cannot create " + part + " (" + std::strerror(errno) + "): set " + fix +
               " to a writable directory";
      return false;
    }
  }
  if (::access(dir.c_str(), W_OK) != 0) {
    *error = "cannot write in " + dir + " (" + std::strerror(errno) + "): set " + fix + " to a writable directory";
    return false;
  }
  return true;
}

}  // namespace telguard
