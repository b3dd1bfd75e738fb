#include "gateway/otlp_filter.h"

#include <algorithm>
#include <string>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace telguard::gateway {
namespace {

namespace common = opentelemetry::proto::common::v1;
namespace logs = opentelemetry::proto::logs::v1;
namespace metrics = opentelemetry::proto::metrics::v1;
namespace trace = opentelemetry::proto::trace::v1;
namespace resource = opentelemetry::proto::resource::v1;
namespace collector = opentelemetry::proto::collector;
using KeyValues = google::protobuf::RepeatedPtrField<common::KeyValue>;

constexpr const char* kSeverityTexts[] = {"TRACE", "DEBUG", "INFO", "WARN", "WARNING", "ERROR", "FATAL",
                                          "trace", "debug", "info", "warn", "warning", "error", "fatal"};

const std::string* StringAttr(const KeyValues& kvs, std::string_view key) {
  for (const auto& kv : kvs) {
    if (kv.key() == key && kv.value().value_case() == common::AnyValue::kStringValue) return &kv.value().string_value();
  }
  return nullptr;
}

// One record under way: its audit record and the names it may show.
class RecordAudit {
 public:
  RecordAudit(const Profile& p, std::uint64_t request_no, std::int64_t index) : profile_(p) {
    audit_.line = request_no;
    audit_.record = index;
    audit_.verdict = Verdict::kSent;
  }
  void SetEvent(const std::string& name) { audit_.event = name; }
  std::string Pointer(std::string_view where, std::string_view key) const {
    return std::string(where) + "/" + (profile_.Declares(key) ? std::string(key) : std::string("*"));
  }
  void Strip(const std::string& pointer, const char* keyword) {
    if (std::find(audit_.stripped.begin(), audit_.stripped.end(), pointer) != audit_.stripped.end()) return;
    audit_.stripped.push_back(pointer);
    audit_.reasons.push_back({pointer, keyword});
  }
  void Redacted(const std::string& pointer, const std::vector<redaction::RuleHit>& hits) {
    for (const auto& h : hits) audit_.redactions.push_back({std::string(h.rule_id), pointer, h.count});
  }
  void Drop(const char* keyword) {
    audit_.verdict = Verdict::kDropped;
    audit_.reasons.push_back({"", keyword});
  }
  AuditRecord Take() { return std::move(audit_); }

 private:
  const Profile& profile_;
  AuditRecord audit_;
};

class Filter {
 public:
  Filter(const FilterOptions& o, std::uint64_t request_no, FilterResult* result)
      : o_(o), request_no_(request_no), result_(result) {}

  // The group's profile; sets the values policy and consent of its app.
  const Profile& Choose(const resource::Resource& res, const common::InstrumentationScope& scope) {
    const Profile* p = o_.forced;
    if (!p) {
      const std::string* service = StringAttr(res.attributes(), "service.name");
      p = o_.profiles->Match(service ? *service : "", scope.name());
    }
    if (!p) p = &o_.profiles->generic();
    const AppPolicy a = o_.app ? o_.app(*p) : AppPolicy{o_.values, true};
    values_ = a.values;
    forward_ = a.forward;
    return *p;
  }

  // A group whose app may not forward: its records are audited, not sent.
  template <typename Groups>
  void Withhold(Groups* groups, std::size_t audit_from, std::int64_t items) {
    groups->RemoveLast();
    result_->items_kept -= items;
    result_->items_withheld += items;
    for (std::size_t i = audit_from; i < result_->audit.size(); ++i) {
      if (result_->audit[i].verdict == Verdict::kSent) result_->audit[i].delivery = "consent-off";
    }
  }

