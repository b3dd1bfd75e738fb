// The OTLP codec and the profile filter, in process: round trips in both
// encodings, the OTLP/JSON mapping's details, the bounds, and what the
// profiles let out.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "gateway/otlp_codec.h"
#include "gateway/otlp_filter.h"
#include "gateway/profile.h"
#include "gateway/value_policy.h"
#include "redaction/samples.h"
#include "tests/test_util.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace telguard::gateway {
namespace {

namespace logs_pb = opentelemetry::proto::collector::logs::v1;
namespace trace_pb = opentelemetry::proto::collector::trace::v1;

constexpr char kLogs[] =
    R"({"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"claude-code"}}]},)"
    R"("scopeLogs":[{"scope":{"name":"com.anthropic.claude_code.events"},"logRecords":[{"timeUnixNano":"1700000000000000001",)"
    R"("severityNumber":9,"traceId":"0102030405060708090A0B0C0D0E0F10","spanId":"a1a2a3a4a5a6a7a8",)"
    R"("body":{"stringValue":"claude_code.api_request"},"attributes":[{"key":"event.name","value":{"stringValue":"api_request"}},)"
    R"({"key":"input_tokens","value":{"intValue":"9007199254740993"}},{"key":"cost_usd","value":{"doubleValue":0.25}},)"
    R"({"key":"model","value":{"stringValue":"claude-sonnet-4"}}]}]}]}]})";

std::string RandomToken(std::size_t n) {
  static std::mt19937_64 rng(std::random_device{}());
  static constexpr char kAlnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s.push_back(kAlnum[rng() % 62]);
  return s;
}

TEST(OtlpCodec, JsonMappingKeepsHexIdsAndSixtyFourBitIntegersExact) {
  DecodeResult d = Decode(Signal::kLogs, WireFormat::kJson, kLogs, {});
  ASSERT_TRUE(d.ok) << d.error;
  const auto& req = static_cast<const logs_pb::ExportLogsServiceRequest&>(*d.message);
  const auto& lr = req.resource_logs(0).scope_logs(0).log_records(0);
  EXPECT_EQ(lr.time_unix_nano(), 1700000000000000001ull);
  EXPECT_EQ(lr.trace_id().size(), 16u);
  EXPECT_EQ(static_cast<unsigned char>(lr.trace_id()[15]), 0x10);
  EXPECT_EQ(lr.attributes(1).value().int_value(), 9007199254740993ll);
  const std::string json = Encode(*d.message, WireFormat::kJson);
  EXPECT_NE(json.find(R"("traceId":"0102030405060708090a0b0c0d0e0f10")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("intValue":"9007199254740993")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("timeUnixNano":"1700000000000000001")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("severityNumber":9)"), std::string::npos) << json;
}

TEST(OtlpCodec, JsonAndProtobufDecodeToTheSameMessage) {
  DecodeResult j = Decode(Signal::kLogs, WireFormat::kJson, kLogs, {});
  ASSERT_TRUE(j.ok);
  const std::string bytes = Encode(*j.message, WireFormat::kProtobuf);
  DecodeResult p = Decode(Signal::kLogs, WireFormat::kProtobuf, bytes, {});
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.message->SerializeAsString(), bytes);
  DecodeResult again = Decode(Signal::kLogs, WireFormat::kJson, Encode(*p.message, WireFormat::kJson), {});
  ASSERT_TRUE(again.ok) << again.error;
  EXPECT_EQ(again.message->SerializeAsString(), bytes);
}

TEST(OtlpCodec, AcceptsSnakeCaseNamesNumbersForIntegersAndEnumNames) {
  const char* body =
      R"({"resource_spans":[{"scope_spans":[{"spans":[{"name":"chat","kind":"SPAN_KIND_CLIENT",)"
      R"("start_time_unix_nano":1700000000,"trace_id":"","status":{"code":2}}]}]}]})";
  DecodeResult d = Decode(Signal::kTraces, WireFormat::kJson, body, {});
  ASSERT_TRUE(d.ok) << d.error;
  const auto& span = static_cast<const trace_pb::ExportTraceServiceRequest&>(*d.message).resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(span.kind(), 3);
  EXPECT_EQ(span.start_time_unix_nano(), 1700000000u);
  EXPECT_EQ(span.status().code(), 2);
}

