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

#include "fuzz/leak_oracle.h"
#include "pipeline/pipeline.h"
#include "redaction/free_text.h"
#include "redaction/names.h"
#include "schemas/embedded.h"
#include "sender/sinks.h"

namespace {

using json = nlohmann::json;
using telguard::fuzz::Canary;
using telguard::fuzz::Encoding;
using telguard::fuzz::FormatFree;
using telguard::redaction::FreeTextMode;

class MemorySender final : public telguard::sender::Sender {
 public:
  telguard::sender::SendResult Send(std::string_view body) noexcept override {
    bodies.append(body).push_back('\n');
    return {telguard::sender::Delivery::kDelivered, "", 200};
  }
  std::string bodies;
};

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

std::string Pick(FuzzedDataProvider& fdp, std::initializer_list<const char*> options) {
  const std::size_t i = fdp.ConsumeIntegralInRange<std::size_t>(0, options.size() - 1);
  return *(options.begin() + static_cast<std::ptrdiff_t>(i));
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

  const std::string kind = Pick(fdp, {"command", "tool", "token", "session_start", "session_end"});
  json props;
  std::string wire = kind;
  if (kind == "command") {
    props = {{"action", "run"}, {"args", json::array({"--yolo"})}, {"is_success", fdp.ConsumeBool()}};
  } else if (kind == "tool") {
    props = {{"action", "call"}, {"session_id", "s1"}, {"agent_name", "root"}, {"tool_name", "shell"},
             {"duration_ms", fdp.ConsumeIntegralInRange<int>(0, 100000)}, {"is_success", fdp.ConsumeBool()}};
  } else if (kind == "token") {
    props = {{"action", "usage"}, {"session_id", "s1"}, {"agent_name", "root"}, {"model_name", "gpt-4o"},
             {"input_tokens", fdp.ConsumeIntegralInRange<int>(0, 100000)}, {"output_tokens", 5}};
  } else {
    wire = "session";
    props = {{"action", kind == "session_start" ? "start" : "end"}, {"session_id", "s1"}, {"agent_name", "root"},
             {"duration_ms", 10}, {"is_success", true}};
    if (kind == "session_start") props.erase("duration_ms"), props.erase("is_success");
  }
  json record = {{"event", wire}, {"event_timestamp", 1764021600000}, {"source", "agentcli"}, {"properties", props}};
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
    json& p = record["properties"];
    if (where == "error") {
      p["error"] = "request failed:" + value + "after retry";
    } else if (where == "errors") {
      record["event"] = "session";
      p["action"] = "end";
      p["duration_ms"] = 1;
      p["is_success"] = false;
      p["error"] = json::array({"first", "boom:" + value});
    } else if (where == "identifier") {
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
    } else if (where == "session_id" || where == "parent_session_id" || where == "user_uuid") {
      p[where] = c.planted;
    } else if (where == "unknown") {
      p["note"] = value;
    } else if (where == "nested") {
      p["extra"] = {{"deep", {{"x", json::array({1, value})}}}};
    } else if (where == "args") {
      record["event"] = "command";
      p["action"] = "run";
      p["is_success"] = true;
      p["args"] = json::array({"--model=" + c.planted, c.planted, "--", c.planted});
    } else if (where == "key") {
      p[c.planted] = 1;
    } else {
      record[c.planted] = "x";
      record["tags"] = {{"team", value}};
    }
    canaries.push_back(std::move(c));
  }

  for (Canary& c : canaries) {
    if (c.explicit_needles) std::erase_if(c.needles, [&](const std::string& w) { return excused.count(w) > 0; });
  }

  const std::string line = record.dump(-1, ' ', false, json::error_handler_t::replace);
  MemorySender memory;
  char* log_buf = nullptr;
  std::size_t log_len = 0;
  std::FILE* log = open_memstream(&log_buf, &log_len);
  telguard::sender::DebugLogSender debug(log, &memory);
  std::string audit, errors;
  for (const auto& e : pipeline.ProcessLine(line, 1).events) {
    if (e.audit.verdict == telguard::Verdict::kSent) (void)debug.Send(e.body);
    audit += e.audit.ToJsonLine() + "\n";
    errors += e.error + "\n";
  }
  std::fclose(log);
  const std::string debug_log(log_buf, log_len);
  std::free(log_buf);

  std::string which;
  for (const std::string* out : {static_cast<const std::string*>(&memory.bodies), &debug_log,
                                 static_cast<const std::string*>(&audit), static_cast<const std::string*>(&errors)}) {
    if (telguard::fuzz::Leaks(*out, canaries, &which, background)) {
      telguard::fuzz::Trap(std::string("[") + std::string(telguard::redaction::FreeTextModeName(mode)) + " mode] " +
                           which + " left through " +
                           (out == &memory.bodies ? "a request body"
                            : out == &debug_log   ? "the debug log"
                            : out == &audit       ? "an audit record"
                                                  : "an error message") +
                           "\n input line: " + line + "\n output: " + *out);
    }
  }
  return 0;
}
