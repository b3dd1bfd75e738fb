// The format-free leak oracle, for the class and template modes: it does not
// need to know what a secret looks like.
//
// Each input builds an event of any kind and plants 1..4 values that no rule
// knows -- random tokens (random alphabets, 8..80 characters), random prose
// prompts, random bytes -- and catalogued credential samples, in every
// free-text field, name, id, unknown field, nested object, array, command
// argument, property key and envelope key, raw, JSON-escaped,
// percent-encoded, case-changed, with zero-width characters or
// base64-wrapped. After the whole pipeline, the debug log and an in-memory
// sender, it traps if any planted value, or any 12-character window of it
// (16 for catalogued samples), appears in a request body, the debug log, an
// audit record or an error message, raw, lower-cased or in any decoded view.
//
// What the published contract lets leave is not a leak, and only that:
//  - a window that, widened to whole words, is a valid template (vocabulary
//    words, placeholders, short punctuation): the vocabulary is public;
//  - a value planted whole in a name field that fits that field's declared
//    vocabulary or shape (names.h): it leaves as written by design
//    (SECURITY.md, residual channel).
// Text the fuzzer wrote itself (the event around the planted values) is
// background, not a leak.
//
// The self-test build (TELGUARD_ORACLE_SKIP_TEMPLATE) runs the tool event's
// `error` in scrub mode while the oracle still expects a template: it must
// trap (Fuzz.format_free_leak.OracleTrapsWhenTemplatingIsSkippedForOneField).
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "fuzz/leak_harness.h"
#include "fuzz/leak_oracle.h"
#include "pipeline/pipeline.h"
#include "redaction/free_text.h"
#include "redaction/names.h"
#include "schemas/embedded.h"

