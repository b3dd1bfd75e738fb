#include "redaction/free_text.h"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <cstring>

#include <nlohmann/json.hpp>
#include <re2/re2.h>
#include <re2/set.h>

#include "redaction/value_rules.h"
#include "schemas/embedded.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace telguard::redaction {
namespace {

using json = nlohmann::json;

// --- byte classes (ASCII only; every byte >= 0x80 is part of a word) ------
// One table lookup per byte: the templater and the gate read every byte.
enum : std::uint16_t {
  kSpaceB = 1, kWordB = 2, kAlnumB = 4, kLeadB = 8, kTrailB = 16, kPunctB = 32,
  kQuoteB = 64,   // may start a quote: ' " ` and the first byte of a typographic one
  kVocabB = 128,  // may be in a vocabulary entry: a-z A-Z 0-9 _ - / .
  kUpperB = 256, kLowerB = 512,  // ASCII letters
};
constexpr std::string_view kLeadPunct = "([{\"'`";
constexpr std::string_view kTrailPunct = ")]}\"'`,;:.!?";
constexpr std::array<std::uint16_t, 256> MakeByteClasses() {
  std::array<std::uint16_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    const bool alnum = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
    std::uint16_t f = 0;
    if (c <= 0x20 || c == 0x7f) f |= kSpaceB;
    if (alnum) f |= kAlnumB | kWordB;
    if (c >= 0x80) f |= kWordB;
    if (c > 0x20 && c < 0x7f && !alnum) f |= kPunctB;
    if (c == '\'' || c == '"' || c == '`' || c == 0xe2) f |= kQuoteB;
    if (alnum || c == '_' || c == '-' || c == '/' || c == '.') f |= kVocabB;
    if (c >= 'A' && c <= 'Z') f |= kUpperB;
    if (c >= 'a' && c <= 'z') f |= kLowerB;
    t[static_cast<std::size_t>(c)] = f;
  }
  for (char c : kLeadPunct) t[static_cast<unsigned char>(c)] |= kLeadB;
  for (char c : kTrailPunct) t[static_cast<unsigned char>(c)] |= kTrailB;
  return t;
}
constexpr std::array<std::uint16_t, 256> kByteClass = MakeByteClasses();
bool Is(unsigned char c, std::uint16_t cls) { return (kByteClass[c] & cls) != 0; }
bool IsSpace(unsigned char c) { return Is(c, kSpaceB); }
bool IsAlpha(unsigned char c) { return Is(c, kUpperB | kLowerB); }
bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(unsigned char c) { return Is(c, kAlnumB); }
bool IsHex(unsigned char c) { return IsDigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }
bool IsWordByte(unsigned char c) { return Is(c, kWordB); }
bool IsPunct(unsigned char c) { return Is(c, kPunctB); }
// The end of the run of bytes of class `cls` that starts at s[i].
std::size_t RunEnd(std::string_view s, std::size_t i, std::uint16_t cls) {
  while (i < s.size() && Is(static_cast<unsigned char>(s[i]), cls)) ++i;
  return i;
}

// N bytes as an integer, the first byte lowest.
template <std::size_t N>
std::uint64_t LoadLittle(const char* p) {
  std::uint64_t x = 0;
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(&x, p, N);
  } else {
    for (std::size_t j = 0; j < N; ++j) x |= std::uint64_t{static_cast<unsigned char>(p[j])} << (8 * j);
  }
  return x;
}

constexpr std::array<char, 256> MakeLower() {
  std::array<char, 256> t{};
  for (int c = 0; c < 256; ++c) t[static_cast<std::size_t>(c)] = static_cast<char>((c >= 'A' && c <= 'Z') ? (c | 0x20) : c);
  return t;
}
constexpr std::array<char, 256> kLower = MakeLower();
char Lower(unsigned char c) { return kLower[c]; }
// Whether `lower` (lower case) and `s` (any case) are the same word.
bool EqualsLower(std::string_view lower, std::string_view s) {
  return lower.size() == s.size() && std::equal(lower.begin(), lower.end(), s.begin(), [](char a, char b) {
           return a == Lower(static_cast<unsigned char>(b));
         });
}

// Whether every byte of `s` is a word byte (no punctuation, no space).
bool AllWordBytes(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return IsWordByte(c); });
}
constexpr std::size_t kMaxPunctRun = 3;
constexpr std::size_t kMaxWord = 48;

bool AllDigits(std::string_view s) {
  return !s.empty() && IsDigit(static_cast<unsigned char>(s[0])) &&
         std::all_of(s.begin() + 1, s.end(), [](unsigned char c) { return IsDigit(c); });
}

// Case shapes that may leave: lower, Capitalised, UPPER (letters only):
// after the first letter, no mix of upper and lower case.
bool CaseShapeAllowed(std::string_view w) {
  std::size_t i = 0;
  while (i < w.size() && !IsAlpha(static_cast<unsigned char>(w[i]))) ++i;
  unsigned rest = 0;
  for (++i; i < w.size(); ++i) rest |= kByteClass[static_cast<unsigned char>(w[i])];
  return (rest & (kUpperB | kLowerB)) != (kUpperB | kLowerB);
}

enum class WordCase { kAbsent, kShaped, kMixed };

