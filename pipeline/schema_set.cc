#include "pipeline/schema_set.h"

#include <algorithm>
#include <array>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "pipeline/pointer.h"
#include "schemas/embedded.h"

namespace telguard {
namespace {

struct KeywordPrefix {
  std::string_view prefix;
  std::string_view keyword;  // empty: a wrapper error, reported by its leaf
};

constexpr KeywordPrefix kKeywords[] = {
    {"Value type not permitted", "type"},
    {"Missing required property", "required"},
    {"Failed to match against any enum", "enum"},
    {"Failed to match expected value set by 'const'", "const"},
    {"String should be no more than", "maxLength"},
    {"String should be no fewer than", "minLength"},
    {"Expected number greater than", "minimum"},
    {"Expected number less than", "maximum"},
    {"Array should contain no more than", "maxItems"},
    {"Array should contain no fewer than", "minItems"},
    {"Object should have no more than", "maxProperties"},
    {"Object should have no fewer than", "minProperties"},
    {"Object contains a property", "additionalProperties"},
    {"Failed to validate against additional properties", "additionalProperties"},
    {"Array contains more items than allowed", "additionalItems"},
    {"Elements at indexes", "uniqueItems"},
    {"Failed to validate against any schemas allowed by anyOf", "anyOf"},
    {"Failed to validate against exactly one", "oneOf"},
    {"Failed to validate against schema associated with property name", ""},
    {"Failed to validate item #", ""},
    {"Cannot validate item #", ""},
    {"Failed to validate against child schema", ""},
};

// The quoted name at the end of "Missing required property 'x'." (a schema
// name, never input) or of "Object contains a property ... : 'x'." (input:
// rendered through KnownNames).
std::string QuotedTail(const std::string& d) {
  const std::size_t end = d.rfind('\'');
  if (end == std::string::npos || end == 0) return {};
  const std::size_t start = d.rfind('\'', end - 1);
  if (start == std::string::npos) return {};
  return d.substr(start + 1, end - start - 1);
}

}  // namespace

struct SchemaSet::Impl {
  valijson::Schema envelope;
  std::array<valijson::Schema, 5> input;
  std::array<valijson::Schema, 5> output;
  const KnownNames* names = nullptr;

  std::vector<AuditReason> Run(const valijson::Schema& schema, const nlohmann::json& doc,
                               std::string_view prefix) const noexcept {
    std::vector<AuditReason> reasons;
    try {
      // valijson's Validator is cheap to construct; its only state is a regex
      // cache that these schemas never use (no `pattern`).
      valijson::Validator validator(valijson::Validator::kStrongTypes);
      valijson::adapters::NlohmannJsonAdapter adapter(doc);
      // Without a results object valijson stops at the first violation and
      // builds no messages: the fast path for valid events. Only an invalid
      // one is validated again to collect every reason.
      if (validator.validate(schema, adapter, nullptr)) return reasons;
      valijson::ValidationResults results;
      validator.validate(schema, adapter, &results);
      valijson::ValidationResults::Error err;
      while (results.popError(err)) {
        std::string_view keyword = "schema";
        for (const auto& k : kKeywords) {
          if (err.description.rfind(k.prefix, 0) == 0) {
            keyword = k.keyword;
            break;
          }
        }
        if (keyword.empty()) continue;
        std::string pointer(prefix);
        for (std::size_t i = 1; i < err.context.size(); ++i) {
          const std::string& seg = err.context[i];
          if (seg.size() < 2) continue;
          const std::string inner = seg.substr(1, seg.size() - 2);
          if (!inner.empty() && std::all_of(inner.begin(), inner.end(), ::isdigit)) {
            AppendIndex(pointer, std::stoul(inner));
          } else {
            AppendKey(pointer, inner, names);
          }
        }
        if (keyword == "required" || keyword == "additionalProperties") {
          const std::string tail = QuotedTail(err.description);
          if (!tail.empty()) AppendKey(pointer, tail, names);
        }
        AuditReason r{std::move(pointer), std::string(keyword)};
        const bool dup = std::any_of(reasons.begin(), reasons.end(), [&](const AuditReason& x) {
          return x.pointer == r.pointer && x.keyword == r.keyword;
        });
        if (!dup) reasons.push_back(std::move(r));
      }
      if (reasons.empty()) reasons.push_back({std::string(prefix), "schema"});
    } catch (...) {
      reasons.assign(1, AuditReason{std::string(prefix), "internal"});
    }
    return reasons;
  }
};

SchemaSet::SchemaSet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SchemaSet::~SchemaSet() = default;

std::unique_ptr<SchemaSet> SchemaSet::Create(const std::vector<nlohmann::json>& output_schemas,
                                             const KnownNames* names, std::string* error) {
  auto impl = std::make_unique<Impl>();
  impl->names = names;
  valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
  auto load = [&](std::string_view file, valijson::Schema& into) {
    const std::string_view text = FindEmbedded(file);
    if (text.empty()) throw std::runtime_error(std::string(file) + " is not embedded");
    const nlohmann::json doc = nlohmann::json::parse(text);
    valijson::adapters::NlohmannJsonAdapter adapter(doc);
    parser.populateSchema(adapter, into);
  };
  try {
    load("schemas/envelope.schema.json", impl->envelope);
    for (std::size_t i = 0; i < kAllEventKinds.size(); ++i) {
      load("schemas/" + std::string(KindName(kAllEventKinds[i])) + ".schema.json", impl->input[i]);
    }
    if (output_schemas.size() != kAllEventKinds.size()) {
      throw std::runtime_error("one output schema per event kind is needed");
    }
    for (std::size_t i = 0; i < output_schemas.size(); ++i) {
      valijson::adapters::NlohmannJsonAdapter adapter(output_schemas[i]);
      parser.populateSchema(adapter, impl->output[i]);
    }
  } catch (const std::exception& e) {
    if (error) *error = std::string("schemas: ") + e.what();
    return nullptr;
  }
  return std::unique_ptr<SchemaSet>(new SchemaSet(std::move(impl)));
}

std::vector<AuditReason> SchemaSet::ValidateEnvelope(const nlohmann::json& record) const noexcept {
  return impl_->Run(impl_->envelope, record, "");
}

std::vector<AuditReason> SchemaSet::ValidateProperties(EventKind kind,
                                                       const nlohmann::json& properties) const noexcept {
  return impl_->Run(impl_->input[static_cast<std::size_t>(kind)], properties, "/properties");
}

std::vector<AuditReason> SchemaSet::ValidateOutput(EventKind kind,
                                                   const nlohmann::json& body) const noexcept {
  return impl_->Run(impl_->output[static_cast<std::size_t>(kind)], body, "");
}

}  // namespace telguard
