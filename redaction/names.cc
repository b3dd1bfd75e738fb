#include "redaction/names.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "schemas/embedded.h"

namespace telguard::redaction {
namespace {

constexpr std::size_t kMaxName = 64;
constexpr std::size_t kMaxSegment = 32;
constexpr std::size_t kMaxSemverPart = 12;

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsNameSeparator(char c) {
  return c == '_' || c == '-' || c == '.' || c == ':' || c == '/' || c == '@';
}

// A key or a hash, not a word: long, mixing letters and digits, and varied.
bool HighEntropy(std::string_view seg) {
  if (seg.size() < 10) return false;
  std::size_t letters = 0, digits = 0;
  int counts[256] = {};
  for (unsigned char c : seg) {
    ++counts[c];
    (c >= '0' && c <= '9') ? ++digits : ++letters;
  }
  if (letters < 2 || digits < 2) return false;
  double h = 0;
  for (int n : counts) {
    if (n == 0) continue;
    const double p = static_cast<double>(n) / static_cast<double>(seg.size());
    h -= p * std::log2(p);
  }
  return h >= 3.0;
}

bool SemverCore(std::string_view s) {
  int parts = 0;
  std::size_t i = 0;
  while (parts < 3) {
    const std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start || i - start > 9) return false;
    ++parts;
    if (parts < 3) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  return i == s.size();
}

// Dot-separated [0-9A-Za-z-]+ parts, each short and none high-entropy.
bool SemverIdents(std::string_view s) {
  if (s.empty()) return false;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t end = s.find('.', start);
    if (end == std::string_view::npos) end = s.size();
    const std::string_view part = s.substr(start, end - start);
    if (part.empty() || part.size() > kMaxSemverPart) return false;
    for (char c : part) {
      if (!(IsLowerAlnum(c) || (c >= 'A' && c <= 'Z') || c == '-')) return false;
    }
    if (HighEntropy(part)) return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

struct NamePolicy::Impl {
  std::map<std::string, std::set<std::string, std::less<>>, std::less<>> lists;
};

NamePolicy::NamePolicy(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
NamePolicy::~NamePolicy() = default;

std::string_view NameShapeName(NameShape s) {
  switch (s) {
    case NameShape::kNone: return "none";
    case NameShape::kName: return "name";
    case NameShape::kSemver: return "semver";
  }
  return "";
}

std::unique_ptr<NamePolicy> NamePolicy::Create(std::string_view names_json, std::string_view prices_json,
                                               std::string* error) {
  auto impl = std::make_unique<Impl>();
  std::string where = "names";
  try {
    const auto names = nlohmann::json::parse(names_json);
    for (const char* list : {"tools", "agents", "os", "commands"}) {
      auto& set = impl->lists[list];
      for (const auto& v : names.at(list)) set.insert(v.get<std::string>());
    }
    where = "prices";
    const auto prices = nlohmann::json::parse(prices_json);
    auto& models = impl->lists["models"];
    for (const auto& [k, v] : prices.items()) {
      if (v.is_object()) models.insert(k);
    }
  } catch (const std::exception& e) {
    if (error) *error = where + ": " + e.what();
    return nullptr;
  }
  return std::unique_ptr<NamePolicy>(new NamePolicy(std::move(impl)));
}

const NamePolicy& NamePolicy::Default() {
  static const NamePolicy* p = [] {
    std::string err;
    auto made = Create(FindEmbedded("schemas/names.json"), FindEmbedded("schemas/prices.json"), &err);
    if (!made) {
      std::fprintf(stderr, "telguard: embedded %s\n", err.c_str());
      std::abort();  // the tables are compiled in and tested: a broken build
    }
    return made.release();
  }();
  return *p;
}

bool NamePolicy::HasVocabulary(std::string_view list) const { return impl_->lists.find(list) != impl_->lists.end(); }

bool NamePolicy::InVocabulary(std::string_view list, std::string_view value) const {
  const auto it = impl_->lists.find(list);
  return it != impl_->lists.end() && it->second.find(value) != it->second.end();
}

std::size_t NamePolicy::VocabularySize(std::string_view list) const {
  const auto it = impl_->lists.find(list);
  return it == impl_->lists.end() ? 0 : it->second.size();
}

bool NamePolicy::IsStrictName(std::string_view v) {
  if (v.empty() || v.size() > kMaxName) return false;
  if (!IsLowerAlnum(v.front()) || !IsLowerAlnum(v.back())) return false;
  std::size_t seg_start = 0, seps = 0;
  for (std::size_t i = 0; i <= v.size(); ++i) {
    if (i < v.size() && IsLowerAlnum(v[i])) {
      if (seps) seg_start = i;
      seps = 0;
      continue;
    }
    if (i < v.size() && !IsNameSeparator(v[i])) return false;
    if (seps == 0) {
      const std::string_view seg = v.substr(seg_start, i - seg_start);
      if (seg.size() > kMaxSegment || HighEntropy(seg)) return false;
    }
    if (i < v.size() && ++seps > 2) return false;
  }
  return true;
}

bool NamePolicy::IsSemver(std::string_view v) {
  if (v.empty() || v.size() > kMaxName) return false;
  if (v[0] == 'v') v.remove_prefix(1);
  const std::size_t plus = v.find('+');
  const std::string_view build = plus == std::string_view::npos ? std::string_view() : v.substr(plus + 1);
  const std::string_view rest = v.substr(0, plus);
  const std::size_t dash = rest.find('-');
  const std::string_view core = rest.substr(0, dash);
  if (!SemverCore(core)) return false;
  if (dash != std::string_view::npos && !SemverIdents(rest.substr(dash + 1))) return false;
  if (plus != std::string_view::npos && !SemverIdents(build)) return false;
  return true;
}

bool NamePolicy::Fits(const NameSpec& spec, std::string_view value) const {
  if (!spec.vocabulary.empty() && InVocabulary(spec.vocabulary, value)) return true;
  switch (spec.shape) {
    case NameShape::kName: return IsStrictName(value);
    case NameShape::kSemver: return IsSemver(value);
    case NameShape::kNone: return false;
  }
  return false;
}

std::string NamePolicy::Apply(const NameSpec& spec, std::string_view value, const Pseudonymizer& p,
                              bool suspicious, bool* pseudonymised) const {
  const bool keep = !suspicious && Fits(spec, value);
  if (pseudonymised) *pseudonymised = !keep;
  return keep ? std::string(value) : p.Name(spec.pseudonym, value);
}

bool NamePolicy::Conforms(const NameSpec& spec, std::string_view out) const {
  return Fits(spec, out) || Pseudonymizer::IsName(spec.pseudonym, out);
}

}  // namespace telguard::redaction