// The vocabulary as an open-addressing table keyed by the lower-case word.
// A lookup reads the word once, in 8-byte blocks: it hashes them with ASCII
// case folded and compares them with a stored word under that word's mask,
// which lets only its letters differ in case (exactly EqualsLower); no copy,
// no allocation, a few instructions per block.
class WordTable {
 public:
  // Adds a lower-case word (a repeat is kept once).
  void Add(std::string_view lower) {
    if (Find(lower)) return;
    Blocks word{}, mask{};
    std::string letters(lower.size(), '\0');
    for (std::size_t i = 0; i < lower.size(); ++i) {
      if (IsAlpha(static_cast<unsigned char>(lower[i]))) letters[i] = 0x20;
    }
    const std::size_t n = Load(lower, word);
    Load(letters, mask);
    const std::uint32_t slot = static_cast<std::uint32_t>((blocks_.size() + 1) << 8 | lower.size());
    blocks_.insert(blocks_.end(), word.begin(), word.begin() + static_cast<std::ptrdiff_t>(n));
    blocks_.insert(blocks_.end(), mask.begin(), mask.begin() + static_cast<std::ptrdiff_t>(n));
    words_.push_back(slot);
    if (2 * words_.size() > slots_.size()) Rehash(slots_.empty() ? 2048 : 2 * slots_.size());
    Place(slot);
  }
  // Whether `w` in any case is in the table.
  bool Find(std::string_view w) const { return Lookup(w, 0, w.size()) != WordCase::kAbsent; }
  // Whether text.substr(at, len) in any case is in the table, and whether
  // its case shape is one that may leave (CaseShapeAllowed), read from the
  // same blocks. A word of up to 16 bytes (most) in a text of 8 bytes or
  // more is read with at most two 8-byte loads inside the text.
  WordCase Lookup(std::string_view text, std::size_t at, std::size_t len) const {
    if (len - 1 < 16 && text.size() >= 8 && !slots_.empty()) {
      const bool two = len > 8;
      const std::uint64_t a = two ? LoadLittle<8>(text.data() + at) : Window(text, at, len);
      return LookupShort(a, two ? Window(text, at + 8, len - 8) : 0, len);
    }
    return LookupAny(text.substr(at, len));
  }
  std::size_t size() const { return words_.size(); }

 private:
  using Blocks = std::array<std::uint64_t, (kMaxWord + 7) / 8>;
  // Out of line, so Lookup stays small enough to inline.
  [[gnu::noinline]] WordCase LookupAny(std::string_view w) const {
    if (w.empty() || w.size() > kMaxWord || slots_.empty()) return WordCase::kAbsent;
    Blocks q;
    const std::size_t n = Load(w, q);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = Hash(q, n) & mask;; i = (i + 1) & mask) {
      const std::uint32_t slot = slots_[i];
      if (slot == 0) return WordCase::kAbsent;
      if ((slot & 0xff) != w.size()) continue;
      const std::uint64_t* stored = &blocks_[(slot >> 8) - 1];
      if (Equal(stored, q, n)) return Shape(stored, q, n);
    }
  }
  // text.substr(at, len) (1 <= len <= 8, text.size() >= 8) as a block: one
  // load of the 8 bytes of the text from `at`, or of its last 8, shifted.
  static std::uint64_t Window(std::string_view text, std::size_t at, std::size_t len) {
    const std::size_t from = std::min(at, text.size() - 8);
    return (LoadLittle<8>(text.data() + from) >> (8 * (at - from))) & LowBytes(len);
  }
  // LookupAny for a word of 1 <= len <= 16 bytes as blocks a (and b).
  WordCase LookupShort(std::uint64_t a, std::uint64_t b, std::size_t len) const {
    const bool two = len > 8;
    std::uint64_t h = Mix(kSeed * (two ? 3 : 2), a);
    if (two) h = Mix(h, b);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = static_cast<std::size_t>(h) & mask;; i = (i + 1) & mask) {
      const std::uint32_t slot = slots_[i];
      if (slot == 0) return WordCase::kAbsent;
      if ((slot & 0xff) != len) continue;
      const std::uint64_t* s = &blocks_[(slot >> 8) - 1];
      const std::uint64_t mask_a = s[two ? 2 : 1], mask_b = two ? s[3] : 0, word_b = two ? s[1] : 0;
      if ((((a | mask_a) ^ s[0]) | ((b | mask_b) ^ word_b)) != 0) continue;
      const std::uint64_t up_a = a ^ s[0], up_b = b ^ word_b;  // 0x20 at upper-case letters
      if ((up_a | up_b) == 0) return WordCase::kShaped;          // all lower case: the common word
      std::uint64_t letters_a = mask_a, letters_b = mask_b;
      if (letters_a != 0) {
        letters_a &= letters_a - 1;
      } else {
        letters_b &= letters_b - 1;
      }
      const bool upper = ((up_a & letters_a) | (up_b & letters_b)) != 0;
      const bool lower = ((~up_a & letters_a) | (~up_b & letters_b)) != 0;
      return upper && lower ? WordCase::kMixed : WordCase::kShaped;
    }
  }
  // The low k bytes (1 <= k <= 8).
  static std::uint64_t LowBytes(std::size_t k) { return ~std::uint64_t{0} >> (64 - 8 * k); }
  static constexpr std::uint64_t kSeed = 0x9e3779b97f4a7c15ull;
  static std::uint64_t Mix(std::uint64_t h, std::uint64_t block) {
    h = (h ^ (block | 0x2020202020202020ull)) * 0xff51afd7ed558ccdull;
    return h ^ (h >> 32);
  }
  // `w` (at most kMaxWord bytes) as blocks, the first byte lowest, the last
  // block zero-padded; the number of blocks.
  static std::size_t Load(std::string_view w, Blocks& out) {
    const std::size_t full = w.size() / 8;
    for (std::size_t k = 0; k < full; ++k) out[k] = LoadLittle<8>(w.data() + 8 * k);
    const std::size_t rest = w.size() % 8;
    if (rest == 0) return full;
    const char* p = w.data() + 8 * full;
    std::uint64_t x = 0;
    int shift = 0;
    if (rest & 4) {
      x = LoadLittle<4>(p);
      p += 4;
      shift = 32;
    }
    if (rest & 2) {
      x |= LoadLittle<2>(p) << shift;
      p += 2;
      shift += 16;
    }
    if (rest & 1) x |= std::uint64_t{static_cast<unsigned char>(*p)} << shift;
    out[full] = x;
    return full + 1;
  }
  // Case folded as `b | 0x20` per byte: words equal but for the case of
  // their letters hash alike.
  static std::size_t Hash(const Blocks& q, std::size_t n) {
    std::uint64_t h = kSeed * (n + 1);
    for (std::size_t k = 0; k < n; ++k) h = Mix(h, q[k]);
    return static_cast<std::size_t>(h);
  }
  // `stored`: the word's n blocks, then its mask's (0x20 at its letters).
  static bool Equal(const std::uint64_t* stored, const Blocks& q, std::size_t n) {
    std::uint64_t diff = 0;
    for (std::size_t k = 0; k < n; ++k) diff |= (q[k] | stored[n + k]) ^ stored[k];
    return diff == 0;
  }
  // For `q` Equal to a stored word: q ^ stored is 0x20 at its upper-case
  // letters, the mask 0x20 at all its letters; the first letter (the lowest
  // set bit) does not count.
  static WordCase Shape(const std::uint64_t* stored, const Blocks& q, std::size_t n) {
    std::uint64_t upper = 0, lower = 0;
    bool first = true;
    for (std::size_t k = 0; k < n; ++k) {
      std::uint64_t letters = stored[n + k];
      if (first && letters != 0) {
        letters &= letters - 1;
        first = false;
      }
      const std::uint64_t up = q[k] ^ stored[k];
      upper |= up & letters;
      lower |= ~up & letters;
    }
    return upper != 0 && lower != 0 ? WordCase::kMixed : WordCase::kShaped;
  }
  void Place(std::uint32_t slot) {
    const std::size_t size = slot & 0xff, n = (size + 7) / 8;
    Blocks q;
    std::copy_n(blocks_.begin() + static_cast<std::ptrdiff_t>((slot >> 8) - 1), n, q.begin());
    std::size_t i = Hash(q, n) & (slots_.size() - 1);
    while (slots_[i] != 0) i = (i + 1) & (slots_.size() - 1);
    slots_[i] = slot;
  }
  void Rehash(std::size_t n) {
    slots_.assign(n, 0);
    for (std::size_t k = 0; k + 1 < words_.size(); ++k) Place(words_[k]);
  }
  std::vector<std::uint64_t> blocks_;  // per word: its blocks, then its mask's
  std::vector<std::uint32_t> words_;   // per word: its slot value
  // (1 + offset into blocks_) << 8 | size; 0: empty; size a power of two
  std::vector<std::uint32_t> slots_;
};

