#include "gateway/value_policy.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "pipeline/bounded_json.h"
#include "redaction/value_rules.h"

namespace telguard::gateway {
namespace {

using nlohmann::json;

bool IsAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

bool IsDigits(std::string_view s) {
  if (s.empty() || s.size() > 13) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool ParseNumber(std::string_view s, double* d) {
  if (s.empty() || s.size() > 32) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == 'e' || c == 'E' || c == '+')) return false;
  }
  std::string t(s);
  char* end = nullptr;
  *d = std::strtod(t.c_str(), &end);
  return end == t.c_str() + t.size() && std::isfinite(*d);
}

bool IsIsoTimestamp(std::string_view s) {
  if (s.size() < 10 || s.size() > 40) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || c == '-' || c == ':' || c == 'T' || c == 'Z' || c == '.' || c == '+')) return false;
  }
  return s[4] == '-' && s[7] == '-';
}

bool InValues(const AttrSpec& spec, std::string_view s) {
  for (const auto& v : spec.values) {
    if (v == s) return true;
  }
  return false;
}

// A number under count/number/duration/timestamp: the value and whether it
// came as a string.
bool Numeric(const AnyValue& in, double* d) {
  switch (in.value_case()) {
    case AnyValue::kIntValue: *d = static_cast<double>(in.int_value()); return true;
    case AnyValue::kDoubleValue: *d = in.double_value(); return std::isfinite(*d);
    case AnyValue::kStringValue: return ParseNumber(in.string_value(), d);
    default: return false;
  }
}

AnyValue FromJson(const json& v) {
  AnyValue a;
  if (v.is_string()) a.set_string_value(v.get<std::string>());
  else if (v.is_boolean()) a.set_bool_value(v.get<bool>());
  else if (v.is_number_integer()) a.set_int_value(v.get<std::int64_t>());
  else if (v.is_number()) a.set_double_value(v.get<double>());
  return a;
}

json ToJson(const AnyValue& a) {
  switch (a.value_case()) {
    case AnyValue::kStringValue: return a.string_value();
    case AnyValue::kBoolValue: return a.bool_value();
    case AnyValue::kIntValue: return a.int_value();
    case AnyValue::kDoubleValue: return a.double_value();
    default: return nullptr;
  }
}

// A whole number of 12..19 digits that passes the card check is a card
// number written as a number (the pipeline's rule for integers:
// redaction::CardLikeInteger), with a minus sign too. A digit string is
// checked as written, so leading zeros or more digits than a double holds
// hide nothing.
bool CardLike(const AnyValue& in, double d) {
  if (in.value_case() == AnyValue::kIntValue) {
    const std::int64_t v = in.int_value();
    const std::uint64_t magnitude = v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
    return redaction::CardLikeInteger(magnitude);
  }
  if (in.value_case() == AnyValue::kStringValue) {
    std::string_view digits = in.string_value();
    if (!digits.empty() && digits.front() == '-') digits.remove_prefix(1);
    while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
    if (!digits.empty() && digits.size() <= 19 && digits.find_first_not_of("0123456789") == std::string_view::npos) {
      std::uint64_t v = 0;
      std::from_chars(digits.data(), digits.data() + digits.size(), v);
      return redaction::CardLikeInteger(v);
    }
  }
  d = std::fabs(d);
  return d < 1e19 && d == std::floor(d) && redaction::CardLikeInteger(static_cast<std::uint64_t>(d));
}

// The parsed number as text: a whole number below 2^53 in digits, else the
// shortest form that reads back the same. Nothing of the input's spelling
// (leading zeros, digits past a double's precision) leaves.
std::string NumberText(double d) {
  char buf[40];
  if (d == std::floor(d) && std::fabs(d) < 9007199254740992.0) {
    std::snprintf(buf, sizeof buf, "%.0f", d);
  } else {
    for (int precision = 1; precision <= 17; ++precision) {
      std::snprintf(buf, sizeof buf, "%.*g", precision, d);
      if (std::strtod(buf, nullptr) == d) break;
    }
  }
  return buf;
}

}  // namespace

bool IsOpaqueId(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '_' && c != '-') return false;
  }
  return true;
}

// In "values" or fitting the names spec, and nothing a scrubber rule could
// match: as written; else the keyed pseudonym of the attribute's domain.
bool ValuePolicy::Identifier(const AttrSpec& spec, const std::string& s, AnyValue* out,
                             ValueOutcome* outcome) const {
  if (InValues(spec, s)) {
    out->set_string_value(s);
    return true;
  }
  bool pseudonymised = true;
  const bool suspicious = scrubber_.Check(s) != redaction::Scrubber::Precheck::kClean;
  out->set_string_value(names_.Apply(spec.names, s, pseudonyms_, suspicious, &pseudonymised));
  if (pseudonymised) outcome->redactions.push_back({redaction::kRulePseudonym, 1});
  return true;
}

// Identity: always the keyed pseudonym (a UUID stays UUID-shaped); a whole
// number is pseudonymised as its decimal text; nothing else is identity.
bool ValuePolicy::Pseudonym(const AttrSpec& spec, const AnyValue& in, AnyValue* out, ValueOutcome* outcome) const {
  std::string text;
  if (in.value_case() == AnyValue::kStringValue) text = in.string_value();
  else if (in.value_case() == AnyValue::kIntValue) text = std::to_string(in.int_value());
  else return false;
  if (text.empty()) return false;
  out->set_string_value(pseudonyms_.Id(spec.names.pseudonym, text));
  outcome->redactions.push_back({redaction::kRulePseudonym, 1});
  return true;
}

