// OTLP request and response bodies: bytes <-> protobuf messages, for the
// three signals, in both OTLP/HTTP encodings.
//
//   DecodeResult d = Decode(Signal::kLogs, WireFormat::kJson, body, {});
//   if (!d.ok) return Status400(d.error);          // value-free message
//   std::string out = Encode(*d.message, WireFormat::kJson);
//
// Protobuf: libprotobuf over the .proto files in gateway/proto (written from
// the OTLP specification). JSON: the OTLP/JSON mapping -- lowerCamelCase
// field names (the original snake_case names are accepted too), 64-bit
// integers written as decimal strings (numbers accepted), trace and span ids
// as hex (not base64), enums written as integers (names accepted), unknown
// fields ignored.
//
// Bounds (CodecLimits), checked while reading: JSON through ParseBounded
// (depth, string bytes, members, items), protobuf through the recursion
// limit and a walk over the parsed message (items per list, string bytes,
// AnyValue nesting). A body past a bound is rejected whole, with a message
// that names the bound and never quotes the input.
//
// Thread-safety: stateless; call from any thread. Cost: one parse plus one
// reflection walk; encoding is one pass.
#ifndef TELGUARD_GATEWAY_OTLP_CODEC_H_
#define TELGUARD_GATEWAY_OTLP_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <google/protobuf/arena.h>
#include <google/protobuf/message.h>

namespace telguard::gateway {

enum class Signal { kLogs, kMetrics, kTraces };
enum class WireFormat { kProtobuf, kJson };

const char* SignalName(Signal s);             // "logs", "metrics", "traces"
std::string_view SignalPath(Signal s);        // "/v1/logs", ...
std::string_view ContentType(WireFormat f);   // "application/x-protobuf", "application/json"

struct CodecLimits {
  std::size_t max_depth = 64;                 // JSON nesting / protobuf message nesting
  std::size_t max_value_depth = 8;            // AnyValue inside kvlist/array inside AnyValue ...
  std::size_t max_string_bytes = 256 * 1024;  // any one string or bytes field
  std::size_t max_items = 16384;              // any one list (records, attributes, values)
  std::size_t max_members = 64;               // members of one JSON object
};

struct DecodeResult {
  bool ok = false;
  // The Export*ServiceRequest lives on `arena` (one allocation block per
  // request instead of one per field); null when !ok.
  std::unique_ptr<google::protobuf::Arena> arena;
  google::protobuf::Message* message = nullptr;
  std::string error;  // when !ok: one line, names the bound or the field, never a value
};

// A new, empty Export{Logs,Metrics,Trace}ServiceRequest on `arena`.
google::protobuf::Message* NewRequest(Signal s, google::protobuf::Arena* arena);
// An arena sized for a typical request.
std::unique_ptr<google::protobuf::Arena> NewArena();

DecodeResult Decode(Signal s, WireFormat f, std::string_view body, const CodecLimits& limits) noexcept;

// Serialises a message of any OTLP type in `f`.
std::string Encode(const google::protobuf::Message& m, WireFormat f);

// The Export*ServiceResponse body: empty partial_success when rejected == 0.
std::string EncodeResponse(Signal s, WireFormat f, std::int64_t rejected, std::string_view message);

}  // namespace telguard::gateway

#endif  // TELGUARD_GATEWAY_OTLP_CODEC_H_
