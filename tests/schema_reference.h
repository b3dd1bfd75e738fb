// Every schema telguard ships (the envelope, the five input schemas, the
// five output schemas the allow-list generates), each in both forms: the
// compiled checks and valijson, the reference they must equal. Shared by
// tests/compiled_schema_test.cc and fuzz/schema_equivalence_fuzzer.cc.
#ifndef TELGUARD_TESTS_SCHEMA_REFERENCE_H_
#define TELGUARD_TESTS_SCHEMA_REFERENCE_H_

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "pipeline/compiled_schema.h"
#include "pipeline/pipeline.h"
#include "schemas/embedded.h"

namespace telguard::testing {

using json = nlohmann::json;

struct BothSchemas {
  std::string name;
  json doc;
  std::unique_ptr<CompiledSchema> fast;
  std::shared_ptr<valijson::Schema> reference;
};

inline const std::vector<BothSchemas>& Schemas() {
  static const auto* all = [] {
    auto* v = new std::vector<BothSchemas>();
    std::string err;
    auto add = [&](std::string name, json doc) {
      BothSchemas b{std::move(name), std::move(doc), nullptr, std::make_shared<valijson::Schema>()};
      b.fast = CompiledSchema::Compile(b.doc, &err);
      if (!b.fast) throw std::runtime_error(b.name + ": " + err);
      valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
      valijson::adapters::NlohmannJsonAdapter adapter(b.doc);
      parser.populateSchema(adapter, *b.reference);
      v->push_back(std::move(b));
    };
    for (const auto& f : EmbeddedFiles()) {
      if (f.name.find(".schema.json") == std::string_view::npos) continue;
      add(std::string(f.name), json::parse(f.content));
    }
    auto pipeline = Pipeline::Create({}, &err);
    if (!pipeline) throw std::runtime_error(err);
    for (EventKind k : kAllEventKinds) {
      add("output " + std::string(KindName(k)), pipeline->allowlist().OutputSchema(k));
    }
    return v;
  }();
  return *all;
}

inline bool ReferenceAccepts(const BothSchemas& s, const json& doc) {
  valijson::Validator validator(valijson::Validator::kStrongTypes);
  valijson::adapters::NlohmannJsonAdapter adapter(doc);
  return validator.validate(*s.reference, adapter, nullptr);
}

}  // namespace telguard::testing

#endif  // TELGUARD_TESTS_SCHEMA_REFERENCE_H_
