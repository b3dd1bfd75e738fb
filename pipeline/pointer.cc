#include "pipeline/pointer.h"

namespace telguard {

void AppendKey(std::string& pointer, std::string_view key, const KnownNames* names) {
  pointer.push_back('/');
  if (names == nullptr || !names->Contains(key)) {
    pointer.push_back('*');
    return;
  }
  for (char c : key) {
    if (c == '~') {
      pointer += "~0";
    } else if (c == '/') {
      pointer += "~1";
    } else {
      pointer.push_back(c);
    }
  }
}

void AppendIndex(std::string& pointer, std::size_t index) {
  pointer.push_back('/');
  pointer += std::to_string(index);
}

}  // namespace telguard
