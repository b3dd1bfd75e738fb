#include "gateway/otlp_codec.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <mutex>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/reflection.h>
#include <google/protobuf/stubs/logging.h>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "pipeline/bounded_json.h"

namespace telguard::gateway {
namespace {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;
using nlohmann::json;

namespace collector = opentelemetry::proto::collector;

bool IsHexIdField(const FD* f) {
  if (f->type() != FD::TYPE_BYTES) return false;
  const std::string& n = f->name();
  return n == "trace_id" || n == "span_id" || n == "parent_span_id";
}

bool IsAnyValue(const pb::Descriptor* d) { return d->full_name() == "opentelemetry.proto.common.v1.AnyValue"; }

// --- JSON -> message --------------------------------------------------------

class JsonReader {
 public:
  explicit JsonReader(const CodecLimits& limits) : limits_(limits) {}
  bool Read(const json& j, pb::Message* m, std::size_t value_depth);
  const std::string& error() const { return error_; }

 private:
  bool Fail(const FD* f, const char* what) {
    error_ = std::string("field ") + (f ? f->json_name() : std::string("(body)")) + ": " + what;
    return false;
  }
  bool ReadField(const json& v, pb::Message* m, const FD* f, std::size_t value_depth);
  bool ReadScalar(const json& v, pb::Message* m, const FD* f);

