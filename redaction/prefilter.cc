#include "redaction/prefilter.h"

#include <array>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "redaction/text_codec.h"

namespace telguard::redaction {
namespace {

// Character classes, as bits of one table entry per byte.
enum : std::uint8_t {
  kAlnum = 1,   // [A-Za-z0-9]
  kWord = 2,    // [A-Za-z0-9_-]   (bodies of most token formats)
  kB64 = 4,     // [A-Za-z0-9+/]
  kToken = 8,   // [A-Za-z0-9_~.+/=-]: every class above, and '~' '.' '='
  kLook = 16,   // the byte needs a closer look (see MayMatchDefaultRules)
  kDigit = 32,  // [0-9]
  kHex = 64,    // [0-9A-Fa-f]
  kAlpha = 128, // [A-Za-z]
};

constexpr std::array<std::uint8_t, 256> MakeTable() {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    std::uint8_t f = 0;
    const bool lower = c >= 'a' && c <= 'z', upper = c >= 'A' && c <= 'Z', digit = c >= '0' && c <= '9';
    if (lower || upper) f |= kAlpha | kAlnum | kWord | kB64 | kToken;
    if (digit) f |= kDigit | kAlnum | kWord | kB64 | kToken | kLook;
    if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) f |= kHex;
    if (c == '_' || c == '-') f |= kWord | kToken;
    if (c == '+' || c == '/') f |= kB64 | kToken;
    if (c == '~' || c == '.' || c == '=') f |= kToken;
    if (c == 'J' || c == '-' || c == '.' || c == '+' || c == '/' || c == '=' || c == ':' || c == '@' ||
        c == '%' || c == '\\' || c >= 0x80) {
      f |= kLook;
    }
    t[static_cast<std::size_t>(c)] = f;
  }
  return t;
}

constexpr std::array<std::uint8_t, 256> kTable = MakeTable();

std::uint8_t Flags(char c) { return kTable[static_cast<unsigned char>(c)]; }

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// `needle` is lower case.
bool StartsWithIgnoreCase(std::string_view s, std::string_view needle) {
  if (s.size() < needle.size()) return false;
  for (std::size_t i = 0; i < needle.size(); ++i) {
    if (Lower(s[i]) != needle[i]) return false;
  }
  return true;
}

bool EndsWithIgnoreCase(std::string_view s, std::string_view needle) {
  return s.size() >= needle.size() && StartsWithIgnoreCase(s.substr(s.size() - needle.size()), needle);
}

// One of the high-entropy rule's words: secret, token, password, passwd,
// key (api key), credential.
bool SecretWordIn(std::string_view w) {
  constexpr std::uint32_t kFirst = 1u << ('s' - 'a') | 1u << ('t' - 'a') | 1u << ('p' - 'a') |
                                   1u << ('k' - 'a') | 1u << ('c' - 'a');
  for (std::size_t i = 0; i + 3 <= w.size(); ++i) {
    const unsigned c = static_cast<unsigned char>(Lower(w[i])) - 'a';
    if (c >= 26 || !((kFirst >> c) & 1)) continue;
    const std::string_view rest = w.substr(i);
    if (StartsWithIgnoreCase(rest, "secret") || StartsWithIgnoreCase(rest, "token") ||
        StartsWithIgnoreCase(rest, "passw") || StartsWithIgnoreCase(rest, "key") ||
        StartsWithIgnoreCase(rest, "credential")) {
      return true;
    }
  }
  return false;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }  // RE2 \s

