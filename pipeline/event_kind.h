// The five event shapes of the reference wire format.
#ifndef TELGUARD_PIPELINE_EVENT_KIND_H_
#define TELGUARD_PIPELINE_EVENT_KIND_H_

#include <array>
#include <optional>
#include <string_view>

namespace telguard {

enum class EventKind { kCommand, kTool, kToken, kSessionStart, kSessionEnd };

inline constexpr std::array<EventKind, 5> kAllEventKinds = {
    EventKind::kCommand, EventKind::kTool, EventKind::kToken, EventKind::kSessionStart,
    EventKind::kSessionEnd};

// "command", "tool", "token", "session_start", "session_end": the schema file
// stem and the allow-list key.
std::string_view KindName(EventKind k);
std::optional<EventKind> KindFromName(std::string_view name);
// The envelope's "event" value on the wire ("session" for both session kinds).
std::string_view WireEventName(EventKind k);

}  // namespace telguard

#endif  // TELGUARD_PIPELINE_EVENT_KIND_H_
