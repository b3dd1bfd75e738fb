#include "cli/fail_on.h"

#include <string_view>

#include "redaction/value_rules.h"

namespace telguard::cli {
namespace {

constexpr std::string_view kCredential = "credential";
constexpr std::string_view kPolicy = "policy";

// The class of a catalogued rule id, or "" when it is not catalogued.
std::string_view ClassOf(std::string_view rule) {
  for (const auto& e : redaction::RuleCatalogue()) {
    if (e.id == rule) return e.cls;
  }
  return {};
}

bool IsClass(std::string_view kind) {
  for (const auto& e : redaction::RuleCatalogue()) {
    if (e.cls == kind) return true;
  }
  return false;
}

// Does a redaction by `rule` count for `kind`?
bool RuleMatches(std::string_view kind, std::string_view rule) {
  if (kind == rule) return true;
  const std::string_view cls = ClassOf(rule);
  if (kind == "pii") return !cls.empty() && cls != kCredential && cls != kPolicy;
  if (kind == "pseudonymised") return rule == redaction::kRulePseudonym;
  return !cls.empty() && kind == cls;
}

std::string Events(std::size_t n) { return std::to_string(n) + (n == 1 ? " event" : " events"); }

}  // namespace

std::optional<FailOn> FailOn::Parse(const std::string& list, std::string* error) {
  FailOn f;
  std::size_t b = 0;
  for (;;) {
    const std::size_t e = list.find(',', b);
    const std::string kind = list.substr(b, e == std::string::npos ? std::string::npos : e - b);
    const bool known = kind == "credential" || kind == "pii" || kind == "rejected" || kind == "dropped" ||
                       kind == "pseudonymised" || IsClass(kind) || redaction::IsCataloguedRule(kind);
    if (!known) {
      *error = (kind.empty() ? std::string("an empty kind") : "unknown kind '" + kind.substr(0, 64) + "'") +
               "; kinds: credential, pii, a rule class or id (telguard rules), rejected, dropped, pseudonymised";
      return std::nullopt;
    }
    f.kinds_.push_back(kind);
    if (e == std::string::npos) break;
    b = e + 1;
  }
  return f;
}

std::vector<std::string> FailOn::Triggers(const RunStats& stats) const {
  std::vector<std::string> out;
  for (const auto& kind : kinds_) {
    if (kind == "rejected" || kind == "dropped") {
      const std::size_t n = kind == "rejected" ? stats.rejected : stats.dropped;
      if (n > 0) out.push_back(kind + ": " + Events(n));
      continue;
    }
    std::string rules;
    for (const auto& [rule, count] : stats.redactions) {
      if (count == 0 || !RuleMatches(kind, rule)) continue;
      rules += (rules.empty() ? "" : ", ") + rule + " x" + std::to_string(count);
    }
    if (!rules.empty()) out.push_back(kind + ": " + rules);
  }
  return out;
}

}  // namespace telguard::cli