namespace {

using json = nlohmann::json;
using telguard::fuzz::Canary;
using telguard::fuzz::Encoding;
using telguard::fuzz::FormatFree;
using telguard::fuzz::Pick;
using telguard::redaction::FreeTextMode;

const telguard::Pipeline& GetPipeline(FreeTextMode mode) {
  static const telguard::Pipeline* pipelines[2] = {nullptr, nullptr};
  static const bool built = [] {
    for (FreeTextMode m : {FreeTextMode::kClass, FreeTextMode::kTemplate}) {
      telguard::PipelineOptions o;
      o.free_text = m;
#ifdef TELGUARD_ORACLE_SKIP_TEMPLATE
      // Test build: the tool event's error is only scrubbed.
      if (m == FreeTextMode::kTemplate) {
        auto doc = nlohmann::ordered_json::parse(telguard::FindEmbedded("schemas/allowlist.json"));
        doc["events"]["tool"]["error"]["free_text"] = "scrub";
        o.allowlist_json = doc.dump();
        o.free_text.reset();
      }
#endif
      std::string error;
      auto p = telguard::Pipeline::Create(o, &error);
      if (!p) {
        std::fprintf(stderr, "pipeline: %s\n", error.c_str());
        std::abort();
      }
      pipelines[m == FreeTextMode::kClass ? 0 : 1] = p.release();
    }
    // Prompts must be made of words the vocabulary does not hold.
    for (const auto& w : telguard::fuzz::ProseWords()) {
      if (telguard::redaction::FreeTextPolicy::Default().IsVocabularyWord(w)) {
        std::fprintf(stderr, "prose word '%s' is in the vocabulary\n", w.c_str());
        std::abort();
      }
    }
    return true;
  }();
  (void)built;
  return *pipelines[mode == FreeTextMode::kClass ? 0 : 1];
}

bool IsWordByte(unsigned char c) { return std::isalnum(c) || c >= 0x80; }

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// 12-character windows of `plain`. Those that at some place in it, widened
// to whole words, are a valid template go to *excused* (vocabulary the
// contract lets leave: the output may hold that string from there, or from
// another planted value), the others are returned.
std::vector<std::string> Windows(const std::string& plain, std::set<std::string>* excused) {
  const auto& policy = telguard::redaction::FreeTextPolicy::Default();
  std::vector<std::string> out;
  const std::string lower = Lower(plain);
  auto allowed = [&](std::size_t from, std::size_t to) {
    // Only a word the window cuts is widened.
    auto word = [&](std::size_t i) { return IsWordByte(static_cast<unsigned char>(lower[i])); };
    while (from > 0 && word(from) && word(from - 1)) --from;
    while (to < lower.size() && word(to - 1) && word(to)) ++to;
    return policy.ConformsToTemplate(lower.substr(from, to - from));
  };
  const std::size_t w = plain.size() < 12 ? plain.size() : 12;
  if (w < 8) return out;
  for (std::size_t i = 0; i + w <= plain.size(); ++i) {
    if (allowed(i, i + w)) {
      excused->insert(lower.substr(i, w));
    } else {
      out.push_back(lower.substr(i, w));
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;
  FuzzedDataProvider fdp(data, size);
  std::mt19937_64 rng(fdp.ConsumeIntegral<std::uint64_t>());
  const FreeTextMode mode = fdp.ConsumeBool() ? FreeTextMode::kClass : FreeTextMode::kTemplate;
  const telguard::Pipeline& pipeline = GetPipeline(mode);
  const auto rules = telguard::redaction::DefaultRules();

  json record = telguard::fuzz::ValidRecord(fdp);
  const std::string background = record.dump();

  std::vector<Canary> canaries;
  std::set<std::string> excused;  // windows some planted value may leave by contract
  const int n = fdp.ConsumeIntegralInRange<int>(1, 4);
  for (int i = 0; i < n; ++i) {
    const int what = fdp.ConsumeIntegralInRange<int>(0, 3);
    const auto enc = static_cast<Encoding>(fdp.ConsumeIntegralInRange<int>(0, static_cast<int>(Encoding::kCount) - 1));
    Canary c;
    if (what < 3) {
      c = telguard::fuzz::MakeFormatFreeCanary(static_cast<FormatFree>(what), enc, rng);
      c.explicit_needles = true;
      c.needles = Windows(c.plain, &excused);
      if (c.planted != c.plain) {
        for (auto& w : Windows(c.planted, &excused)) c.needles.push_back(std::move(w));
      }
    } else {
      c = telguard::fuzz::MakeCanary(fdp.ConsumeIntegralInRange<int>(0, static_cast<int>(rules.size()) - 1), enc, rng);
    }
    const std::string where = Pick(fdp, {"error", "errors", "identifier", "session_id", "parent_session_id",
                                         "user_uuid", "unknown", "nested", "args", "key", "envelope"});
    const std::string value = " " + c.planted + " ";
    if (where == "identifier") {
      json& p = record["properties"];
      const std::string field = Pick(fdp, {"agent_name", "tool_name", "model_name", "version", "action", "source"});
      (field == "source" ? record["source"] : p[field]) = c.planted;
      // A value that fits the field's declared vocabulary or shape leaves as
      // written by design; it is not a leak.
      const std::string ev = record["event"] == "session"
                                 ? (p.value("action", "") == "start" ? "session_start" : "session_end")
                                 : record["event"].get<std::string>();
      const auto k = telguard::KindFromName(ev);
      const telguard::FieldSpec* spec = nullptr;
      if (field == "source") {
        for (const auto& f : pipeline.allowlist().EnvelopeFields()) {
          if (f.name == "source") spec = &f;
        }
      } else if (k) {
        spec = pipeline.allowlist().Find(*k, field);
      }
      if (spec && spec->cls == telguard::FieldClass::kIdentifier &&
          telguard::redaction::NamePolicy::Default().Fits(spec->names, c.planted)) {
        c.explicit_needles = true;
        c.needles.clear();
      }
    } else {
      telguard::fuzz::PlantAt(record, where, c.planted, value);
    }
    canaries.push_back(std::move(c));
  }

  for (Canary& c : canaries) {
    if (c.explicit_needles) std::erase_if(c.needles, [&](const std::string& w) { return excused.count(w) > 0; });
  }

  const std::string line = record.dump(-1, ' ', false, json::error_handler_t::replace);
  const std::string label = "[" + std::string(telguard::redaction::FreeTextModeName(mode)) + " mode] ";
  telguard::fuzz::CheckNoLeak(telguard::fuzz::RunThrough(pipeline, line), canaries, label, line, background);
  return 0;
}
