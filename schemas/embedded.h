// Data files compiled into the binary at build time: the JSON Schemas, the
// allow-list and the bundled example session. An installed telguard reads
// them from here, never from the source tree.
//
// Thread-safety: immutable static data.
#ifndef TELGUARD_SCHEMAS_EMBEDDED_H_
#define TELGUARD_SCHEMAS_EMBEDDED_H_

#include <span>
#include <string_view>

namespace telguard {

struct EmbeddedFile {
  std::string_view name;     // path relative to the repository root
  std::string_view content;  // the file's bytes
};

// Every embedded file, in the order CMake listed them.
std::span<const EmbeddedFile> EmbeddedFiles();

// The content of the named file ("schemas/allowlist.json"), or an empty view
// when there is none.
std::string_view FindEmbedded(std::string_view name);

}  // namespace telguard

#endif  // TELGUARD_SCHEMAS_EMBEDDED_H_