  // Copies the attributes `in` that `specs` (then the profile's common ones)
  // allow into `out`; returns how many were dropped.
  std::uint32_t Attributes(const KeyValues& in, const AttrMap* specs, const Profile& p, std::string_view event,
                           std::string_view where, KeyValues* out, RecordAudit& audit) const {
    std::uint32_t dropped = 0;
    for (const auto& kv : in) {
      const AttrSpec* spec = nullptr;
      if (specs) {
        if (auto it = specs->find(kv.key()); it != specs->end()) spec = &it->second;
      }
      if (!spec) {
        if (auto it = p.common.find(kv.key()); it != p.common.end()) spec = &it->second;
      }
      const std::string pointer = audit.Pointer(where, kv.key());
      if (!spec) {
        audit.Strip(pointer, "not-in-profile");
        ++dropped;
        continue;
      }
      auto* o = out->Add();
      ValueOutcome r = values_->Apply(*spec, kv.value(), event, o->mutable_value());
      if (r.kept && !values_->Gate(*spec, o->value())) {
        r.kept = false;
        r.reason = "output-gate:name";
      }
      audit.Redacted(pointer, r.redactions);
      if (!r.kept) {
        out->RemoveLast();
        audit.Strip(pointer, r.reason);
        ++dropped;
        continue;
      }
      o->set_key(kv.key());
    }
    return dropped;
  }

  void Resource(const resource::Resource& in, const Profile& p, resource::Resource* out) const {
    RecordAudit unused(p, request_no_, -1);
    const std::uint32_t dropped =
        Attributes(in.attributes(), &p.resource, p, "resource", "/resource/attributes", out->mutable_attributes(), unused);
    // Only the profile's resource attributes: common ones do not apply here.
    out->set_dropped_attributes_count(in.dropped_attributes_count() + dropped);
  }

  void Scope(const common::InstrumentationScope& in, common::InstrumentationScope* out) const {
    using redaction::NamePolicy;
    if (NamePolicy::IsStrictName(in.name())) out->set_name(in.name());
    if (NamePolicy::IsSemver(in.version()) || NamePolicy::IsStrictName(in.version())) out->set_version(in.version());
  }

  // --- logs ---
  bool Log(const logs::LogRecord& in, const Profile& p, std::int64_t index, logs::LogRecord* out) {
    RecordAudit audit(p, request_no_, index);
    std::string name = in.event_name();
    if (name.empty()) {
      if (const std::string* n = StringAttr(in.attributes(), "event.name")) name = *n;
    }
    if (name.empty() && p.body_is_event_name && in.body().value_case() == common::AnyValue::kStringValue) {
      name = in.body().string_value();
    }
    std::string canonical;
    const RecordSpec* spec = p.FindEvent(name, &canonical);
    if (!spec) {
      audit.SetEvent("*");
      audit.Drop("event-not-in-profile");
      result_->audit.push_back(audit.Take());
      return false;
    }
    audit.SetEvent(canonical);
    out->set_time_unix_nano(in.time_unix_nano());
    out->set_observed_time_unix_nano(in.observed_time_unix_nano());
    out->set_severity_number(in.severity_number());
    for (const char* s : kSeverityTexts) {
      if (in.severity_text() == s) out->set_severity_text(s);
    }
    out->set_flags(in.flags() & 0xff);
    if (in.trace_id().size() == 16) out->set_trace_id(in.trace_id());
    if (in.span_id().size() == 8) out->set_span_id(in.span_id());
    if (!in.event_name().empty()) out->set_event_name(in.event_name());
    Body(in, p, name, canonical, out, audit);
    const std::uint32_t dropped = Attributes(in.attributes(), &spec->attributes, p, canonical, "/attributes",
                                             out->mutable_attributes(), audit);
    // The name attribute the event was found by is itself a declared name.
    if (const std::string* n = StringAttr(in.attributes(), "event.name");
        n && *n == name && !StringAttr(out->attributes(), "event.name")) {
      auto* kv = out->add_attributes();
      kv->set_key("event.name");
      kv->mutable_value()->set_string_value(name);
    }
    out->set_dropped_attributes_count(in.dropped_attributes_count() + dropped);
    result_->audit.push_back(audit.Take());
    return true;
  }

