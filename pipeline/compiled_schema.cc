#include "pipeline/compiled_schema.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "pipeline/byte_scan.h"

namespace telguard {
namespace {

using json = nlohmann::json;

enum TypeBit : unsigned {
  kNull = 1u << 0,
  kBoolean = 1u << 1,
  kInteger = 1u << 2,
  kNumber = 1u << 3,
  kString = 1u << 4,
  kArray = 1u << 5,
  kObject = 1u << 6,
  kAnyType = (1u << 7) - 1,
};

std::optional<unsigned> TypeFromName(const std::string& name) {
  static constexpr std::pair<std::string_view, TypeBit> kNames[] = {
      {"null", kNull},     {"boolean", kBoolean}, {"integer", kInteger}, {"number", kNumber},
      {"string", kString}, {"array", kArray},     {"object", kObject},
  };
  for (const auto& [n, bit] : kNames) {
    if (name == n) return bit;
  }
  return std::nullopt;
}

// The value as valijson's nlohmann adapter turns it into a double: floats as
// they are, integers through int64_t (an unsigned above INT64_MAX wraps).
double AsDoubleLikeValijson(const json& v) {
  if (v.is_number_float()) return v.get<double>();
  return static_cast<double>(v.get<std::int64_t>());
}

}  // namespace

struct CompiledSchema::Node {
  unsigned types = kAnyType;
  bool has_enum = false;
  std::vector<std::string> enum_values;
  std::vector<std::string> required;
  // Sorted by name, as nlohmann's object map is, so both walk in step.
  std::vector<std::pair<std::string, std::unique_ptr<Node>>> properties;
  bool additional_properties = true;
  std::unique_ptr<Node> items;
  std::optional<std::uint64_t> min_items, max_items;
  bool unique_items = false;
  std::optional<std::uint64_t> min_length, max_length;
  std::optional<double> minimum, maximum;

