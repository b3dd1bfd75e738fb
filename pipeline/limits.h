// Size and shape caps enforced on every input line before any JSON parse or
// schema validation. valijson 1.0 implements `pattern` with std::regex (stack
// overflow on long strings) and nlohmann dumps recursively (stack overflow on
// deep nesting), so neither is trusted with bounds: these caps are.
#ifndef TELGUARD_PIPELINE_LIMITS_H_
#define TELGUARD_PIPELINE_LIMITS_H_

#include <cstddef>

namespace telguard {

struct Limits {
  // Longest accepted input line, in bytes (without the newline).
  std::size_t max_line_bytes = 1u << 20;
  // Deepest nesting of objects and arrays; the top-level value is depth 1.
  std::size_t max_depth = 32;
  // Longest string (key or value), in bytes after JSON unescaping.
  std::size_t max_string_bytes = 64u * 1024;
  // Most members in one object.
  std::size_t max_object_members = 256;
  // Most elements in one array.
  std::size_t max_array_items = 4096;
  // Most records in one {"records":[...]} line.
  std::size_t max_records_per_line = 1000;
};

}  // namespace telguard

#endif  // TELGUARD_PIPELINE_LIMITS_H_
