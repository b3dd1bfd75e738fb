#include "pipeline/allowlist.h"

#include <algorithm>
#include <cmath>
#include <sstream>


namespace telguard {
namespace {

using json = nlohmann::json;

struct ClassInfo {
  FieldClass cls;
  std::string_view name;
};
constexpr ClassInfo kClasses[] = {
    {FieldClass::kIdentifier, "identifier"}, {FieldClass::kId, "id"},
    {FieldClass::kUuid, "uuid"},             {FieldClass::kEnum, "enum"},
    {FieldClass::kBoolean, "boolean"},       {FieldClass::kCount, "count"},
    {FieldClass::kDuration, "duration"},     {FieldClass::kMoney, "money"},
    {FieldClass::kTimestamp, "timestamp"},   {FieldClass::kFreeText, "free_text"},
    {FieldClass::kFreeTextList, "free_text_list"}, {FieldClass::kFlagNames, "flag_names"},
    {FieldClass::kPositionalCount, "positional_count"},
};

constexpr std::int64_t kMaxCount = 1'000'000'000'000;
constexpr std::int64_t kMaxDuration = 2'592'000'000;  // 30 days in ms
constexpr double kMaxMoney = 1'000'000;
constexpr std::int64_t kMaxTimestamp = 32'503'680'000'000;  // year 3000

bool IntegerIn(const json& v, std::int64_t lo, std::int64_t hi) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>() <= static_cast<std::uint64_t>(hi);
  if (v.is_number_integer()) {
    const auto x = v.get<std::int64_t>();
    return x >= lo && x <= hi;
  }
  return false;
}

std::string JsonType(FieldClass c) {
  switch (c) {
    case FieldClass::kBoolean: return "boolean";
    case FieldClass::kCount:
    case FieldClass::kDuration:
    case FieldClass::kTimestamp:
    case FieldClass::kPositionalCount: return "integer";
    case FieldClass::kMoney: return "number";
    case FieldClass::kFreeTextList:
    case FieldClass::kFlagNames: return "array of string";
    default: return "string";
  }
}

// The data file is parsed in order, so the inventory follows it.
FieldSpec ParseField(const std::string& name, const nlohmann::ordered_json& j, const std::string& where) {
  FieldSpec f;
  f.name = name;
  const std::string cls = j.at("class").get<std::string>();
  bool found = false;
  for (const auto& c : kClasses) {
    if (c.name == cls) {
      f.cls = c.cls;
      found = true;
    }
  }
  if (!found) throw std::runtime_error(where + "/" + name + ": unknown class '" + cls + "'");
  f.purpose = j.at("purpose").get<std::string>();
  if (j.contains("values")) f.values = j["values"].get<std::vector<std::string>>();
  if (j.contains("max_length")) f.max_length = j["max_length"].get<std::size_t>();
  if (j.contains("max_items")) f.max_items = j["max_items"].get<std::size_t>();
  if (j.contains("from")) f.from = j["from"].get<std::string>();
  if (j.contains("shape")) {
    const std::string shape = j["shape"].get<std::string>();
    bool ok = false;
    for (auto sh : {redaction::NameShape::kNone, redaction::NameShape::kName, redaction::NameShape::kSemver}) {
      if (redaction::NameShapeName(sh) == shape) f.names.shape = sh, ok = true;
    }
    if (!ok) throw std::runtime_error(where + "/" + name + ": shape must be name, semver or none");
  }
  if (j.contains("vocabulary")) {
    f.names.vocabulary = j["vocabulary"].get<std::string>();
    if (!redaction::NamePolicy::Default().HasVocabulary(f.names.vocabulary)) {
      throw std::runtime_error(where + "/" + name + ": no vocabulary '" + f.names.vocabulary + "'");
    }
  }
  if (j.contains("pseudonym")) f.names.pseudonym = j["pseudonym"].get<std::string>();
  const bool named = f.cls == FieldClass::kIdentifier || f.cls == FieldClass::kId || f.cls == FieldClass::kUuid;
  if (named && (f.names.pseudonym.empty() ||
                !std::all_of(f.names.pseudonym.begin(), f.names.pseudonym.end(),
                             [](char c) { return c >= 'a' && c <= 'z'; }))) {
    throw std::runtime_error(where + "/" + name + ": needs 'pseudonym' (a lower-case prefix)");
  }
  if (j.contains("free_text")) {
    const auto mode = redaction::ParseFreeTextMode(j["free_text"].get<std::string>());
    if (!mode) throw std::runtime_error(where + "/" + name + ": free_text must be class, template or scrub");
    f.free_text = *mode;
  }
  if ((f.cls == FieldClass::kEnum || f.cls == FieldClass::kFlagNames) && f.values.empty()) {
    throw std::runtime_error(where + "/" + name + ": needs 'values'");
  }
  return f;
}

std::string_view FreeTextModeDoc(redaction::FreeTextMode m) {
  switch (m) {
    case redaction::FreeTextMode::kClass: return "one id of schemas/error_classes.json";
    case redaction::FreeTextMode::kTemplate: return "words of schemas/vocabulary.json and placeholders";
    case redaction::FreeTextMode::kScrub: return "deny-list scrubbers only";
  }
  return "";
}

}  // namespace

