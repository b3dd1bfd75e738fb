// Agent profiles: data (schemas/profiles/*.json) that say, for one agent,
// which log events, metrics and spans may leave, which of their attributes,
// each with a class, and which resource attributes survive. Adding an agent
// is adding a profile file; no C++ changes.
//
// Classes (how a value is checked; anything that fails its class is dropped):
//   enum        one of "values"
//   boolean     true/false (also the strings "true"/"false")
//   count       a whole number 0..1e12 (an int, or a string of digits)
//   number      a finite number (cost), duration: a number >= 0 (ms or s)
//   timestamp   a number, or an ISO-8601 date-time
//   identifier  a name chosen by the tool's authors (model, tool, version),
//               through the one names policy (redaction/names.h): it leaves
//               as written when it is one of "values", in the "vocabulary"
//               (a names.json list or "models" from prices.json) or of the
//               "shape" (name -- the default --, semver, or none; none is
//               the default when "values" are given) and no scrubber rule
//               could match it; otherwise as the keyed pseudonym
//               "<pseudonym>-<8 hex>"
//   id, uuid    opaque random ids: [A-Za-z0-9_-]{1,64} / a lowercase UUID
//   pseudonym   identity (user.email, account ids, session ids): never in
//               clear; always the keyed pseudonym "<pseudonym>-<16 hex>"
//               (a UUID-shaped value becomes a UUID)
// "pseudonym" (identifier and pseudonym classes) is the pseudonym's prefix
// and HMAC domain; by default the attribute's name, lower-cased, with every
// other character than [a-z0-9] as '_' (user.email -> user_email). Two
// attributes that name the same thing (session.id, session_id) share one.
//   free_text   text the tool wrote (errors, bodies): "policy" class,
//               template (default) or scrub (redaction/free_text.h), then
//               cut to max_length
//   content     prompts, responses, tool input/output, bodies: always dropped
//   json        a JSON object inside a string: only the "keys" named (each
//               with its own class) are kept; otherwise it is content
//
// Selection: a request's resource is matched by service.name, else each
// scope by its name, else the "generic" profile (strict: almost nothing).
//
// Thread-safety: immutable after Load(); share freely. Cost: map look-ups.
#ifndef TELGUARD_GATEWAY_PROFILE_H_
#define TELGUARD_GATEWAY_PROFILE_H_

#include <cstddef>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "redaction/names.h"

namespace telguard::gateway {

enum class AttrClass {
  kEnum, kBoolean, kCount, kNumber, kDuration, kTimestamp,
  kIdentifier, kId, kUuid, kPseudonym, kFreeText, kContent, kJson,
};

const char* AttrClassName(AttrClass c);

struct AttrSpec {
  AttrClass cls = AttrClass::kContent;
  std::vector<std::string> values;            // enum; identifier: names that leave as written
  std::size_t max_length = 128;               // free text (bytes)
  std::string policy = "template";            // free text: class | template | scrub
  std::map<std::string, AttrSpec, std::less<>> keys;  // json: keys that may leave
  redaction::NameSpec names;                  // identifier, pseudonym: vocabulary, shape, pseudonym domain
  std::string purpose;
};

using AttrMap = std::map<std::string, AttrSpec, std::less<>>;

struct RecordSpec {
  AttrMap attributes;
  std::string purpose;
};

using RecordMap = std::map<std::string, RecordSpec, std::less<>>;

struct Profile {
  std::string name;
  std::string description;
  std::string written_for;                 // which version/docs it was built from
  std::vector<std::string> service_names;  // resource service.name values it serves
  std::vector<std::string> scope_names;    // instrumentation scope names it serves
  AttrMap resource;                        // resource attributes that survive
  AttrMap common;                          // attributes allowed on every record
  // Logs: the event name is LogRecord.event_name, else the attribute
  // "event.name", else (body_is_event_name) the body; a short name is also
  // tried with event_prefix in front.
  std::string event_prefix;
  bool body_is_event_name = false;
  AttrSpec body;                           // the log body (free text by default)
  RecordMap events;
  RecordMap metrics;
  RecordMap spans;
  RecordMap span_events;
  AttrSpec status_message;                 // span status message (free text)

  // The event spec for a log record's name, or null.
  const RecordSpec* FindEvent(std::string_view event, std::string* canonical) const;
  // Every name this profile declares (audit records may show these).
  bool Declares(std::string_view key) const { return declared.find(key) != declared.end(); }
  std::set<std::string, std::less<>> declared;  // filled by ProfileSet::Load
};

class ProfileSet {
 public:
  // The embedded schemas/profiles/*.json. Null and *error when one is malformed.
  static std::unique_ptr<ProfileSet> LoadEmbedded(std::string* error);
  // From (file name, JSON text) pairs; the error names the file and the key.
  static std::unique_ptr<ProfileSet> Load(const std::vector<std::pair<std::string, std::string>>& files,
                                          std::string* error);

  const Profile* Find(std::string_view name) const;
  // By service.name, else scope name; null when neither matches.
  const Profile* Match(std::string_view service_name, std::string_view scope_name) const;
  const Profile& generic() const { return *generic_; }
  const std::vector<std::unique_ptr<Profile>>& all() const { return profiles_; }

  // What a profile lets out, as Markdown or JSON (telguard inventory --profile).
  static std::string InventoryMarkdown(const Profile& p);
  static nlohmann::json InventoryJson(const Profile& p);

 private:
  std::vector<std::unique_ptr<Profile>> profiles_;
  const Profile* generic_ = nullptr;
};

}  // namespace telguard::gateway

#endif  // TELGUARD_GATEWAY_PROFILE_H_
