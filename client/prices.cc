#include "client/prices.h"

#include <nlohmann/json.hpp>

#include "schemas/embedded.h"

namespace telguard {

std::unique_ptr<PriceTable> PriceTable::Parse(std::string_view json_text, std::string* error) {
  auto t = std::make_unique<PriceTable>();
  const auto doc = nlohmann::json::parse(json_text, nullptr, false);
  if (!doc.is_object()) {
    *error = "price list is not a JSON object";
    return nullptr;
  }
  for (const auto& item : doc.items()) {
    // Named references, not a structured binding: clang 14 cannot capture
    // a binding in the lambda below.
    const std::string& model = item.key();
    const nlohmann::json& v = item.value();
    if (!v.is_object()) continue;  // "_comment", sample_spec and the like
    auto num = [&](const char* key) {
      const auto it = v.find(key);
      return it != v.end() && it->is_number() && it->get<double>() >= 0 ? it->get<double>() : 0.0;
    };
    ModelPrice p{num("input_cost_per_token"), num("output_cost_per_token"), num("cache_read_input_token_cost"),
                 num("cache_creation_input_token_cost")};
    if (p.input == 0 && p.output == 0) continue;
    t->prices_[model] = p;
  }
  if (t->prices_.empty()) {
    *error = "price list names no model with input/output prices";
    return nullptr;
  }
  return t;
}

std::unique_ptr<PriceTable> PriceTable::Embedded() {
  std::string error;
  return Parse(FindEmbedded("schemas/prices.json"), &error);
}

const ModelPrice* PriceTable::Find(std::string_view model) const {
  if (auto it = prices_.find(model); it != prices_.end()) return &it->second;
  if (auto slash = model.rfind('/'); slash != std::string_view::npos) {
    if (auto it = prices_.find(model.substr(slash + 1)); it != prices_.end()) return &it->second;
    model = model.substr(slash + 1);
  }
  const ModelPrice* best = nullptr;
  std::size_t best_len = 0;
  for (const auto& [name, p] : prices_) {
    if (name.size() > best_len && model.substr(0, name.size()) == name) {
      best = &p;
      best_len = name.size();
    }
  }
  return best;
}

std::optional<double> PriceTable::Cost(std::string_view model, std::int64_t input, std::int64_t output,
                                       std::int64_t cache_read, std::int64_t cache_write) const {
  const ModelPrice* p = Find(model);
  if (p == nullptr) return std::nullopt;
  return static_cast<double>(input) * p->input + static_cast<double>(output) * p->output +
         static_cast<double>(cache_read) * p->cache_read + static_cast<double>(cache_write) * p->cache_write;
}

}  // namespace telguard
