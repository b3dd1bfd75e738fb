// The body encoding, separate from transport. The pipeline produces the
// reference wire format ({"records":[{...}]}, one event per request); an
// Encoding turns that into what an endpoint expects. Only the reference
// encoding exists today; an OpenTelemetry-logs encoding would be another
// implementation of this interface.
#ifndef TELGUARD_SENDER_ENCODING_H_
#define TELGUARD_SENDER_ENCODING_H_

#include <string>
#include <string_view>

namespace telguard::sender {

class Encoding {
 public:
  virtual ~Encoding() = default;
  virtual std::string_view content_type() const = 0;
  // `reference_body` is the pipeline's output; returns the bytes to send.
  virtual std::string Encode(std::string_view reference_body) const = 0;
};

// The reference {"records":[...]} body as it is.
class ReferenceEncoding final : public Encoding {
 public:
  std::string_view content_type() const override { return "application/json"; }
  std::string Encode(std::string_view reference_body) const override { return std::string(reference_body); }
};

}  // namespace telguard::sender

#endif  // TELGUARD_SENDER_ENCODING_H_
