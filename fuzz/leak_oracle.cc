#include "fuzz/leak_oracle.h"

#include <algorithm>
#include <cstdio>

#include <re2/re2.h>

#include "redaction/samples.h"
#include "redaction/text_codec.h"

namespace telguard::fuzz {
namespace {

const char* kWords[] = {"please", "refactor", "the", "billing", "module", "for", "kestrel", "and", "write",
                        "tests", "about", "my", "private", "diary", "quarterly", "numbers", "merger", "plans"};

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string UnicodeEscapeAll(const std::string& s) {
  std::string o;
  char buf[8];
  for (unsigned char c : s) {
    std::snprintf(buf, sizeof buf, "\\u%04x", c);
    o += buf;
  }
  return o;
}

void AddViews(const std::string& s, std::vector<std::string>& views) {
  views.push_back(Lower(s));
  std::string d = s;
  for (int i = 0; i < 6; ++i) {
    std::string n = redaction::JsonUnescape(redaction::PercentDecodeOnce(d));
    if (n == d) break;
    d = std::move(n);
  }
  if (d != s) views.push_back(Lower(d));
  if (auto z = redaction::NormalizeUtf8(d)) views.push_back(Lower(*z));
  static const RE2 run(R"(([A-Za-z0-9+/_-]{16,}={0,2}))");
  re2::StringPiece in(d);
  std::string r;
  while (RE2::FindAndConsume(&in, run, &r)) {
    if (auto b = redaction::Base64Decode(r)) views.push_back(Lower(*b));
  }
}

constexpr int kFormatFreeIndex = -2;

// Ordinary prose, none of it a technical word (the fuzzer checks that
// against the vocabulary at start).
const char* kProse[] = {"kestrel", "quarterly", "merger", "diary", "birthday", "grandmother", "recipe", "vacation",
                        "wedding", "salary", "divorce", "therapist", "pregnant", "lawsuit", "landlord", "boyfriend",
                        "girlfriend", "mortgage", "surgery", "holiday", "garden", "novel", "poem", "violin",
                        "chocolate", "umbrella", "mountain", "river", "whisper", "lantern", "harbor", "meadow",
                        "orchard", "saffron", "tulip", "velvet", "walnut", "yonder", "zephyr", "amber"};

}  // namespace

// Encodes c.plain into c.planted (MakeCanary's encodings).
void Encode(Canary& c, Encoding enc, int rule_index, std::mt19937_64& rng);

const std::vector<std::string>& ProseWords() {
  static const std::vector<std::string> words(std::begin(kProse), std::end(kProse));
  return words;
}

const char* FormatFreeName(FormatFree f) {
  switch (f) {
    case FormatFree::kToken: return "random-token";
    case FormatFree::kPrompt: return "random-prompt";
    case FormatFree::kBytes: return "random-bytes";
    case FormatFree::kCount: break;
  }
  return "?";
}

Canary MakeFormatFreeCanary(FormatFree kind, Encoding enc, std::mt19937_64& rng) {
  Canary c;
  c.rule = FormatFreeName(kind);
  const std::size_t len = 8 + rng() % 73;
  if (kind == FormatFree::kToken) {
    // Printable ASCII without space, and a few non-ASCII letters.
    static const std::vector<std::string> pool = [] {
      std::vector<std::string> v;
      for (char ch = '!'; ch <= '~'; ++ch) v.emplace_back(1, ch);
      for (const char* u : {"\u00e9", "\u00df", "\u4e2d", "\u0416", "\U0001f600"}) v.emplace_back(u);
      return v;
    }();
    std::vector<std::string> alphabet;
    const std::size_t k = 2 + rng() % 39;
    for (std::size_t i = 0; i < k; ++i) alphabet.push_back(pool[rng() % pool.size()]);
    for (std::size_t i = 0; i < len; ++i) c.plain += alphabet[rng() % alphabet.size()];
  } else if (kind == FormatFree::kPrompt) {
    c.prompt = true;
    const int n = 4 + static_cast<int>(rng() % 7);
    for (int i = 0; i < n; ++i) c.plain += std::string(i ? " " : "") + kProse[rng() % std::size(kProse)];
    c.plain += " zq";
    for (int i = 0; i < 6; ++i) c.plain.push_back(static_cast<char>('a' + rng() % 26));
  } else {
    std::string bytes;
    for (std::size_t i = 0; i < len; ++i) bytes.push_back(static_cast<char>(rng() & 0xff));
    auto valid = redaction::NormalizeUtf8(bytes);
    c.plain = valid ? *valid : bytes;
  }
  c.parts.push_back(c.plain);
  Encode(c, enc, kFormatFreeIndex, rng);
  return c;
}

const char* EncodingName(Encoding e) {
  switch (e) {
    case Encoding::kRaw: return "raw";
    case Encoding::kJsonEscape: return "json-escape";
    case Encoding::kPercent: return "percent";
    case Encoding::kCaseChange: return "case-change";
    case Encoding::kZeroWidth: return "zero-width";
    case Encoding::kBase64: return "base64";
    case Encoding::kCount: break;
  }
  return "?";
}

Canary MakeCanary(int rule_index, Encoding enc, std::mt19937_64& rng) {
  Canary c;
  if (rule_index < 0) {
    // A prompt: ordinary words, no pattern, with a random tag so it is unique.
    c.prompt = true;
    c.rule = "prompt";
    const int n = 4 + static_cast<int>(rng() % 6);
    for (int i = 0; i < n; ++i) c.plain += std::string(i ? " " : "") + kWords[rng() % std::size(kWords)];
    c.plain += " zq" + std::to_string(rng() % 1000000);
    c.parts.push_back(c.plain);
  } else {
    const redaction::Rule& r = redaction::DefaultRules()[static_cast<std::size_t>(rule_index)];
    c.rule = std::string(r.id);
    redaction::RandomSource rnd = [&rng] { return static_cast<std::uint32_t>(rng()); };
    c.plain = redaction::MakeSample(r, rnd, &c.parts);
  }
  Encode(c, enc, rule_index, rng);
  return c;
}

void Encode(Canary& c, Encoding enc, int rule_index, std::mt19937_64& rng) {
  switch (enc) {
    case Encoding::kRaw:
    case Encoding::kCount: c.planted = c.plain; break;
    case Encoding::kJsonEscape: c.planted = UnicodeEscapeAll(c.plain); break;
    case Encoding::kPercent: c.planted = redaction::PercentEncodeAll(c.plain); break;
    case Encoding::kCaseChange: {
      // The provider prefix's case flips (its first three characters, the
      // literal text before the template's first random run); the body
      // keeps its case (a body in another case is another string).
      c.planted = c.plain;
      std::size_t prefix = rule_index == kFormatFreeIndex ? 3 : 0;
      if (rule_index >= 0) {
        const std::string_view tmpl = redaction::DefaultRules()[static_cast<std::size_t>(rule_index)].sample;
        prefix = std::min<std::size_t>(3, tmpl.find('{') == std::string_view::npos ? 0 : tmpl.find('{'));
      }
      for (std::size_t i = 0; i < c.planted.size() && i < prefix; ++i) {
        char& ch = c.planted[i];
        ch = std::isupper(static_cast<unsigned char>(ch)) ? static_cast<char>(std::tolower(ch))
                                                          : static_cast<char>(std::toupper(ch));
      }
      break;
    }
    case Encoding::kZeroWidth: {
      for (std::size_t i = 0; i < c.plain.size(); ++i) {
        c.planted += c.plain[i];
        if (rng() % 4 == 0) c.planted += (rng() % 2) ? "\u200b" : "\u00ad";
      }
      break;
    }
    case Encoding::kBase64: c.planted = redaction::Base64Encode(c.plain); break;
  }
}

bool Leaks(const std::string& output, const std::vector<Canary>& canaries, std::string* which,
           const std::string& background) {
  std::vector<std::string> views, background_views;
  AddViews(output, views);
  if (!background.empty()) AddViews(background, background_views);
  for (const Canary& c : canaries) {
    std::vector<std::string> needles;
    if (c.explicit_needles) {
      for (const auto& n : c.needles) needles.push_back(Lower(n));
    } else {
      if (c.planted.size() >= 8) needles.push_back(Lower(c.planted));
      if (c.plain.size() >= 8) needles.push_back(Lower(c.plain));
      for (const auto& p : c.parts) {
        if (p.size() >= 16) {
          for (std::size_t i = 0; i + 16 <= p.size(); ++i) needles.push_back(Lower(p.substr(i, 16)));
        } else if (p.size() >= 8) {
          needles.push_back(Lower(p));
        }
      }
    }
    std::erase_if(needles, [&](const std::string& n) {
      return std::any_of(background_views.begin(), background_views.end(),
                         [&](const std::string& b) { return b.find(n) != std::string::npos; });
    });
    for (const auto& v : views) {
      for (const auto& n : needles) {
        if (v.find(n) != std::string::npos) {
          *which = c.rule + " (window '" + n + "')";
          return true;
        }
      }
    }
  }
  return false;
}

void Trap(const std::string& what) {
  // Printable, so a NUL or control byte cannot cut the report short.
  std::string shown;
  for (unsigned char c : what) {
    if (c == '\n' || (c >= 0x20 && c < 0x7f)) {
      shown.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      shown += buf;
    }
  }
  std::fprintf(stderr, "LEAK ORACLE: %s\n", shown.c_str());
  std::fflush(stderr);
  __builtin_trap();
}

}  // namespace telguard::fuzz
