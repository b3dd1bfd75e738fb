// The gateway's OTLP decoders (JSON and protobuf) and its profile filter,
// with the leak oracle. Two halves, chosen by the first byte:
//
//  - raw: the rest of the input is a request body in a random signal and
//    encoding. Decode must not crash or hang; what decodes must filter,
//    re-encode in both encodings, and decode again to the same message.
//  - planted: a well-formed request shaped like one profile's agent, with
//    canaries (credential- and PII-shaped samples of every rule, in the
//    encodings that hide them) planted in content, identity, free-text,
//    identifier and unknown attributes, resource attributes, log bodies and
//    span status messages. Nothing of any canary may reach the re-encoded
//    output or the audit records.
//
// Excluded on purpose (SECURITY.md, "Known limits"): pattern-free prompt
// canaries in free text (the template keeps vocabulary words; the
// format-free oracle covers templates) -- prompts are planted only where a
// profile drops or pseudonymises the value.
#include <fuzzer/FuzzedDataProvider.h>

#include <random>
#include <string>
#include <vector>

#include "fuzz/leak_oracle.h"
#include "gateway/otlp_codec.h"
#include "gateway/otlp_filter.h"
#include "gateway/profile.h"
#include "gateway/value_policy.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace {

using namespace telguard::gateway;
namespace logs_pb = opentelemetry::proto::collector::logs::v1;
namespace trace_pb = opentelemetry::proto::collector::trace::v1;
namespace common_pb = opentelemetry::proto::common::v1;
using telguard::fuzz::Canary;
using telguard::fuzz::Encoding;

struct Fixture {
  std::unique_ptr<ProfileSet> profiles;
  std::unique_ptr<telguard::redaction::Pseudonymizer> keyed;
  std::unique_ptr<ValuePolicy> values;
};

const Fixture& Get() {
  static const Fixture* f = [] {
    auto* x = new Fixture;
    std::string error;
    x->profiles = ProfileSet::LoadEmbedded(&error);
    if (!x->profiles) telguard::fuzz::Trap("profiles: " + error);
    x->keyed = std::make_unique<telguard::redaction::Pseudonymizer>("otlp-decoder-fuzz");  // fixed: reproducible
    x->values = std::make_unique<ValuePolicy>(telguard::redaction::Scrubber::Default(), *x->keyed);
    return x;
  }();
  return *f;
}

FilterResult Filter(Signal s, const google::protobuf::Message& m, const Profile* forced) {
  FilterOptions o{Get().profiles.get(), forced, Get().values.get(), {}};
  return FilterRequest(s, m, o, 1);
}

void Raw(FuzzedDataProvider& fdp) {
  const auto s = static_cast<Signal>(fdp.ConsumeIntegralInRange<int>(0, 2));
  const auto f = fdp.ConsumeBool() ? WireFormat::kJson : WireFormat::kProtobuf;
  const std::string body = fdp.ConsumeRemainingBytesAsString();
  DecodeResult d = Decode(s, f, body, {});
  if (!d.ok) {
    if (d.error.empty()) telguard::fuzz::Trap("a failed decode without a message");
    return;
  }
  FilterResult r = Filter(s, *d.message, nullptr);
  for (WireFormat out : {WireFormat::kJson, WireFormat::kProtobuf}) {
    const std::string bytes = Encode(*r.request, out);
    DecodeResult again = Decode(s, out, bytes, {});
    if (!again.ok) telguard::fuzz::Trap("filtered output does not decode: " + again.error + "\n" + bytes);
    if (again.message->SerializeAsString() != r.request->SerializeAsString()) {
      telguard::fuzz::Trap("re-encoding changed the filtered request\n" + bytes);
    }
  }
}

// Names a profile declares, for placing canaries where a profile looks.
std::vector<std::string> Declared(const Profile& p) { return {p.declared.begin(), p.declared.end()}; }

