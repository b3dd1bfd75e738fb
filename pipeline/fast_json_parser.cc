#include "pipeline/fast_json_parser.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

#include "pipeline/byte_scan.h"
#include "pipeline/compact_json.h"

namespace telguard {
namespace {

using json = nlohmann::json;

class Parser {
 public:
  Parser(std::string_view text, const Limits& limits)
      : p_(text.data()), end_(text.data() + text.size()), limits_(limits) {}

  bool Document(json& out) {
    SkipSpace();
    if (!Value(out, 1)) return false;
    SkipSpace();
    return p_ == end_;
  }

 private:
  void SkipSpace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool Literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) {
      return false;
    }
    p_ += word.size();
    return true;
  }

  bool Value(json& out, std::size_t depth) {
    if (p_ == end_) return false;
    switch (*p_) {
      case '{': return Object(out, depth);
      case '[': return Array(out, depth);
      case '"': {
        std::string s;
        if (!String(s)) return false;
        out = std::move(s);
        return true;
      }
      case 't': out = true; return Literal("true");
      case 'f': out = false; return Literal("false");
      case 'n': out = nullptr; return Literal("null");
      default: return Number(out);
    }
  }

  bool Object(json& out, std::size_t depth) {
    if (depth > limits_.max_depth) return false;
    ++p_;  // '{'
    out = json::object();
    auto& obj = out.get_ref<json::object_t&>();
    SkipSpace();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    std::string key;
    for (;;) {
      if (p_ == end_ || *p_ != '"' || !String(key)) return false;
      if (obj.size() >= limits_.max_object_members) return false;
      SkipSpace();
      if (p_ == end_ || *p_ != ':') return false;
      ++p_;
      SkipSpace();
      auto [it, inserted] = obj.emplace(std::move(key), json());
      if (!inserted) return false;  // duplicate key
      if (!Value(it->second, depth + 1)) return false;
      SkipSpace();
      if (p_ == end_) return false;
      if (*p_ == '}') {
        ++p_;
        return true;
      }
      if (*p_ != ',') return false;
      ++p_;
      SkipSpace();
    }
  }

  bool Array(json& out, std::size_t depth) {
    if (depth > limits_.max_depth) return false;
    ++p_;  // '['
    out = json::array();
    auto& arr = out.get_ref<json::array_t&>();
    SkipSpace();
    if (p_ < end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    for (;;) {
      if (arr.size() >= limits_.max_array_items) return false;
      arr.emplace_back();
      if (!Value(arr.back(), depth + 1)) return false;
      SkipSpace();
      if (p_ == end_) return false;
      if (*p_ == ']') {
        ++p_;
        return true;
      }
      if (*p_ != ',') return false;
      ++p_;
      SkipSpace();
    }
  }

  static int Hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool Hex4(unsigned* v) {
    if (end_ - p_ < 4) return false;
    unsigned x = 0;
    for (int i = 0; i < 4; ++i) {
      const int h = Hex(p_[i]);
      if (h < 0) return false;
      x = x * 16 + static_cast<unsigned>(h);
    }
    p_ += 4;
    *v = x;
    return true;
  }

  static void AppendUtf8(unsigned cp, std::string& s) {
    if (cp < 0x80) {
      s.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      s.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      s.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      s.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // After '"' ... to the closing quote; *s receives the unescaped text.
  bool String(std::string& s) {
    ++p_;  // '"'
    s.clear();
    const char* run = p_;
    bool ascii = true;
    for (;;) {
      p_ = scan::SkipJsonPlain(p_, end_);
      if (p_ == end_) return false;
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') break;
      if (c < 0x20) return false;
      if (c >= 0x80) {
        ascii = false;
        ++p_;
        continue;
      }
      s.append(run, p_);
      ++p_;
      if (p_ == end_) return false;
      const char e = *p_++;
      switch (e) {
        case '"': s.push_back('"'); break;
        case '\\': s.push_back('\\'); break;
        case '/': s.push_back('/'); break;
        case 'b': s.push_back('\b'); break;
        case 'f': s.push_back('\f'); break;
        case 'n': s.push_back('\n'); break;
        case 'r': s.push_back('\r'); break;
        case 't': s.push_back('\t'); break;
        case 'u': {
          unsigned cp = 0;
          if (!Hex4(&cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            unsigned lo = 0;
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
            p_ += 2;
            if (!Hex4(&lo) || lo < 0xDC00 || lo > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return false;
          }
          AppendUtf8(cp, s);
          break;
        }
        default: return false;
      }
      run = p_;
    }
    s.append(run, p_);
    ++p_;  // '"'
    // Raw bytes must be well-formed UTF-8 (escapes only ever add well-formed
    // text, so checking the whole result is the same).
    if (!ascii && !IsWellFormedUtf8(s)) return false;
    return s.size() <= limits_.max_string_bytes;
  }

  static bool Digit(char c) { return c >= '0' && c <= '9'; }

  bool Number(json& out) {
    const char* start = p_;
    const bool negative = *p_ == '-';
    if (negative) ++p_;
    if (p_ == end_ || !Digit(*p_)) return false;
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ < end_ && Digit(*p_)) ++p_;
    }
    const char* int_end = p_;
    bool is_float = false;
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      if (p_ == end_ || !Digit(*p_)) return false;
      while (p_ < end_ && Digit(*p_)) ++p_;
      is_float = true;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !Digit(*p_)) return false;
      while (p_ < end_ && Digit(*p_)) ++p_;
      is_float = true;
    }
    if (!is_float) {
      const std::size_t digits = static_cast<std::size_t>(int_end - start) - (negative ? 1 : 0);
      if (digits > 18) return false;  // could overflow: nlohmann decides
      std::uint64_t v = 0;
      for (const char* d = negative ? start + 1 : start; d < int_end; ++d) {
        v = v * 10 + static_cast<std::uint64_t>(*d - '0');
      }
      if (negative) {
        out = -static_cast<std::int64_t>(v);  // "-0" is the integer 0, as in nlohmann
      } else {
        out = v;
      }
      return true;
    }
    double d = 0;
    const auto r = std::from_chars(start, p_, d);
    if (r.ec != std::errc() || r.ptr != p_ || !std::isfinite(d)) return false;
    out = d;
    return true;
  }

  const char* p_;
  const char* end_;
  const Limits& limits_;
};

}  // namespace

bool ParseJsonFast(std::string_view text, const Limits& limits, nlohmann::json* out) noexcept {
  try {
    json doc;
    if (!Parser(text, limits).Document(doc)) return false;
    *out = std::move(doc);
    return true;
  } catch (...) {
    return false;  // allocation failure: the reference parser reports it
  }
}

}  // namespace telguard
