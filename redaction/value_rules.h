// Rules over a value's structure rather than a text pattern, and the one
// catalogue of every rule id an audit record can name.
//
//  - CardLikeInteger: a JSON integer of 12..19 digits that passes the payment
//    card check is a card number written as a number (audit: "payment-card").
//  - RemoveQuotedSpans: scrub mode's rule for quoted spans in free text (they
//    usually echo input): each becomes "[REDACTED:quoted-text]".
//  - BoundText: the length bound of a free-text field, applied after every
//    other rule so a cut never leaves half a secret unrecognised.
//
// RuleCatalogue() lists the pattern rules (DefaultRules(), rule.h) followed by
// the policy rules below (free-text modes, pseudonyms, bounds); `telguard
// rules` prints it and every audit redaction's rule id is one of its ids.
//
// Thread-safety: pure functions over immutable data. Cost: linear in the text.
#ifndef TELGUARD_REDACTION_VALUE_RULES_H_
#define TELGUARD_REDACTION_VALUE_RULES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace telguard::redaction {

// Rule ids of the policy rules (static storage: safe in RuleHit::rule_id).
inline constexpr std::string_view kRulePaymentCard = "payment-card";
inline constexpr std::string_view kRuleQuotedText = "quoted-text";
inline constexpr std::string_view kRuleTruncated = "truncated";
inline constexpr std::string_view kRuleTemplate = "free-text-template";
inline constexpr std::string_view kRuleClass = "free-text-class";
inline constexpr std::string_view kRulePseudonym = "pseudonym";

struct CatalogueEntry {
  std::string_view id;
  std::string_view cls;          // "credential", a PII kind, or "policy"
  std::string_view description;  // one line for reviewers
};

// Every rule, pattern rules first. Built once; thread-safe.
const std::vector<CatalogueEntry>& RuleCatalogue();
bool IsCataloguedRule(std::string_view id);

// True when the integer, written in decimal, is a payment card number.
bool CardLikeInteger(std::uint64_t v);

// Replaces each quoted span ('..', "..", `..`, typographic quotes; the opener
// at the start or after a space or one of "([{=:,", so "can't" stays) with
// "[REDACTED:quoted-text]". Returns how many it replaced.
std::size_t RemoveQuotedSpans(std::string* text);

// Cuts `text` to at most max_bytes (whole UTF-8 sequences; at a space when
// `at_space`) and appends `mark`. Returns whether it cut.
bool BoundText(std::string* text, std::size_t max_bytes, std::string_view mark, bool at_space);

}  // namespace telguard::redaction

#endif  // TELGUARD_REDACTION_VALUE_RULES_H_