TEST(OtlpCodec, ErrorsNameTheFieldNeverTheValue) {
  const std::string secret = "zz" + RandomToken(30);
  const std::string bad_hex = R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":")" + secret + R"("}]}]}]})";
  DecodeResult d = Decode(Signal::kTraces, WireFormat::kJson, bad_hex, {});
  ASSERT_FALSE(d.ok);
  EXPECT_NE(d.error.find("traceId"), std::string::npos) << d.error;
  EXPECT_EQ(d.error.find(secret), std::string::npos);
  const std::string wrong_type = R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":")" + secret + R"("}]}]}]})";
  d = Decode(Signal::kLogs, WireFormat::kJson, wrong_type, {});
  ASSERT_FALSE(d.ok);
  EXPECT_EQ(d.error.find(secret), std::string::npos) << d.error;
}

std::string NestedKvlist(int depth) {
  std::string v = R"({"stringValue":"x"})";
  for (int i = 0; i < depth; ++i) v = R"({"kvlistValue":{"values":[{"key":"k","value":)" + v + "}]}}";
  return R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":)" + v + "}]}]}]}";
}

TEST(OtlpCodec, DeepKvlistNestingIsRefusedInBothEncodings) {
  CodecLimits limits;
  DecodeResult ok = Decode(Signal::kLogs, WireFormat::kJson, NestedKvlist(4), limits);
  ASSERT_TRUE(ok.ok) << ok.error;
  DecodeResult deep = Decode(Signal::kLogs, WireFormat::kJson, NestedKvlist(40), limits);
  EXPECT_FALSE(deep.ok);
  // The same depth in protobuf (built without the JSON bound).
  CodecLimits loose;
  loose.max_depth = 400;
  loose.max_value_depth = 100;
  DecodeResult built = Decode(Signal::kLogs, WireFormat::kJson, NestedKvlist(40), loose);
  ASSERT_TRUE(built.ok) << built.error;
  const std::string bytes = Encode(*built.message, WireFormat::kProtobuf);
  EXPECT_FALSE(Decode(Signal::kLogs, WireFormat::kProtobuf, bytes, limits).ok);
}

TEST(OtlpCodec, TooManyAttributesAndHugeStringsAreRefused) {
  logs_pb::ExportLogsServiceRequest req;
  auto* lr = req.add_resource_logs()->add_scope_logs()->add_log_records();
  for (int i = 0; i < 100000; ++i) {
    auto* kv = lr->add_attributes();
    kv->set_key("k");
    kv->mutable_value()->set_int_value(i);
  }
  const std::string bytes = req.SerializeAsString();
  DecodeResult d = Decode(Signal::kLogs, WireFormat::kProtobuf, bytes, {});
  ASSERT_FALSE(d.ok);
  EXPECT_NE(d.error.find("items"), std::string::npos) << d.error;
  EXPECT_FALSE(Decode(Signal::kLogs, WireFormat::kJson, Encode(req, WireFormat::kJson), {}).ok);
  logs_pb::ExportLogsServiceRequest big;
  big.add_resource_logs()->add_scope_logs()->add_log_records()->mutable_body()->set_string_value(std::string(1 << 20, 'a'));
  EXPECT_FALSE(Decode(Signal::kLogs, WireFormat::kProtobuf, big.SerializeAsString(), {}).ok);
  EXPECT_FALSE(Decode(Signal::kLogs, WireFormat::kJson, Encode(big, WireFormat::kJson), {}).ok);
}

TEST(OtlpCodec, TruncatedProtobufAndInvalidUtf8AreRefused) {
  DecodeResult j = Decode(Signal::kLogs, WireFormat::kJson, kLogs, {});
  const std::string bytes = Encode(*j.message, WireFormat::kProtobuf);
  EXPECT_FALSE(Decode(Signal::kLogs, WireFormat::kProtobuf, bytes.substr(0, bytes.size() - 3), {}).ok);
  logs_pb::ExportLogsServiceRequest req;
  req.add_resource_logs()->add_scope_logs()->add_log_records()->mutable_body()->set_string_value("ok");
  std::string raw = req.SerializeAsString();
  raw[raw.size() - 1] = '\xff';
  EXPECT_FALSE(Decode(Signal::kLogs, WireFormat::kProtobuf, raw, {}).ok);
  EXPECT_FALSE(Decode(Signal::kLogs, WireFormat::kJson, "{\"resourceLogs\":[{\"schemaUrl\":\"\xff\"}]}", {}).ok);
}

