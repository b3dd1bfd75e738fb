#include "pipeline/compact_json.h"

#include <charconv>
#include <cstdint>

#include "pipeline/byte_scan.h"

namespace telguard {
namespace {

using json = nlohmann::json;

// False when a string is not well-formed UTF-8 (the caller then lets nlohmann
// write the whole document).
bool AppendString(const std::string& s, std::string& out) {
  out.push_back('"');
  std::size_t run = 0;  // start of the bytes not yet copied
  bool ascii = true;
  const char* const begin = s.data();
  const char* const end = begin + s.size();
  for (std::size_t i = 0;; ++i) {
    i = static_cast<std::size_t>(scan::SkipJsonPlain(begin + i, end) - begin);
    if (i == s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      ascii = false;
      continue;
    }
    out.append(s, run, i - run);
    run = i + 1;
    out.push_back('\\');
    switch (c) {
      case '\b': out.push_back('b'); break;
      case '\t': out.push_back('t'); break;
      case '\n': out.push_back('n'); break;
      case '\f': out.push_back('f'); break;
      case '\r': out.push_back('r'); break;
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        out += "u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
      }
    }
  }
  if (!ascii && !IsWellFormedUtf8(s)) return false;
  out.append(s, run, s.size() - run);
  out.push_back('"');
  return true;
}

template <typename Int>
void AppendInt(Int v, std::string& out) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

bool Append(const json& v, std::string& out) {
  switch (v.type()) {
    case json::value_t::null: out += "null"; return true;
    case json::value_t::boolean: out += v.get<bool>() ? "true" : "false"; return true;
    case json::value_t::number_integer: AppendInt(v.get<std::int64_t>(), out); return true;
    case json::value_t::number_unsigned: AppendInt(v.get<std::uint64_t>(), out); return true;
    case json::value_t::number_float: out += v.dump(); return true;  // nlohmann's float format
    case json::value_t::string: return AppendString(v.get_ref<const std::string&>(), out);
    case json::value_t::array: {
      out.push_back('[');
      bool first = true;
      for (const json& item : v) {
        if (!first) out.push_back(',');
        first = false;
        if (!Append(item, out)) return false;
      }
      out.push_back(']');
      return true;
    }
    case json::value_t::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [key, item] : v.get_ref<const json::object_t&>()) {
        if (!first) out.push_back(',');
        first = false;
        if (!AppendString(key, out)) return false;
        out.push_back(':');
        if (!Append(item, out)) return false;
      }
      out.push_back('}');
      return true;
    }
    default: return false;  // binary, discarded
  }
}

}  // namespace

bool IsWellFormedUtf8(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // bounds of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (n - i < len) return false;
    if (p[i + 1] < lo || p[i + 1] > hi) return false;
    for (std::size_t k = 2; k < len; ++k) {
      if (p[i + k] < 0x80 || p[i + k] > 0xBF) return false;
    }
    i += len;
  }
  return true;
}

std::string SerializeCompact(const json& v) {
  std::string out;
  out.reserve(512);
  if (Append(v, out)) return out;
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace telguard
