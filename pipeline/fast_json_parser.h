// The common case of ParseBounded (pipeline/bounded_json.h): one pass of
// recursive descent over a line that is valid JSON within the caps, building
// the same nlohmann document nlohmann's parser would, with one map lookup per
// key and strings copied in runs.
//
// It answers only "here is the document" or "not mine": any syntax error,
// breached cap, duplicate key, lone surrogate escape, integer of 19 or more
// digits or float that does not read back finite makes it return false, and
// ParseBounded then parses the line with nlohmann's SAX parser, which gives
// the exact error (code, message, offset) as before. So it may only accept
// what nlohmann accepts within the caps, and must build the identical
// document: tests/bounded_json_test.cc (FastParser.*) and the
// fast_path_equivalence fuzzer compare the two on every input.
//
// Recursion is bounded by Limits::max_depth (checked before descending).
// Thread-safety: stateless. Cost: one pass over the bytes plus the document's
// allocations.
#ifndef TELGUARD_PIPELINE_FAST_JSON_PARSER_H_
#define TELGUARD_PIPELINE_FAST_JSON_PARSER_H_

#include <string_view>

#include <nlohmann/json.hpp>

#include "pipeline/limits.h"

namespace telguard {

// True and *out set when `text` is one JSON value (surrounded by optional
// whitespace) that nlohmann accepts and that stays within `limits`.
bool ParseJsonFast(std::string_view text, const Limits& limits, nlohmann::json* out) noexcept;

}  // namespace telguard

#endif  // TELGUARD_PIPELINE_FAST_JSON_PARSER_H_
