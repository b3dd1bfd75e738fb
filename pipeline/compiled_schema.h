// A JSON Schema compiled once into a tree of plain checks, for the hot path:
// it answers only "does this document conform?", with the same answer as
// valijson (draft 7, strong types) for every document.
//
// It supports exactly the keywords telguard's schemas use: type, enum (of
// strings), required, properties, additionalProperties (false or true),
// items (one schema), minItems, maxItems, uniqueItems (only over items whose
// type is "string"), minLength, maxLength, minimum, maximum, plus the
// annotations $schema, $id, title and description. Compile() fails on any
// other keyword or form, so a new schema cannot silently be under-checked:
// extend this file (and its differential test) first.
//
// valijson stays the reference: SchemaSet asks it for the reasons of every
// rejection, and tests/compiled_schema_test.cc plus the fast_path_equivalence
// fuzzer compare the two answers on every input they see.
//
// Exactness notes (why the checks read the way they do):
// - "integer" is nlohmann's is_number_integer() (1.0 is a float, not an
//   integer), as valijson's nlohmann adapter sees it;
// - minimum/maximum compare as double, integers converted through int64_t
//   (an unsigned value above INT64_MAX wraps negative, as in valijson);
// - minLength/maxLength count characters the way valijson's u8_strlen does
//   (counting stops at a NUL byte). A string whose bytes that count cannot
//   follow exactly (a lead byte with more than five continuation bytes)
//   makes Accepts() defer to the caller via kUnsure.
//
// Thread-safety: immutable after Compile(); Check() is const, allocation-free
// and safe from any thread. Cost: one walk over the document's nodes that the
// schema names (O(size) with small constants; ~100 ns for an event).
#ifndef TELGUARD_PIPELINE_COMPILED_SCHEMA_H_
#define TELGUARD_PIPELINE_COMPILED_SCHEMA_H_

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace telguard {

class CompiledSchema {
 public:
  enum class Answer {
    kValid,
    kInvalid,
    kUnsure,  // a string the character count cannot follow: ask the reference
  };

  // Null and *error (naming the keyword and its schema path) when the schema
  // uses anything outside the supported subset.
  static std::unique_ptr<CompiledSchema> Compile(const nlohmann::json& schema, std::string* error);
  ~CompiledSchema();

  Answer Check(const nlohmann::json& doc) const noexcept;

  struct Node;

 private:
  explicit CompiledSchema(std::unique_ptr<Node> root);
  std::unique_ptr<Node> root_;
};

// valijson's character count (utils::u8_strlen): characters before the first
// NUL byte. Returns false when the string holds a sequence it cannot count
// the same way. Exposed for the tests.
bool CountCharsLikeValijson(const std::string& s, std::uint64_t* count) noexcept;

}  // namespace telguard

#endif  // TELGUARD_PIPELINE_COMPILED_SCHEMA_H_
