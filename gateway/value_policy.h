// One attribute value against its profile class (profile.h): what may leave
// in its place, or nothing. The output is built from the checked value, never
// copied wholesale, so a value that fails its class cannot slip through.
//
//   ValuePolicy policy(redaction::Scrubber::Default());
//   AnyValue out;
//   ValueOutcome r = policy.Apply(spec, in, "api_error", &out);
//   if (r.kept) ... else audit r.reason
//
// Free text goes through the free-text policy (redaction/free_text.h: class,
// template -- the default -- or scrub) and is cut to max_length.
// Pseudonyms need a keyed pseudonymiser; until one is configured the value
// is dropped (never sent in clear).
//
// Thread-safety: const after construction; Apply may run on many threads.
// Cost: a class check; free text adds one Scrub().
#ifndef TELGUARD_GATEWAY_VALUE_POLICY_H_
#define TELGUARD_GATEWAY_VALUE_POLICY_H_

#include <string>
#include <string_view>
#include <vector>

#include "gateway/profile.h"
#include "opentelemetry/proto/common/v1/common.pb.h"
#include "redaction/free_text.h"
#include "redaction/scrubber.h"

namespace telguard::gateway {

using opentelemetry::proto::common::v1::AnyValue;

struct ValueOutcome {
  bool kept = false;
  const char* reason = "";                   // when !kept: "content", "class", "pseudonym", "scrub-failed", ...
  std::vector<redaction::RuleHit> redactions;  // rules that changed free text
};

class ValuePolicy {
 public:
  // `free_text` ("" = each attribute's own) overrides every free-text policy.
  explicit ValuePolicy(const redaction::Scrubber& scrubber, std::string free_text = "",
                       const redaction::FreeTextPolicy& free_text_policy = redaction::FreeTextPolicy::Default())
      : scrubber_(scrubber), free_text_policy_(free_text_policy), free_text_(std::move(free_text)) {}

  // `event` is the record's canonical name (a profile name, safe to show).
  ValueOutcome Apply(const AttrSpec& spec, const AnyValue& in, std::string_view event, AnyValue* out) const;

  // Free text under `spec`; false when nothing may leave.
  bool FreeText(const AttrSpec& spec, std::string_view text, std::string_view event, std::string* out,
                ValueOutcome* outcome) const;

 private:
  bool Json(const AttrSpec& spec, const std::string& text, std::string_view event, std::string* out,
            ValueOutcome* outcome) const;
  const redaction::Scrubber& scrubber_;
  const redaction::FreeTextPolicy& free_text_policy_;
  std::string free_text_;
};

// Shapes shared with the allow-list's classes.
bool IsIdentifier(std::string_view s, std::size_t max_length);
bool IsOpaqueId(std::string_view s);
bool IsLowerUuid(std::string_view s);

}  // namespace telguard::gateway

#endif  // TELGUARD_GATEWAY_VALUE_POLICY_H_
