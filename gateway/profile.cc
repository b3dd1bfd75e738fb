#include "gateway/profile.h"

#include <cctype>
#include <sstream>

#include "schemas/embedded.h"

namespace telguard::gateway {
namespace {

using nlohmann::json;

constexpr std::pair<AttrClass, const char*> kClassNames[] = {
    {AttrClass::kEnum, "enum"},           {AttrClass::kBoolean, "boolean"},   {AttrClass::kCount, "count"},
    {AttrClass::kNumber, "number"},       {AttrClass::kDuration, "duration"}, {AttrClass::kTimestamp, "timestamp"},
    {AttrClass::kIdentifier, "identifier"}, {AttrClass::kId, "id"},         {AttrClass::kUuid, "uuid"},
    {AttrClass::kPseudonym, "pseudonym"}, {AttrClass::kFreeText, "free_text"}, {AttrClass::kContent, "content"},
    {AttrClass::kJson, "json"},
};

// The default pseudonym domain: the attribute's name, lower-cased, every
// other character than [a-z0-9] as '_', at most 32 characters.
std::string DomainFrom(std::string_view key) {
  std::string d;
  for (char c : key.substr(0, 32)) {
    const char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    d.push_back((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') ? l : '_');
  }
  return d.empty() ? "value" : d;
}

bool IsDomain(std::string_view d) {
  if (d.empty() || d.size() > 32) return false;
  for (char c : d) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

class Parser {
 public:
  explicit Parser(std::string file) : file_(std::move(file)) {}

  bool Fail(const std::string& where, const std::string& what) {
    error_ = file_ + ": " + where + ": " + what;
    return false;
  }
  const std::string& error() const { return error_; }

  // "vocabulary", "shape" and "pseudonym" of identifier and pseudonym classes.
  bool Names(const json& j, const std::string& where, std::string_view key, AttrSpec* out) {
    const bool named = out->cls == AttrClass::kIdentifier || out->cls == AttrClass::kPseudonym;
    for (const char* k : {"vocabulary", "shape", "pseudonym"}) {
      if (!j.contains(k)) continue;
      if (!named) return Fail(where, std::string("\"") + k + "\" belongs to an identifier or pseudonym class");
      if (!j[k].is_string()) return Fail(where, std::string("\"") + k + "\" must be a string");
    }
    redaction::NameSpec& n = out->names;
    n.pseudonym = j.contains("pseudonym") ? j["pseudonym"].get<std::string>() : DomainFrom(key);
    if (!IsDomain(n.pseudonym)) return Fail(where, "\"pseudonym\" must be 1..32 of [a-z0-9_]");
    if (out->cls != AttrClass::kIdentifier) {
      if (j.contains("vocabulary") || j.contains("shape")) return Fail(where, "a pseudonym has no vocabulary or shape");
      return true;
    }
    n.vocabulary = j.value("vocabulary", "");
    if (!n.vocabulary.empty() && !redaction::NamePolicy::Default().HasVocabulary(n.vocabulary)) {
      return Fail(where, "unknown \"vocabulary\" (models, tools, agents, os, commands)");
    }
    const std::string shape = j.value("shape", out->values.empty() ? "name" : "none");
    if (shape == "name") n.shape = redaction::NameShape::kName;
    else if (shape == "semver") n.shape = redaction::NameShape::kSemver;
    else if (shape == "none") n.shape = redaction::NameShape::kNone;
    else return Fail(where, "\"shape\" must be name, semver or none");
    return true;
  }

  bool Attr(const json& j, const std::string& where, std::string_view key, AttrSpec* out) {
    if (!j.is_object() || !j.contains("class") || !j["class"].is_string()) return Fail(where, "needs a \"class\"");
    const std::string cls = j["class"].get<std::string>();
    bool found = false;
    for (const auto& [c, n] : kClassNames) {
      if (cls == n) {
        out->cls = c;
        found = true;
      }
    }
    if (!found) return Fail(where, "unknown class");
    out->purpose = j.value("purpose", "");
    if (j.contains("values")) {
      if (!j["values"].is_array()) return Fail(where, "\"values\" must be an array of strings");
      for (const json& v : j["values"]) {
        if (!v.is_string()) return Fail(where, "\"values\" must be an array of strings");
        out->values.push_back(v.get<std::string>());
      }
    }
    if (out->cls == AttrClass::kEnum && out->values.empty()) return Fail(where, "an enum needs \"values\"");
    if (out->cls == AttrClass::kFreeText) out->max_length = 256;
    if (j.contains("max_length")) {
      if (!j["max_length"].is_number_unsigned()) return Fail(where, "\"max_length\" must be a whole number");
      out->max_length = j["max_length"].get<std::size_t>();
    }
    if (j.contains("policy")) {
      out->policy = j.value("policy", "");
      if (out->policy != "class" && out->policy != "template" && out->policy != "scrub") {
        return Fail(where, "\"policy\" must be class, template or scrub");
      }
    }
    if (!Names(j, where, key, out)) return false;
    if (j.contains("keys")) {
      if (out->cls != AttrClass::kJson || !j["keys"].is_object()) return Fail(where, "\"keys\" belongs to a json class");
      for (const auto& [k, v] : j["keys"].items()) {
        if (!Attr(v, where + ".keys." + k, k, &out->keys[k])) return false;
        if (out->keys[k].cls == AttrClass::kJson) return Fail(where + ".keys." + k, "json inside json");
      }
    }
    return true;
  }

  bool Attrs(const json& j, const std::string& where, AttrMap* out) {
    if (j.is_null()) return true;
    if (!j.is_object()) return Fail(where, "must be an object");
    for (const auto& [k, v] : j.items()) {
      if (!Attr(v, where + "." + k, k, &(*out)[k])) return false;
    }
    return true;
  }

  bool Records(const json& j, const std::string& where, RecordMap* out) {
    if (j.is_null()) return true;
    if (!j.is_object()) return Fail(where, "must be an object");
    for (const auto& [k, v] : j.items()) {
      if (!v.is_object()) return Fail(where + "." + k, "must be an object");
      RecordSpec& r = (*out)[k];
      r.purpose = v.value("purpose", "");
      if (!Attrs(v.value("attributes", json()), where + "." + k + ".attributes", &r.attributes)) return false;
    }
    return true;
  }

  bool Strings(const json& j, const std::string& where, std::vector<std::string>* out) {
    if (j.is_null()) return true;
    if (!j.is_array()) return Fail(where, "must be an array of strings");
    for (const json& v : j) {
      if (!v.is_string()) return Fail(where, "must be an array of strings");
      out->push_back(v.get<std::string>());
    }
    return true;
  }

  std::unique_ptr<Profile> Parse(std::string_view text) {
    const json j = json::parse(text, nullptr, false);
    if (!j.is_object()) {
      Fail("(file)", "not a JSON object");
      return nullptr;
    }
    auto p = std::make_unique<Profile>();
    p->name = j.value("profile", "");
    if (p->name.empty()) {
      Fail("profile", "missing");
      return nullptr;
    }
    p->description = j.value("description", "");
    p->written_for = j.value("written_for", "");
    const json match = j.value("match", json::object());
    const json logs = j.value("logs", json::object());
    p->event_prefix = logs.value("event_prefix", "");
    p->body_is_event_name = logs.value("body_is_event_name", false);
    p->body.cls = AttrClass::kFreeText;
    p->body.policy = "class";
    p->status_message.cls = AttrClass::kFreeText;
    p->status_message.policy = "template";
    const bool ok = Strings(match.value("service_names", json()), "match.service_names", &p->service_names) &&
                    Strings(match.value("scope_names", json()), "match.scope_names", &p->scope_names) &&
                    Attrs(j.value("resource", json()), "resource", &p->resource) &&
                    Attrs(j.value("common", json()), "common", &p->common) &&
                    (!logs.contains("body") || Attr(logs["body"], "logs.body", "body", &p->body)) &&
                    Records(logs.value("events", json()), "logs.events", &p->events) &&
                    Records(j.value("metrics", json()), "metrics", &p->metrics) &&
                    Records(j.value("spans", json()), "spans", &p->spans) &&
                    Records(j.value("span_events", json()), "span_events", &p->span_events) &&
                    (!j.contains("status_message") || Attr(j["status_message"], "status_message", "status_message", &p->status_message));
    if (!ok) return nullptr;
    return p;
  }

 private:
  std::string file_;
  std::string error_;
};

// "[vocabulary models, shape name, else `model-<8 hex>`]"
std::string NamesText(const redaction::NameSpec& n) {
  std::string t = "[";
  if (!n.vocabulary.empty()) t += "vocabulary " + n.vocabulary + ", ";
  t += "shape " + std::string(redaction::NameShapeName(n.shape)) + ", else `" + n.pseudonym + "-<8 hex>`]";
  return t;
}

void AttrsMarkdown(std::ostringstream& o, const AttrMap& attrs, const std::string& indent) {
  for (const auto& [name, a] : attrs) {
    o << indent << "- `" << name << "`: " << AttrClassName(a.cls);
    if (a.cls == AttrClass::kEnum || (a.cls == AttrClass::kIdentifier && !a.values.empty())) {
      o << " (";
      for (std::size_t i = 0; i < a.values.size(); ++i) o << (i ? ", " : "") << a.values[i];
      o << ")";
    }
    if (a.cls == AttrClass::kIdentifier) o << " " << NamesText(a.names);
    if (a.cls == AttrClass::kFreeText) o << " (" << a.policy << ", at most " << a.max_length << " bytes)";
    if (a.cls == AttrClass::kContent) o << " -- never leaves";
    if (a.cls == AttrClass::kPseudonym) {
      o << " -- keyed pseudonym `" << a.names.pseudonym << "-<16 hex>` (a UUID stays a UUID), never in clear";
    }
    if (!a.purpose.empty()) o << " -- " << a.purpose;
    o << "\n";
    if (a.cls == AttrClass::kJson) AttrsMarkdown(o, a.keys, indent + "  ");
  }
}

json AttrsJson(const AttrMap& attrs) {
  json out = json::object();
  for (const auto& [name, a] : attrs) {
    json e = {{"class", AttrClassName(a.cls)}};
    if (!a.values.empty()) e["values"] = a.values;
    if (a.cls == AttrClass::kFreeText) {
      e["policy"] = a.policy;
      e["max_length"] = a.max_length;
    }
    if (a.cls == AttrClass::kJson) e["keys"] = AttrsJson(a.keys);
    if (a.cls == AttrClass::kIdentifier) {
      if (!a.names.vocabulary.empty()) e["vocabulary"] = a.names.vocabulary;
      e["shape"] = redaction::NameShapeName(a.names.shape);
      e["pseudonym"] = a.names.pseudonym + "-<8 hex>";
    }
    if (a.cls == AttrClass::kPseudonym) e["pseudonym"] = a.names.pseudonym + "-<16 hex>";
    e["leaves"] = a.cls != AttrClass::kContent;
    if (!a.purpose.empty()) e["purpose"] = a.purpose;
    out[name] = e;
  }
  return out;
}

json RecordsJson(const RecordMap& records) {
  json out = json::object();
  for (const auto& [name, r] : records) out[name] = {{"purpose", r.purpose}, {"attributes", AttrsJson(r.attributes)}};
  return out;
}

void RecordsMarkdown(std::ostringstream& o, const char* title, const RecordMap& records) {
  if (records.empty()) return;
  o << "\n## " << title << "\n";
  for (const auto& [name, r] : records) {
    o << "- `" << name << "`" << (r.purpose.empty() ? "" : " -- " + r.purpose) << "\n";
    AttrsMarkdown(o, r.attributes, "  ");
  }
}

}  // namespace

const char* AttrClassName(AttrClass c) {
  for (const auto& [cls, n] : kClassNames) {
    if (cls == c) return n;
  }
  return "?";
}

const RecordSpec* Profile::FindEvent(std::string_view event, std::string* canonical) const {
  if (auto it = events.find(event); it != events.end()) {
    *canonical = it->first;
    return &it->second;
  }
  if (!event_prefix.empty()) {
    const std::string full = event_prefix + std::string(event);
    if (auto it = events.find(full); it != events.end()) {
      *canonical = it->first;
      return &it->second;
    }
  }
  return nullptr;
}

namespace {

void CollectNames(Profile* p) {
  auto add = [&](const auto& m) {
    for (const auto& [k, _] : m) p->declared.insert(k);
  };
  add(p->resource);
  add(p->common);
  for (const RecordMap* rm : {&p->events, &p->metrics, &p->spans, &p->span_events}) {
    add(*rm);
    for (const auto& [_, r] : *rm) add(r.attributes);
  }
}

}  // namespace

std::unique_ptr<ProfileSet> ProfileSet::Load(const std::vector<std::pair<std::string, std::string>>& files,
                                             std::string* error) {
  auto set = std::unique_ptr<ProfileSet>(new ProfileSet());
  for (const auto& [file, text] : files) {
    Parser parser(file);
    auto p = parser.Parse(text);
    if (!p) {
      *error = parser.error();
      return nullptr;
    }
    CollectNames(p.get());
    if (set->Find(p->name)) {
      *error = file + ": profile name used twice";
      return nullptr;
    }
    set->profiles_.push_back(std::move(p));
  }
  set->generic_ = set->Find("generic");
  if (!set->generic_) {
    *error = "no \"generic\" profile";
    return nullptr;
  }
  return set;
}

std::unique_ptr<ProfileSet> ProfileSet::LoadEmbedded(std::string* error) {
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& f : EmbeddedFiles()) {
    if (f.name.rfind("schemas/profiles/", 0) == 0) files.emplace_back(std::string(f.name), std::string(f.content));
  }
  return Load(files, error);
}

const Profile* ProfileSet::Find(std::string_view wanted) const {
  for (const auto& p : profiles_) {
    if (p->name == wanted) return p.get();
  }
  return nullptr;
}

const Profile* ProfileSet::Match(std::string_view service_name, std::string_view scope_name) const {
  for (const auto& p : profiles_) {
    for (const auto& s : p->service_names) {
      if (!service_name.empty() && s == service_name) return p.get();
    }
  }
  for (const auto& p : profiles_) {
    for (const auto& s : p->scope_names) {
      if (!scope_name.empty() && s == scope_name) return p.get();
    }
  }
  return nullptr;
}

std::string ProfileSet::InventoryMarkdown(const Profile& p) {
  std::ostringstream o;
  o << "# Profile `" << p.name << "`\n\n" << p.description << "\n";
  if (!p.written_for.empty()) o << "\nWritten for: " << p.written_for << "\n";
  o << "\nEverything not listed here is dropped before it leaves, and its name is audited as \"*\".\n";
  o << "\n## Resource attributes that survive\n";
  AttrsMarkdown(o, p.resource, "");
  if (!p.common.empty()) {
    o << "\n## Attributes allowed on every record\n";
    AttrsMarkdown(o, p.common, "");
  }
  o << "\n## Log bodies\n- " << AttrClassName(p.body.cls);
  if (p.body.cls == AttrClass::kFreeText) o << " (" << p.body.policy << ", at most " << p.body.max_length << " bytes)";
  if (p.body_is_event_name) o << "; a body equal to the event name is kept as it is";
  o << "\n";
  RecordsMarkdown(o, "Log events", p.events);
  RecordsMarkdown(o, "Metrics", p.metrics);
  RecordsMarkdown(o, "Spans", p.spans);
  RecordsMarkdown(o, "Span events", p.span_events);
  return o.str();
}

json ProfileSet::InventoryJson(const Profile& p) {
  return {{"profile", p.name},
          {"description", p.description},
          {"written_for", p.written_for},
          {"resource", AttrsJson(p.resource)},
          {"common", AttrsJson(p.common)},
          {"log_body", {{"class", AttrClassName(p.body.cls)}, {"policy", p.body.policy}, {"event_name", p.body_is_event_name}}},
          {"events", RecordsJson(p.events)},
          {"metrics", RecordsJson(p.metrics)},
          {"spans", RecordsJson(p.spans)},
          {"span_events", RecordsJson(p.span_events)}};
}

}  // namespace telguard::gateway
