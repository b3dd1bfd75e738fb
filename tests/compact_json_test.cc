// The body serialiser against nlohmann's dump(-1, ' ', false, replace), the
// reference: the same bytes on every test input, on mutated events and their
// request bodies, on every control character and on random byte strings
// (well-formed UTF-8 or not).
#include <gtest/gtest.h>

#include <random>

#include <nlohmann/json.hpp>

#include "pipeline/bounded_json.h"
#include "pipeline/byte_scan.h"
#include "pipeline/compact_json.h"
#include "pipeline/pipeline.h"
#include "tests/fast_path_corpus.h"

namespace telguard {
namespace {

using json = nlohmann::json;

std::string Reference(const json& v) { return v.dump(-1, ' ', false, json::error_handler_t::replace); }

TEST(CompactJson, SameBytesAsNlohmannOnEveryTestInputAndMutation) {
  std::string err;
  auto pipeline = Pipeline::Create({}, &err);
  ASSERT_TRUE(pipeline) << err;
  std::size_t compared = 0;
  auto compare = [&](const json& doc) {
    ++compared;
    ASSERT_EQ(SerializeCompact(doc), Reference(doc));
  };
  for (const std::string& line : testing::TestInputLines()) {
    auto p = ParseBounded(line, Limits{});
    if (p.ok) compare(p.value);
    if (HasFatalFailure()) return;
  }
  for (const json& m : testing::Mutations(testing::ValidRecords())) {
    compare(m);
    for (const auto& e : pipeline->ProcessLine(m.dump(), 1).events) {
      if (!e.body.empty()) compare(json::parse(e.body));
    }
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(compared, 3000u);
}

TEST(CompactJson, EscapesEveryControlCharacterAsNlohmannDoes) {
  for (int c = 0; c < 0x80; ++c) {
    const json doc = {{std::string(1, static_cast<char>(c)), std::string("a") + static_cast<char>(c) + "b"}};
    EXPECT_EQ(SerializeCompact(doc), Reference(doc)) << c;
  }
}

TEST(CompactJson, RandomBytesWellFormedOrNotGiveTheSameBytes) {
  std::mt19937 rng(11);
  std::size_t malformed = 0;
  for (int i = 0; i < 50000; ++i) {
    std::string s(rng() % 10, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 3 ? 0x80 + rng() % 128 : rng() % 128);
    malformed += !IsWellFormedUtf8(s);
    const json doc = json::array({s, json{{s, 1.5}}, -3, 18446744073709551615ULL});
    ASSERT_EQ(SerializeCompact(doc), Reference(doc)) << ::testing::PrintToString(s);
  }
  EXPECT_GT(malformed, 1000u);  // the fallback was exercised
  EXPECT_LT(malformed, 49000u);  // and so was the fast path over non-ASCII text
}

std::string Utf8(char32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return s;
}

TEST(CompactJson, EveryKindOfCodePointIsCopiedAsNlohmannWritesIt) {
  const char32_t edges[] = {0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFD, 0xFFFF, 0x10000, 0x10FFFF, 0x2028};
  std::mt19937 rng(5);
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    for (auto k = rng() % 6; k > 0; --k) {
      char32_t cp = rng() % 4 ? edges[rng() % std::size(edges)] : static_cast<char32_t>(rng() % 0x110000);
      if (cp >= 0xD800 && cp <= 0xDFFF) cp = 'x';  // surrogates are not characters
      s += Utf8(cp);
    }
    ASSERT_TRUE(IsWellFormedUtf8(s));
    const json doc = {{"k", s}};
    ASSERT_EQ(SerializeCompact(doc), Reference(doc));
  }
  // Encoded surrogates and overlong forms are not well-formed.
  for (const char* bad : {"\xED\xA0\x80", "\xC0\xAF", "\xE0\x80\xAF", "\xF4\x90\x80\x80", "\xF0\x80\x80\xAF"}) {
    EXPECT_FALSE(IsWellFormedUtf8(bad));
  }
}

TEST(ByteScan, WordAtATimeEqualsTheByteLoop) {
  std::mt19937 rng(9);
  const std::string specials = std::string("\"\\\x00\x1f\x20\x21\x7f\x80\xff\x5b\x5d\x01", 12);
  for (int i = 0; i < 100000; ++i) {
    std::string s(rng() % 40, 'a');
    for (char& c : s) c = rng() % 8 ? static_cast<char>(0x20 + rng() % 0x5F) : specials[rng() % specials.size()];
    const char* b = s.data();
    const char* e = b + s.size();
    const char* naive = b;
    while (naive < e && !scan::IsJsonSpecial(static_cast<unsigned char>(*naive))) ++naive;
    ASSERT_EQ(scan::SkipJsonPlain(b, e), naive) << ::testing::PrintToString(s);
    bool ascii = true;
    for (char c : s) ascii &= c != 0 && static_cast<unsigned char>(c) < 0x80;
    ASSERT_EQ(scan::AsciiWithoutNul(b, e), ascii) << ::testing::PrintToString(s);
  }
}

TEST(CompactJson, FloatsAndIntegerExtremes) {
  for (const json& v : {json(0.1), json(-0.0), json(1e300), json(5e-324), json(1.0), json(0.01),
                        json(std::numeric_limits<std::int64_t>::min()),
                        json(std::numeric_limits<std::uint64_t>::max()), json(std::nan("")),
                        json(std::numeric_limits<double>::infinity())}) {
    EXPECT_EQ(SerializeCompact(json::array({v})), Reference(json::array({v})));
  }
}

}  // namespace
}  // namespace telguard
