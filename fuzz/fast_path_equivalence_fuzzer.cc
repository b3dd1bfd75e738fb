// The fast paths must answer exactly as their references do, on arbitrary
// bytes parsed by the bounded parser:
// - the compiled validator (pipeline/compiled_schema.h) as valijson: every
//   shipped schema on the document, its "properties", its records and the
//   document wrapped as an output body; and the whole pipeline gives the same
//   audit records, errors and bodies with either engine;
// - the body serialiser (pipeline/compact_json.h) as nlohmann's dump: the
//   same bytes for the document;
// - the one-pass parser (pipeline/fast_json_parser.h) as nlohmann's SAX
//   parser: the same verdict, document (type for type) or error.
// Any difference traps.
#include <cstdint>
#include <string>

#include "fuzz/leak_oracle.h"
#include "pipeline/bounded_json.h"
#include "pipeline/compact_json.h"
#include "pipeline/pipeline.h"
#include "tests/fast_path_corpus.h"

namespace {

using json = nlohmann::json;

void Compare(const json& doc, const std::string& input) {
  for (const auto& s : telguard::testing::Schemas()) {
    const auto fast = s.fast->Check(doc);
    if (fast == telguard::CompiledSchema::Answer::kUnsure) continue;  // valijson decides then
    if ((fast == telguard::CompiledSchema::Answer::kValid) != telguard::testing::ReferenceAccepts(s, doc)) {
      telguard::fuzz::Trap("compiled validator differs from valijson (" + s.name + ") on: " + input);
    }
  }
}

const telguard::Pipeline& PipelineWith(telguard::SchemaEngine engine) {
  static const telguard::Pipeline* pipelines[2] = {nullptr, nullptr};
  const int i = engine == telguard::SchemaEngine::kCompiled ? 0 : 1;
  if (pipelines[i] == nullptr) {
    telguard::PipelineOptions o;
    o.schema_engine = engine;
    o.pseudonym_key = "one key for both engines";  // else each pipeline pseudonymises ids with its own random key
    std::string error;
    pipelines[i] = telguard::Pipeline::Create(o, &error).release();
    if (pipelines[i] == nullptr) telguard::fuzz::Trap("pipeline: " + error);
  }
  return *pipelines[i];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 8192) return 0;  // longer documents add parse time, not new schema paths
  const std::string input(reinterpret_cast<const char*>(data), size);
  const auto parsed = telguard::ParseBounded(input, telguard::Limits{});
  const auto reference = telguard::ParseBoundedReference(input, telguard::Limits{});
  if (parsed.ok != reference.ok ||
      (parsed.ok && !telguard::testing::SameDocument(parsed.value, reference.value)) ||
      (!parsed.ok && (parsed.error.code != reference.error.code || parsed.error.message != reference.error.message ||
                      parsed.error.offset != reference.error.offset))) {
    telguard::fuzz::Trap("one-pass parser differs from nlohmann's on: " + input);
  }
  if (parsed.ok) {
    if (telguard::SerializeCompact(parsed.value) !=
        parsed.value.dump(-1, ' ', false, json::error_handler_t::replace)) {
      telguard::fuzz::Trap("serialiser differs from nlohmann's dump on: " + input);
    }
    Compare(parsed.value, input);
    if (parsed.value.is_object()) {
      if (auto p = parsed.value.find("properties"); p != parsed.value.end()) Compare(*p, input);
      if (auto r = parsed.value.find("records"); r != parsed.value.end() && r->is_array()) {
        for (const json& rec : *r) {
          Compare(rec, input);
          if (rec.is_object() && rec.contains("properties")) Compare(rec["properties"], input);
        }
      }
    }
    Compare(json{{"records", json::array({parsed.value})}}, input);
  }
  const auto a = PipelineWith(telguard::SchemaEngine::kCompiled).ProcessLine(input, 1);
  const auto b = PipelineWith(telguard::SchemaEngine::kValijson).ProcessLine(input, 1);
  if (a.events.size() != b.events.size()) telguard::fuzz::Trap("event counts differ on: " + input);
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    if (a.events[i].audit.ToJsonLine() != b.events[i].audit.ToJsonLine() || a.events[i].body != b.events[i].body ||
        a.events[i].error != b.events[i].error) {
      telguard::fuzz::Trap("pipeline outcome differs between the engines on: " + input);
    }
  }
  return 0;
}