  const CodecLimits& limits_;
  std::string error_;
};

bool ParseInt(const json& v, bool is_signed, std::int64_t* s, std::uint64_t* u) {
  if (v.is_number_unsigned()) {
    *u = v.get<std::uint64_t>();
    if (is_signed && *u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return false;
    *s = static_cast<std::int64_t>(*u);
    return true;
  }
  if (v.is_number_integer()) {
    *s = v.get<std::int64_t>();
    if (!is_signed && *s < 0) return false;
    *u = static_cast<std::uint64_t>(*s);
    return true;
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9.007199254740992e15) return false;
    if (!is_signed && d < 0) return false;
    *s = static_cast<std::int64_t>(d);
    *u = static_cast<std::uint64_t>(*s);
    return true;
  }
  if (!v.is_string()) return false;
  const std::string& t = v.get_ref<const std::string&>();
  if (t.empty() || t.size() > 20) return false;
  std::size_t i = 0;
  bool neg = false;
  if (t[0] == '-') {
    if (!is_signed) return false;
    neg = true;
    i = 1;
    if (t.size() == 1) return false;
  }
  std::uint64_t acc = 0;
  for (; i < t.size(); ++i) {
    if (t[i] < '0' || t[i] > '9') return false;
    const std::uint64_t d = static_cast<std::uint64_t>(t[i] - '0');
    if (acc > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return false;
    acc = acc * 10 + d;
  }
  if (is_signed) {
    const std::uint64_t lim = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + (neg ? 1 : 0);
    if (acc > lim) return false;
    *s = neg ? static_cast<std::int64_t>(0 - acc) : static_cast<std::int64_t>(acc);
    *u = static_cast<std::uint64_t>(*s);
  } else {
    *u = acc;
    *s = static_cast<std::int64_t>(acc);
  }
  return true;
}

bool ParseDouble(const json& v, double* d) {
  if (v.is_number()) {
    *d = v.get<double>();
    return true;
  }
  if (!v.is_string()) return false;
  const std::string& t = v.get_ref<const std::string&>();
  if (t == "NaN") *d = std::numeric_limits<double>::quiet_NaN();
  else if (t == "Infinity") *d = std::numeric_limits<double>::infinity();
  else if (t == "-Infinity") *d = -std::numeric_limits<double>::infinity();
  else {
    if (t.empty() || t.size() > 64) return false;
    char* end = nullptr;
    *d = std::strtod(t.c_str(), &end);
    if (end != t.c_str() + t.size()) return false;
  }
  return true;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool DecodeHex(const std::string& t, std::string* out) {
  if (t.size() % 2 != 0) return false;
  out->resize(t.size() / 2);
  for (std::size_t i = 0; i < out->size(); ++i) {
    const int hi = HexDigit(t[2 * i]), lo = HexDigit(t[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    (*out)[i] = static_cast<char>(hi * 16 + lo);
  }
  return true;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

bool DecodeBase64(const std::string& t, std::string* out) {
  out->clear();
  std::uint32_t acc = 0;
  int bits = 0;
  std::size_t i = 0;
  for (; i < t.size() && t[i] != '='; ++i) {
    const int v = Base64Value(t[i]);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  for (; i < t.size(); ++i) {
    if (t[i] != '=') return false;
  }
  return true;
}

bool JsonReader::ReadScalar(const json& v, pb::Message* m, const FD* f) {
  const pb::Reflection* r = m->GetReflection();
  const bool rep = f->is_repeated();
  std::int64_t s = 0;
  std::uint64_t u = 0;
  double d = 0;
  switch (f->cpp_type()) {
    case FD::CPPTYPE_INT32:
      if (!ParseInt(v, true, &s, &u) || s < INT32_MIN || s > INT32_MAX) return Fail(f, "not a 32-bit integer");
      rep ? r->AddInt32(m, f, static_cast<std::int32_t>(s)) : r->SetInt32(m, f, static_cast<std::int32_t>(s));
      return true;
    case FD::CPPTYPE_UINT32:
      if (!ParseInt(v, false, &s, &u) || u > UINT32_MAX) return Fail(f, "not an unsigned 32-bit integer");
      rep ? r->AddUInt32(m, f, static_cast<std::uint32_t>(u)) : r->SetUInt32(m, f, static_cast<std::uint32_t>(u));
      return true;
    case FD::CPPTYPE_INT64:
      if (!ParseInt(v, true, &s, &u)) return Fail(f, "not a 64-bit integer");
      rep ? r->AddInt64(m, f, s) : r->SetInt64(m, f, s);
      return true;
    case FD::CPPTYPE_UINT64:
      if (!ParseInt(v, false, &s, &u)) return Fail(f, "not an unsigned 64-bit integer");
      rep ? r->AddUInt64(m, f, u) : r->SetUInt64(m, f, u);
      return true;
    case FD::CPPTYPE_DOUBLE:
    case FD::CPPTYPE_FLOAT:
      if (!ParseDouble(v, &d)) return Fail(f, "not a number");
      if (f->cpp_type() == FD::CPPTYPE_FLOAT) {
        rep ? r->AddFloat(m, f, static_cast<float>(d)) : r->SetFloat(m, f, static_cast<float>(d));
      } else {
        rep ? r->AddDouble(m, f, d) : r->SetDouble(m, f, d);
      }
      return true;
    case FD::CPPTYPE_BOOL:
      if (!v.is_boolean()) return Fail(f, "not a boolean");
      rep ? r->AddBool(m, f, v.get<bool>()) : r->SetBool(m, f, v.get<bool>());
      return true;
    case FD::CPPTYPE_ENUM: {
      int n = 0;
      if (v.is_string()) {
        const pb::EnumValueDescriptor* e = f->enum_type()->FindValueByName(v.get_ref<const std::string&>());
        if (!e) return Fail(f, "not a known enum name");
        n = e->number();
      } else {
        if (!ParseInt(v, true, &s, &u) || s < INT32_MIN || s > INT32_MAX) return Fail(f, "not an enum number");
        n = static_cast<int>(s);
      }
      rep ? r->AddEnumValue(m, f, n) : r->SetEnumValue(m, f, n);
      return true;
    }
    case FD::CPPTYPE_STRING: {
      if (!v.is_string()) return Fail(f, "not a string");
      const std::string& t = v.get_ref<const std::string&>();
      std::string value;
      if (f->type() == FD::TYPE_STRING) {
        value = t;
      } else if (IsHexIdField(f)) {
        if (!DecodeHex(t, &value)) return Fail(f, "not hex");
      } else if (!DecodeBase64(t, &value)) {
        return Fail(f, "not base64");
      }
      rep ? r->AddString(m, f, std::move(value)) : r->SetString(m, f, std::move(value));
      return true;
    }
    case FD::CPPTYPE_MESSAGE:
      break;
  }
  return Fail(f, "unsupported type");
}

bool JsonReader::ReadField(const json& v, pb::Message* m, const FD* f, std::size_t value_depth) {
  if (f->cpp_type() != FD::CPPTYPE_MESSAGE) return ReadScalar(v, m, f);
  const pb::Reflection* r = m->GetReflection();
  std::size_t depth = value_depth + (IsAnyValue(f->message_type()) ? 1 : 0);
  if (depth > limits_.max_value_depth) return Fail(f, "values nested too deeply");
  pb::Message* child = f->is_repeated() ? r->AddMessage(m, f) : r->MutableMessage(m, f);
  return Read(v, child, depth);
}

bool JsonReader::Read(const json& j, pb::Message* m, std::size_t value_depth) {
  if (!j.is_object()) return Fail(nullptr, "not an object");
  const pb::Descriptor* d = m->GetDescriptor();
  for (const auto& [key, v] : j.items()) {
    const FD* f = d->FindFieldByCamelcaseName(key);
    if (!f) f = d->FindFieldByName(key);
    if (!f || v.is_null()) continue;  // unknown fields are ignored (OTLP)
    if (f->is_repeated()) {
      if (!v.is_array()) return Fail(f, "not an array");
      for (const json& e : v) {
        if (!ReadField(e, m, f, value_depth)) return false;
      }
    } else if (!ReadField(v, m, f, value_depth)) {
      return false;
    }
  }
  return true;
}

// --- bounds over a parsed protobuf message ----------------------------------

bool CheckBounds(const pb::Message& m, const CodecLimits& limits, std::size_t value_depth, std::string* error) {
  const pb::Reflection* r = m.GetReflection();
  std::vector<const FD*> fields;
  r->ListFields(m, &fields);
  for (const FD* f : fields) {
    const bool rep = f->is_repeated();
    const int n = rep ? r->FieldSize(m, f) : 1;
    if (rep && static_cast<std::size_t>(n) > limits.max_items) {
      *error = "field " + f->json_name() + ": more than " + std::to_string(limits.max_items) + " items";
      return false;
    }
    if (f->cpp_type() == FD::CPPTYPE_STRING) {
      std::string scratch;
      for (int i = 0; i < n; ++i) {
        const std::string& s = rep ? r->GetRepeatedStringReference(m, f, i, &scratch) : r->GetStringReference(m, f, &scratch);
        if (s.size() > limits.max_string_bytes) {
          *error = "field " + f->json_name() + ": longer than " + std::to_string(limits.max_string_bytes) + " bytes";
          return false;
        }
      }
    } else if (f->cpp_type() == FD::CPPTYPE_MESSAGE) {
      const std::size_t depth = value_depth + (IsAnyValue(f->message_type()) ? 1 : 0);
      if (depth > limits.max_value_depth) {
        *error = "field " + f->json_name() + ": values nested too deeply";
        return false;
      }
      for (int i = 0; i < n; ++i) {
        const pb::Message& c = rep ? r->GetRepeatedMessage(m, f, i) : r->GetMessage(m, f);
        if (!CheckBounds(c, limits, depth, error)) return false;
      }
    }
  }
  return true;
}

// --- message -> JSON --------------------------------------------------------

void AppendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  std::size_t run = 0;  // start of the run of bytes that need no escape
  for (std::size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

void AppendDouble(std::string& out, double d) {
  if (std::isnan(d)) { out += "\"NaN\""; return; }
  if (std::isinf(d)) { out += d > 0 ? "\"Infinity\"" : "\"-Infinity\""; return; }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  out += buf;
}

void AppendHex(std::string& out, std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  out.push_back('"');
}

void AppendBase64(std::string& out, std::string_view bytes) {
  static constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  out.push_back('"');
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const std::uint32_t v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                            static_cast<unsigned char>(bytes[i + 2]);
    out += {kB64[v >> 18], kB64[(v >> 12) & 63], kB64[(v >> 6) & 63], kB64[v & 63]};
  }
  if (i + 1 == bytes.size()) {
    const std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    out += {kB64[v >> 18], kB64[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    const std::uint32_t v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += {kB64[v >> 18], kB64[(v >> 12) & 63], kB64[(v >> 6) & 63], '='};
  }
  out.push_back('"');
}

void WriteMessage(std::string& out, const pb::Message& m);

void WriteValue(std::string& out, const pb::Message& m, const FD* f, int i) {
  const pb::Reflection* r = m.GetReflection();
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case FD::CPPTYPE_INT32: out += std::to_string(rep ? r->GetRepeatedInt32(m, f, i) : r->GetInt32(m, f)); break;
    case FD::CPPTYPE_UINT32: out += std::to_string(rep ? r->GetRepeatedUInt32(m, f, i) : r->GetUInt32(m, f)); break;
    case FD::CPPTYPE_INT64:
      out += '"' + std::to_string(rep ? r->GetRepeatedInt64(m, f, i) : r->GetInt64(m, f)) + '"';
      break;
    case FD::CPPTYPE_UINT64:
      out += '"' + std::to_string(rep ? r->GetRepeatedUInt64(m, f, i) : r->GetUInt64(m, f)) + '"';
      break;
    case FD::CPPTYPE_DOUBLE: AppendDouble(out, rep ? r->GetRepeatedDouble(m, f, i) : r->GetDouble(m, f)); break;
    case FD::CPPTYPE_FLOAT: AppendDouble(out, rep ? r->GetRepeatedFloat(m, f, i) : r->GetFloat(m, f)); break;
    case FD::CPPTYPE_BOOL: out += (rep ? r->GetRepeatedBool(m, f, i) : r->GetBool(m, f)) ? "true" : "false"; break;
    case FD::CPPTYPE_ENUM: out += std::to_string(rep ? r->GetRepeatedEnumValue(m, f, i) : r->GetEnumValue(m, f)); break;
    case FD::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& s = rep ? r->GetRepeatedStringReference(m, f, i, &scratch) : r->GetStringReference(m, f, &scratch);
      if (f->type() == FD::TYPE_STRING) AppendJsonString(out, s);
      else if (IsHexIdField(f)) AppendHex(out, s);
      else AppendBase64(out, s);
      break;
    }
    case FD::CPPTYPE_MESSAGE: WriteMessage(out, rep ? r->GetRepeatedMessage(m, f, i) : r->GetMessage(m, f)); break;
  }
}

void WriteMessage(std::string& out, const pb::Message& m) {
  const pb::Reflection* r = m.GetReflection();
  std::vector<const FD*> fields;
  r->ListFields(m, &fields);
  out.push_back('{');
  bool first = true;
  for (const FD* f : fields) {
    if (!first) out.push_back(',');
    first = false;
    AppendJsonString(out, f->json_name());
    out.push_back(':');
    if (f->is_repeated()) {
      out.push_back('[');
      const int n = r->FieldSize(m, f);
      for (int i = 0; i < n; ++i) {
        if (i) out.push_back(',');
        WriteValue(out, m, f, i);
      }
      out.push_back(']');
    } else {
      WriteValue(out, m, f, 0);
    }
  }
  out.push_back('}');
}

}  // namespace

const char* SignalName(Signal s) {
  switch (s) {
    case Signal::kLogs: return "logs";
    case Signal::kMetrics: return "metrics";
    case Signal::kTraces: return "traces";
  }
  return "?";
}

std::string_view SignalPath(Signal s) {
  switch (s) {
    case Signal::kLogs: return "/v1/logs";
    case Signal::kMetrics: return "/v1/metrics";
    case Signal::kTraces: return "/v1/traces";
  }
  return "";
}

std::string_view ContentType(WireFormat f) {
  return f == WireFormat::kJson ? "application/json" : "application/x-protobuf";
}

pb::Message* NewRequest(Signal s, pb::Arena* arena) {
  switch (s) {
    case Signal::kLogs: return pb::Arena::CreateMessage<collector::logs::v1::ExportLogsServiceRequest>(arena);
    case Signal::kMetrics: return pb::Arena::CreateMessage<collector::metrics::v1::ExportMetricsServiceRequest>(arena);
    case Signal::kTraces: return pb::Arena::CreateMessage<collector::trace::v1::ExportTraceServiceRequest>(arena);
  }
  return nullptr;
}

std::unique_ptr<pb::Arena> NewArena() {
  pb::ArenaOptions o;
  o.start_block_size = 64 * 1024;
  o.max_block_size = 1024 * 1024;
  return std::make_unique<pb::Arena>(o);
}

DecodeResult Decode(Signal s, WireFormat f, std::string_view body, const CodecLimits& limits) noexcept {
  // libprotobuf logs parse problems (field names, never values) on stderr;
  // the caller reports a failed decode itself, once.
  static std::once_flag quiet;
  std::call_once(quiet, [] { pb::SetLogHandler([](pb::LogLevel, const char*, int, const std::string&) {}); });
  DecodeResult out;
  try {
    out.arena = NewArena();
    out.message = NewRequest(s, out.arena.get());
    if (f == WireFormat::kProtobuf) {
      pb::io::CodedInputStream in(reinterpret_cast<const std::uint8_t*>(body.data()), static_cast<int>(body.size()));
      in.SetRecursionLimit(static_cast<int>(limits.max_depth));
      if (!out.message->ParseFromCodedStream(&in) || !in.ConsumedEntireMessage()) {
        out.error = "protobuf body does not parse (truncated, wrong field types, invalid UTF-8 or nested too deeply)";
        return out;
      }
      if (!CheckBounds(*out.message, limits, 0, &out.error)) return out;
    } else {
      Limits jl;
      jl.max_line_bytes = body.size() + 1;
      jl.max_depth = limits.max_depth;
      jl.max_string_bytes = limits.max_string_bytes;
      jl.max_object_members = limits.max_members;
      jl.max_array_items = limits.max_items;
      ParsedJson parsed = ParseBounded(body, jl);
      if (!parsed.ok) {
        out.error = "JSON body: " + parsed.error.message;
        return out;
      }
      JsonReader reader(limits);
      if (!reader.Read(parsed.value, out.message, 0)) {
        out.error = "JSON body: " + reader.error();
        return out;
      }
    }
    out.ok = true;
  } catch (const std::exception&) {
    out.ok = false;
    out.error = "body could not be read (out of memory)";
  }
  if (!out.ok) {
    out.message = nullptr;
    out.arena.reset();
  }
  return out;
}

std::string Encode(const pb::Message& m, WireFormat f) {
  if (f == WireFormat::kProtobuf) return m.SerializeAsString();
  std::string out;
  out.reserve(m.ByteSizeLong() * 2 + 64);
  WriteMessage(out, m);
  return out;
}

std::string EncodeResponse(Signal s, WireFormat f, std::int64_t rejected, std::string_view message) {
  std::unique_ptr<pb::Message> resp;
  switch (s) {
    case Signal::kLogs: {
      auto r = std::make_unique<collector::logs::v1::ExportLogsServiceResponse>();
      if (rejected > 0 || !message.empty()) {
        r->mutable_partial_success()->set_rejected_log_records(rejected);
        r->mutable_partial_success()->set_error_message(std::string(message));
      }
      resp = std::move(r);
      break;
    }
    case Signal::kMetrics: {
      auto r = std::make_unique<collector::metrics::v1::ExportMetricsServiceResponse>();
      if (rejected > 0 || !message.empty()) {
        r->mutable_partial_success()->set_rejected_data_points(rejected);
        r->mutable_partial_success()->set_error_message(std::string(message));
      }
      resp = std::move(r);
      break;
    }
    case Signal::kTraces: {
      auto r = std::make_unique<collector::trace::v1::ExportTraceServiceResponse>();
      if (rejected > 0 || !message.empty()) {
        r->mutable_partial_success()->set_rejected_spans(rejected);
        r->mutable_partial_success()->set_error_message(std::string(message));
      }
      resp = std::move(r);
      break;
    }
  }
  return Encode(*resp, f);
}

}  // namespace telguard::gateway
