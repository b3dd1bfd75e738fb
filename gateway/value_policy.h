// One attribute value against its profile class (profile.h): what may leave
// in its place, or nothing. The output is built from the checked value, never
// copied wholesale, so a value that fails its class cannot slip through.
//
//   redaction::Pseudonymizer keyed(key);     // the app's key (client/local_files.h)
//   ValuePolicy policy(redaction::Scrubber::Default(), keyed);
//   AnyValue out;
//   ValueOutcome r = policy.Apply(spec, in, "api_error", &out);
//   if (r.kept && policy.Gate(spec, out)) ... else audit r.reason / "output-gate:name"
//
// Numbers (count, number, duration, timestamp) leave as the parsed number
// (a string re-written from it); a card-shaped whole number does not leave
// (audited "payment-card", redaction::CardLikeInteger).
// Free text goes through the free-text policy (redaction/free_text.h: class,
// template -- the default -- or scrub) and is cut to max_length.
// Identifiers go through the one names policy (redaction/names.h: the
// profile's "values", vocabulary and shape, else a keyed pseudonym of the
// attribute's domain); pseudonym-class values (identity) always leave as a
// keyed pseudonym (Pseudonymizer::Id: a UUID stays UUID-shaped), never in
// clear; a number is pseudonymised as its decimal text. Either adds the
// rule "pseudonym" to the outcome's redactions.
// Gate() is the output gate, independent of Apply: an identifier must
// conform to its names spec (or "values"), a pseudonym-class value must be a
// pseudonym of its domain, so a bug in Apply cannot let a clear value out.
//
// Thread-safety: const after construction; Apply may run on many threads.
// Cost: a class check; names add a hash look-up or one HMAC; free text adds
// one Scrub().
#ifndef TELGUARD_GATEWAY_VALUE_POLICY_H_
#define TELGUARD_GATEWAY_VALUE_POLICY_H_

#include <string>
#include <string_view>
#include <vector>

#include "gateway/profile.h"
#include "opentelemetry/proto/common/v1/common.pb.h"
#include "redaction/free_text.h"
#include "redaction/names.h"
#include "redaction/pseudonym.h"
#include "redaction/scrubber.h"

namespace telguard::gateway {

using opentelemetry::proto::common::v1::AnyValue;

struct ValueOutcome {
  bool kept = false;
  const char* reason = "";                   // when !kept: "content", "class", "policy", "scrub-failed", ...
  std::vector<redaction::RuleHit> redactions;  // rules that changed free text
};

class ValuePolicy {
 public:
  // `free_text` ("" = each attribute's own) overrides every free-text policy.
  // `pseudonyms` (the app's key) and `names` must outlive the policy.
  ValuePolicy(const redaction::Scrubber& scrubber, const redaction::Pseudonymizer& pseudonyms,
              std::string free_text = "",
              const redaction::FreeTextPolicy& free_text_policy = redaction::FreeTextPolicy::Default(),
              const redaction::NamePolicy& names = redaction::NamePolicy::Default())
      : scrubber_(scrubber), pseudonyms_(pseudonyms), names_(names), free_text_policy_(free_text_policy),
        free_text_(std::move(free_text)) {}

  // `event` is the record's canonical name (a profile name, safe to show).
  ValueOutcome Apply(const AttrSpec& spec, const AnyValue& in, std::string_view event, AnyValue* out) const;

  // The output gate for what Apply wrote: false when an identifier or a
  // pseudonym-class value is not of its declared form (drop it).
  bool Gate(const AttrSpec& spec, const AnyValue& out) const;

  // Free text under `spec`; false when nothing may leave.
  bool FreeText(const AttrSpec& spec, std::string_view text, std::string_view event, std::string* out,
                ValueOutcome* outcome) const;

 private:
  bool Json(const AttrSpec& spec, const std::string& text, std::string_view event, std::string* out,
            ValueOutcome* outcome) const;
  bool Identifier(const AttrSpec& spec, const std::string& s, AnyValue* out, ValueOutcome* outcome) const;
  bool Pseudonym(const AttrSpec& spec, const AnyValue& in, AnyValue* out, ValueOutcome* outcome) const;
  static bool Number(const AttrSpec& spec, const AnyValue& in, AnyValue* out, ValueOutcome* outcome);
  const redaction::Scrubber& scrubber_;
  const redaction::Pseudonymizer& pseudonyms_;
  const redaction::NamePolicy& names_;
  const redaction::FreeTextPolicy& free_text_policy_;
  std::string free_text_;
};

// The `id` class's shape: [A-Za-z0-9_-]{1,64}.
bool IsOpaqueId(std::string_view s);

}  // namespace telguard::gateway

#endif  // TELGUARD_GATEWAY_VALUE_POLICY_H_
