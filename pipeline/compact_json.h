// The request body's one serialisation: compact JSON, byte for byte what
// nlohmann's dump(-1, ' ', false, error_handler_t::replace) writes, without
// its per-byte decoder and buffered virtual writes.
//
// Strings are copied in runs between the bytes that need an escape ('"',
// '\\', control characters); non-ASCII text is checked to be well-formed
// UTF-8 and copied as is. A document holding a string that is not
// well-formed UTF-8 (nlohmann would substitute U+FFFD) or a binary value is
// handed to nlohmann's own dump, so the answer is always nlohmann's; floats
// are formatted by nlohmann too. tests/compact_json_test.cc and the
// fast_path_equivalence fuzzer compare the two on every input.
//
// Thread-safety: stateless. Cost: one pass over the document, ~1 ns a byte.
#ifndef TELGUARD_PIPELINE_COMPACT_JSON_H_
#define TELGUARD_PIPELINE_COMPACT_JSON_H_

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace telguard {

std::string SerializeCompact(const nlohmann::json& v);

// Well-formed UTF-8 (Unicode 15, table 3-7: no overlongs, no surrogates,
// nothing above U+10FFFF). Exposed for the tests.
bool IsWellFormedUtf8(std::string_view s) noexcept;

}  // namespace telguard

#endif  // TELGUARD_PIPELINE_COMPACT_JSON_H_