  void Body(const logs::LogRecord& in, const Profile& p, const std::string& name, const std::string& canonical,
            logs::LogRecord* out, RecordAudit& audit) const {
    if (in.body().value_case() == common::AnyValue::VALUE_NOT_SET) return;
    if (p.body_is_event_name && in.body().value_case() == common::AnyValue::kStringValue &&
        (in.body().string_value() == canonical || in.body().string_value() == name)) {
      out->mutable_body()->set_string_value(in.body().string_value());
      return;
    }
    ValueOutcome r = values_->Apply(p.body, in.body(), canonical, out->mutable_body());
    audit.Redacted("/body", r.redactions);
    if (!r.kept) {
      out->clear_body();
      audit.Strip("/body", r.reason);
    }
  }

  void Logs(const collector::logs::v1::ExportLogsServiceRequest& in, collector::logs::v1::ExportLogsServiceRequest* out) {
    std::int64_t index = 0;
    for (const auto& rl : in.resource_logs()) {
      for (const auto& sl : rl.scope_logs()) {
        const Profile& p = Choose(rl.resource(), sl.scope());
        auto* orl = out->add_resource_logs();
        auto* kept = orl->add_scope_logs();
        const std::size_t audit_from = result_->audit.size();
        const std::int64_t kept_before = result_->items_kept;
        for (const auto& lr : sl.log_records()) {
          ++result_->items_in;
          if (Log(lr, p, index++, kept->add_log_records())) {
            ++result_->items_kept;
          } else {
            kept->mutable_log_records()->RemoveLast();
            ++result_->items_rejected;
          }
        }
        if (kept->log_records_size() == 0) {
          out->mutable_resource_logs()->RemoveLast();
          continue;
        }
        if (!forward_) {
          Withhold(out->mutable_resource_logs(), audit_from, result_->items_kept - kept_before);
          continue;
        }
        Scope(sl.scope(), kept->mutable_scope());
        Resource(rl.resource(), p, orl->mutable_resource());
      }
    }
  }

  // --- metrics ---
  template <typename Point>
  void Points(const google::protobuf::RepeatedPtrField<Point>& in, const RecordSpec& spec, const Profile& p,
              const std::string& name, google::protobuf::RepeatedPtrField<Point>* out, RecordAudit& audit) {
    for (const Point& pt : in) {
      Point* o = out->Add();
      o->CopyFrom(pt);  // numeric fields; attributes and exemplars are rebuilt below
      o->clear_attributes();
      o->clear_exemplars();
      Attributes(pt.attributes(), &spec.attributes, p, name, "/attributes", o->mutable_attributes(), audit);
    }
  }

  bool Metric(const metrics::Metric& in, const Profile& p, std::int64_t index, metrics::Metric* out) {
    RecordAudit audit(p, request_no_, index);
    auto it = p.metrics.find(in.name());
    if (it == p.metrics.end()) {
      audit.SetEvent("*");
      audit.Drop("metric-not-in-profile");
      result_->audit.push_back(audit.Take());
      return false;
    }
    audit.SetEvent(it->first);
    out->set_name(in.name());
    if (in.unit().size() <= 32 && in.unit().find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789{}/%._-") == std::string::npos) {
      out->set_unit(in.unit());
    }
    const RecordSpec& spec = it->second;
    switch (in.data_case()) {
      case metrics::Metric::kGauge:
        Points(in.gauge().data_points(), spec, p, it->first, out->mutable_gauge()->mutable_data_points(), audit);
        break;
      case metrics::Metric::kSum:
        out->mutable_sum()->set_aggregation_temporality(in.sum().aggregation_temporality());
        out->mutable_sum()->set_is_monotonic(in.sum().is_monotonic());
        Points(in.sum().data_points(), spec, p, it->first, out->mutable_sum()->mutable_data_points(), audit);
        break;
      case metrics::Metric::kHistogram:
        out->mutable_histogram()->set_aggregation_temporality(in.histogram().aggregation_temporality());
        Points(in.histogram().data_points(), spec, p, it->first, out->mutable_histogram()->mutable_data_points(), audit);
        break;
      case metrics::Metric::kExponentialHistogram:
        out->mutable_exponential_histogram()->set_aggregation_temporality(
            in.exponential_histogram().aggregation_temporality());
        Points(in.exponential_histogram().data_points(), spec, p, it->first,
               out->mutable_exponential_histogram()->mutable_data_points(), audit);
        break;
      case metrics::Metric::kSummary:
        for (const auto& pt : in.summary().data_points()) {
          auto* o = out->mutable_summary()->add_data_points();
          *o = pt;
          o->clear_attributes();
          Attributes(pt.attributes(), &spec.attributes, p, it->first, "/attributes", o->mutable_attributes(), audit);
        }
        break;
      case metrics::Metric::DATA_NOT_SET:
        break;
    }
    result_->audit.push_back(audit.Take());
    return true;
  }