bool ValuePolicy::Gate(const AttrSpec& spec, const AnyValue& out) const {
  const bool is_str = out.value_case() == AnyValue::kStringValue;
  switch (spec.cls) {
    case AttrClass::kIdentifier:
      return is_str && (InValues(spec, out.string_value()) || names_.Conforms(spec.names, out.string_value()));
    case AttrClass::kPseudonym:
      return is_str && redaction::Pseudonymizer::IsId(spec.names.pseudonym, out.string_value());
    default:
      return true;
  }
}

bool ValuePolicy::FreeText(const AttrSpec& spec, std::string_view text, std::string_view /*event*/,
                           std::string* out, ValueOutcome* outcome) const {
  const auto mode = redaction::ParseFreeTextMode(free_text_.empty() ? spec.policy : free_text_);
  if (!mode) {
    outcome->reason = "policy";
    return false;
  }
  redaction::ScrubResult r = free_text_policy_.Apply(*mode, text);
  if (!r.ok) {
    outcome->reason = "scrub-failed";
    return false;
  }
  outcome->redactions = std::move(r.hits);
  *out = std::move(r.text);
  if (out->size() > spec.max_length) {
    std::size_t cut = spec.max_length;
    while (cut > 0 && (static_cast<unsigned char>((*out)[cut]) & 0xC0) == 0x80) --cut;  // whole UTF-8 characters
    out->resize(cut);
  }
  return !out->empty();
}

bool ValuePolicy::Json(const AttrSpec& spec, const std::string& text, std::string_view event, std::string* out,
                       ValueOutcome* outcome) const {
  Limits limits;
  limits.max_line_bytes = 64 * 1024;
  limits.max_depth = 4;
  ParsedJson parsed = ParseBounded(text, limits);
  if (!parsed.ok || !parsed.value.is_object() || spec.keys.empty()) {
    outcome->reason = "content";
    return false;
  }
  json kept = json::object();
  for (const auto& [key, v] : parsed.value.items()) {
    auto it = spec.keys.find(key);
    if (it == spec.keys.end() || v.is_structured()) continue;
    AnyValue o;
    ValueOutcome inner = Apply(it->second, FromJson(v), event, &o);
    if (inner.kept && Gate(it->second, o)) kept[key] = ToJson(o);
    for (auto& h : inner.redactions) outcome->redactions.push_back(h);
  }
  *out = kept.dump();
  return true;
}

// count: a whole number 0..1e12 (a string of at most 13 digits);
// number, duration, timestamp: any finite number (duration and timestamp not
// negative; a timestamp may also be an ISO-8601 string). A string leaves
// re-written from the parsed number; a card-shaped number does not leave.
bool ValuePolicy::Number(const AttrSpec& spec, const AnyValue& in, AnyValue* out, ValueOutcome* outcome) {
  const bool is_str = in.value_case() == AnyValue::kStringValue;
  if (spec.cls == AttrClass::kTimestamp && is_str && IsIsoTimestamp(in.string_value())) {
    out->set_string_value(in.string_value());
    return true;
  }
  double d = 0;
  if (!Numeric(in, &d) || (spec.cls != AttrClass::kNumber && d < 0)) return false;
  if (spec.cls == AttrClass::kCount &&
      (d > 1e12 || d != std::floor(d) || (is_str && !IsDigits(in.string_value())))) {
    return false;
  }
  if (CardLike(in, d)) {
    outcome->redactions.push_back({redaction::kRulePaymentCard, 1});
    outcome->reason = "payment-card";
    return false;
  }
  if (is_str) {
    out->set_string_value(NumberText(d));
  } else if (in.value_case() == AnyValue::kIntValue) {
    out->set_int_value(in.int_value());
  } else {
    out->set_double_value(d);
  }
  return true;
}

ValueOutcome ValuePolicy::Apply(const AttrSpec& spec, const AnyValue& in, std::string_view event, AnyValue* out) const {
  ValueOutcome r;
  r.reason = "class";
  const bool is_str = in.value_case() == AnyValue::kStringValue;
  const std::string& s = in.string_value();
  switch (spec.cls) {
    case AttrClass::kContent:
      r.reason = "content";
      return r;
    case AttrClass::kPseudonym:
      if (!Pseudonym(spec, in, out, &r)) return r;
      break;
    case AttrClass::kEnum:
      if (!is_str || !InValues(spec, s)) return r;
      out->set_string_value(s);
      break;
    case AttrClass::kBoolean:
      if (in.value_case() == AnyValue::kBoolValue) out->set_bool_value(in.bool_value());
      else if (is_str && (s == "true" || s == "false")) out->set_string_value(s);
      else return r;
      break;
    case AttrClass::kCount:
    case AttrClass::kNumber:
    case AttrClass::kDuration:
    case AttrClass::kTimestamp:
      if (!Number(spec, in, out, &r)) return r;
      break;
    case AttrClass::kIdentifier:
      if (!is_str || !Identifier(spec, s, out, &r)) return r;
      break;
    case AttrClass::kId:
      if (!is_str || !IsOpaqueId(s)) return r;
      out->set_string_value(s);
      break;
    case AttrClass::kUuid:
      if (!is_str || !redaction::Pseudonymizer::IsUuid(s)) return r;
      out->set_string_value(s);
      break;
    case AttrClass::kFreeText: {
      if (!is_str) return r;
      std::string text;
      if (!FreeText(spec, s, event, &text, &r)) return r;
      out->set_string_value(std::move(text));
      break;
    }
    case AttrClass::kJson: {
      if (!is_str) {
        r.reason = "content";
        return r;
      }
      std::string text;
      if (!Json(spec, s, event, &text, &r)) return r;
      out->set_string_value(std::move(text));
      break;
    }
  }
  r.kept = true;
  r.reason = "";
  return r;
}

}  // namespace telguard::gateway
