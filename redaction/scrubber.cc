#include "redaction/scrubber.h"

#include <algorithm>
#include <cctype>
#include <mutex>

#include <re2/re2.h>
#include <re2/set.h>

#include "redaction/prefilter.h"
#include "redaction/text_codec.h"
#include "redaction/validators.h"

namespace telguard::redaction {
namespace {

constexpr std::string_view kMarker = "[REDACTED:";
// Recursion bound for decoded views (a base64 run inside a percent-encoded
// string is depth 2).
constexpr int kMaxDepth = 2;
// Passes of Scrub over a text that changed before it must stand still.
constexpr int kMaxPasses = 4;

// Patterns that mark encoded content worth decoding; they share the rule
// set's single pass.
constexpr std::string_view kPercentMarker = R"(%[0-9A-Fa-f]{2})";
constexpr std::string_view kEscapeMarker = R"(\\u[0-9A-Fa-f]{4}|\\/)";
constexpr std::string_view kBase64Run = R"([A-Za-z0-9+/_-]{14,}={0,2})";
// The set's marker: 14 base64 characters in a row with an upper-case letter
// among them (what base64 of text looks like; see HasMixedCaseRun), spelled
// out position by position so the DFA needs no second pass.
const std::string& Base64Marker() {
  static const std::string m = [] {
    std::string r;
    for (int k = 0; k < 14; ++k) {
      if (k) r += "|";
      r += "[A-Za-z0-9+/_-]{" + std::to_string(k) + "}[A-Z][A-Za-z0-9+/_-]{" + std::to_string(13 - k) + "}";
    }
    return r;
  }();
  return m;
}

constexpr int kBase64MarkerIndex = -3;

// Rules per part of the one-pass set (Impl::parts): measured with 16, 32,
// 64 and all; all the rules in one part and the markers in another was the
// fastest on varied secret-bearing lines and on log text.
constexpr std::size_t kRulesPerPart = 1024;

// The longest prefix of `candidate` that passes a checksum validator and ends
// where a separator follows (so "card 3" yields the card, while a 16-digit
// number with a bad checksum never yields a valid 13-digit piece of itself),
// or an empty view.
std::string_view ValidPrefix(Validator v, std::string_view candidate) {
  if (v != Validator::kLuhn && v != Validator::kMod97) return {};
  for (std::size_t end = candidate.size() - 1; end >= 12; --end) {
    if (candidate[end] != ' ' && candidate[end] != '-') continue;
    if (RunValidator(v, candidate.substr(0, end))) return candidate.substr(0, end);
  }
  return {};
}

// One rule's own RE2 (for positions and groups), compiled on first use:
// most rules are never a candidate in a given process, and compiling all of
// them up front cost about as much as the rule set itself.
struct LazyRe {
  std::once_flag once;
  std::unique_ptr<RE2> re;  // null or !ok(): could not compile (fail closed)
  int groups = 0;
};

struct CompiledRule {
  const Rule* rule = nullptr;
  std::unique_ptr<LazyRe> lazy = std::make_unique<LazyRe>();
  std::vector<std::string> keywords;  // lower-case; empty: rule is in the set
};

bool MostlyPrintable(std::string_view s) {
  if (s.empty()) return false;
  std::size_t printable = 0;
  for (unsigned char c : s) printable += (c >= 0x20 && c < 0x7F) || c == '\n' || c == '\t';
  return printable * 10 >= s.size() * 8;
}

void AddHit(std::vector<RuleHit>& hits, std::string_view id, std::size_t n, std::size_t verified = 0) {
  for (auto& h : hits) {
    if (h.rule_id == id) {
      h.count += n;
      h.verified += verified;
      return;
    }
  }
  hits.push_back({id, n, verified});
}

}  // namespace

struct Scrubber::Impl {
  std::span<const Rule> rules;
  ScrubberOptions options;
  std::vector<CompiledRule> compiled;
  // MayMatchDefaultRules() screens strings before the set (default catalogue
  // only: the screen knows its rules).
  bool prefilter = false;
  // The one-pass set: rule indices, then the three markers.
  // The one-pass set, in parts of kRulesPerPart rules, the encoding markers
  // in a part of their own: with the base64 marker (spelled out position by
  // position) in the same DFA as the rules, varied secret-bearing lines
  // needed more states than the budget holds, and the DFA rebuilt its
  // states on every line (~0.9 ms a line); apart, both stay warm (~22 us,
  // with the 128 MiB budget that the grown rule set needs: ScrubberOptions).
  struct Part {
    std::unique_ptr<RE2::Set> set;
    std::vector<int> to_rule;  // set index -> compiled index, or -1/-2/-3 markers
  };
  std::vector<Part> parts;