TEST(OtlpCodec, ResponsesCarryPartialSuccessOnlyWhenSomethingWasRejected) {
  EXPECT_EQ(EncodeResponse(Signal::kLogs, WireFormat::kJson, 0, ""), "{}");
  EXPECT_EQ(EncodeResponse(Signal::kMetrics, WireFormat::kJson, 3, "m"),
            R"({"partialSuccess":{"rejectedDataPoints":"3","errorMessage":"m"}})");
  EXPECT_EQ(EncodeResponse(Signal::kTraces, WireFormat::kJson, 2, "m"),
            R"({"partialSuccess":{"rejectedSpans":"2","errorMessage":"m"}})");
  EXPECT_TRUE(EncodeResponse(Signal::kLogs, WireFormat::kProtobuf, 0, "").empty());
}

TEST(Profiles, EveryEmbeddedProfileLoadsAndTheGenericOneExists) {
  std::string error;
  auto set = ProfileSet::LoadEmbedded(&error);
  ASSERT_NE(set, nullptr) << error;
  for (const char* name : {"claude-code", "gemini-cli", "codex", "docker-agent", "generic"}) {
    EXPECT_NE(set->Find(name), nullptr) << name;
  }
  EXPECT_EQ(set->Match("claude-code", ""), set->Find("claude-code"));
  EXPECT_EQ(set->Match("", "com.anthropic.claude_code.events"), set->Find("claude-code"));
  EXPECT_EQ(set->Match("some-other-agent", "x"), nullptr);
}

TEST(Profiles, IdentityAttributesAreNeverInClearInAnyProfile) {
  std::string error;
  auto set = ProfileSet::LoadEmbedded(&error);
  ASSERT_NE(set, nullptr) << error;
  for (const auto& p : set->all()) {
    auto check = [&](const AttrMap& m) {
      for (const char* id : {"user.email", "user.account_id", "user.account_uuid", "organization.id", "user_uuid"}) {
        if (auto it = m.find(id); it != m.end()) {
          EXPECT_EQ(it->second.cls, AttrClass::kPseudonym) << p->name << " " << id;
        }
      }
    };
    check(p->resource);
    check(p->common);
    for (const RecordMap* rm : {&p->events, &p->metrics, &p->spans, &p->span_events}) {
      for (const auto& [_, r] : *rm) check(r.attributes);
    }
  }
}

TEST(Profiles, MalformedProfilesAreRefusedWithFileAndKey) {
  std::string error;
  EXPECT_EQ(ProfileSet::Load({{"x.json", R"({"profile":"generic","common":{"a":{"class":"nope"}}})"}}, &error), nullptr);
  EXPECT_NE(error.find("x.json: common.a"), std::string::npos) << error;
  EXPECT_EQ(ProfileSet::Load({{"y.json", R"({"profile":"generic","common":{"a":{"class":"enum"}}})"}}, &error), nullptr);
  EXPECT_EQ(ProfileSet::Load({{"z.json", R"({"profile":"other"})"}}, &error), nullptr);
  EXPECT_NE(error.find("generic"), std::string::npos);
}