// Thresholds: the shortest run of each class that some rule's match must
// contain. Each credential format is listed under the class its body
// guarantees (prefix included where it is of the same class):
//  kAlnum >= 20: AKIA+16 (20), slack webhook secret part (20), LTAI+20,
//    sk_live_/rk_ bodies (24+), xoxb body (24+), NRAK-+27, glsa_ body (32),
//    GitHub ghp_.. bodies (36), hex bodies of dop_/dor_/doo_/pul-/sbp_/
//    glptt-/gloas-/rubygems_/sntryu_/shp.._/dapi/key-/SK/mailchimp/xoxp/
//    xapp/openrouter/lsv2/PMAK/FLWSECK (24..146), npm_/lin_api_/pnu_/gsk_/
//    r8_/pplx-/xai-/EZAK/secret_/ntn_/dp.pt./oy2/CLOJARS_/rdme_/hf_/
//    api_org_/github_pat_/age/dt0c01/cloudflare/openai legacy (34..146).
//  kWord >= 25: glrt-/gldt- + 20 (25), glpat- (26), sq0atp- (29), ya29. (30),
//    tskey- (33+), GOCSPX- (35), telegram ":A"+34 (35), dckr_pat_ (36),
//    AIza (39), fo1_/SG./figd_/sq0csp-/openai project (43+), discord,
//    HRKU-, pypi-, anthropic, Vault hvs./hvb. (60+).
//  kWord >= 17 with "xox": Slack legacy tokens (xoxa-1-..., 17+).
//  kB64 >= 32: glc_, whsec_ (32+), AWS secret key (40), Azure AccountKey (86).
//  kToken >= 37: Azure AD secret (37), pscale_ (42), duffel_ (55), tfp_,
//    sntrys_ (63), fio-u- (70), terraform .atlasv1. (83), ATATT3 (186).
//  kToken >= 16 after "bearer" and white space (bearer-token:
//    `\bbearer\s+` then 16+).
//  kToken >= 20 with a secret word in the token or within 40 bytes before
//    it on its line (high-entropy-near-secret-name: word, "s", at most 24
//    characters other than '\n', then a 20+ run).
constexpr std::size_t kAlnumMin = 20, kWordMin = 25, kWordXoxMin = 17, kB64Min = 32, kTokenMin = 37,
                      kTokenWordMin = 16, kTokenWordEntropyMin = 20;
// The shortest token worth a closer look: every threshold above and the
// base64 marker's run (14) are at least this long.
constexpr std::size_t kLongToken = kMinBase64Run;
static_assert(kLongToken <= kTokenWordMin && kLongToken <= kWordXoxMin);

struct Scan {
  std::string_view text;

  // '-' at `i` after a byte that is no token byte (or at the start):
  // secret-flag-value (`--api-key v`, `-storepass v`) and curl-user
  // (`-u`, `--user`). The flag's name (the word after up to two dashes) is
  // "u", "user", or ends with a word that says secret.
  bool SecretFlag(std::size_t i) const {
    std::size_t j = i + 1;
    if (j < text.size() && text[j] == '-') ++j;
    std::size_t e = j;
    while (e < text.size() && ((Flags(text[e]) & kAlnum) || text[e] == '_' || text[e] == '-')) ++e;
    const std::string_view name = text.substr(j, e - j);
    if (name.empty()) return false;
    if (EndsWithIgnoreCase(name, "u") && name.size() == 1) return true;
    if (name.size() == 4 && StartsWithIgnoreCase(name, "user")) return true;
    static constexpr std::string_view kFlagWords[] = {
        "password", "passwd", "passphrase", "storepass", "keypass", "passin", "passout", "secret", "token",
        "api-key", "apikey", "api_key", "access-key", "private-key", "auth-key", "credential", "credentials"};
    for (std::string_view w : kFlagWords) {
      if (EndsWithIgnoreCase(name, w)) return true;
    }
    return false;
  }

  // bearer-token: "bearer", white space, then the token at `start`.
  bool BearerBefore(std::size_t start) const {
    std::size_t j = start;
    while (j > 0 && IsSpace(text[j - 1])) --j;
    return j < start && EndsWithIgnoreCase(text.substr(0, j), "bearer");
  }

