#include "cli/summary.h"

namespace telguard::cli {

std::string Summary::Json() const {
  return j_.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void Summary::Print(std::FILE* out) const {
  const std::string line = Json() + "\n";
  std::fwrite(line.data(), 1, line.size(), out);
  std::fflush(out);
}

void AddRunStats(Summary* s, const RunStats& stats) {
  s->Set("events", static_cast<std::uint64_t>(stats.sent + stats.rejected + stats.dropped));
  s->Set("sent", static_cast<std::uint64_t>(stats.sent));
  s->Set("rejected", static_cast<std::uint64_t>(stats.rejected));
  s->Set("dropped", static_cast<std::uint64_t>(stats.dropped));
  s->Set("removed_fields", stats.stripped);
  s->Set("redactions", stats.redactions);
}

}  // namespace telguard::cli