TEST(OtlpFilter, OnlyWhatTheProfileNamesLeaves) {
  std::string error;
  auto set = ProfileSet::LoadEmbedded(&error);
  ASSERT_NE(set, nullptr) << error;
  redaction::Pseudonymizer keyed("");
  ValuePolicy values(redaction::Scrubber::Default(), keyed);
  FilterOptions o{set.get(), nullptr, &values, {}};
  const std::string email = RandomToken(8) + "@example.com";
  const std::string prompt = "please " + RandomToken(24);
  logs_pb::ExportLogsServiceRequest req;
  auto* rl = req.add_resource_logs();
  auto* ra = rl->mutable_resource()->add_attributes();
  ra->set_key("service.name");
  ra->mutable_value()->set_string_value("claude-code");
  ra = rl->mutable_resource()->add_attributes();
  ra->set_key("host.name");
  ra->mutable_value()->set_string_value(RandomToken(12));
  auto* lr = rl->add_scope_logs()->add_log_records();
  lr->mutable_body()->set_string_value("claude_code.user_prompt");
  auto add = [&](const char* k, const std::string& v) {
    auto* kv = lr->add_attributes();
    kv->set_key(k);
    kv->mutable_value()->set_string_value(v);
  };
  add("event.name", "user_prompt");
  add("prompt", prompt);
  add("prompt_length", "31");
  add("user.email", email);
  add(RandomToken(10).c_str(), "x");
  FilterResult r = FilterRequest(Signal::kLogs, req, o, 1);
  EXPECT_EQ(r.items_kept, 1);
  const std::string out = Encode(*r.request, WireFormat::kJson);
  EXPECT_EQ(out.find(prompt), std::string::npos) << out;
  EXPECT_EQ(out.find(email), std::string::npos) << out;
  EXPECT_EQ(out.find("host.name"), std::string::npos) << out;
  EXPECT_NE(out.find("prompt_length"), std::string::npos) << out;
  ASSERT_EQ(r.audit.size(), 1u);
  const std::string audit = r.audit[0].ToJsonLine();
  EXPECT_EQ(audit.find(email), std::string::npos);
  EXPECT_NE(audit.find("/attributes/*"), std::string::npos) << audit;
}

TEST(Profiles, NameFieldsAreCheckedAndShownInTheInventory) {
  std::string error;
  for (const char* bad : {R"({"a":{"class":"identifier","vocabulary":"nope"}})",
                          R"({"a":{"class":"identifier","shape":"upper"}})",
                          R"({"a":{"class":"pseudonym","pseudonym":"Not-A-Domain"}})",
                          R"({"a":{"class":"pseudonym","vocabulary":"models"}})",
                          R"({"a":{"class":"enum","values":["x"],"pseudonym":"x"}})"}) {
    EXPECT_EQ(ProfileSet::Load({{"x.json", std::string(R"({"profile":"generic","common":)") + bad + "}"}}, &error),
              nullptr)
        << bad;
    EXPECT_NE(error.find("x.json: common.a"), std::string::npos) << error;
  }
  auto set = ProfileSet::LoadEmbedded(&error);
  ASSERT_NE(set, nullptr) << error;
  const auto j = ProfileSet::InventoryJson(*set->Find("claude-code"));
  EXPECT_EQ(j["common"]["user.email"]["pseudonym"], "email-<16 hex>");
  EXPECT_EQ(j["common"]["user.id"]["pseudonym"], "user_id-<16 hex>");  // derived from the name
  const auto& model = j["events"]["claude_code.api_request"]["attributes"]["model"];
  EXPECT_EQ(model["vocabulary"], "models");
  EXPECT_EQ(model["shape"], "name");
  EXPECT_NE(ProfileSet::InventoryMarkdown(*set->Find("claude-code")).find("`email-<16 hex>`"), std::string::npos);
}

AnyValue Str(const std::string& s) {
  AnyValue v;
  v.set_string_value(s);
  return v;
}