  // Every part's matches, as compiled indices or markers. False: RE2 could
  // not answer.
  bool MatchAll(std::string_view s, std::vector<int>* out) const {
    std::vector<int> ids;
    for (const Part& p : parts) {
      ids.clear();
      RE2::Set::ErrorInfo info{RE2::Set::kNoError};
      if (!p.set->Match(re2::StringPiece(s.data(), s.size()), &ids, &info) && info.kind != RE2::Set::kNoError) {
        return false;
      }
      for (int id : ids) out->push_back(p.to_rule[static_cast<std::size_t>(id)]);
    }
    return true;
  }
  // Credential rules only, for the wire check; compiled on first use.
  std::unique_ptr<RE2::Set> wire_set;
  std::vector<int> wire_to_rule;
  std::once_flag wire_once;
  bool wire_ok = false;
  RE2::Options rule_opts;

  // The rule's RE2, compiled once; null when it cannot be (the caller
  // fails closed).
  const RE2* Re(const CompiledRule& cr) const {
    LazyRe& l = *cr.lazy;
    std::call_once(l.once, [&] {
      auto re = std::make_unique<RE2>(re2::StringPiece(cr.rule->pattern.data(), cr.rule->pattern.size()), rule_opts);
      if (re->ok()) {
        l.groups = re->NumberOfCapturingGroups();
        l.re = std::move(re);
      }
    });
    return l.re.get();
  }

  bool WireSet() {
    std::call_once(wire_once, [&] {
      std::string err;
      for (int index : wire_to_rule) {
        const Rule& r = *compiled[static_cast<std::size_t>(index)].rule;
        if (wire_set->Add(re2::StringPiece(r.pattern.data(), r.pattern.size()), &err) < 0) return;
      }
      wire_ok = wire_set->Compile();
    });
    return wire_ok;
  }
  std::unique_ptr<RE2> base64_run;

  // Finds candidate rules; false when RE2 could not answer.
  bool Candidates(std::string_view s, std::vector<int>* found, bool* percent, bool* escape,
                  bool* base64) const {
    std::vector<int> ids;
    *percent = *escape = *base64 = false;
    if (options.inject_set_failure_for_testing) return false;
    if (prefilter && !MayMatchDefaultRules(s)) return true;
    if (!MatchAll(s, &ids)) return false;
    for (int r : ids) {
      if (r >= 0) {
        if (KeywordsPresent(compiled[static_cast<std::size_t>(r)], s)) found->push_back(r);
      } else if (r == -1) {
        *percent = true;
      } else if (r == -2) {
        *escape = true;
      } else {
        *base64 = HasMixedCaseRun(s, kMinBase64Run);
      }
    }
    std::sort(found->begin(), found->end());
    return true;
  }

  // A rule with keywords fires only when one of them is in the string too.
  static bool KeywordsPresent(const CompiledRule& cr, std::string_view s) {
    if (cr.keywords.empty()) return true;
    for (const auto& k : cr.keywords) {
      if (ContainsIgnoreCase(s, k)) return true;
    }
    return false;
  }

  // The secret part of a match: first participating group, else the whole
  // match when the pattern has no group. *excluded is set when the pattern
  // has groups and none took part (an exclusion, rule.h).
  static re2::StringPiece Secret(const re2::StringPiece* g, int groups, bool* excluded) {
    *excluded = false;
    for (int i = 1; i <= groups; ++i) {
      if (g[i].data() != nullptr) return g[i];
    }
    *excluded = groups > 0;
    return g[0];
  }

