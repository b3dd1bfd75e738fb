#include "schemas/embedded.h"

namespace telguard {

std::string_view FindEmbedded(std::string_view name) {
  for (const auto& f : EmbeddedFiles()) {
    if (f.name == name) return f.content;
  }
  return {};
}

}  // namespace telguard