  // The token of kToken characters starting at `start` (>= kLongToken
  // long); *end is set to where it ends.
  bool LongToken(std::size_t start, std::size_t* end_out) const {
    std::size_t end = start;
    std::size_t alnum = 0, word = 0, b64 = 0, max_alnum = 0, max_word = 0, max_b64 = 0;
    bool upper = false, lower_hex_only = true;
    while (end < text.size()) {
      const std::uint8_t f = Flags(text[end]);
      if (!(f & kToken)) break;
      const char c = text[end];
      upper |= c >= 'A' && c <= 'Z';
      lower_hex_only &= (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-';
      alnum = (f & kAlnum) ? alnum + 1 : 0;
      word = (f & kWord) ? word + 1 : 0;
      b64 = (f & kB64) ? b64 + 1 : 0;
      max_alnum = alnum > max_alnum ? alnum : max_alnum;
      max_word = word > max_word ? word : max_word;
      max_b64 = b64 > max_b64 ? b64 : max_b64;
      ++end;
    }
    *end_out = end;
    const std::string_view token = text.substr(start, end - start);
    if (max_alnum >= kAlnumMin || max_b64 >= kB64Min) return true;
    // Every format under kWord and kToken has a character outside
    // [0-9a-f-] in its prefix or separators ("glpat-", "ya29.", ":A", "Q~",
    // upper case): a token of lower-case hex and '-' alone (a UUID) cannot
    // hold one of them.
    if (!lower_hex_only && (max_word >= kWordMin || token.size() >= kTokenMin)) return true;
    if (max_word >= kWordXoxMin && ContainsIgnoreCase(token, "xox")) return true;
    // aws-configure-set: the setting's name (aws_access_key_id, 17+).
    if (ContainsIgnoreCase(token, "aws_")) return true;
    // Base64 marker (the scrubber decodes such runs).
    if (upper && HasMixedCaseRun(token, kMinBase64Run)) return true;
    if (token.size() >= kTokenWordMin && BearerBefore(start)) return true;
    if (token.size() >= kTokenWordEntropyMin) {
      // The word and the run are on one line (the gap between them excludes
      // '\n').
      std::size_t from = start >= 40 ? start - 40 : 0;
      if (const std::size_t nl = text.substr(from, start - from).rfind('\n'); nl != std::string_view::npos) {
        from += nl + 1;
      }
      if (SecretWordIn(text.substr(from, end - from))) return true;
    }
    return false;
  }

  // text[i] is one of ':' '=' '+' '/' 'J' '>' '~' '\t'.
  bool RareByte(std::size_t i) const {
    const std::size_t n = text.size();
    switch (text[i]) {
      case ':':
        if (i + 1 < n && text[i + 1] == ':') return true;  // ipv6 with "::"
        return SecretNameBefore(i);
      case '=':
      case '>':  // xml-secret-element: <password>, <SecretAccessKey>
        return SecretNameBefore(i);
      case '~': {  // tilde-user: '~' then a letter or '_'.
        const char c = i + 1 < n ? text[i + 1] : ' ';
        return (Flags(c) & kAlpha) || c == '_';
      }
      case '\t': {  // netscape-cookie-jar: a tab, TRUE or FALSE, a tab.
        const std::string_view rest = text.substr(i + 1);
        return StartsWithIgnoreCase(rest, "true\t") || StartsWithIgnoreCase(rest, "false\t");
      }
      case '+':  // phone-e164: '+' then [1-9].
        return i + 1 < n && text[i + 1] >= '1' && text[i + 1] <= '9';
      case '/': {  // home-directory-user: /home/, /Users/ (also X:/Users/; X:\Users is '\').
        const std::string_view rest = text.substr(i + 1);
        return StartsWithIgnoreCase(rest, "home/") || StartsWithIgnoreCase(rest, "users/");
      }
      case 'J':  // jwt: the second part starts ".eyJ".
        return i >= 3 && text.substr(i - 3, 3) == ".ey";
      default:
        return false;
    }
  }

  // ':' or '=' at `i`: a key name that says secret before it (skipping
  // white space and one quote), as in secret-assignment (`name["']?\s*op`),
  // http-authorization, api-key-header, http-cookie, url-query-secret
  // (`[?&;]name=`), aws-secret-access-key / Azure AccountKey=, pass: (and
  // '>' after an XML element's name). A '\' before the quote fires anyway.
  bool SecretNameBefore(std::size_t i) const {
    std::size_t j = i;
    while (j > 0 && IsSpace(text[j - 1])) --j;
    if (j > 0 && (text[j - 1] == '"' || text[j - 1] == '\'')) --j;
    const std::string_view before = text.substr(0, j);
    static constexpr std::string_view kNames[] = {
        "password", "passwd", "pwd",  "secret",        "token",  "key", "keyid",     "credential",
        "credentials", "auth", "authorization", "cookie", "sig", "signature", "code", "passphrase", "pass"};
    for (std::string_view name : kNames) {
      if (EndsWithIgnoreCase(before, name)) return true;
    }
    return false;
  }
};

__extension__ typedef unsigned __int128 U128;

// One 64-byte chunk as bit masks: bit i stands for byte i of the chunk.
struct Masks {
  std::uint64_t token = 0, word = 0, alpha = 0, digit = 0, hex = 0, dash = 0, dot = 0, colon = 0, separator = 0;
  std::uint64_t s = 0, w = 0;  // 's' or 'S', 'w' or 'W' ("ssw": password, passwd)
  std::uint64_t rare = 0;    // ':' '=' '+' '/' 'J' '>' '~' '\t': looked at one by one
  std::uint64_t always = 0;  // '@' '%' '\' and bytes >= 0x80
};

#if defined(__x86_64__)
// SSE2 is part of x86-64; AVX2 is used when the CPU has it (checked once).
struct Sse2 {
  using V = __m128i;
  static constexpr int kWidth = 16;
  static V Load(const char* p) { return _mm_loadu_si128(reinterpret_cast<const V*>(p)); }
  static V Set(char c) { return _mm_set1_epi8(c); }
  static V Eq(V a, V b) { return _mm_cmpeq_epi8(a, b); }
  static V Gt(V a, V b) { return _mm_cmpgt_epi8(a, b); }
  static V And(V a, V b) { return _mm_and_si128(a, b); }
  static V Or(V a, V b) { return _mm_or_si128(a, b); }
  static std::uint64_t Bits(V m) { return static_cast<std::uint16_t>(_mm_movemask_epi8(m)); }
  // lo <= byte <= hi, for ASCII bounds (bytes >= 0x80 compare negative).
  static V In(V x, char lo, char hi) {
    return And(Gt(x, Set(static_cast<char>(lo - 1))), Gt(Set(static_cast<char>(hi + 1)), x));
  }
};
struct Avx2 {
  using V = __m256i;
  static constexpr int kWidth = 32;
  __attribute__((target("avx2"))) static V Load(const char* p) {
    return _mm256_loadu_si256(reinterpret_cast<const V*>(p));
  }
  __attribute__((target("avx2"))) static V Set(char c) { return _mm256_set1_epi8(c); }
  __attribute__((target("avx2"))) static V Eq(V a, V b) { return _mm256_cmpeq_epi8(a, b); }
  __attribute__((target("avx2"))) static V Gt(V a, V b) { return _mm256_cmpgt_epi8(a, b); }
  __attribute__((target("avx2"))) static V And(V a, V b) { return _mm256_and_si256(a, b); }
  __attribute__((target("avx2"))) static V Or(V a, V b) { return _mm256_or_si256(a, b); }
  __attribute__((target("avx2"))) static std::uint64_t Bits(V m) {
    return static_cast<std::uint32_t>(_mm256_movemask_epi8(m));
  }
  __attribute__((target("avx2"))) static V In(V x, char lo, char hi) {
    return And(Gt(x, Set(static_cast<char>(lo - 1))), Gt(Set(static_cast<char>(hi + 1)), x));
  }
};

#define TG_CLASSIFY_BODY(S)                                                                        \
  Masks m;                                                                                         \
  for (int q = 0; q < 64 / S::kWidth; ++q) {                                                       \
    const S::V v = S::Load(p + S::kWidth * q);                                                     \
    const S::V folded = S::Or(v, S::Set(0x20)); /* 'A'..'Z' -> 'a'..'z' */                         \
    const S::V digit = S::In(v, '0', '9'), alpha = S::In(folded, 'a', 'z'), hexl = S::In(folded, 'a', 'f'); \
    const S::V under = S::Eq(v, S::Set('_')), dash = S::Eq(v, S::Set('-')), dot = S::Eq(v, S::Set('.')); \
    const S::V plus = S::Eq(v, S::Set('+')), slash = S::Eq(v, S::Set('/')), equals = S::Eq(v, S::Set('=')); \
    const S::V word = S::Or(S::Or(digit, alpha), under);                                           \
    const S::V token = S::Or(S::Or(S::Or(word, dash), S::Or(dot, plus)),                           \
                             S::Or(S::Or(slash, equals), S::Eq(v, S::Set('~'))));                  \
    const S::V colon = S::Eq(v, S::Set(':'));                                                      \
    const S::V rare = S::Or(S::Or(S::Or(S::Or(plus, slash), S::Or(equals, colon)),                 \
                                  S::Or(S::Eq(v, S::Set('J')), S::Eq(v, S::Set('>')))),               \
                            S::Or(S::Eq(v, S::Set('~')), S::Eq(v, S::Set('\t'))));                   \
    const S::V always = S::Or(S::Or(S::Eq(v, S::Set('@')), S::Eq(v, S::Set('%'))),                  \
                              S::Or(S::Eq(v, S::Set('\\')), v)); /* v: sign bit = byte >= 0x80 */ \
    const int shift = S::kWidth * q;                                                               \
    m.token |= S::Bits(token) << shift;                                                            \
    m.word |= S::Bits(word) << shift;                                                              \
    m.alpha |= S::Bits(alpha) << shift;                                                            \
    m.digit |= S::Bits(digit) << shift;                                                            \
    m.hex |= S::Bits(S::Or(digit, hexl)) << shift;                                                 \
    m.dash |= S::Bits(dash) << shift;                                                              \
    m.dot |= S::Bits(dot) << shift;                                                                \
    m.colon |= S::Bits(colon) << shift;                                                            \
    m.separator |= S::Bits(S::Or(dash, S::Eq(v, S::Set(' ')))) << shift;                           \
    m.s |= S::Bits(S::Eq(folded, S::Set('s'))) << shift;                                           \
    m.w |= S::Bits(S::Eq(folded, S::Set('w'))) << shift;                                           \
    m.rare |= S::Bits(rare) << shift;                                                              \
    m.always |= S::Bits(always) << shift;                                                          \
  }                                                                                                \
  return m;

Masks ClassifySse2(const char* p) { TG_CLASSIFY_BODY(Sse2) }
__attribute__((target("avx2"))) Masks ClassifyAvx2(const char* p) { TG_CLASSIFY_BODY(Avx2) }
#undef TG_CLASSIFY_BODY

#endif

// The same masks one byte at a time: the reference the vector versions are
// tested against, and what runs on other CPUs.
Masks ClassifyPortable(const char* p) {
  Masks m;
  for (int i = 0; i < 64; ++i) {
    const char c = p[i];
    const std::uint8_t f = Flags(c);
    const std::uint64_t b = std::uint64_t{1} << i;
    if (f & kToken) m.token |= b;
    if ((f & kAlnum) || c == '_') m.word |= b;
    if (f & kAlpha) m.alpha |= b;
    if (f & kDigit) m.digit |= b;
    if (f & kHex) m.hex |= b;
    if (c == '-') m.dash |= b;
    if (c == '.') m.dot |= b;
    if (c == ':') m.colon |= b;
    if (c == ':' || c == '=' || c == '+' || c == '/' || c == 'J' || c == '>' || c == '~' || c == '\t') m.rare |= b;
    if (c == 's' || c == 'S') m.s |= b;
    if (c == 'w' || c == 'W') m.w |= b;
    if (c == ' ' || c == '-') m.separator |= b;
    if (c == '@' || c == '%' || c == '\\' || static_cast<unsigned char>(c) >= 0x80) m.always |= b;
  }
  return m;
}
using ClassifyFn = Masks (*)(const char*);

ClassifyFn ClassifierFor(ScreenIsa isa) {
#if defined(__x86_64__)
  static const bool avx2 = __builtin_cpu_supports("avx2");
  switch (isa) {
    case ScreenIsa::kBest:
      return avx2 ? ClassifyAvx2 : ClassifySse2;
    case ScreenIsa::kSse2:
      return ClassifySse2;
    case ScreenIsa::kAvx2:
      return avx2 ? ClassifyAvx2 : nullptr;
    case ScreenIsa::kPortable:
      return ClassifyPortable;
  }
  return nullptr;
#else
  return isa == ScreenIsa::kBest || isa == ScreenIsa::kPortable ? ClassifyPortable : nullptr;
#endif
}

// Bit p of the result is bit p-s (Before) or p+s (After) of the byte stream
// whose chunks are prev, cur, next. 1 <= s <= 63.
std::uint64_t Before(std::uint64_t prev, std::uint64_t cur, int s) { return (cur << s) | (prev >> (64 - s)); }
std::uint64_t After(std::uint64_t cur, std::uint64_t next, int s) { return (cur >> s) | (next << (64 - s)); }

// Runs of ones across chunks: does `m`, following *carry ones from earlier
// chunks, hold a run of at least `need` (<= 64) ones? Updates *carry.
bool RunAtLeast(std::uint64_t m, int need, std::size_t* carry) {
  const bool full = m == ~std::uint64_t{0};
  const std::size_t lead = full ? 64 : static_cast<std::size_t>(__builtin_ctzll(~m));
  bool found = *carry + lead >= static_cast<std::size_t>(need);
  // y bit p: bits p .. p+have-1 of m are all ones.
  std::uint64_t y = m;
  for (int have = 1; have < need;) {
    const int step = have <= need - have ? have : need - have;
    y &= y >> step;
    have += step;
  }
  found |= y != 0;
  *carry = full ? *carry + 64 : static_cast<std::size_t>(__builtin_clzll(~m));
  return found;
}

template <typename F>
bool AnyBit(std::uint64_t m, F&& f) {
  while (m) {
    if (f(__builtin_ctzll(m))) return true;
    m &= m - 1;
  }
  return false;
}

}  // namespace