  // A match the rule's validator does not turn down (checksums of prefixed
  // formats never do: ValidatorGates).
  static bool Accepted(Validator v, std::string_view secret) {
    return !ValidatorGates(v) || RunValidator(v, secret);
  }

  // A confirmed finding: bytes [begin, end) of the text, by compiled rule.
  struct Span {
    std::size_t begin, end;
    int rule;
    bool verified = false;  // a checksum confirmed it (confidence only)
  };

  // Every confirmed match of one rule in `s`, as spans (never overlapping
  // each other). False: the rule's RE2 could not be compiled (fail closed).
  bool Collect(int r, std::string_view s, std::vector<Span>* spans) const {
    const CompiledRule& cr = compiled[static_cast<std::size_t>(r)];
    const RE2* re = Re(cr);
    if (re == nullptr) return false;
    const int groups = cr.lazy->groups;
    std::vector<re2::StringPiece> g(static_cast<std::size_t>(groups) + 1);
    const re2::StringPiece text(s.data(), s.size());
    std::size_t last_end = 0, pos = 0;
    while (pos <= s.size() && re->Match(text, pos, s.size(), RE2::UNANCHORED, g.data(), groups + 1)) {
      bool excluded = false;
      const re2::StringPiece secret = Secret(g.data(), groups, &excluded);
      const std::size_t ws = static_cast<std::size_t>(g[0].data() - s.data());
      const std::size_t we = ws + g[0].size();
      if (excluded) {
        pos = std::max(we, ws + 1);
        continue;
      }
      const std::size_t ss = static_cast<std::size_t>(secret.data() - s.data());
      std::string_view sv(secret.data(), secret.size());
      bool skip = sv.empty() || ss + sv.size() <= last_end || sv.substr(0, kMarker.size()) == kMarker;
      if (!skip && !Accepted(cr.rule->validator, sv)) {
        // A greedy match may have swallowed a neighbouring number ("card 3"):
        // for checksummed formats the longest valid prefix is the finding.
        sv = ValidPrefix(cr.rule->validator, sv);
        skip = sv.empty();
      }
      const std::size_t se_valid = ss + sv.size();
      if (!skip) {
        const bool verified = !ValidatorGates(cr.rule->validator) && RunValidator(cr.rule->validator, sv);
        if (ss < last_end) {
          spans->back().end = se_valid;  // runs on past the previous finding: one finding
        } else {
          spans->push_back({ss, se_valid, r, verified});
        }
        last_end = se_valid;
        pos = std::max({we, se_valid, ws + 1});
        // A consumed trailing delimiter, or what follows a shortened
        // finding, may start the next candidate: step back onto it.
        if (we > se_valid) pos = se_valid;
        // A value that runs over blanks (a cookie, a quoted value) may hold
        // the start of the next finding (two cookie-jar lines joined by a
        // space): look again from its first blank.
        const std::size_t blank = sv.find_first_of(" \t");
        if (blank != std::string_view::npos) pos = std::max(ws + 1, std::min(pos, ss + blank));
      } else if (cr.rule->validator == Validator::kAssignedValue && !sv.empty()) {
        // A status word or placeholder: a later start inside the same name
        // ends on the same value; resume after it.
        pos = std::max(ws + 1, ss + secret.size());
      } else {
        pos = ws + 1;
      }
    }
    return true;
  }

  static std::size_t Verified(const std::vector<Span>& spans) {
    return static_cast<std::size_t>(std::count_if(spans.begin(), spans.end(), [](const Span& a) { return a.verified; }));
  }

  // Length of "[REDACTED:<id>]" for compiled rule r.
  std::size_t MarkerSize(int r) const {
    return kMarker.size() + compiled[static_cast<std::size_t>(r)].rule->id.size() + 1;
  }

