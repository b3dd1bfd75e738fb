#include "client/status.h"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "client/consent.h"
#include "client/local_files.h"

namespace telguard {
namespace {

using json = nlohmann::json;

bool Exists(const std::string& path) { return !path.empty() && ReadSmallFile(path).has_value(); }

json SettingJson(const Setting& s) {
  if (!s.set()) return nullptr;
  return {{"value", s.value}, {"source", s.source}};
}

json Report(const Config& config, std::string_view app, const DestinationOptions& options) {
  const ConsentDecision d = DecideConsent(config, app);
  json r = {{"telemetry", d.enabled ? "on" : "off"}, {"decided_by", d.source}};
  r["app"] = app.empty() ? json(nullptr) : json(std::string(app));
  r["config_root"] = {{"path", config.config_root.path}, {"source", config.config_root.source}};
  const std::string problem =
      WhyNotWritable(config.config_root, app.empty() ? config.config_root.path : PathsForApp(config, app).dir);
  if (!problem.empty()) r["config_root"]["problem"] = problem;
  r["user_choice"] = Exists(UserConsentPath(config)) ? json(UserConsentPath(config)) : json(nullptr);
  if (!app.empty()) {
    const AppPaths p = PathsForApp(config, app);
    r["app_dir"] = p.dir;
    r["app_choice"] = Exists(p.consent) ? json(p.consent) : json(nullptr);
    r["install_id"] = Exists(p.id);
    r["pseudonym_key"] = Exists(p.pseudonym_key);
    r["notice_shown"] = Exists(p.notice);
  } else {
    r["apps"] = KnownApps(config);
  }
  Destination dest;
  std::string error;
  if (BuildDestination(options, config, &dest, &error)) {
    r["destination"] = {{"kind", dest.kind == Destination::Kind::kLocalFile ? "local file" : "http"},
                        {"endpoint", SettingJson(dest.endpoint)},   {"local_file", SettingJson(dest.local_file)},
                        {"spool", SettingJson(dest.spool_dir)},     {"api_key", SettingJson(dest.api_key)},
                        {"debug", dest.debug ? json(dest.debug_source) : json(nullptr)}};
    if (!dest.spool_note.empty()) r["destination"]["spool_note"] = dest.spool_note;
  } else {
    r["destination"] = {{"problem", error}};
  }
  r["warnings"] = config.warnings;
  return r;
}

std::string Line(const char* key, const json& v) {
  if (v.is_null()) return std::string(key) + ": none\n";
  if (v.is_boolean()) return std::string(key) + ": " + (v.get<bool>() ? "yes" : "no") + "\n";
  if (v.is_object() && v.contains("value")) {
    return std::string(key) + ": " + v["value"].get<std::string>() + " (from " + v["source"].get<std::string>() + ")\n";
  }
  return std::string(key) + ": " + (v.is_string() ? v.get<std::string>() : v.dump()) + "\n";
}

}  // namespace

std::vector<std::string> KnownApps(const Config& config) {
  std::vector<std::string> apps;
  std::error_code ec;
  if (config.config_root.path.empty()) return apps;
  for (const auto& e : std::filesystem::directory_iterator(config.config_root.path, ec)) {
    std::string ignored;
    const std::string name = e.path().filename().string();
    if (e.is_directory(ec) && ValidateAppName(name, &ignored)) apps.push_back(name);
  }
  std::sort(apps.begin(), apps.end());
  return apps;
}

std::string StatusJson(const Config& config, std::string_view app, const DestinationOptions& options) {
  return Report(config, app, options).dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string StatusText(const Config& config, std::string_view app, const DestinationOptions& options) {
  const json r = Report(config, app, options);
  std::string s = Line("telemetry", r["telemetry"]) + Line("decided by", r["decided_by"]);
  s += Line("app", r["app"].is_null() ? json("(none: user-wide)") : r["app"]);
  const json& root = r["config_root"];
  s += "config directory: " + (root["path"].get<std::string>().empty() ? std::string("none") : root["path"].get<std::string>()) +
       (root["source"].get<std::string>().empty() ? "" : " (from " + root["source"].get<std::string>() + ")") + "\n";
  if (root.contains("problem")) s += "  problem: " + root["problem"].get<std::string>() + "\n";
  s += Line("user-wide choice", r["user_choice"]);
  if (r.contains("app_dir")) {
    s += Line("app choice", r["app_choice"]) + Line("install id", r["install_id"]) +
         Line("pseudonym key", r["pseudonym_key"]) + Line("first-run notice shown", r["notice_shown"]);
  } else {
    std::string apps;
    for (const auto& a : r["apps"]) apps += (apps.empty() ? "" : ", ") + a.get<std::string>();
    s += "apps: " + (apps.empty() ? std::string("none") : apps) + "\n";
  }
  const json& d = r["destination"];
  if (d.contains("problem")) {
    s += "destination: " + d["problem"].get<std::string>() + "\n";
  } else {
    s += Line("destination", d["kind"]);
    for (const char* k : {"endpoint", "local_file", "spool", "api_key"}) {
      if (!d[k].is_null()) s += "  " + Line(k, d[k]);
    }
    if (d.contains("spool_note")) s += "  " + d["spool_note"].get<std::string>() + "\n";
    s += "  " + Line("debug", d["debug"]);
  }
  for (const auto& w : r["warnings"]) {
    std::string text = w.get<std::string>();
    if (text.rfind("telguard: ", 0) == 0) text.erase(0, 10);
    s += "warning: " + text + "\n";
  }
  return s;
}

}  // namespace telguard