struct NumberRule {
  std::vector<std::string> after;
  long min = 0, max = 0;
};

// Placeholders the templater writes (each second byte is different).
constexpr std::string_view kPlaceholders[] = {"<path>", "<url>",    "<email>",  "<ip>",     "<hex>",
                                              "<number>", "<word>", "<quoted>", "<symbols>"};
// Second byte -> 1 + index into kPlaceholders (0: none).
constexpr std::array<unsigned char, 256> MakePlaceholderIndex() {
  std::array<unsigned char, 256> t{};
  for (std::size_t i = 0; i < std::size(kPlaceholders); ++i) {
    t[static_cast<unsigned char>(kPlaceholders[i][1])] = static_cast<unsigned char>(i + 1);
  }
  return t;
}
constexpr std::array<unsigned char, 256> kPlaceholderIndex = MakePlaceholderIndex();
constexpr bool SecondBytesDiffer() {
  for (std::size_t i = 0; i < std::size(kPlaceholders); ++i) {
    if (kPlaceholderIndex[static_cast<unsigned char>(kPlaceholders[i][1])] != i + 1) return false;
  }
  return true;
}
static_assert(SecondBytesDiffer(), "PlaceholderAt tells placeholders apart by their second byte");

// A scrubber finding stays as its marker "[REDACTED:<rule-id>]" (ids of the
// rule catalogue only): the wire check knows markers are not values, and the
// reader sees what kind of thing was there.
constexpr std::string_view kMarker = "[REDACTED:";
constexpr std::size_t kMaxMarker = 64;

// The placeholder or marker that starts at s[0], or empty.
std::string_view PlaceholderAt(std::string_view s) {
  if (s.empty()) return {};
  if (s[0] == '<') {
    // Placeholders differ in their second byte; each holds one '>', its last.
    const unsigned index = s.size() < 2 ? 0 : kPlaceholderIndex[static_cast<unsigned char>(s[1])];
    if (index == 0) return {};
    const std::string_view p = kPlaceholders[index - 1];
    if (s.size() < p.size()) return {};
    for (std::size_t k = 2; k < p.size(); ++k) {
      if (s[k] != p[k]) return {};
    }
    return p;
  } else if (s[0] == '[' && s.substr(0, kMarker.size()) == kMarker) {
    const std::size_t end = s.substr(0, kMaxMarker).find(']');
    if (end != std::string_view::npos && IsCataloguedRule(s.substr(kMarker.size(), end - kMarker.size()))) {
      return s.substr(0, end + 1);
    }
  }
  return {};
}

