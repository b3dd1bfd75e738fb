// The privacy stage for OTLP: turns a decoded Export*ServiceRequest into the
// request that may leave, following the agent profiles (profile.h).
//
//   FilterResult r = FilterRequest(Signal::kLogs, *decoded, options, request_no);
//   // r.request holds only what the profiles allow; r.audit one record per
//   // log record / metric / span, value-free.
//
// Fail closed by construction: the output is built field by field from what
// a profile names; nothing is copied wholesale. A record whose event, metric
// or span name its profile does not declare is dropped and audited; an
// attribute the profile does not name (or whose value fails its class) is
// dropped and audited ("*" stands for names the profile does not declare:
// a key can carry data too). Resource attributes other than the profile's
// are dropped; scope attributes, exemplars, links, trace_state and metric
// descriptions never leave.
//
// Every attribute value passes ValuePolicy::Apply and then its output gate
// (ValuePolicy::Gate: identifiers conform to their names spec, identity is a
// keyed pseudonym), audited "output-gate:name" when it fails. Scope names
// and versions leave only when they are strict names (NamePolicy::IsStrictName)
// or versions (NamePolicy::IsSemver).
//
// Per app: FilterOptions::app, when set, gives each profile its values
// policy (the app's pseudonym key) and whether the app's consent lets it be
// forwarded; a group (resource + scope) whose app may not forward is left
// out of the request, counted in items_withheld and audited with delivery
// "consent-off".
//
// Thread-safety: FilterRequest is a pure function of its inputs (and of
// what `app` returns).
// Cost: one pass over the request; one Scrub() per free-text value; one
// HMAC per pseudonymised value.
#ifndef TELGUARD_GATEWAY_OTLP_FILTER_H_
#define TELGUARD_GATEWAY_OTLP_FILTER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <google/protobuf/message.h>

#include "gateway/otlp_codec.h"
#include "gateway/profile.h"
#include "gateway/value_policy.h"
#include "pipeline/audit.h"

namespace telguard::gateway {

// What one profile's app may do: its values policy and its consent.
struct AppPolicy {
  const ValuePolicy* values = nullptr;
  bool forward = true;
};

struct FilterOptions {
  const ProfileSet* profiles = nullptr;  // required
  const Profile* forced = nullptr;       // --profile: used for every record
  const ValuePolicy* values = nullptr;   // required unless `app` is set
  // Per profile (null: `values` for every profile, always forwarded).
  std::function<AppPolicy(const Profile&)> app;
};

struct FilterResult {
  std::unique_ptr<google::protobuf::Arena> arena;  // owns `request`
  google::protobuf::Message* request = nullptr;     // what may leave
  std::int64_t items_in = 0;        // log records, data points or spans
  std::int64_t items_kept = 0;
  std::int64_t items_rejected = 0;  // whole records dropped (unknown names)
  std::int64_t items_withheld = 0;  // kept, but their app's consent is off
  std::vector<AuditRecord> audit;   // one per log record, metric or span
};

FilterResult FilterRequest(Signal s, const google::protobuf::Message& in, const FilterOptions& options,
                           std::uint64_t request_no);

}  // namespace telguard::gateway

#endif  // TELGUARD_GATEWAY_OTLP_FILTER_H_
