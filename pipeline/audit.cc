#include "pipeline/audit.h"

#include <nlohmann/json.hpp>

namespace telguard {

const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kSent: return "sent";
    case Verdict::kRejected: return "rejected";
    case Verdict::kDropped: return "dropped";
  }
  return "dropped";
}

std::string AuditRecord::ToJsonLine() const {
  nlohmann::ordered_json j;
  j["line"] = line;
  if (record >= 0) j["record"] = record;
  j["event"] = event.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(event);
  j["verdict"] = VerdictName(verdict);
  auto& r = j["reasons"] = nlohmann::ordered_json::array();
  for (const auto& x : reasons) r.push_back({{"pointer", x.pointer}, {"keyword", x.keyword}});
  j["stripped"] = stripped;
  auto& red = j["redactions"] = nlohmann::ordered_json::array();
  for (const auto& x : redactions) {
    red.push_back({{"rule", x.rule}, {"pointer", x.pointer}, {"count", x.count}});
  }
  if (!delivery.empty()) j["delivery"] = delivery;
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace telguard