// A chunk (no spaces) as outer punctuation and core; a marker is never cut.
struct Chunk {
  std::string_view lead, core, trail;
};
Chunk SplitChunk(std::string_view chunk) {
  std::size_t lead = 0;
  while (lead < chunk.size() && Is(static_cast<unsigned char>(chunk[lead]), kLeadB) &&
         (chunk[lead] != '[' || PlaceholderAt(chunk.substr(lead)).empty())) {
    ++lead;
  }
  std::size_t end = chunk.size();
  while (end > lead && Is(static_cast<unsigned char>(chunk[end - 1]), kTrailB)) {
    if (chunk[end - 1] == ']') {
      const std::size_t open = chunk.rfind(kMarker, end - 1);
      if (open != std::string_view::npos && open >= lead &&
          PlaceholderAt(chunk.substr(open)).size() == end - open) {
        break;
      }
    }
    --end;
  }
  return {chunk.substr(0, lead), chunk.substr(lead, end - lead), chunk.substr(end)};
}

bool IsPlaceholder(std::string_view s) { return !s.empty() && PlaceholderAt(s).size() == s.size(); }

// Whether `s` holds a placeholder that stands for text the templater read
// (all but <quoted>, which stands for a span the quote pass removed before
// any reading). The shape recognisers (path, url, ip, ...) never read across
// one: such a chunk is templater output (or claims to be), and it is read
// token by token, the way it was written.
bool HoldsReadPlaceholder(std::string_view s) {
  for (std::size_t i = s.find('<'); i != std::string_view::npos; i = s.find('<', i + 1)) {
    const std::string_view p = PlaceholderAt(s.substr(i));
    if (!p.empty() && p != "<quoted>") return true;
  }
  return false;
}

// Quote pairs (UTF-8): an opener at the start or after a space or one of
// "([{=:," begins a span that ends at its next closer.
struct QuotePair {
  std::string_view open, close;
};
constexpr QuotePair kQuotes[] = {
    {"'", "'"}, {"\"", "\""}, {"`", "`"}, {"\u201c", "\u201d"}, {"\u2018", "\u2019"}};

bool OpensQuote(std::string_view text, std::size_t i) {
  if (i == 0) return true;
  const unsigned char p = static_cast<unsigned char>(text[i - 1]);
  return IsSpace(p) || std::string_view("([{=:,").find(static_cast<char>(p)) != std::string_view::npos;
}

}  // namespace

struct FreeTextPolicy::Impl {
  const Scrubber* scrubber = nullptr;
  WordTable words;
  std::vector<NumberRule> numbers;
  std::vector<std::string> placeholders;
  std::vector<ErrorClass> classes;
  std::unique_ptr<RE2::Set> class_set;
  std::vector<int> set_to_class;
  std::vector<std::unique_ptr<RE2>> class_re;  // per class (null: no pattern)
  int fallback = -1;

  bool Word(std::string_view w) const { return words.Find(w); }

  // A number may stay after `prev` (the last vocabulary word, any case).
  bool NumberKept(std::string_view digits, std::string_view prev) const {
    if (prev.empty() || digits.size() > 6) return false;
    long v = 0;
    std::from_chars(digits.data(), digits.data() + digits.size(), v);
    for (const auto& r : numbers) {
      if (v < r.min || v > r.max) continue;
      for (const auto& a : r.after) {
        if (EqualsLower(a, prev)) return true;
      }
    }
    return false;
  }

  void PutWord(std::string& out, std::string_view w, WordCase shape) const {
    if (shape == WordCase::kShaped) {
      out.append(w);
    } else {
      for (unsigned char c : w) out.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : static_cast<char>(c));
    }
  }
};

namespace {

// Writes template output; punctuation runs longer than kMaxPunctRun become
// <symbols> in place, whitespace runs one space. A chunk that holds <symbols>
// holds a placeholder, so a second pass reads it token by token as the first
// pass wrote it (never by shape: ":::A" + a punctuation run is not an IPv6
// address the second time).
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  void Punct(char c) {
    Release();
    if (run_ == 0) run_start_ = out_.size();
    out_.push_back(c);
    ++run_;
  }
  void Flush() {
    if (run_ > kMaxPunctRun) {
      out_.resize(run_start_);
      if (apart_ && !out_.empty() && out_.back() != ' ') out_.push_back(' ');
      out_ += "<symbols>";
      symbols_end_ = out_.size();
    }
    run_ = 0;
  }
  std::string& Text() {
    Release();
    Flush();
    apart_ = false;
    return out_;
  }
  // For a vocabulary entry read as a whole chunk: it stands apart from a
  // <symbols> on either side, so a second pass reads it whole again
  // ("((((http/1.1" becomes "<symbols> http/1.1", not "<symbols>http/1.1",
  // which reads piecewise as "http", "/", a number).
  std::string& Whole() {
    Release();
    Flush();
    if (!out_.empty() && out_.size() == symbols_end_) out_.push_back(' ');
    apart_ = true;
    return out_;
  }
  void Space() {
    Release();
    Flush();
    apart_ = false;
    if (!out_.empty() && out_.back() != ' ') out_ += ' ';
  }
  void Finish() {
    Release();
    Flush();
    apart_ = false;
    while (!out_.empty() && out_.back() == ' ') out_.pop_back();
  }
  // The common output is the input as it stands: a chunk that is a whole
  // vocabulary entry in an allowed case shape with at most kMaxPunctRun
  // bytes of trailing punctuation, and single spaces between such chunks.
  // Such input is held as a view and written in one append when anything
  // else comes; Whole(), Punct() and Space() would have written the same.
  void KeepWhole(std::string_view chunk) {
    if (held_.data() + held_.size() == chunk.data() && !held_.empty()) {
      held_ = std::string_view(held_.data(), held_.size() + chunk.size());
    } else {
      Whole();
      held_ = chunk;
    }
    apart_ = true;
  }
  // `space` is one ' ' of the input.
  void KeepSpace(std::string_view space) {
    if (!held_.empty() && held_.data() + held_.size() == space.data() && held_.back() != ' ') {
      held_ = std::string_view(held_.data(), held_.size() + 1);
      apart_ = false;
    } else {
      Space();
    }
  }

