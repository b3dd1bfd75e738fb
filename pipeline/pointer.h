// Value-free JSON pointers. Object keys that are not names declared by
// telguard's schemas or allow-list are rendered as "*": a key is input data
// and may itself be a prompt or a secret.
#ifndef TELGUARD_PIPELINE_POINTER_H_
#define TELGUARD_PIPELINE_POINTER_H_

#include <set>
#include <string>
#include <string_view>

namespace telguard {

class KnownNames {
 public:
  void Add(std::string_view name) { names_.emplace(name); }
  bool Contains(std::string_view name) const { return names_.find(name) != names_.end(); }

 private:
  std::set<std::string, std::less<>> names_;
};

// Appends "/<segment>" with RFC 6901 escaping, or "/*" for an unknown key.
void AppendKey(std::string& pointer, std::string_view key, const KnownNames* names);
void AppendIndex(std::string& pointer, std::size_t index);

}  // namespace telguard

#endif  // TELGUARD_PIPELINE_POINTER_H_