  // Replaces one rule's spans (which never overlap) in `s`.
  void Apply(const std::vector<Span>& spans, std::string& s) const {
    std::string out;
    out.reserve(s.size());
    std::size_t copied = 0;
    for (const Span& a : spans) {
      out.append(s, copied, a.begin - copied);
      out.append(kMarker).append(compiled[static_cast<std::size_t>(a.rule)].rule->id).push_back(']');
      copied = a.end;
    }
    out.append(s, copied, std::string::npos);
    s = std::move(out);
  }

  // Where a span of the incoming text stands in `s` after the replacements
  // of `rounds` (each in the text its rule saw). A span that replacements
  // overlap only in part is widened over their markers when what they left
  // of it still holds a letter or a digit: that rest may be a secret
  // ("Cookie: s=<v> ?sig=<w>" where the query rule took <w> first), so it
  // is replaced whole, never dropped. A rest of punctuation alone ("=" of
  // "=<v>" when <v> is already replaced) counts as covered.
  enum class Followed { kUntouched, kWidened, kCovered };
  static bool IsWordByte(unsigned char c) {  // a letter, a digit, or part of a non-ASCII character
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c >= 0x80;
  }
  Followed Follow(const std::vector<std::vector<Span>>& rounds, std::string_view s, Span& a) const {
    bool widened = false;
    std::vector<std::pair<std::size_t, std::size_t>> rest{{a.begin, a.end}}, cut;  // parts no marker took
    for (const auto& round : rounds) {
      for (const Span& e : round) {
        if (a.begin < e.end && e.begin < a.end) {
          widened = true;
          a.begin = std::min(a.begin, e.begin);
          a.end = std::max(a.end, e.end);
        }
      }
      const auto shifted = [&](std::size_t pos) {  // where `pos` stands after this round
        std::ptrdiff_t shift = 0;
        for (const Span& e : round) {
          if (e.end <= pos) {
            shift += static_cast<std::ptrdiff_t>(MarkerSize(e.rule)) - static_cast<std::ptrdiff_t>(e.end - e.begin);
          }
        }
        return static_cast<std::size_t>(static_cast<std::ptrdiff_t>(pos) + shift);
      };
      cut.clear();
      for (auto [b, end] : rest) {
        for (const Span& e : round) {  // sorted, never overlapping
          if (e.end <= b || end <= e.begin) continue;
          if (b < e.begin) cut.emplace_back(shifted(b), shifted(e.begin));
          b = std::max(b, e.end);
          if (b >= end) break;
        }
        if (b < end) cut.emplace_back(shifted(b), shifted(b) + (end - b));
      }
      rest.swap(cut);
      a.begin = shifted(a.begin);
      a.end = shifted(a.end);
    }
    if (!widened) return Followed::kUntouched;  // no replacement touched it: swept as found
    const bool open = std::any_of(rest.begin(), rest.end(), [&](const auto& r) {
      return std::any_of(s.begin() + static_cast<std::ptrdiff_t>(r.first), s.begin() + static_cast<std::ptrdiff_t>(r.second),
                         [](char c) { return IsWordByte(static_cast<unsigned char>(c)); });
    });
    return open ? Followed::kWidened : Followed::kCovered;
  }

  // Rewrites the findings of the candidate rules, one rule after the other
  // in catalogue order (a later rule sees the earlier replacements, so a
  // value holding a replaced key is still redacted whole). Then a sweep
  // (Sweep below), because an earlier replacement can take the context a
  // later rule needs ("Authorization: Bearer Cookie: s=..." loses "Cookie:"
  // to the Authorization rule, and the cookie rule then finds nothing).
  [[nodiscard]] bool RewriteAll(const std::vector<int>& cand, std::string& s, std::vector<RuleHit>& hits) const {
    if (cand.empty()) return true;
    const std::string original = cand.size() > 1 ? s : std::string();
    std::vector<std::vector<Span>> rounds;  // each rule's replacements, in the text it saw
    std::vector<Span> spans;
    std::size_t first_change = cand.size();  // rules up to it saw the incoming text
    for (std::size_t k = 0; k < cand.size(); ++k) {
      spans.clear();
      if (!Collect(cand[k], s, &spans)) return false;
      if (spans.empty()) continue;
      Apply(spans, s);
      AddHit(hits, compiled[static_cast<std::size_t>(cand[k])].rule->id, spans.size(), Verified(spans));
      rounds.push_back(spans);
      first_change = std::min(first_change, k);
    }
    // Only rules after the first replacement saw a changed text.
    if (first_change + 1 >= cand.size()) return true;
    return Sweep(cand, first_change + 1, original, rounds, s, hits);
  }

