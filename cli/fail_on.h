// The CI gate: `telguard check --fail-on KIND[,KIND...]` exits 4 when any
// event of the run triggers one of the kinds.
//
// KIND is one of:
//   credential      a redaction by a rule of class "credential"
//   pii             a redaction by a personal-data rule (any other class
//                   except "policy")
//   <class>         a redaction by a rule of that class ("email", "phone"...)
//   <rule id>       a redaction by that rule (`telguard rules` lists them)
//   rejected        an input event the pipeline rejected (parse, caps, schema)
//   dropped         an event a later stage dropped (fails closed)
//   pseudonymised   a field replaced by a keyed pseudonym (rule "pseudonym")
//
// Contract: Parse refuses an unknown kind, naming it and the valid kinds.
// Triggers() reads only counts, rule ids and classes, so what it reports is
// value-free and may go to a CI log. Cost: a lookup per distinct rule id.
#ifndef TELGUARD_CLI_FAIL_ON_H_
#define TELGUARD_CLI_FAIL_ON_H_

#include <optional>
#include <string>
#include <vector>

#include "cli/run_lines.h"

namespace telguard::cli {

// The exit code of a run that triggered --fail-on (README "Exit codes").
inline constexpr int kExitGate = 4;

class FailOn {
 public:
  // `list`: comma-separated kinds. Nullopt and *error when a kind is unknown.
  static std::optional<FailOn> Parse(const std::string& list, std::string* error);

  // One value-free line per kind that fired, e.g.
  // "credential: github-pat x2, slack-token x1" or "rejected: 1 event".
  // Empty when nothing did.
  std::vector<std::string> Triggers(const RunStats& stats) const;

 private:
  std::vector<std::string> kinds_;
};

}  // namespace telguard::cli

#endif  // TELGUARD_CLI_FAIL_ON_H_