// Found by the otlp_decoder fuzzer: a card number planted as the string value
// of gemini-cli's duration_ms left as written (a number class kept the
// string, and nothing looked at its digits). Numbers now leave re-written
// from the parsed value, and a card-shaped whole number does not leave.
TEST(ValuePolicy, NumbersLeaveRewrittenAndACardShapedNumberNotAtAll) {
  redaction::Pseudonymizer keyed("");
  ValuePolicy values(redaction::Scrubber::Default(), keyed);
  std::string card;
  for (const auto& rule : redaction::DefaultRules()) {
    if (rule.id == "payment-card") card = redaction::MakeSample(rule, telguard::testing::Rng(21));
  }
  ASSERT_EQ(card.size(), 16u);
  for (AttrClass cls : {AttrClass::kCount, AttrClass::kNumber, AttrClass::kDuration, AttrClass::kTimestamp}) {
    AttrSpec spec;
    spec.cls = cls;
    AnyValue as_int, as_double;
    as_int.set_int_value(std::stoll(card));
    as_double.set_double_value(std::stod(card));
    AnyValue negative;
    negative.set_int_value(-std::stoll(card));
    for (const AnyValue& in : {Str(card), Str("000" + card), as_int, as_double, negative, Str("-" + card)}) {
      AnyValue out;
      ValueOutcome r = values.Apply(spec, in, "e", &out);
      EXPECT_FALSE(r.kept) << static_cast<int>(cls) << " " << in.DebugString();
      EXPECT_EQ(out.DebugString().find(card.substr(0, 12)), std::string::npos) << out.DebugString();
      // A count of 16 digits fails its bound first, and only a number may be
      // negative (the others fail their sign first).
      const bool signed_in = in.DebugString().find('-') != std::string::npos;
      if (cls != AttrClass::kCount && (cls == AttrClass::kNumber || !signed_in)) {
        ASSERT_EQ(r.redactions.size(), 1u) << in.DebugString();
        EXPECT_EQ(r.redactions[0].rule_id, "payment-card");
      }
    }
    // Ordinary numbers leave, strings in their canonical spelling.
    AnyValue out;
    ASSERT_TRUE(values.Apply(spec, Str("0042"), "e", &out).kept);
    EXPECT_EQ(out.string_value(), "42");
    if (cls != AttrClass::kCount) {
      ASSERT_TRUE(values.Apply(spec, Str("1.50"), "e", &(out = AnyValue())).kept);
      EXPECT_EQ(out.string_value(), "1.5");
      // More digits than a double holds: only what the double holds leaves.
      const std::string long_digits = "1" + std::string(24, '3');
      ASSERT_TRUE(values.Apply(spec, Str(long_digits), "e", &(out = AnyValue())).kept);
      EXPECT_EQ(out.string_value(), "1.3333333333333333e+24");
    }
  }
  // A millisecond timestamp (13 digits) is not card-shaped and leaves.
  AttrSpec ts;
  ts.cls = AttrClass::kTimestamp;
  AnyValue now, out;
  now.set_int_value(1764892800123);
  ASSERT_TRUE(values.Apply(ts, now, "e", &out).kept);
  EXPECT_EQ(out.int_value(), 1764892800123);
}

TEST(ValuePolicy, TheOutputGateRefusesAClearIdentityOrANameOutsideItsSpec) {
  std::string error;
  auto set = ProfileSet::LoadEmbedded(&error);
  ASSERT_NE(set, nullptr) << error;
  const Profile& p = *set->Find("claude-code");
  const AttrSpec& email = p.common.at("user.email");
  const AttrSpec& model = p.events.at("claude_code.api_request").attributes.at("model");
  redaction::Pseudonymizer keyed("");
  ValuePolicy values(redaction::Scrubber::Default(), keyed);
  const std::string address = RandomToken(9) + "@example.org";
  // The gate alone: a clear value never passes, whatever wrote it.
  EXPECT_FALSE(values.Gate(email, Str(address)));
  EXPECT_FALSE(values.Gate(email, Str("email-123")));
  EXPECT_FALSE(values.Gate(model, Str("Model " + RandomToken(12))));
  EXPECT_TRUE(values.Gate(model, Str("claude-sonnet-4")));
  // What Apply writes passes it.
  AnyValue out;
  ValueOutcome r = values.Apply(email, Str(address), "claude_code.api_request", &out);
  ASSERT_TRUE(r.kept);
  EXPECT_TRUE(values.Gate(email, out)) << out.string_value();
  EXPECT_EQ(out.string_value().rfind("email-", 0), 0u);
  ASSERT_EQ(r.redactions.size(), 1u);
  EXPECT_EQ(r.redactions[0].rule_id, "pseudonym");
  const std::string odd = "Model " + RandomToken(12);
  r = values.Apply(model, Str(odd), "claude_code.api_request", &(out = AnyValue()));
  ASSERT_TRUE(r.kept);
  EXPECT_TRUE(values.Gate(model, out));
  EXPECT_TRUE(redaction::Pseudonymizer::IsName("model", out.string_value())) << out.string_value();
  // An int account id is pseudonymised as its text.
  AnyValue n;
  n.set_int_value(123456789);
  r = values.Apply(p.common.at("user.account_id"), n, "claude_code.api_request", &(out = AnyValue()));
  ASSERT_TRUE(r.kept);
  EXPECT_TRUE(redaction::Pseudonymizer::IsId("account", out.string_value())) << out.string_value();
}

}  // namespace
}  // namespace telguard::gateway