void Planted(FuzzedDataProvider& fdp) {
  std::mt19937_64 rng(fdp.ConsumeIntegral<std::uint64_t>());
  const auto rules = telguard::redaction::DefaultRules();
  const auto& all = Get().profiles->all();
  const Profile& p = *all[fdp.ConsumeIntegralInRange<std::size_t>(0, all.size() - 1)];
  const std::vector<std::string> names = Declared(p);
  std::vector<Canary> canaries;
  auto canary = [&](bool allow_prompt) {
    const bool prompt = allow_prompt && fdp.ConsumeIntegralInRange<int>(0, 3) == 0;
    const int rule = prompt ? -1 : fdp.ConsumeIntegralInRange<int>(0, static_cast<int>(rules.size()) - 1);
    const auto enc = static_cast<Encoding>(fdp.ConsumeIntegralInRange<int>(0, static_cast<int>(Encoding::kCount) - 1));
    canaries.push_back(telguard::fuzz::MakeCanary(rule, enc, rng));
    return canaries.back().planted;
  };
  // Where an attribute key leads: a declared name, or an unknown one.
  auto key = [&]() -> std::string {
    if (!names.empty() && fdp.ConsumeBool()) return names[fdp.ConsumeIntegralInRange<std::size_t>(0, names.size() - 1)];
    return fdp.ConsumeBool() ? canary(false) : "note";
  };
  auto attribute = [&](google::protobuf::RepeatedPtrField<common_pb::KeyValue>* kvs) {
    auto* kv = kvs->Add();
    kv->set_key(key());
    const std::string v = canary(false);
    if (fdp.ConsumeBool()) {
      kv->mutable_value()->set_string_value(" failed: " + v + " after retry ");
    } else {
      kv->mutable_value()->set_string_value(v);
    }
  };
  const bool traces = !p.spans.empty() && (p.events.empty() || fdp.ConsumeBool());
  std::string out, audit;
  if (!traces) {
    logs_pb::ExportLogsServiceRequest req;
    auto* rl = req.add_resource_logs();
    auto* sn = rl->mutable_resource()->add_attributes();
    sn->set_key("service.name");
    sn->mutable_value()->set_string_value(p.service_names.empty() ? "x" : p.service_names[0]);
    attribute(rl->mutable_resource()->mutable_attributes());
    auto* sl = rl->add_scope_logs();
    const int n = fdp.ConsumeIntegralInRange<int>(1, 4);
    for (int i = 0; i < n; ++i) {
      auto* lr = sl->add_log_records();
      std::string event = "unknown";
      if (!p.events.empty()) {
        auto it = p.events.begin();
        std::advance(it, fdp.ConsumeIntegralInRange<std::size_t>(0, p.events.size() - 1));
        event = it->first;
      }
      auto* en = lr->add_attributes();
      en->set_key("event.name");
      en->mutable_value()->set_string_value(event);
      lr->mutable_body()->set_string_value(fdp.ConsumeBool() ? event : "error: " + canary(false) + " in request");
      const int attrs = fdp.ConsumeIntegralInRange<int>(1, 5);
      for (int a = 0; a < attrs; ++a) attribute(lr->mutable_attributes());
    }
    FilterResult r = Filter(Signal::kLogs, req, nullptr);
    out = Encode(*r.request, fdp.ConsumeBool() ? WireFormat::kJson : WireFormat::kProtobuf);
    for (const auto& a : r.audit) audit += a.ToJsonLine() + "\n";
  } else {
    trace_pb::ExportTraceServiceRequest req;
    auto* rs = req.add_resource_spans();
    attribute(rs->mutable_resource()->mutable_attributes());
    auto* ss = rs->add_scope_spans();
    auto it = p.spans.begin();
    std::advance(it, fdp.ConsumeIntegralInRange<std::size_t>(0, p.spans.size() - 1));
    auto* sp = ss->add_spans();
    sp->set_name(fdp.ConsumeBool() ? it->first : canary(true));
    const int attrs = fdp.ConsumeIntegralInRange<int>(1, 5);
    for (int a = 0; a < attrs; ++a) attribute(sp->mutable_attributes());
    sp->mutable_status()->set_message("failed: " + canary(false));
    auto* ev = sp->add_events();
    ev->set_name(fdp.ConsumeBool() ? "exception" : canary(true));
    attribute(ev->mutable_attributes());
    FilterResult r = Filter(Signal::kTraces, req, &p);
    out = Encode(*r.request, fdp.ConsumeBool() ? WireFormat::kJson : WireFormat::kProtobuf);
    for (const auto& a : r.audit) audit += a.ToJsonLine() + "\n";
  }
  std::string which;
  if (telguard::fuzz::Leaks(out, canaries, &which)) {
    telguard::fuzz::Trap("canary " + which + " left through the gateway (profile " + p.name + ")\n output: " + out);
  }
  if (telguard::fuzz::Leaks(audit, canaries, &which)) {
    telguard::fuzz::Trap("canary " + which + " left through an audit record\n" + audit);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;
  FuzzedDataProvider fdp(data, size);
  if (fdp.ConsumeBool()) {
    Raw(fdp);
  } else {
    Planted(fdp);
  }
  return 0;
}