  Answer Check(const json& v) const noexcept;
  Answer CheckObject(const json& v) const noexcept;
  Answer CheckArray(const json& v) const noexcept;
  Answer CheckString(const std::string& s) const noexcept;
};

bool CountCharsLikeValijson(const std::string& s, std::uint64_t* count) noexcept {
  // utils::u8_nextchar / u8_strlen, step for step, over the bytes before the
  // first NUL (c_str() semantics).
  static constexpr std::uint64_t kOffsets[6] = {0x00000000ULL, 0x00003080ULL, 0x000E2080ULL,
                                                0x03C82080ULL, 0xFA082080ULL, 0x82082080ULL};
  if (scan::AsciiWithoutNul(s.data(), s.data() + s.size())) {
    *count = s.size();  // one character per byte, no NUL to stop at
    return true;
  }
  const char* p = s.c_str();
  std::uint64_t n = 0;
  std::size_t i = 0;
  while (p[i] != 0) {
    std::uint64_t ch = 0;
    int sz = 0;
    do {
      ch <<= 6;
      ch += static_cast<unsigned char>(p[i++]);
      ++sz;
    } while (p[i] != 0 && (static_cast<unsigned char>(p[i]) & 0xC0) == 0x80 && sz <= 6);
    if (sz > 6) return false;  // valijson would index past its table
    ch -= kOffsets[sz - 1];
    if (ch == 0) break;
    ++n;
  }
  *count = n;
  return true;
}

CompiledSchema::Answer CompiledSchema::Node::CheckString(const std::string& s) const noexcept {
  if (has_enum &&
      std::find(enum_values.begin(), enum_values.end(), s) == enum_values.end()) {
    return Answer::kInvalid;
  }
  if (min_length || max_length) {
    std::uint64_t n = 0;
    if (!CountCharsLikeValijson(s, &n)) return Answer::kUnsure;
    if (min_length && n < *min_length) return Answer::kInvalid;
    if (max_length && n > *max_length) return Answer::kInvalid;
  }
  return Answer::kValid;
}

CompiledSchema::Answer CompiledSchema::Node::CheckObject(const json& v) const noexcept {
  const auto& obj = v.get_ref<const json::object_t&>();
  for (const std::string& name : required) {
    if (obj.find(name) == obj.end()) return Answer::kInvalid;
  }
  if (properties.empty() && additional_properties) return Answer::kValid;
  Answer answer = Answer::kValid;
  auto prop = properties.begin();
  for (const auto& [key, child] : obj) {
    while (prop != properties.end() && prop->first < key) ++prop;
    if (prop != properties.end() && prop->first == key) {
      const Answer a = prop->second->Check(child);
      if (a == Answer::kInvalid) return a;
      if (a == Answer::kUnsure) answer = a;
    } else if (!additional_properties) {
      return Answer::kInvalid;
    }
  }
  return answer;
}

CompiledSchema::Answer CompiledSchema::Node::CheckArray(const json& v) const noexcept {
  const auto& arr = v.get_ref<const json::array_t&>();
  if (min_items && arr.size() < *min_items) return Answer::kInvalid;
  if (max_items && arr.size() > *max_items) return Answer::kInvalid;
  Answer answer = Answer::kValid;
  if (items) {
    for (const json& item : arr) {
      const Answer a = items->Check(item);
      if (a == Answer::kInvalid) return a;
      if (a == Answer::kUnsure) answer = a;
    }
  }
  if (unique_items) {
    // Compile() allows uniqueItems only over string items, and every item
    // passed the items check above, so all are strings.
    for (std::size_t i = 0; i < arr.size(); ++i) {
      for (std::size_t j = i + 1; j < arr.size(); ++j) {
        if (arr[i].get_ref<const std::string&>() == arr[j].get_ref<const std::string&>()) {
          return Answer::kInvalid;
        }
      }
    }
  }
  return answer;
}

CompiledSchema::Answer CompiledSchema::Node::Check(const json& v) const noexcept {
  unsigned bit = 0;
  switch (v.type()) {
    case json::value_t::null: bit = kNull; break;
    case json::value_t::boolean: bit = kBoolean; break;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: bit = kInteger | kNumber; break;
    case json::value_t::number_float: bit = kNumber; break;
    case json::value_t::string: bit = kString; break;
    case json::value_t::array: bit = kArray; break;
    case json::value_t::object: bit = kObject; break;
    default: return Answer::kUnsure;  // binary, discarded: never parsed from JSON text
  }
  if ((types & bit) == 0) return Answer::kInvalid;
  switch (v.type()) {
    case json::value_t::string: return CheckString(v.get_ref<const std::string&>());
    case json::value_t::object:
      if (has_enum) return Answer::kInvalid;
      return CheckObject(v);
    case json::value_t::array:
      if (has_enum) return Answer::kInvalid;
      return CheckArray(v);
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: {
      if (has_enum) return Answer::kInvalid;
      const double d = AsDoubleLikeValijson(v);
      if (minimum && d < *minimum) return Answer::kInvalid;
      if (maximum && d > *maximum) return Answer::kInvalid;
      return Answer::kValid;
    }
    default: return has_enum ? Answer::kInvalid : Answer::kValid;
  }
}

namespace {

class Compiler {
 public:
  explicit Compiler(std::string* error) : error_(error) {}

