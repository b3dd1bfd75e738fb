#include "redaction/value_rules.h"

#include <re2/re2.h>

#include "redaction/rule.h"
#include "redaction/text_codec.h"
#include "redaction/validators.h"

namespace telguard::redaction {
namespace {

// The policy rules: what the pipeline does to a value by its field's
// declaration rather than by a pattern. "payment-card" is a pattern rule
// (rule.h) that CardLikeInteger also reports.
constexpr CatalogueEntry kPolicyRules[] = {
    {kRuleQuotedText, "policy", "Scrub mode: a quoted span in free text (it usually echoes input) is removed"},
    {kRuleTruncated, "policy", "Free text cut at its field's max_length, after every other rule"},
    {kRuleTemplate, "policy",
     "Template mode: tokens outside schemas/vocabulary.json became typed placeholders (count: how many)"},
    {kRuleClass, "policy", "Class mode: the text became one id of schemas/error_classes.json"},
    {kRulePseudonym, "policy",
     "A name outside its vocabulary and shape, or an id, became a keyed pseudonym (HMAC-SHA-256)"},
    {"scrub-failed", "policy", "A value or line the scrubber could not read (fail closed): replaced or dropped"},
};

std::size_t CountDigits(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

const RE2& QuotedSpanRe() {
  static const RE2 re(
      R"((^|[\s(\[{=:,])(?:'[^'\n]+'|"[^"\n]+"|`[^`\n]+`|“[^”\n]+”|‘[^’\n]+’))");
  return re;
}

}  // namespace

const std::vector<CatalogueEntry>& RuleCatalogue() {
  static const std::vector<CatalogueEntry> all = [] {
    std::vector<CatalogueEntry> v;
    for (const Rule& r : DefaultRules()) v.push_back({r.id, r.cls, r.description});
    for (const auto& p : kPolicyRules) v.push_back(p);
    return v;
  }();
  return all;
}

bool IsCataloguedRule(std::string_view id) {
  for (const auto& e : RuleCatalogue()) {
    if (e.id == id) return true;
  }
  return false;
}

bool CardLikeInteger(std::uint64_t v) {
  const std::size_t digits = CountDigits(v);
  return digits >= 12 && digits <= 19 && IsPaymentCard(std::to_string(v));
}

std::size_t RemoveQuotedSpans(std::string* text) {
  const int n = RE2::GlobalReplace(text, QuotedSpanRe(), R"(\1[REDACTED:quoted-text])");
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

bool BoundText(std::string* text, std::size_t max_bytes, std::string_view mark, bool at_space) {
  if (text->size() <= max_bytes) return false;
  std::size_t cut = TruncateUtf8(*text, max_bytes).size();
  if (at_space) {
    const std::size_t space = text->rfind(' ', cut);
    cut = space == std::string::npos ? 0 : space;
  }
  text->resize(cut);
  text->append(mark);
  return true;
}

}  // namespace telguard::redaction
