// A JSON parser that enforces Limits while it reads, so no oversized or
// deeply nested document is ever built, and whose errors never quote input.
//
// nlohmann's SAX parser is iterative; this file supplies the DOM builder that
// checks depth, string length, member and item counts, duplicate keys and
// non-finite numbers as the events arrive, and stops at the first breach.
//
// Error messages name the problem and the byte offset only: nlohmann's own
// messages contain the last token read (which may be a secret), so they are
// never passed on.
//
// Thread-safety: stateless; call from any thread. Cost: one pass over the
// bytes plus the DOM allocations (about 2 us for a 0.5 KB event); a line that
// fails is read a second time by the SAX parser.
#ifndef TELGUARD_PIPELINE_BOUNDED_JSON_H_
#define TELGUARD_PIPELINE_BOUNDED_JSON_H_

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "pipeline/limits.h"

namespace telguard {

struct ParseError {
  std::string code;     // stable keyword: "syntax", "depth", "string-length", ...
  std::string message;  // one line, value-free
  std::size_t offset = 0;  // byte offset in the line
};

struct ParsedJson {
  bool ok = false;
  nlohmann::json value;
  ParseError error;  // meaningful when !ok
};

// Parses one complete JSON document. Never throws. A line that is valid
// within the caps is read by the one-pass parser (pipeline/fast_json_parser.h);
// any other line by nlohmann's SAX parser, which names the error.
ParsedJson ParseBounded(std::string_view text, const Limits& limits) noexcept;

// The same with nlohmann's SAX parser alone: the reference the one-pass
// parser is compared with (tests, the fast_path_equivalence fuzzer).
ParsedJson ParseBoundedReference(std::string_view text, const Limits& limits) noexcept;

}  // namespace telguard

#endif  // TELGUARD_PIPELINE_BOUNDED_JSON_H_