  // The sweep: each later rule's findings in the text as it came in, where
  // they now stand, unless a replacement already covers them whole. Spans
  // that overlap are merged (the first one's marker stands for both), so no
  // part of either is left.
  [[nodiscard]] bool Sweep(const std::vector<int>& cand, std::size_t from, const std::string& original,
                           const std::vector<std::vector<Span>>& rounds, std::string& s,
                           std::vector<RuleHit>& hits) const {
    std::vector<Span> sweep, spans;
    for (std::size_t k = from; k < cand.size(); ++k) {
      const int r = cand[k];
      spans.clear();
      if (!Collect(r, original, &spans)) return false;
      std::size_t n = 0, verified = 0;
      for (Span a : spans) {
        const std::string_view secret(original.data() + a.begin, a.end - a.begin);
        const Followed how = Follow(rounds, s, a);
        if (how == Followed::kCovered) continue;
        if (how == Followed::kUntouched && s.compare(a.begin, a.end - a.begin, secret) != 0) continue;
        sweep.push_back(a);
        ++n;
        verified += a.verified;
      }
      if (n > 0) AddHit(hits, compiled[static_cast<std::size_t>(r)].rule->id, n, verified);
    }
    if (sweep.empty()) return true;
    std::sort(sweep.begin(), sweep.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
    std::vector<Span> merged;
    for (const Span& a : sweep) {
      if (!merged.empty() && a.begin < merged.back().end) {
        merged.back().end = std::max(merged.back().end, a.end);
      } else {
        merged.push_back(a);
      }
    }
    Apply(merged, s);
    return true;
  }

  // True when the rule confirms a finding in `s`, or when its RE2 could
  // not be compiled (the wire check then fails closed).
  bool FirstConfirmed(const CompiledRule& cr, std::string_view s) const {
    const RE2* re = Re(cr);
    if (re == nullptr) return true;
    const int groups = cr.lazy->groups;
    std::vector<re2::StringPiece> g(static_cast<std::size_t>(groups) + 1);
    const re2::StringPiece text(s.data(), s.size());
    std::size_t pos = 0;
    while (pos <= s.size() && re->Match(text, pos, s.size(), RE2::UNANCHORED, g.data(), groups + 1)) {
      bool excluded = false;
      const re2::StringPiece secret = Secret(g.data(), groups, &excluded);
      const std::string_view sv(secret.data(), secret.size());
      if (!excluded && !sv.empty() && sv.substr(0, kMarker.size()) != kMarker && Accepted(cr.rule->validator, sv)) {
        return true;
      }
      const std::size_t ws = static_cast<std::size_t>(g[0].data() - s.data());
      pos = excluded ? std::max(ws + g[0].size(), ws + 1) : ws + 1;
    }
    return false;
  }

  // One scrub over `s` in place. False: fail closed.
  bool Pass(std::string& s, std::vector<RuleHit>& hits, int depth) const {
    std::vector<int> cand;
    bool percent, escape, base64;
    if (!Candidates(s, &cand, &percent, &escape, &base64)) return false;

    // An encoded string that hides a finding is replaced by its decoded,
    // scrubbed form: the reader keeps the message, the secret goes.
    if ((percent || escape) && depth < kMaxDepth) {
      std::string d = s;
      for (int round = 0; round < options.max_decode_rounds; ++round) {
        std::string next = JsonUnescape(PercentDecodeOnce(d));
        if (next == d) break;
        d = std::move(next);
      }
      if (d != s) {
        if (auto n = NormalizeUtf8(d)) d = std::move(*n);
        std::vector<RuleHit> dh;
        if (!Pass(d, dh, depth + 1)) return false;
        if (!dh.empty()) {
          s = std::move(d);
          for (const auto& h : dh) AddHit(hits, h.rule_id, h.count, h.verified);
          // The decoded, scrubbed view replaces the text. What the deeper
          // pass could not look at (a base64 run at the depth limit, when
          // the view needed more decoding rounds) is looked at here.
          cand.clear();
          if (!Candidates(s, &cand, &percent, &escape, &base64)) return false;
        }
      }
    }

    if (!RewriteAll(cand, s, hits)) return false;

    if (base64 && depth < kMaxDepth) {
      if (!RedactBase64(s, hits, depth)) return false;
    }
    return true;
  }

  // Redacts whole base64 runs whose decoded bytes hold a finding.
  bool RedactBase64(std::string& s, std::vector<RuleHit>& hits, int depth) const {
    re2::StringPiece input(s);
    re2::StringPiece run;
    std::string out;
    std::size_t copied = 0;
    bool changed = false;
    while (RE2::FindAndConsume(&input, *base64_run, &run)) {
      const std::string_view rv(run.data(), run.size());
      if (rv.size() > options.max_base64_run || !HasMixedCaseRun(rv, kMinBase64Run)) continue;
      auto decoded = Base64Decode(rv);
      if (!decoded || !MostlyPrintable(*decoded)) continue;
      std::vector<RuleHit> dh;
      if (!Pass(*decoded, dh, depth + 1)) return false;
      if (dh.empty()) continue;
      const std::size_t at = static_cast<std::size_t>(run.data() - s.data());
      out.append(s, copied, at - copied);
      out.append(kMarker).append(dh.front().rule_id).push_back(']');
      copied = at + rv.size();
      AddHit(hits, dh.front().rule_id, 1);
      changed = true;
    }
    if (changed) {
      out.append(s, copied, std::string::npos);
      s = std::move(out);
    }
    return true;
  }
};

Scrubber::Scrubber(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Scrubber::~Scrubber() = default;

std::unique_ptr<Scrubber> Scrubber::Create(std::span<const Rule> rules,
                                           const ScrubberOptions& options, std::string* error) {
  auto impl = std::make_unique<Impl>();
  impl->rules = rules;
  impl->options = options;
  impl->prefilter = options.use_prefilter && rules.data() == DefaultRules().data() &&
                    rules.size() == DefaultRules().size();
  RE2::Options ro;
  ro.set_log_errors(false);
  ro.set_max_mem(options.set_max_mem);
  impl->wire_set = std::make_unique<RE2::Set>(ro, RE2::UNANCHORED);
  // Each part of the one-pass set has the set's memory budget.
  const std::size_t n_parts = (rules.size() + kRulesPerPart - 1) / kRulesPerPart + 1;
  impl->parts.resize(n_parts);
  for (auto& p : impl->parts) p.set = std::make_unique<RE2::Set>(ro, RE2::UNANCHORED);
  RE2::Options& rule_opts = impl->rule_opts;
  rule_opts.set_log_errors(false);
  rule_opts.set_max_mem(options.rule_max_mem);
  for (const Rule& r : rules) {
    CompiledRule cr;
    cr.rule = &r;  // its own RE2 is compiled on first use (Impl::Re)
    std::string_view kw = r.keywords;
    while (!kw.empty()) {
      const std::size_t comma = kw.find(',');
      std::string k(kw.substr(0, comma));
      for (char& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (!k.empty()) cr.keywords.push_back(std::move(k));
      kw = comma == std::string_view::npos ? std::string_view{} : kw.substr(comma + 1);
    }
    const int index = static_cast<int>(impl->compiled.size());
    std::string err;
    Impl::Part& part = impl->parts[static_cast<std::size_t>(index) / kRulesPerPart];
    if (part.set->Add(re2::StringPiece(r.pattern.data(), r.pattern.size()), &err) < 0) {
      if (error) *error = "rule " + std::string(r.id) + ": " + err;
      return nullptr;
    }
    part.to_rule.push_back(index);
    // The wire check scans serialized JSON, where a generic entropy
    // heuristic would read across field boundaries; it uses the rules with
    // a defined shape.
    if (IsCredential(r) && r.validator != Validator::kEntropy) impl->wire_to_rule.push_back(index);
    impl->compiled.push_back(std::move(cr));
  }
  int marker = -1;
  for (std::string_view m : {kPercentMarker, kEscapeMarker, std::string_view(Base64Marker())}) {
    std::string err;
    impl->parts.back().set->Add(re2::StringPiece(m.data(), m.size()), &err);
    impl->parts.back().to_rule.push_back(marker--);
  }
  // The wire set is compiled on the first wire check (Impl::WireSet).
  for (auto& p : impl->parts) {
    if (!p.to_rule.empty() && !p.set->Compile()) {
      if (error) *error = "RE2::Set compile failed (memory budget)";
      return nullptr;
    }
  }
  std::erase_if(impl->parts, [](const Impl::Part& p) { return p.to_rule.empty(); });
  // One capturing group, for FindAndConsume.
  impl->base64_run = std::make_unique<RE2>("(" + std::string(kBase64Run) + ")", impl->rule_opts);
  return std::unique_ptr<Scrubber>(new Scrubber(std::move(impl)));
}

const Scrubber& Scrubber::Default() {
  static const Scrubber* const instance = [] {
    std::string error;
    auto s = Create(DefaultRules(), ScrubberOptions{}, &error);
    if (!s) {
      // The catalogue is compiled into the binary; a failure here is a
      // build defect caught by the unit tests.
      std::abort();
    }
    return s.release();
  }();
  return *instance;
}

ScrubResult Scrubber::Scrub(std::string_view text) const noexcept {
  ScrubResult r;
  try {
    if (auto n = NormalizeUtf8(text)) {
      r.text = std::move(*n);
    } else {
      r.text.assign(text);
    }
    if (!impl_->Pass(r.text, r.hits, 0)) {
      return ScrubResult{false, {}, {}};
    }
    // A replacement can change what another rule sees (its context, or what
    // its validator judges: "x=%a%/home/%b%" is a placeholder until the home
    // rule replaces its end). So a text that changed is scrubbed again
    // until it stands still, which makes Scrub idempotent by construction;
    // clean text (no finding) takes one pass as before. A text that keeps
    // changing fails closed.
    for (int pass = 1; !r.hits.empty(); ++pass) {
      if (pass == kMaxPasses) return ScrubResult{false, {}, {}};
      std::string again = r.text;
      std::vector<RuleHit> more;
      if (!impl_->Pass(again, more, 0)) return ScrubResult{false, {}, {}};
      if (again == r.text) break;
      r.text = std::move(again);
      for (const auto& h : more) AddHit(r.hits, h.rule_id, h.count, h.verified);
    }
  } catch (...) {
    return ScrubResult{false, {}, {}};
  }
  return r;
}

Scrubber::Precheck Scrubber::Check(std::string_view text) const noexcept {
  try {
    if (NormalizeUtf8(text)) return Precheck::kCandidates;
    if (impl_->options.inject_set_failure_for_testing) return Precheck::kFailed;
    if (impl_->prefilter && !MayMatchDefaultRules(text)) return Precheck::kClean;
    std::vector<int> ids;
    if (!impl_->MatchAll(text, &ids)) return Precheck::kFailed;
    for (int r : ids) {
      // A long run of base64 characters alone (a UUID, a path) matters only
      // when it could be base64 of text: mixed case.
      if (r != kBase64MarkerIndex || HasMixedCaseRun(text, kMinBase64Run)) return Precheck::kCandidates;
    }
    return Precheck::kClean;
  } catch (...) {
    return Precheck::kFailed;
  }
}

void Scrubber::ScrubLinesInto(std::string_view text, std::string* out, std::vector<RuleHit>* hits,
                              std::size_t* failed_lines) const noexcept {
  // Clean blocks (the common case) cost one DFA pass; a block with
  // candidates is halved until blocks are single lines. Any match inside a
  // line is also a match inside a block holding it, so nothing is skipped.
  const Precheck pc = text.empty() ? Precheck::kClean : Check(text);
  if (pc == Precheck::kClean) {
    out->append(text);
    return;
  }
  // Split near the middle, on a line boundary, so both halves are smaller.
  const std::size_t half = text.size() / 2;
  std::size_t mid = text.find('\n', half);
  if (mid == std::string_view::npos || mid + 1 >= text.size()) {
    mid = half == 0 ? std::string_view::npos : text.rfind('\n', half - 1);
  }
  if (mid == std::string_view::npos || mid + 1 >= text.size() || text.size() <= 256) {
    // Line by line.
    std::size_t start = 0;
    while (start <= text.size()) {
      std::size_t end = text.find('\n', start);
      const bool last = end == std::string_view::npos;
      if (last) end = text.size();
      const std::string_view line = text.substr(start, end - start);
      ScrubResult r = Scrub(line);
      if (!r.ok) {
        out->append("[REDACTED:scrub-failed]");
        ++*failed_lines;
      } else {
        for (char& c : r.text) {
          if (c == '\n') c = ' ';  // a decoded secret may have held one
        }
        out->append(r.text);
        for (const auto& h : r.hits) AddHit(*hits, h.rule_id, h.count, h.verified);
      }
      if (last) break;
      out->push_back('\n');
      start = end + 1;
    }
    return;
  }
  ScrubLinesInto(text.substr(0, mid + 1), out, hits, failed_lines);
  ScrubLinesInto(text.substr(mid + 1), out, hits, failed_lines);
}

ScrubResult Scrubber::ScrubLines(std::string_view text, std::size_t* failed_lines) const noexcept {
  ScrubResult r;
  std::size_t failed = 0;
  try {
    r.text.reserve(text.size());
    if (!impl_->prefilter) {
      ScrubLinesInto(text, &r.text, &r.hits, &failed);
    } else {
      // Lines before the screen fires are copied; the lines around where it
      // fired go through the DFA; the screen resumes on the next line.
      std::size_t pos = 0;
      while (pos < text.size()) {
        const std::string_view rest = text.substr(pos);
        const std::size_t at = ScreenDefaultRules(rest);
        if (at == std::string_view::npos) {
          r.text.append(rest);
          break;
        }
        const std::size_t first = at == 0 ? 0 : rest.rfind('\n', at - 1) + 1;  // npos + 1 == 0
        const std::size_t last = std::min(at + 64, rest.size()) - 1;
        std::size_t end = rest.find('\n', last);
        if (end == std::string_view::npos) end = rest.size();
        r.text.append(rest.substr(0, first));
        ScrubLinesInto(rest.substr(first, end - first), &r.text, &r.hits, &failed);
        if (end == rest.size()) break;
        r.text.push_back('\n');
        pos += end + 1;
      }
    }
  } catch (...) {
    return ScrubResult{false, {}, {}};
  }
  if (failed_lines) *failed_lines = failed;
  return r;
}

std::string_view Scrubber::FindCredential(std::string_view bytes, bool* failed) const noexcept {
  *failed = false;
  try {
    std::vector<int> ids;
    RE2::Set::ErrorInfo info{RE2::Set::kNoError};
    if (!impl_->WireSet() ||
        (!impl_->wire_set->Match(re2::StringPiece(bytes.data(), bytes.size()), &ids, &info) &&
         info.kind != RE2::Set::kNoError) ||
        impl_->options.inject_set_failure_for_testing) {
      *failed = true;
      return {};
    }
    std::sort(ids.begin(), ids.end());
    for (int id : ids) {
      const CompiledRule& cr =
          impl_->compiled[static_cast<std::size_t>(impl_->wire_to_rule[static_cast<std::size_t>(id)])];
      if (Impl::KeywordsPresent(cr, bytes) && impl_->FirstConfirmed(cr, bytes)) return cr.rule->id;
    }
  } catch (...) {
    *failed = true;
  }
  return {};
}

std::span<const Rule> Scrubber::rules() const { return impl_->rules; }

}  // namespace telguard::redaction