  static std::int64_t PointCount(const metrics::Metric& m) {
    switch (m.data_case()) {
      case metrics::Metric::kGauge: return m.gauge().data_points_size();
      case metrics::Metric::kSum: return m.sum().data_points_size();
      case metrics::Metric::kHistogram: return m.histogram().data_points_size();
      case metrics::Metric::kExponentialHistogram: return m.exponential_histogram().data_points_size();
      case metrics::Metric::kSummary: return m.summary().data_points_size();
      case metrics::Metric::DATA_NOT_SET: return 0;
    }
    return 0;
  }

  void Metrics(const collector::metrics::v1::ExportMetricsServiceRequest& in,
               collector::metrics::v1::ExportMetricsServiceRequest* out) {
    std::int64_t index = 0;
    for (const auto& rm : in.resource_metrics()) {
      for (const auto& sm : rm.scope_metrics()) {
        const Profile& p = Choose(rm.resource(), sm.scope());
        auto* orm = out->add_resource_metrics();
        auto* kept = orm->add_scope_metrics();
        const std::size_t audit_from = result_->audit.size();
        const std::int64_t kept_before = result_->items_kept;
        for (const auto& m : sm.metrics()) {
          const std::int64_t points = PointCount(m);
          result_->items_in += points;
          if (Metric(m, p, index++, kept->add_metrics())) {
            result_->items_kept += points;
          } else {
            kept->mutable_metrics()->RemoveLast();
            result_->items_rejected += points;
          }
        }
        if (kept->metrics_size() == 0) {
          out->mutable_resource_metrics()->RemoveLast();
          continue;
        }
        if (!forward_) {
          Withhold(out->mutable_resource_metrics(), audit_from, result_->items_kept - kept_before);
          continue;
        }
        Scope(sm.scope(), kept->mutable_scope());
        Resource(rm.resource(), p, orm->mutable_resource());
      }
    }
  }