 private:
  // Writes the held input (run_ is 0: nothing but KeepWhole/KeepSpace came
  // since the Whole() that began it).
  void Release() {
    if (held_.empty()) return;
    out_.append(held_);
    held_ = {};
  }
  std::string& out_;
  std::string_view held_;
  std::size_t run_ = 0, run_start_ = 0;
  std::size_t symbols_end_ = std::string::npos;  // where the last <symbols> ended
  bool apart_ = false;  // a whole vocabulary entry was just written
};

// Whether `text` holds a byte that may start a quote (kQuoteB), sixteen
// bytes at a time (SSE2, part of x86-64), else eight: a byte equal to b
// makes (x ^ b...) hold a zero byte, which (v - 0x01...) & ~v & 0x80... finds
// exactly.
bool MayHoldQuote(std::string_view text) {
  std::size_t i = 0;
#if defined(__SSE2__)
  const __m128i single = _mm_set1_epi8('\''), dbl = _mm_set1_epi8('"'), back = _mm_set1_epi8('`'),
                typographic = _mm_set1_epi8(static_cast<char>(0xe2));
  for (; i + 16 <= text.size(); i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
    const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, single), _mm_cmpeq_epi8(v, dbl)),
                                     _mm_or_si128(_mm_cmpeq_epi8(v, back), _mm_cmpeq_epi8(v, typographic)));
    if (_mm_movemask_epi8(hit) != 0) return true;
  }
#endif
  constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  auto zero_byte = [](std::uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t x;
    std::memcpy(&x, text.data() + i, 8);
    if ((zero_byte(x ^ (kOnes * '\'')) | zero_byte(x ^ (kOnes * '"')) | zero_byte(x ^ (kOnes * '`')) |
         zero_byte(x ^ (kOnes * 0xe2))) != 0) {
      return true;
    }
  }
  for (; i < text.size(); ++i) {
    if (Is(static_cast<unsigned char>(text[i]), kQuoteB)) return true;
  }
  return false;
}

// Quoted spans become <quoted>. Returns false when there was nothing to do
// (the common case: no copy).
bool RewriteQuotes(std::string_view text, std::string* out) {
  if (!MayHoldQuote(text)) return false;
  out->reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (const auto m = PlaceholderAt(text.substr(i)); !m.empty()) {
      out->append(m);
      i += m.size();
      continue;
    }
    bool quoted = false;
    if (OpensQuote(text, i)) {
      for (const auto& q : kQuotes) {
        if (text.compare(i, q.open.size(), q.open) != 0) continue;
        const std::size_t from = i + q.open.size();
        // Any later closer (not only on the same line: the template joins
        // lines, and a second pass must find what the first found).
        const std::size_t close = text.find(q.close, from);
        if (close != std::string_view::npos && close > from) {
          *out += "<quoted>";
          i = close + q.close.size();
          quoted = true;
        }
        break;
      }
    }
    if (!quoted) out->push_back(text[i++]);
  }
  return true;
}

bool LooksLikeUrl(std::string_view s) {
  if (s.find("://") != std::string_view::npos) return true;
  return s.size() > 4 && (s[0] | 0x20) == 'w' && (s[1] | 0x20) == 'w' && (s[2] | 0x20) == 'w' && s[3] == '.';
}

bool LooksLikeEmail(std::string_view s) {
  const std::size_t at = s.find('@');
  if (at == 0 || at == std::string_view::npos) return false;
  const std::size_t dot = s.find('.', at);
  return dot != std::string_view::npos && dot > at + 1 && dot + 1 < s.size();
}

bool LooksLikeIp(std::string_view s) {
  // IPv4 with an optional port.
  int groups = 0, digits = 0;
  std::size_t i = 0;
  for (; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (IsDigit(c)) {
      if (++digits > 3) break;
    } else if (c == '.' && digits > 0) {
      ++groups;
      digits = 0;
    } else {
      break;
    }
  }
  if (groups == 3 && digits > 0 && (i == s.size() || (s[i] == ':' && AllDigits(s.substr(i + 1))))) return true;
  // IPv6: hex groups and at least two colons (optionally bracketed, with port).
  std::size_t colons = 0, hex = 0, letters = 0;
  for (unsigned char c : s) {
    if (c == ':') {
      ++colons;
    } else if (IsHex(c)) {
      ++hex;
      letters += IsAlpha(c);
    } else if (c != '.' && c != '[' && c != ']' && c != '%') {
      return false;
    }
  }
  // Clock times (12:30:45) have no hex letter, no "::" and few groups.
  return colons >= 2 && hex > 0 && (letters > 0 || colons >= 5 || s.find("::") != std::string_view::npos);
}

bool LooksLikePathStart(std::string_view s) {
  if (s[0] == '/' || s[0] == '~' || s[0] == '\\') return true;
  if (s.substr(0, 2) == "./" || s.substr(0, 3) == "../" || s.substr(0, 2) == ".\\") return true;
  return s.size() >= 3 && IsAlpha(static_cast<unsigned char>(s[0])) && s[1] == ':' && (s[2] == '\\' || s[2] == '/');
}