  std::unique_ptr<CompiledSchema::Node> Compile(const json& s, const std::string& path) {
    if (!s.is_object()) return Fail(path, "a schema must be an object");
    auto node = std::make_unique<CompiledSchema::Node>();
    for (const auto& [key, value] : s.items()) {
      const std::string at = path + "/" + key;
      if (key == "$schema" || key == "$id" || key == "title" || key == "description") {
        if (!value.is_string()) return Fail(at, "must be a string");
      } else if (key == "type") {
        if (!CompileType(*node, value, at)) return nullptr;
      } else if (key == "enum") {
        if (!value.is_array() || value.empty()) return Fail(at, "must be a non-empty array");
        for (const json& e : value) {
          if (!e.is_string()) return Fail(at, "only string values are supported");
          node->enum_values.push_back(e.get<std::string>());
        }
        node->has_enum = true;
      } else if (key == "required") {
        if (!value.is_array()) return Fail(at, "must be an array");
        for (const json& r : value) {
          if (!r.is_string()) return Fail(at, "must hold strings");
          node->required.push_back(r.get<std::string>());
        }
      } else if (key == "properties") {
        if (!value.is_object()) return Fail(at, "must be an object");
        for (const auto& [name, sub] : value.items()) {
          auto child = Compile(sub, at + "/" + name);
          if (!child) return nullptr;
          node->properties.emplace_back(name, std::move(child));
        }
        std::sort(node->properties.begin(), node->properties.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
      } else if (key == "additionalProperties") {
        if (!value.is_boolean()) return Fail(at, "only true or false is supported");
        node->additional_properties = value.get<bool>();
      } else if (key == "items") {
        if (!value.is_object()) return Fail(at, "only a single schema is supported");
        node->items = Compile(value, at);
        if (!node->items) return nullptr;
      } else if (key == "uniqueItems") {
        if (!value.is_boolean()) return Fail(at, "must be true or false");
        node->unique_items = value.get<bool>();
      } else if (key == "minItems" || key == "maxItems" || key == "minLength" || key == "maxLength") {
        if (!value.is_number_unsigned() && !(value.is_number_integer() && value.get<std::int64_t>() >= 0)) {
          return Fail(at, "must be a non-negative integer");
        }
        const auto n = value.get<std::uint64_t>();
        if (key == "minItems") node->min_items = n;
        if (key == "maxItems") node->max_items = n;
        if (key == "minLength") node->min_length = n;
        if (key == "maxLength") node->max_length = n;
      } else if (key == "minimum" || key == "maximum") {
        if (!value.is_number()) return Fail(at, "must be a number");
        (key == "minimum" ? node->minimum : node->maximum) = AsDoubleLikeValijson(value);
      } else {
        return Fail(at, "keyword not supported by the compiled validator");
      }
    }
    if (node->unique_items && (!node->items || node->items->types != kString)) {
      return Fail(path + "/uniqueItems", "supported only over items of type \"string\"");
    }
    return node;
  }

 private:
  bool CompileType(CompiledSchema::Node& node, const json& value, const std::string& at) {
    std::vector<std::string> names;
    if (value.is_string()) {
      names.push_back(value.get<std::string>());
    } else if (value.is_array() && !value.empty()) {
      for (const json& t : value) {
        if (!t.is_string()) return Fail(at, "must name types"), false;
        names.push_back(t.get<std::string>());
      }
    } else {
      return Fail(at, "must be a type name or a list of them"), false;
    }
    node.types = 0;
    for (const auto& n : names) {
      const auto bit = TypeFromName(n);
      if (!bit) return Fail(at, "unknown type"), false;
      node.types |= *bit;
    }
    return true;
  }

  std::nullptr_t Fail(const std::string& at, const std::string& what) {
    if (error_ && error_->empty()) *error_ = (at.empty() ? "/" : at) + ": " + what;
    return nullptr;
  }

  std::string* error_;
};

}  // namespace

CompiledSchema::CompiledSchema(std::unique_ptr<Node> root) : root_(std::move(root)) {}
CompiledSchema::~CompiledSchema() = default;

std::unique_ptr<CompiledSchema> CompiledSchema::Compile(const json& schema, std::string* error) {
  std::string why;
  auto root = Compiler(&why).Compile(schema, "");
  if (!root) {
    if (error) *error = why;
    return nullptr;
  }
  return std::unique_ptr<CompiledSchema>(new CompiledSchema(std::move(root)));
}

CompiledSchema::Answer CompiledSchema::Check(const json& doc) const noexcept {
  return root_->Check(doc);
}

}  // namespace telguard