bool HasMixedCaseRun(std::string_view s, std::size_t min) noexcept {
  std::size_t len = 0;
  bool upper = false, other = false;
  for (char c : s) {
    const std::uint8_t f = Flags(c);
    if (!(f & (kB64 | kWord))) {
      len = 0;
      upper = other = false;
      continue;
    }
    ++len;
    upper |= c >= 'A' && c <= 'Z';
    other |= (c >= 'a' && c <= 'z') || (f & kDigit);
    if (len >= min && upper && other) return true;
  }
  return false;
}

namespace {

std::size_t Screen(std::string_view text, ClassifyFn classify) noexcept {
  const Scan scan{text};
  const std::size_t n = text.size();
  const std::size_t chunks = (n + 63) / 64;
  // Chunk k's conditions look up to 4 bytes back and 13 ahead: keep k-1 and
  // k+1 at hand.
  const auto load = [&](std::size_t k) {
    if (k >= chunks) return Masks{};
    if (64 * k + 64 <= n) return classify(text.data() + 64 * k);
    char tail[64] = {};  // NUL bytes belong to no class: "no character"
    std::memcpy(tail, text.data() + 64 * k, n - 64 * k);
    return classify(tail);
  };
  Masks prev, cur = load(0);
  std::size_t card_carry = 0;
  std::size_t analysed_to = 0;  // long tokens before this were looked at
  for (std::size_t k = 0; k < chunks; ++k) {
    const Masks next = load(k + 1);
    const std::size_t base = 64 * k;
    const auto before = [&](std::uint64_t Masks::*f, int s) { return Before(prev.*f, cur.*f, s); };
    const auto after = [&](std::uint64_t Masks::*f, int s) { return After(cur.*f, next.*f, s); };
    // email, url-userinfo ('@'), the '%' and '\' markers, non-ASCII.
    if (cur.always) return base;
    const std::uint64_t digit_before = before(&Masks::digit, 1), digit_after = after(&Masks::digit, 1);
    if (cur.dash | cur.dot) {
      // phone-us, us-ssn: two digits, '-' or '.', four digits (a US number
      // ends `[0-9]{3}[-.][0-9]{4}`, an SSN `[0-9]{2}-[0-9]{4}`).
      std::uint64_t hit = (cur.dash | cur.dot) & digit_before & before(&Masks::digit, 2) & digit_after &
                          after(&Masks::digit, 2) & after(&Masks::digit, 3) & after(&Masks::digit, 4);
      // ipv4: three '.' in a row, each after a digit and 2..4 bytes after the
      // one before (so "2.5s" and "1.18.3" pass).
      const U128 dd = (cur.dot & digit_before) | static_cast<U128>(next.dot & Before(cur.digit, next.digit, 1)) << 64;
      const auto soon = [](U128 x) { return (x >> 2) | (x >> 3) | (x >> 4); };
      hit |= static_cast<std::uint64_t>(dd & soon(dd & soon(dd)));
      // mac-address with '-': hex pairs on both sides, and the next two '-'
      // 3 and 6 bytes on (UUIDs, 8-4-4-4-12, pass).
      hit |= cur.dash & before(&Masks::hex, 1) & before(&Masks::hex, 2) & after(&Masks::hex, 1) &
             after(&Masks::hex, 2) & after(&Masks::dash, 3) & after(&Masks::dash, 6);
      // private-key-pem: "-----BEGIN".
      hit |= cur.dash & after(&Masks::dash, 1) & after(&Masks::dash, 2) & after(&Masks::dash, 3) &
             after(&Masks::dash, 4);
      if (hit) return base;
    }
    if (const std::uint64_t space = cur.separator & ~cur.dash) {
      // phone-us and us-ssn with spaces: two digits, ' ', four digits, then
      // no word byte (`[0-9]{4}\b`).
      if (space & digit_before & before(&Masks::digit, 2) & digit_after & after(&Masks::digit, 2) &
          after(&Masks::digit, 3) & after(&Masks::digit, 4) & ~after(&Masks::word, 5)) {
        return base;
      }
    }
    // netrc-password, netrc-login: "ssw" of password / passwd.
    if (cur.s & after(&Masks::s, 1) & after(&Masks::w, 2)) return base;
    // secret-flag-value, curl-user: a flag that starts after a non-token byte.
    if (AnyBit(cur.dash & ~before(&Masks::token, 1),
               [&](int p) { return scan.SecretFlag(base + static_cast<std::size_t>(p)); })) {
      return base;
    }
    if (cur.colon) {
      // ipv6 without "::" (seven groups) and mac-address with ':' (five):
      // three ':' in a row, each after a hex digit and 2..5 bytes after the
      // one before ("12:30:05" passes). "::" is looked at with the rare bytes.
      const U128 hc = (cur.colon & before(&Masks::hex, 1)) |
                      static_cast<U128>(next.colon & Before(cur.hex, next.hex, 1)) << 64;
      const auto soon = [](U128 x) { return (x >> 2) | (x >> 3) | (x >> 4) | (x >> 5); };
      const U128 two = hc & soon(hc);
      if (static_cast<std::uint64_t>(hc & soon(two))) return base;
    }
    if (const std::uint64_t two_digits = cur.digit & digit_before) {
      // iban: a word boundary, two letters, two digits (found at the 2nd digit).
      if (two_digits & before(&Masks::alpha, 2) & before(&Masks::alpha, 3) & ~before(&Masks::word, 4)) {
        return base;
      }
    }
    // payment-card: 12+ digits, consecutive ones at most one ' ' or '-' apart.
    const std::uint64_t chain = cur.digit | (cur.separator & digit_before & digit_after);
    if (RunAtLeast(chain, 12, &card_carry)) return base;
    if (AnyBit(cur.rare, [&](int p) { return scan.RareByte(base + static_cast<std::size_t>(p)); })) return base;
    // Long tokens (the run-length classes of the credential formats): bit p
    // says bytes p .. p+13 are all token bytes.
    static_assert(kLongToken == 14);
    const U128 t = cur.token | static_cast<U128>(next.token) << 64;
    const U128 t2 = t & (t >> 1), t4 = t2 & (t2 >> 2), t8 = t4 & (t4 >> 4);
    std::uint64_t long_run = static_cast<std::uint64_t>(t8 & (t4 >> 8) & (t2 >> 12));
    // Bits inside a token already looked at are skipped first; the lowest
    // remaining bit is then a token's first byte (a token that began in an
    // earlier chunk was looked at there), so each token is read once.
    if (analysed_to > base) long_run &= analysed_to >= base + 64 ? 0 : ~std::uint64_t{0} << (analysed_to - base);
    while (long_run) {
      const std::size_t from = base + static_cast<std::size_t>(__builtin_ctzll(long_run));
      if (scan.LongToken(from, &analysed_to)) return base;
      if (analysed_to >= base + 64) break;
      long_run &= ~std::uint64_t{0} << (analysed_to - base);
    }
    prev = cur;
    cur = next;
  }
  return std::string_view::npos;
}

}  // namespace

std::size_t ScreenDefaultRules(std::string_view text) noexcept {
  static const ClassifyFn best = ClassifierFor(ScreenIsa::kBest);
  return Screen(text, best);
}

bool ScreenIsaAvailable(ScreenIsa isa) noexcept { return ClassifierFor(isa) != nullptr; }

std::size_t ScreenDefaultRulesWith(ScreenIsa isa, std::string_view text) noexcept {
  const ClassifyFn f = ClassifierFor(isa);
  return f ? Screen(text, f) : ScreenDefaultRules(text);
}

bool MayMatchDefaultRules(std::string_view text) noexcept {
  return ScreenDefaultRules(text) != std::string_view::npos;
}

}  // namespace telguard::redaction