bool LooksLikeHex(std::string_view s) {
  if (s.size() > 2 && s[0] == '0' && (s[1] | 0x20) == 'x') {
    return std::all_of(s.begin() + 2, s.end(), [](unsigned char c) { return IsHex(c); });
  }
  std::size_t hex = 0, digits = 0, letters = 0;
  for (unsigned char c : s) {
    if (c == '-') continue;
    if (!IsHex(c)) return false;
    ++hex;
    IsDigit(c) ? ++digits : ++letters;
  }
  return hex >= 8 && digits > 0 && letters > 0;
}

}  // namespace

FreeTextPolicy::FreeTextPolicy(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FreeTextPolicy::~FreeTextPolicy() = default;

std::string_view FreeTextModeName(FreeTextMode mode) {
  switch (mode) {
    case FreeTextMode::kClass: return "class";
    case FreeTextMode::kTemplate: return "template";
    case FreeTextMode::kScrub: return "scrub";
  }
  return "";
}

std::optional<FreeTextMode> ParseFreeTextMode(std::string_view name) {
  for (FreeTextMode m : {FreeTextMode::kClass, FreeTextMode::kTemplate, FreeTextMode::kScrub}) {
    if (FreeTextModeName(m) == name) return m;
  }
  return std::nullopt;
}

std::unique_ptr<FreeTextPolicy> FreeTextPolicy::Create(std::string_view error_classes_json,
                                                       std::string_view vocabulary_json,
                                                       const Scrubber* scrubber, std::string* error) {
  auto impl = std::make_unique<Impl>();
  impl->scrubber = scrubber ? scrubber : &Scrubber::Default();
  std::string where = "vocabulary";
  try {
    const json voc = json::parse(vocabulary_json);
    for (const char* list : {"words", "phrases"}) {
      for (const auto& w : voc.at(list)) {
        const std::string s = w.get<std::string>();
        if (s.empty() || s.size() > kMaxWord || !std::all_of(s.begin(), s.end(), [](unsigned char c) {
              return (IsAlnum(c) && !(c >= 'A' && c <= 'Z')) || c == '_' || c == '-' || c == '/' || c == '.';
            })) {
          throw std::runtime_error(std::string(list) + ": '" + s + "' is not a lower-case ASCII word");
        }
        impl->words.Add(s);
      }
    }
    for (const auto& n : voc.at("numbers")) {
      NumberRule r;
      for (const auto& a : n.at("after")) {
        std::string w = a.get<std::string>();
        for (char& c : w) c = Lower(static_cast<unsigned char>(c));  // compared with EqualsLower
        r.after.push_back(std::move(w));
      }
      r.min = n.at("min").get<long>();
      r.max = n.at("max").get<long>();
      impl->numbers.push_back(std::move(r));
    }
    for (const auto& [k, v] : voc.at("placeholders").items()) {
      if (!IsPlaceholder(k)) throw std::runtime_error("placeholders: '" + k + "' is not one the templater writes");
      impl->placeholders.push_back(k);
    }
    if (impl->placeholders.size() != std::size(kPlaceholders)) {
      throw std::runtime_error("placeholders: every placeholder the templater writes must be listed");
    }
    where = "error classes";
    const json cls = json::parse(error_classes_json);
    RE2::Options opt;
    opt.set_case_sensitive(false);
    opt.set_log_errors(false);
    impl->class_set = std::make_unique<RE2::Set>(opt, RE2::UNANCHORED);
    for (const auto& c : cls.at("classes")) {
      ErrorClass ec;
      ec.id = c.at("id").get<std::string>();
      ec.doc = c.at("doc").get<std::string>();
      ec.pattern = c.at("pattern").get<std::string>();
      if (c.contains("status")) {
        ec.status_min = c["status"].at(0).get<int>();
        ec.status_max = c["status"].at(1).get<int>();
      }
      const int index = static_cast<int>(impl->classes.size());
      if (ec.pattern.empty()) {
        if (impl->fallback >= 0) throw std::runtime_error("two classes without a pattern");
        impl->fallback = index;
        impl->class_re.push_back(nullptr);
      } else {
        std::string err;
        if (impl->class_set->Add(ec.pattern, &err) < 0) throw std::runtime_error(ec.id + ": " + err);
        impl->set_to_class.push_back(index);
        impl->class_re.push_back(std::make_unique<RE2>(ec.pattern, opt));
      }
      impl->classes.push_back(std::move(ec));
    }
    if (impl->fallback < 0) throw std::runtime_error("no fallback class (one without a pattern)");
    if (!impl->class_set->Compile()) throw std::runtime_error("the class patterns do not compile together");
  } catch (const std::exception& e) {
    if (error) *error = "free-text " + where + ": " + e.what();
    return nullptr;
  }
  return std::unique_ptr<FreeTextPolicy>(new FreeTextPolicy(std::move(impl)));
}

const FreeTextPolicy& FreeTextPolicy::Default() {
  static const FreeTextPolicy* p = [] {
    std::string err;
    auto made = Create(FindEmbedded("schemas/error_classes.json"), FindEmbedded("schemas/vocabulary.json"),
                       nullptr, &err);
    if (!made) {
      // The tables are compiled in and tested; this is a broken build.
      std::fprintf(stderr, "telguard: embedded %s\n", err.c_str());
      std::abort();
    }
    return made.release();
  }();
  return *p;
}

ScrubResult FreeTextPolicy::Apply(FreeTextMode mode, std::string_view text) const noexcept {
  ScrubResult r = impl_->scrubber->Scrub(text);
  if (!r.ok) return r;
  try {
    if (mode == FreeTextMode::kScrub) {
      // As the pipeline's scrub mode: quoted spans go too.
      if (const std::size_t n = RemoveQuotedSpans(&r.text); n > 0) r.hits.push_back({kRuleQuotedText, n});
      return r;
    }
    r.text = mode == FreeTextMode::kClass ? Classify(r.text) : Template(r.text);
  } catch (...) {
    return ScrubResult{false, {}, {}};
  }
  return r;
}

std::string FreeTextPolicy::Template(std::string_view scrubbed) const {
  std::string rewritten;
  const std::string_view text =
      RewriteQuotes(scrubbed, &rewritten) ? std::string_view(rewritten) : scrubbed;
  std::string out;
  out.reserve(text.size());
  Writer w(out);
  std::string_view prev;  // the last vocabulary word, as written ("" after a placeholder)
  auto set_prev = [&](std::string_view word) { prev = word; };
  // A placeholder ends a number's context, except <symbols> (punctuation).
  auto placeholder = [&](std::string_view p) {
    w.Text() += p;
    if (p != "<symbols>") prev = {};
  };
  auto number = [&](std::string_view digits) {
    if (impl_->NumberKept(digits, prev)) {
      w.Text() += digits;
    } else {
      placeholder("<number>");
    }
  };
  // Whether a run of word bytes is a vocabulary word, and its case shape.
  auto lookup = [&](std::string_view run) {
    return impl_->words.Lookup(text, static_cast<std::size_t>(run.data() - text.data()), run.size());
  };
  // A run of word bytes: a vocabulary word (`whole`: the chunk's whole core),
  // a number, a hex run or <word>.
  auto word = [&](std::string_view run, bool whole, WordCase shape) {
    if (shape != WordCase::kAbsent) {
      impl_->PutWord(whole ? w.Whole() : w.Text(), run, shape);
      set_prev(run);
    } else if (AllDigits(run)) {
      number(run);
    } else if (LooksLikeHex(run)) {
      placeholder("<hex>");
    } else {
      placeholder("<word>");
    }
  };
  // Runs of word bytes, placeholders and punctuation inside one chunk.
  auto generic = [&](std::string_view core) {
    std::size_t i = 0;
    while (i < core.size()) {
      const unsigned char c = static_cast<unsigned char>(core[i]);
      if (c == '<' || c == '[') {
        if (const auto p = PlaceholderAt(core.substr(i)); !p.empty()) {
          placeholder(p);
          i += p.size();
          continue;
        }
      }
      if (!IsWordByte(c)) {
        w.Punct(static_cast<char>(c));
        ++i;
        continue;
      }
      std::size_t j = i;
      while (j < core.size() && IsWordByte(static_cast<unsigned char>(core[j]))) ++j;
      const std::string_view run = core.substr(i, j - i);
      word(run, /*whole=*/false, lookup(run));
      i = j;
    }
  };
  std::size_t i = 0;
  while (i < text.size()) {
    if (IsSpace(static_cast<unsigned char>(text[i]))) {
      text[i] == ' ' ? w.KeepSpace(text.substr(i, 1)) : w.Space();
      ++i;
      continue;
    }
    // The common chunk: word bytes, then perhaps trailing punctuation, as
    // SplitChunk would cut it (no marker can end it: a marker holds a '[').
    const std::size_t run = RunEnd(text, i, kWordB);
    if (run > i) {
      const std::size_t trail = RunEnd(text, run, kTrailB);
      if (trail == text.size() || IsSpace(static_cast<unsigned char>(text[trail]))) {
        const std::string_view core = text.substr(i, run - i);
        const WordCase shape = lookup(core);
        if (shape == WordCase::kShaped && trail - run <= kMaxPunctRun) {
          w.KeepWhole(text.substr(i, trail - i));
          set_prev(core);
        } else {
          word(core, /*whole=*/true, shape);
          for (std::size_t k = run; k < trail; ++k) w.Punct(text[k]);
        }
        i = trail;
        continue;
      }
    }
    std::size_t end = run;
    while (end < text.size() && !IsSpace(static_cast<unsigned char>(text[end]))) ++end;
    const Chunk chunk = SplitChunk(text.substr(i, end - i));
    i = end;
    const std::string_view core = chunk.core;
    for (char c : chunk.lead) w.Punct(c);
    if (core.empty()) {
    } else if (AllWordBytes(core)) {
      // The common chunk, one word: no shape but a hex run can match it.
      word(core, /*whole=*/true, lookup(core));
    } else if (IsPlaceholder(core)) {
      placeholder(core);
    } else if (HoldsReadPlaceholder(core)) {
      generic(core);
    } else if (const WordCase shape = impl_->words.Lookup(core, 0, core.size()); shape != WordCase::kAbsent) {
      impl_->PutWord(w.Whole(), core, shape);
      set_prev(core);
    } else if (AllDigits(core)) {
      number(core);
    } else if (LooksLikeUrl(core)) {
      placeholder("<url>");
    } else if (LooksLikeEmail(core)) {
      placeholder("<email>");
    } else if (LooksLikeIp(core)) {
      placeholder("<ip>");
    } else if (LooksLikePathStart(core)) {
      placeholder("<path>");
    } else if (LooksLikeHex(core)) {
      placeholder("<hex>");
    } else if (core.find_first_of("/\\") != std::string_view::npos) {
      // A relative path, unless every piece is a vocabulary word ("read/write").
      bool words = true;
      std::size_t s = 0;
      while (words && s <= core.size()) {
        std::size_t e = core.find_first_of("/\\", s);
        if (e == std::string_view::npos) e = core.size();
        words = e > s && impl_->Word(core.substr(s, e - s));
        s = e + 1;
      }
      words ? generic(core) : placeholder("<path>");
    } else {
      generic(core);
    }
    for (char c : chunk.trail) w.Punct(c);
  }
  w.Finish();
  return out;
}

std::string FreeTextPolicy::Classify(std::string_view text) const {
  std::vector<int> hits;
  int best = impl_->fallback;
  if (impl_->class_set->Match(re2::StringPiece(text.data(), text.size()), &hits) && !hits.empty()) {
    best = impl_->set_to_class[static_cast<std::size_t>(*std::min_element(hits.begin(), hits.end()))];
  }
  const ErrorClass& c = impl_->classes[static_cast<std::size_t>(best)];
  if (c.status_max > 0) {
    std::string status;
    if (RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *impl_->class_re[static_cast<std::size_t>(best)],
                          &status) &&
        AllDigits(status) && status.size() <= 3) {
      const int v = std::atoi(status.c_str());
      if (v >= c.status_min && v <= c.status_max) return c.id + ":" + status;
    }
  }
  return c.id;
}

