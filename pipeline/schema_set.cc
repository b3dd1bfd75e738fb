#include "pipeline/schema_set.h"

#include <algorithm>
#include <array>
#include <mutex>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "pipeline/compiled_schema.h"
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

// One schema in both forms: the compiled checks answer every valid document;
// valijson (compiled on first use) names the reasons of an invalid one.
struct SchemaSet::Slot {
  nlohmann::json doc;
  std::unique_ptr<CompiledSchema> fast;  // null with SchemaEngine::kValijson
  mutable std::once_flag once;
  mutable valijson::Schema reference;
  mutable bool reference_ok = false;

  const valijson::Schema* Reference() const noexcept {
    std::call_once(once, [&] {
      try {
        valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
        valijson::adapters::NlohmannJsonAdapter adapter(doc);
        parser.populateSchema(adapter, reference);
        reference_ok = true;
      } catch (...) {
        reference_ok = false;
      }
    });
    return reference_ok ? &reference : nullptr;
  }
};

struct SchemaSet::Impl {
  Slot envelope;
  std::array<Slot, 5> input;
  std::array<Slot, 5> output;
  const KnownNames* names = nullptr;

  std::vector<AuditReason> Run(const Slot& slot, const nlohmann::json& doc,
                               std::string_view prefix) const noexcept {
    std::vector<AuditReason> reasons;
    // kInvalid from the compiled checks rejects even if valijson were to
    // disagree (fail closed); kUnsure leaves the answer to valijson.
    CompiledSchema::Answer fast = CompiledSchema::Answer::kUnsure;
    if (slot.fast) {
      fast = slot.fast->Check(doc);
      if (fast == CompiledSchema::Answer::kValid) return reasons;
    }
    try {
      const valijson::Schema* schema = slot.Reference();
      if (schema == nullptr) {
        reasons.push_back({std::string(prefix), "internal"});
        return reasons;
      }
      // valijson's Validator is cheap to construct; its only state is a regex
      // cache that these schemas never use (no `pattern`).
      valijson::Validator validator(valijson::Validator::kStrongTypes);
      valijson::adapters::NlohmannJsonAdapter adapter(doc);
      // Without a results object valijson stops at the first violation and
      // builds no messages: the fast path for valid events. Only an invalid
      // one is validated again to collect every reason.
      if (fast == CompiledSchema::Answer::kUnsure && validator.validate(*schema, adapter, nullptr)) {
        return reasons;
      }
      valijson::ValidationResults results;
      validator.validate(*schema, adapter, &results);
      Describe(results, prefix, reasons);
      if (reasons.empty()) reasons.push_back({std::string(prefix), "schema"});
    } catch (...) {
      reasons.assign(1, AuditReason{std::string(prefix), "internal"});
    }
    return reasons;
  }

  void Describe(valijson::ValidationResults& results, std::string_view prefix,
                std::vector<AuditReason>& reasons) const {
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
  }
};

SchemaSet::SchemaSet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SchemaSet::~SchemaSet() = default;

std::unique_ptr<SchemaSet> SchemaSet::Create(const std::vector<nlohmann::json>& output_schemas,
                                             const KnownNames* names, std::string* error,
                                             SchemaEngine engine) {
  auto impl = std::make_unique<Impl>();
  impl->names = names;
  std::string why;
  auto load = [&](std::string_view name, nlohmann::json doc, Slot& into) {
    into.doc = std::move(doc);
    if (engine == SchemaEngine::kValijson) {
      if (into.Reference() == nullptr) throw std::runtime_error(std::string(name) + ": valijson cannot read it");
      return;
    }
    into.fast = CompiledSchema::Compile(into.doc, &why);
    if (!into.fast) throw std::runtime_error(std::string(name) + " at " + why);
  };
  auto embedded = [&](const std::string& file, Slot& into) {
    const std::string_view text = FindEmbedded(file);
    if (text.empty()) throw std::runtime_error(file + " is not embedded");
    load(file, nlohmann::json::parse(text), into);
  };
  try {
    embedded("schemas/envelope.schema.json", impl->envelope);
    for (std::size_t i = 0; i < kAllEventKinds.size(); ++i) {
      embedded("schemas/" + std::string(KindName(kAllEventKinds[i])) + ".schema.json", impl->input[i]);
    }
    if (output_schemas.size() != kAllEventKinds.size()) {
      throw std::runtime_error("one output schema per event kind is needed");
    }
    for (std::size_t i = 0; i < output_schemas.size(); ++i) {
      load("output schema " + std::string(KindName(kAllEventKinds[i])), output_schemas[i], impl->output[i]);
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
