// Text transforms the scrubber needs: UTF-8 normalisation and the decoders
// that peel encodings off hidden secrets. Pure functions; thread-safe.
#ifndef TELGUARD_REDACTION_TEXT_CODEC_H_
#define TELGUARD_REDACTION_TEXT_CODEC_H_

#include <optional>
#include <string>
#include <string_view>

namespace telguard::redaction {

// Replaces invalid UTF-8 with U+FFFD and removes zero-width characters
// (U+200B..U+200D, U+2060, U+FEFF) and soft hyphens (U+00AD). Returns
// nullopt when `s` needs neither (the common, allocation-free case).
std::optional<std::string> NormalizeUtf8(std::string_view s);

// Whether `hay` holds `lower_needle` (given in lower case), ignoring the
// case of ASCII letters in `hay`.
bool ContainsIgnoreCase(std::string_view hay, std::string_view lower_needle);

// True when `s` is valid UTF-8.
bool IsValidUtf8(std::string_view s);

// Decodes every %XX escape once. Other bytes are copied.
std::string PercentDecodeOnce(std::string_view s);

// Decodes JSON string escapes \uXXXX (with surrogate pairs), \/ \" and \\.
// Malformed escapes are copied as they are.
std::string JsonUnescape(std::string_view s);

// Decodes standard or URL-safe base64 (padding optional). nullopt when the
// run is not base64.
std::optional<std::string> Base64Decode(std::string_view s);

// Standard base64 with padding (for tests and fuzzers that plant payloads).
std::string Base64Encode(std::string_view s);

// Every byte as %XX (for tests and fuzzers that plant payloads).
std::string PercentEncodeAll(std::string_view s);

// Cuts `s` to at most `max_bytes` without splitting a UTF-8 sequence.
std::string_view TruncateUtf8(std::string_view s, std::size_t max_bytes);

}  // namespace telguard::redaction

#endif  // TELGUARD_REDACTION_TEXT_CODEC_H_