bool FreeTextPolicy::ConformsToTemplate(std::string_view out) const noexcept {
  std::string_view prev;  // the last vocabulary word, as written
  auto remember = [&](std::string_view word) {
    prev = word;
    return true;
  };
  std::size_t punct_run = 0;
  std::size_t i = 0;
  while (i < out.size()) {
    const unsigned char c = static_cast<unsigned char>(out[i]);
    if (c == ' ') {
      punct_run = 0;
      ++i;
      continue;
    }
    if (c < 0x20 || c >= 0x7f) return false;
    // The common chunk: a word, a number or a placeholder, then perhaps
    // trailing punctuation (read below as: that token, then a punctuation
    // run; never as a whole entry).
    std::size_t token_end = RunEnd(out, i, kAlnumB);
    std::string_view placeholder;
    if (token_end == i && c == '<') {
      placeholder = PlaceholderAt(out.substr(i));
      token_end = i + placeholder.size();
    }
    if (token_end > i) {
      const std::size_t trail = RunEnd(out, token_end, kTrailB);
      if (trail == out.size() || out[trail] == ' ') {
        const std::string_view token = out.substr(i, token_end - i);
        if (!placeholder.empty()) {
          if (placeholder != "<symbols>") prev = {};  // <symbols> is punctuation
        } else if (AllDigits(token)) {
          if (!impl_->NumberKept(token, prev)) return false;
        } else {
          if (impl_->words.Lookup(out, i, token.size()) != WordCase::kShaped) return false;
          prev = token;
        }
        punct_run = trail - token_end;
        if (punct_run > kMaxPunctRun) return false;
        i = trail;
        continue;
      }
    }
    std::size_t end = out.find(' ', i);
    if (end == std::string_view::npos) end = out.size();
    const std::string_view chunk = out.substr(i, end - i);
    i = end;
    // A whole chunk (outer punctuation aside) may be one vocabulary entry
    // with inner punctuation ("http/1.1").
    const Chunk parts = SplitChunk(chunk);
    const std::size_t lead = parts.lead.size();
    const std::string_view core = parts.core;
    const bool whole = !std::all_of(core.begin(), core.end(), [](unsigned char b) { return IsAlnum(b); }) &&
                       std::all_of(core.begin(), core.end(), [](unsigned char b) { return Is(b, kVocabB); }) &&
                       impl_->Word(core) && CaseShapeAllowed(core);
    std::size_t k = 0;
    while (k < chunk.size()) {
      const unsigned char b = static_cast<unsigned char>(chunk[k]);
      if (whole && k == lead) {
        if (!remember(core)) return false;
        punct_run = 0;
        k += core.size();
        continue;
      }
      if (b == '<' || b == '[') {
        if (const auto p = PlaceholderAt(chunk.substr(k)); !p.empty()) {
          if (p != "<symbols>") prev = {};  // <symbols> is punctuation
          punct_run = 0;
          k += p.size();
          continue;
        }
      }
      if (IsPunct(b)) {
        if (++punct_run > kMaxPunctRun) return false;
        ++k;
        continue;
      }
      if (!IsAlnum(b)) return false;
      std::size_t j = k;
      while (j < chunk.size() && IsAlnum(static_cast<unsigned char>(chunk[j]))) ++j;
      const std::string_view run = chunk.substr(k, j - k);
      if (AllDigits(run)) {
        if (!impl_->NumberKept(run, prev)) return false;
      } else {
        if (!impl_->Word(run) || !CaseShapeAllowed(run) || !remember(run)) return false;
      }
      punct_run = 0;
      k = j;
    }
  }
  return true;
}

bool FreeTextPolicy::IsClass(std::string_view out) const noexcept {
  for (const auto& c : impl_->classes) {
    if (out == c.id) return true;
    if (c.status_max > 0 && out.size() == c.id.size() + 4 && out.substr(0, c.id.size()) == c.id &&
        out[c.id.size()] == ':' && AllDigits(out.substr(c.id.size() + 1))) {
      const int v = std::atoi(std::string(out.substr(c.id.size() + 1)).c_str());
      if (v >= c.status_min && v <= c.status_max) return true;
    }
  }
  return false;
}

bool FreeTextPolicy::IsVocabularyWord(std::string_view word) const noexcept { return impl_->Word(word); }
const std::vector<ErrorClass>& FreeTextPolicy::classes() const { return impl_->classes; }
const std::vector<std::string>& FreeTextPolicy::placeholders() const { return impl_->placeholders; }
std::size_t FreeTextPolicy::vocabulary_size() const { return impl_->words.size(); }
const Scrubber& FreeTextPolicy::scrubber() const { return *impl_->scrubber; }

}  // namespace telguard::redaction