  // --- traces ---
  bool Span(const trace::Span& in, const Profile& p, std::int64_t index, trace::Span* out) {
    RecordAudit audit(p, request_no_, index);
    auto it = p.spans.find(in.name());
    if (it == p.spans.end()) {
      audit.SetEvent("*");
      audit.Drop("span-not-in-profile");
      result_->audit.push_back(audit.Take());
      return false;
    }
    const std::string& name = it->first;
    audit.SetEvent(name);
    if (in.trace_id().size() == 16) out->set_trace_id(in.trace_id());
    if (in.span_id().size() == 8) out->set_span_id(in.span_id());
    if (in.parent_span_id().size() == 8) out->set_parent_span_id(in.parent_span_id());
    out->set_flags(in.flags() & 0x3ff);
    out->set_name(name);
    out->set_kind(in.kind());
    out->set_start_time_unix_nano(in.start_time_unix_nano());
    out->set_end_time_unix_nano(in.end_time_unix_nano());
    const std::uint32_t dropped =
        Attributes(in.attributes(), &it->second.attributes, p, name, "/attributes", out->mutable_attributes(), audit);
    out->set_dropped_attributes_count(in.dropped_attributes_count() + dropped);
    std::uint32_t dropped_events = in.dropped_events_count();
    for (const auto& ev : in.events()) {
      auto e = p.span_events.find(ev.name());
      if (e == p.span_events.end()) {
        audit.Strip("/events/*", "event-not-in-profile");
        ++dropped_events;
        continue;
      }
      auto* o = out->add_events();
      o->set_time_unix_nano(ev.time_unix_nano());
      o->set_name(e->first);
      const std::uint32_t d = Attributes(ev.attributes(), &e->second.attributes, p, e->first, "/events/attributes",
                                         o->mutable_attributes(), audit);
      o->set_dropped_attributes_count(ev.dropped_attributes_count() + d);
    }
    out->set_dropped_events_count(dropped_events);
    out->set_dropped_links_count(in.dropped_links_count() + static_cast<std::uint32_t>(in.links_size()));
    if (in.has_status()) {
      out->mutable_status()->set_code(in.status().code());
      if (!in.status().message().empty()) {
        std::string text;
        ValueOutcome r;
        if (values_->FreeText(p.status_message, in.status().message(), name, &text, &r)) {
          out->mutable_status()->set_message(text);
        } else {
          audit.Strip("/status/message", r.reason);
        }
        audit.Redacted("/status/message", r.redactions);
      }
    }
    result_->audit.push_back(audit.Take());
    return true;
  }

  void Traces(const collector::trace::v1::ExportTraceServiceRequest& in,
              collector::trace::v1::ExportTraceServiceRequest* out) {
    std::int64_t index = 0;
    for (const auto& rs : in.resource_spans()) {
      for (const auto& ss : rs.scope_spans()) {
        const Profile& p = Choose(rs.resource(), ss.scope());
        auto* ors = out->add_resource_spans();
        auto* kept = ors->add_scope_spans();
        const std::size_t audit_from = result_->audit.size();
        const std::int64_t kept_before = result_->items_kept;
        for (const auto& sp : ss.spans()) {
          ++result_->items_in;
          if (Span(sp, p, index++, kept->add_spans())) {
            ++result_->items_kept;
          } else {
            kept->mutable_spans()->RemoveLast();
            ++result_->items_rejected;
          }
        }
        if (kept->spans_size() == 0) {
          out->mutable_resource_spans()->RemoveLast();
          continue;
        }
        if (!forward_) {
          Withhold(out->mutable_resource_spans(), audit_from, result_->items_kept - kept_before);
          continue;
        }
        Scope(ss.scope(), kept->mutable_scope());
        Resource(rs.resource(), p, ors->mutable_resource());
      }
    }
  }

 private:
  const FilterOptions& o_;
  std::uint64_t request_no_;
  FilterResult* result_;
  const ValuePolicy* values_ = nullptr;  // the current group's app's
  bool forward_ = true;
};

}  // namespace

FilterResult FilterRequest(Signal s, const google::protobuf::Message& in, const FilterOptions& options,
                           std::uint64_t request_no) {
  FilterResult result;
  result.arena = NewArena();
  result.request = NewRequest(s, result.arena.get());
  Filter f(options, request_no, &result);
  switch (s) {
    case Signal::kLogs:
      f.Logs(static_cast<const collector::logs::v1::ExportLogsServiceRequest&>(in),
             static_cast<collector::logs::v1::ExportLogsServiceRequest*>(result.request));
      break;
    case Signal::kMetrics:
      f.Metrics(static_cast<const collector::metrics::v1::ExportMetricsServiceRequest&>(in),
                static_cast<collector::metrics::v1::ExportMetricsServiceRequest*>(result.request));
      break;
    case Signal::kTraces:
      f.Traces(static_cast<const collector::trace::v1::ExportTraceServiceRequest&>(in),
               static_cast<collector::trace::v1::ExportTraceServiceRequest*>(result.request));
      break;
  }
  // Nothing the .proto files do not name leaves (unknown fields are kept by
  // libprotobuf on copies otherwise).
  result.request->DiscardUnknownFields();
  return result;
}

}  // namespace telguard::gateway
