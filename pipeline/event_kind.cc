#include "pipeline/event_kind.h"

namespace telguard {

std::string_view KindName(EventKind k) {
  switch (k) {
    case EventKind::kCommand: return "command";
    case EventKind::kTool: return "tool";
    case EventKind::kToken: return "token";
    case EventKind::kSessionStart: return "session_start";
    case EventKind::kSessionEnd: return "session_end";
  }
  return "";
}

std::optional<EventKind> KindFromName(std::string_view name) {
  for (EventKind k : kAllEventKinds) {
    if (KindName(k) == name) return k;
  }
  return std::nullopt;
}

std::string_view WireEventName(EventKind k) {
  switch (k) {
    case EventKind::kSessionStart:
    case EventKind::kSessionEnd: return "session";
    default: return KindName(k);
  }
}

}  // namespace telguard
