// The end-of-run summary of check, send and flush as one JSON object (their
// --json), built the same way everywhere so field names stay the same:
//   {"command":"check","events":8,"sent":7,"rejected":1,"dropped":0,
//    "removed_fields":{"/properties/args":1},"redactions":{"email":1}, ...}
// Counts are integers, maps are {name: count}; nothing in it is a value from
// the events (pointers, rule ids, counts, directory names the user gave).
// Cost: one small object per run.
#ifndef TELGUARD_CLI_SUMMARY_H_
#define TELGUARD_CLI_SUMMARY_H_

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/run_lines.h"

namespace telguard::cli {

class Summary {
 public:
  explicit Summary(std::string_view command) { j_["command"] = command; }
  void Set(std::string_view key, std::uint64_t n) { j_[std::string(key)] = n; }
  void Set(std::string_view key, std::string_view text) { j_[std::string(key)] = text; }
  void Set(std::string_view key, const std::map<std::string, std::size_t>& counts) {
    j_[std::string(key)] = counts;
  }
  void Set(std::string_view key, const std::vector<std::string>& list) { j_[std::string(key)] = list; }
  void SetJson(std::string_view key, nlohmann::ordered_json value) { j_[std::string(key)] = std::move(value); }

  // One line, no trailing newline; invalid UTF-8 is replaced, never thrown.
  std::string Json() const;
  // Json() and a newline to `out`.
  void Print(std::FILE* out) const;

 private:
  nlohmann::ordered_json j_;
};

// What RunLines counted: events, sent, rejected, dropped, removed_fields,
// redactions.
void AddRunStats(Summary* s, const RunStats& stats);

}  // namespace telguard::cli

#endif  // TELGUARD_CLI_SUMMARY_H_
