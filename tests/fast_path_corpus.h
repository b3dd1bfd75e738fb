// What the fast paths are compared on, shared by tests/compiled_schema_test.cc,
// tests/compact_json_test.cc and fuzz/fast_path_equivalence_fuzzer.cc:
// every schema telguard ships (the envelope, the five input schemas, the five
// output schemas the allow-list generates) in both forms, the compiled checks
// and valijson, the reference they must equal; every test input (fuzz
// corpora, regression inputs, the example session); valid events of each
// kind and their mutations, field by field, with edge values.
#ifndef TELGUARD_TESTS_FAST_PATH_CORPUS_H_
#define TELGUARD_TESTS_FAST_PATH_CORPUS_H_

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <sstream>
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

inline std::vector<json> EdgeValues() {
  std::vector<json> v = {
      nullptr, true, false, 0, -1, 1, 1.0, 0.5, -0.0, -0.5, 1e300, -1e300,
      2592000000, 2592000001, 1000000000, 1000000001, 1000000, 1000000.5, 1000001,
      32503680000000LL, 32503680000001LL, 1000000000000LL, 1000000000001LL, 2000000000000LL,
      2000000000001LL, std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min(),
      std::uint64_t{1} << 63, std::numeric_limits<std::uint64_t>::max(), 9007199254740993ULL,
      "", "x", "call", "usage", "start", "end", "run", "command", "tool", "token", "session",
      std::string(64, 'a'), std::string(65, 'a'), std::string(128, 'a'), std::string(129, 'a'),
      std::string(256, 'a'), std::string(257, 'a'), std::string(270, 'a'), std::string(271, 'a'),
      "5f0c6e2a-8d1b-4c3e-9a7f-2b4d6e8f0a1c", "5f0c6e2a-8d1b-4c3e-9a7f-2b4d6e8f0a1", std::string("a\0b", 3),
      std::string("\0", 1), std::string(128, 'a') + std::string("\0zz", 3), "--debug", "--yolo", "--nope",
      json::array(), json::array({"x"}), json::array({"x", "x"}), json::array({1}), json::array({nullptr}),
      json::array({"--debug", "--debug"}), json::array({"--debug", "--json"}), json::object(),
      json{{"a", 1}}, json::array({json::array()}), json::array({json::object()})};
  std::string e128, e129, cjk;
  for (int i = 0; i < 128; ++i) e128 += "\xC3\xA9";  // é: 2 bytes, 1 character
  e129 = e128 + "\xC3\xA9";
  for (int i = 0; i < 43; ++i) cjk += "\xE4\xB8\xAD";  // 3 bytes each
  v.push_back(e128);
  v.push_back(e129);
  v.push_back(cjk);
  v.push_back("\xF0\x9F\x98\x80");
  json many = json::array();
  for (int i = 0; i < 33; ++i) many.push_back("e" + std::to_string(i));
  v.push_back(many);
  json eleven = json::array();
  for (int i = 0; i < 11; ++i) eleven.push_back("e");
  v.push_back(eleven);
  return v;
}

inline std::vector<json> ValidRecords() {
  auto env = [](const std::string& ev, json props) {
    return json{{"event", ev}, {"event_timestamp", 1764021600000}, {"source", "agentcli"}, {"properties", props}};
  };
  return {
      env("command", {{"action", "run"}, {"args", {"--debug", "x"}}, {"is_success", true}, {"error", "boom"},
                      {"user_uuid", "5f0c6e2a-8d1b-4c3e-9a7f-2b4d6e8f0a1c"}, {"version", "1.2.3"}, {"os", "linux"},
                      {"os_language", "en"}}),
      env("tool", {{"action", "call"}, {"session_id", "s1"}, {"agent_name", "root"}, {"tool_name", "shell"},
                   {"duration_ms", 12}, {"is_success", false}, {"error", "x"}}),
      env("token", {{"action", "usage"}, {"session_id", "s1"}, {"agent_name", "root"}, {"model_name", "m"},
                    {"input_tokens", 10}, {"output_tokens", 5}, {"total_tokens", 15}, {"cost", 0.01}}),
      env("session", {{"action", "start"}, {"session_id", "s1"}, {"agent_name", "root"}}),
      env("session", {{"action", "end"}, {"session_id", "s1"}, {"agent_name", "root"}, {"duration_ms", 100},
                      {"tool_calls", 2}, {"input_tokens", 10}, {"output_tokens", 5}, {"total_tokens", 15},
                      {"cost", 0.01}, {"error_count", 0}, {"is_success", true}, {"error", {"a", "b"}},
                      {"parent_session_id", "p"}}),
  };
}

// Each valid record, each of its fields (envelope and properties) removed or
// set to each edge value, plus unknown keys; and the same for the bodies the
// pipeline sends for them (the output schemas' side).
inline std::vector<json> Mutations(const std::vector<json>& bases) {
  std::vector<json> out;
  const auto values = EdgeValues();
  auto mutate_object = [&](const json& base, const std::function<json&(json&)>& at) {
    json probe = base;
    std::vector<std::string> keys;
    for (const auto& [k, v] : at(probe).items()) keys.push_back(k);
    for (const auto& k : keys) {
      json gone = base;
      at(gone).erase(k);
      out.push_back(std::move(gone));
      for (const auto& value : values) {
        json m = base;
        at(m)[k] = value;
        out.push_back(std::move(m));
      }
    }
    json extra = base;
    at(extra)["unknown_key"] = "v";
    out.push_back(std::move(extra));
  };
  for (const json& b : bases) {
    out.push_back(b);
    mutate_object(b, [](json& r) -> json& { return r; });
    mutate_object(b, [](json& r) -> json& { return r["properties"]; });
  }
  return out;
}

// The same document, type for type: nlohmann's == treats 1, 1u and 1.0 as
// equal and 0.0 as -0.0; a parser must build exactly the same values.
inline bool SameDocument(const json& a, const json& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case json::value_t::number_float: {
      const double x = a.get<double>(), y = b.get<double>();
      return x == y && std::signbit(x) == std::signbit(y);
    }
    case json::value_t::array: {
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (!SameDocument(a[i], b[i])) return false;
      }
      return true;
    }
    case json::value_t::object: {
      if (a.size() != b.size()) return false;
      auto i = a.begin();
      auto j = b.begin();
      for (; i != a.end(); ++i, ++j) {
        if (i.key() != j.key() || !SameDocument(*i, *j)) return false;
      }
      return true;
    }
    default: return a == b;
  }
}

#ifdef TELGUARD_SOURCE_DIR  // defined for the test binaries
inline std::vector<std::string> TestInputLines() {
  std::vector<std::string> lines;
  namespace fs = std::filesystem;
  const fs::path root(TELGUARD_SOURCE_DIR);
  for (const char* dir : {"fuzz/corpus", "fuzz/regressions", "fuzz/oracle_selftest"}) {
    if (!fs::exists(root / dir)) continue;
    for (const auto& e : fs::recursive_directory_iterator(root / dir)) {
      if (!e.is_regular_file()) continue;
      std::ifstream in(e.path(), std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      std::string all = ss.str(), line;
      std::istringstream split(all);
      while (std::getline(split, line)) lines.push_back(line);
      lines.push_back(all);
    }
  }
  std::istringstream example{std::string(FindEmbedded("examples/session.jsonl"))};
  for (std::string line; std::getline(example, line);) lines.push_back(line);
  return lines;
}

#endif  // TELGUARD_SOURCE_DIR

}  // namespace telguard::testing

#endif  // TELGUARD_TESTS_FAST_PATH_CORPUS_H_