std::string_view FieldClassName(FieldClass c) {
  for (const auto& x : kClasses) {
    if (x.cls == c) return x.name;
  }
  return "";
}

std::unique_ptr<AllowList> AllowList::Parse(std::string_view text, std::string* error) {
  std::unique_ptr<AllowList> a(new AllowList());
  try {
    const auto doc = nlohmann::ordered_json::parse(text);
    for (const auto& [k, v] : doc.at("classes").items()) a->class_docs_.emplace_back(k, v.get<std::string>());
    for (const auto& [k, v] : doc.at("envelope").items()) {
      FieldSpec f = ParseField(k, v, "envelope");
      f.required = true;
      a->envelope_.push_back(std::move(f));
    }
    std::vector<FieldSpec> common;
    for (const auto& [k, v] : doc.at("common").items()) common.push_back(ParseField(k, v, "common"));
    for (EventKind kind : kAllEventKinds) {
      const std::string kn(KindName(kind));
      auto& fields = a->fields_[static_cast<std::size_t>(kind)];
      for (const auto& [k, v] : doc.at("events").at(kn).items()) {
        fields.push_back(ParseField(k, v, "events/" + kn));
      }
      for (const auto& c : common) fields.push_back(c);
      for (const auto& r : doc.at("required").at(kn)) {
        const std::string rn = r.get<std::string>();
        auto it = std::find_if(fields.begin(), fields.end(), [&](const FieldSpec& f) { return f.name == rn; });
        if (it == fields.end()) throw std::runtime_error("required/" + kn + ": '" + rn + "' is not allow-listed");
        it->required = true;
      }
    }
    a->never_collected_ = doc.at("never_collected").get<std::vector<std::string>>();
    for (const auto& f : a->envelope_) a->names_.Add(f.name);
    a->names_.Add("properties");
    a->names_.Add("records");
    for (const auto& fields : a->fields_) {
      for (const auto& f : fields) {
        a->names_.Add(f.name);
        if (!f.from.empty()) a->names_.Add(f.from);
      }
    }
  } catch (const std::exception& e) {
    if (error) *error = std::string("allow-list: ") + e.what();
    return nullptr;
  }
  return a;
}

