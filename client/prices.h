// Estimated cost of model calls from a per-model price list in the public
// format (LiteLLM's model_prices_and_context_window.json: USD per token for
// input, output, cache read and cache write). The embedded default is
// schemas/prices.json; a file in the same format replaces it.
//
// Model lookup: exact name, then without a "provider/" prefix, then the
// longest listed name the model starts with ("claude-3-5-sonnet-20241022"
// -> "claude-3-5-sonnet").
// Thread-safety: immutable after Load().
#ifndef TELGUARD_CLIENT_PRICES_H_
#define TELGUARD_CLIENT_PRICES_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace telguard {

struct ModelPrice {
  double input = 0, output = 0, cache_read = 0, cache_write = 0;  // USD per token
};

class PriceTable {
 public:
  // From JSON text; null and *error when malformed.
  static std::unique_ptr<PriceTable> Parse(std::string_view json_text, std::string* error);
  // The embedded table.
  static std::unique_ptr<PriceTable> Embedded();

  const ModelPrice* Find(std::string_view model) const;
  std::optional<double> Cost(std::string_view model, std::int64_t input, std::int64_t output,
                             std::int64_t cache_read = 0, std::int64_t cache_write = 0) const;
  std::size_t size() const { return prices_.size(); }

 private:
  std::map<std::string, ModelPrice, std::less<>> prices_;
};

}  // namespace telguard

#endif  // TELGUARD_CLIENT_PRICES_H_
