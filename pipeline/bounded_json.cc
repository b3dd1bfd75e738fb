#include "pipeline/bounded_json.h"

#include "pipeline/fast_json_parser.h"

#include <cmath>
#include <utility>
#include <vector>

namespace telguard {
namespace {

using json = nlohmann::json;

class BoundedBuilder {
 public:
  BoundedBuilder(json& root, const Limits& limits) : root_(root), limits_(limits) {}

  bool null() { return Put(json(nullptr)); }
  bool boolean(bool v) { return Put(json(v)); }
  bool number_integer(json::number_integer_t v) { return Put(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return Put(json(v)); }
  bool number_float(json::number_float_t v, const std::string&) {
    if (!std::isfinite(v)) return Fail("number", "number is out of range");
    return Put(json(v));
  }
  bool string(std::string& v) {
    if (v.size() > limits_.max_string_bytes) {
      return Fail("string-length", "string longer than " +
                                       std::to_string(limits_.max_string_bytes) + " bytes");
    }
    return Put(json(std::move(v)));
  }
  bool binary(json::binary_t&) { return Fail("syntax", "binary values are not JSON"); }

  bool start_object(std::size_t) { return Open(json::object()); }
  bool key(std::string& k) {
    if (k.size() > limits_.max_string_bytes) {
      return Fail("string-length", "object key longer than " +
                                       std::to_string(limits_.max_string_bytes) + " bytes");
    }
    json* obj = stack_.back();
    if (obj->size() >= limits_.max_object_members) {
      return Fail("members", "object has more than " +
                                 std::to_string(limits_.max_object_members) + " members");
    }
    if (obj->contains(k)) return Fail("duplicate-key", "duplicate object key");
    pending_key_ = std::move(k);
    return true;
  }
  bool end_object() {
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t) { return Open(json::array()); }
  bool end_array() {
    stack_.pop_back();
    return true;
  }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
    if (error_.code.empty()) {
      // 406: a number too large for a double (nlohmann's out_of_range).
      if (e.id == 406) {
        error_ = {"number", "number is out of range", position == 0 ? 0 : position - 1};
      } else {
        error_ = {"syntax", "invalid JSON", position == 0 ? 0 : position - 1};
      }
    }
    return false;
  }

  void set_offset(std::size_t offset) { offset_ = offset; }
  const ParseError& error() const { return error_; }

 private:
  bool Fail(std::string code, std::string message) {
    error_ = {std::move(code), std::move(message), offset_};
    return false;
  }

  // Places v in the current container, or as the root.
  json* Place(json&& v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    json* parent = stack_.back();
    if (parent->is_array()) {
      if (parent->size() >= limits_.max_array_items) return nullptr;
      parent->push_back(std::move(v));
      return &parent->back();
    }
    json& slot = (*parent)[pending_key_];
    slot = std::move(v);
    return &slot;
  }

  bool Put(json&& v) {
    if (Place(std::move(v)) == nullptr) {
      return Fail("items", "array has more than " + std::to_string(limits_.max_array_items) +
                               " elements");
    }
    return true;
  }

  bool Open(json&& container) {
    if (stack_.size() + 1 > limits_.max_depth) {
      return Fail("depth", "nesting deeper than " + std::to_string(limits_.max_depth));
    }
    json* slot = Place(std::move(container));
    if (slot == nullptr) {
      return Fail("items", "array has more than " + std::to_string(limits_.max_array_items) +
                               " elements");
    }
    stack_.push_back(slot);
    return true;
  }

  json& root_;
  const Limits& limits_;
  std::vector<json*> stack_;
  std::string pending_key_;
  ParseError error_;
  std::size_t offset_ = 0;
};

// The caps checked before any parse: line length, a byte order mark, NUL.
bool PreChecks(std::string_view text, const Limits& limits, ParsedJson& out) {
  if (text.size() > limits.max_line_bytes) {
    out.error = {"line-length", "line longer than " + std::to_string(limits.max_line_bytes) + " bytes", 0};
    return false;
  }
  if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
      static_cast<unsigned char>(text[1]) == 0xBB && static_cast<unsigned char>(text[2]) == 0xBF) {
    out.error = {"bom", "byte order mark is not allowed", 0};
    return false;
  }
  if (auto nul = text.find('\0'); nul != std::string_view::npos) {
    out.error = {"nul", "NUL byte in line", nul};
    return false;
  }
  return true;
}

ParsedJson Parse(std::string_view text, const Limits& limits, bool fast) noexcept {
  ParsedJson out;
  try {
    if (!PreChecks(text, limits, out)) return out;
    if (fast && ParseJsonFast(text, limits, &out.value)) {
      out.ok = true;
      return out;
    }
    BoundedBuilder builder(out.value, limits);
    const bool ok = json::sax_parse(text.begin(), text.end(), &builder,
                                    json::input_format_t::json, /*strict=*/true,
                                    /*ignore_comments=*/false);
    if (!ok) {
      out.error = builder.error();
      if (out.error.code.empty()) out.error = {"syntax", "invalid JSON", 0};
      out.value = nullptr;
      return out;
    }
    out.ok = true;
  } catch (const std::exception&) {
    // Allocation failure or an unexpected library exception: report, never
    // quote the input.
    out = ParsedJson{};
    out.error = {"internal", "could not parse line", 0};
  }
  return out;
}

}  // namespace

ParsedJson ParseBounded(std::string_view text, const Limits& limits) noexcept {
  return Parse(text, limits, /*fast=*/true);
}

ParsedJson ParseBoundedReference(std::string_view text, const Limits& limits) noexcept {
  return Parse(text, limits, /*fast=*/false);
}

}  // namespace telguard