const FieldSpec* AllowList::Find(EventKind kind, std::string_view name) const {
  for (const auto& f : Fields(kind)) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

bool AllowList::CheckClass(const FieldSpec& spec, const json& v) const {
  switch (spec.cls) {
    // Names and ids of any content are taken: the names stage keeps what fits
    // the field's vocabulary or shape and pseudonymises the rest.
    case FieldClass::kIdentifier:
    case FieldClass::kId:
    case FieldClass::kUuid:
      return v.is_string() && !v.get_ref<const std::string&>().empty();
    case FieldClass::kEnum:
      return v.is_string() && std::find(spec.values.begin(), spec.values.end(),
                                        v.get_ref<const std::string&>()) != spec.values.end();
    case FieldClass::kBoolean: return v.is_boolean();
    case FieldClass::kCount: return IntegerIn(v, 0, kMaxCount);
    case FieldClass::kDuration: return IntegerIn(v, 0, kMaxDuration);
    case FieldClass::kTimestamp: return IntegerIn(v, 0, kMaxTimestamp);
    case FieldClass::kMoney:
      return v.is_number() && std::isfinite(v.get<double>()) && v.get<double>() >= 0 &&
             v.get<double>() <= kMaxMoney;
    case FieldClass::kFreeText: return v.is_string();
    case FieldClass::kFreeTextList: return v.is_array();
    case FieldClass::kFlagNames:
    case FieldClass::kPositionalCount: return v.is_array();
  }
  return false;
}

FilterResult AllowList::Filter(EventKind kind, const json& record, const KnownNames& names) const {
  FilterResult out;
  json& rec = out.record = json::object();
  for (const auto& [k, v] : record.items()) {
    if (k == "properties") continue;
    std::string ptr;
    AppendKey(ptr, k, &names);
    auto spec = std::find_if(envelope_.begin(), envelope_.end(), [&, &key = k](const FieldSpec& f) { return f.name == key; });
    if (spec == envelope_.end()) {
      out.stripped.push_back(std::move(ptr));
    } else if (!CheckClass(*spec, v)) {
      out.reasons.push_back({std::move(ptr), "class:" + std::string(FieldClassName(spec->cls))});
    } else {
      rec[k] = v;
    }
  }
  // The session kinds share one wire name.
  rec["event"] = std::string(WireEventName(kind));

  json& props = rec["properties"] = json::object();
  const json& in = record.at("properties");
  const auto& fields = Fields(kind);
  // Inputs consumed by derived fields (command args) never leave themselves.
  for (const auto& [k, v] : in.items()) {
    // The pointer is built only for what is stripped (most fields are kept).
    const std::string& key = k;  // (clang 14 cannot capture a structured binding)
    auto ptr = [&] {
      std::string p = "/properties";
      AppendKey(p, key, &names);
      return p;
    };
    const FieldSpec* direct = nullptr;
    for (const auto& f : fields) {
      if (f.from.empty() && f.name == k) direct = &f;
    }
    if (direct == nullptr) {
      out.stripped.push_back(ptr());
      continue;
    }
    if (!CheckClass(*direct, v)) {
      out.reasons.push_back({ptr(), "class:" + std::string(FieldClassName(direct->cls))});
      continue;
    }
    if (direct->cls == FieldClass::kFreeTextList) {
      json list = json::array();
      for (const auto& e : v) {
        if (list.size() >= direct->max_items) break;
        if (e.is_string()) list.push_back(e);
      }
      props[k] = std::move(list);
    } else {
      props[k] = v;
    }
  }
  // Derived fields.
  for (const auto& f : fields) {
    if (f.from.empty() || !in.contains(f.from) || !in[f.from].is_array()) continue;
    const json& args = in[f.from];
    if (f.cls == FieldClass::kPositionalCount) {
      std::size_t n = 0;
      bool after_dashdash = false;
      for (const auto& a : args) {
        if (!a.is_string()) continue;
        const std::string& s = a.get_ref<const std::string&>();
        if (!after_dashdash && s == "--") {
          after_dashdash = true;
        } else if (after_dashdash || s.size() < 2 || s[0] != '-') {
          ++n;
        }
      }
      props[f.name] = n;
    } else if (f.cls == FieldClass::kFlagNames) {
      json flags = json::array();
      for (const auto& a : args) {
        if (!a.is_string()) continue;
        const std::string& s = a.get_ref<const std::string&>();
        if (s == "--") break;
        if (s.size() < 2 || s[0] != '-') continue;
        const std::string name = s.substr(0, s.find('='));
        if (std::find(f.values.begin(), f.values.end(), name) == f.values.end()) continue;
        if (std::find(flags.begin(), flags.end(), name) != flags.end()) continue;
        if (flags.size() >= f.max_items) break;
        flags.push_back(name);
      }
      props[f.name] = std::move(flags);
    }
  }
  return out;
}

json AllowList::OutputSchema(EventKind kind) const {
  auto field_schema = [](const FieldSpec& f) -> json {
    switch (f.cls) {
      case FieldClass::kIdentifier:
        return {{"type", "string"}, {"minLength", 1}, {"maxLength", f.max_length}};
      case FieldClass::kId: return {{"type", "string"}, {"minLength", 1}, {"maxLength", 64}};
      case FieldClass::kUuid: return {{"type", "string"}, {"minLength", 36}, {"maxLength", 36}};
      case FieldClass::kEnum: return {{"type", "string"}, {"enum", f.values}};
      case FieldClass::kBoolean: return {{"type", "boolean"}};
      case FieldClass::kCount: return {{"type", "integer"}, {"minimum", 0}, {"maximum", kMaxCount}};
      case FieldClass::kDuration: return {{"type", "integer"}, {"minimum", 0}, {"maximum", kMaxDuration}};
      case FieldClass::kTimestamp: return {{"type", "integer"}, {"minimum", 0}, {"maximum", kMaxTimestamp}};
      case FieldClass::kMoney: return {{"type", "number"}, {"minimum", 0}, {"maximum", kMaxMoney}};
      case FieldClass::kPositionalCount:
        return {{"type", "integer"}, {"minimum", 0}, {"maximum", 1'000'000}};
      case FieldClass::kFreeText:
        return {{"type", "string"}, {"maxLength", f.max_length + kTruncationMark.size()}};
      case FieldClass::kFreeTextList:
        return {{"type", "array"},
                {"maxItems", f.max_items},
                {"items", {{"type", "string"}, {"maxLength", f.max_length + kTruncationMark.size()}}}};
      case FieldClass::kFlagNames:
        return {{"type", "array"},
                {"maxItems", f.max_items},
                {"uniqueItems", true},
                {"items", {{"type", "string"}, {"enum", f.values}}}};
    }
    return json::object();
  };
  json props = json::object();
  json required = json::array();
  for (const auto& f : Fields(kind)) {
    props[f.name] = field_schema(f);
    if (f.required) required.push_back(f.name);
  }
  json env_props = json::object();
  json env_required = json::array();
  for (const auto& f : envelope_) {
    env_props[f.name] = field_schema(f);
    env_required.push_back(f.name);
  }
  env_props["event"] = {{"type", "string"}, {"enum", {std::string(WireEventName(kind))}}};
  env_props["properties"] = {{"type", "object"},
                             {"additionalProperties", false},
                             {"required", required},
                             {"properties", props}};
  env_required.push_back("properties");
  json record = {{"type", "object"},
                 {"additionalProperties", false},
                 {"required", env_required},
                 {"properties", env_props}};
  json records = {{"type", "array"}, {"minItems", 1}, {"maxItems", 1}, {"items", std::move(record)}};
  json schema = {{"$schema", "http://json-schema.org/draft-07/schema#"},
                 {"title", "telguard output: " + std::string(KindName(kind))},
                 {"type", "object"},
                 {"additionalProperties", false},
                 {"required", {"records"}}};
  schema["properties"]["records"] = std::move(records);
  return schema;
}

std::string AllowList::InventoryMarkdown() const {
  std::ostringstream o;
  auto row = [&](const FieldSpec& f) {
    o << "| `" << f.name << "` | " << JsonType(f.cls) << " | " << FieldClassName(f.cls) << " | "
      << f.purpose;
    if (f.cls == FieldClass::kEnum || f.cls == FieldClass::kFlagNames) {
      o << " Values: ";
      for (std::size_t i = 0; i < f.values.size(); ++i) o << (i ? ", " : "") << "`" << f.values[i] << "`";
      o << ".";
    }
    if (f.cls == FieldClass::kFreeText || f.cls == FieldClass::kFreeTextList) {
      o << " Mode `" << redaction::FreeTextModeName(f.free_text) << "` (" << FreeTextModeDoc(f.free_text) << ").";
      o << " At most " << f.max_length << " bytes";
      if (f.cls == FieldClass::kFreeTextList) o << " each, " << f.max_items << " items";
      o << ".";
    }
    if (f.cls == FieldClass::kIdentifier) {
      o << " Leaves as written when ";
      if (!f.names.vocabulary.empty()) o << "in the `" << f.names.vocabulary << "` list or ";
      o << "of shape `" << redaction::NameShapeName(f.names.shape) << "`; otherwise as the pseudonym `"
        << f.names.pseudonym << "-<8 hex>`.";
    }
    if (f.cls == FieldClass::kId) {
      o << " Leaves only as the pseudonym `" << f.names.pseudonym << "-<16 hex>` (a UUID as a UUID).";
    }
    if (f.cls == FieldClass::kUuid) o << " Leaves only as a pseudonym UUID (domain `" << f.names.pseudonym << "`).";
    if (!f.from.empty()) o << " Derived from `" << f.from << "`, which is never sent.";
    o << " |\n";
  };
  o << "Every event is sent as `{\"records\":[{\"event\",\"event_timestamp\",\"source\",\"properties\"}]}`.\n\n";
  o << "### Envelope (every event)\n\n| field | type | class | purpose |\n|---|---|---|---|\n";
  for (const auto& f : envelope_) row(f);
  for (EventKind k : kAllEventKinds) {
    o << "\n### `" << KindName(k) << "` properties\n\n| field | type | class | purpose |\n|---|---|---|---|\n";
    for (const auto& f : Fields(k)) row(f);
  }
  o << "\n### Classes\n\n";
  for (const auto& [name, doc] : class_docs_) o << "- **" << name << "**: " << doc << "\n";
  o << "\n### Never collected\n\n";
  for (const auto& n : never_collected_) o << "- " << n << "\n";
  return o.str();
}

json AllowList::InventoryJson() const {
  auto field = [](const FieldSpec& f) {
    json j = {{"name", f.name}, {"type", JsonType(f.cls)}, {"class", FieldClassName(f.cls)},
              {"purpose", f.purpose}, {"required", f.required}};
    if (!f.values.empty()) j["values"] = f.values;
    if (f.cls == FieldClass::kFreeText || f.cls == FieldClass::kFreeTextList) {
      j["max_length"] = f.max_length;
      j["free_text"] = redaction::FreeTextModeName(f.free_text);
    }
    if (f.cls == FieldClass::kIdentifier || f.cls == FieldClass::kId || f.cls == FieldClass::kUuid) {
      if (!f.names.vocabulary.empty()) j["vocabulary"] = f.names.vocabulary;
      if (f.cls == FieldClass::kIdentifier) j["shape"] = redaction::NameShapeName(f.names.shape);
      j["pseudonym"] = f.names.pseudonym + (f.cls == FieldClass::kIdentifier ? "-<8 hex>"
                                            : f.cls == FieldClass::kId     ? "-<16 hex> or a UUID"
                                                                             : " (a UUID)");
    }
    if (f.cls == FieldClass::kFreeTextList || f.cls == FieldClass::kFlagNames) j["max_items"] = f.max_items;
    if (!f.from.empty()) j["derived_from"] = f.from;
    return j;
  };
  json out;
  for (const auto& f : envelope_) out["envelope"].push_back(field(f));
  for (EventKind k : kAllEventKinds) {
    json& arr = out["events"][std::string(KindName(k))] = json::array();
    for (const auto& f : Fields(k)) arr.push_back(field(f));
  }
  for (const auto& [name, doc] : class_docs_) out["classes"][name] = doc;
  out["never_collected"] = never_collected_;
  return out;
}

}  // namespace telguard
