// The one-pass parser behind ParseBounded against nlohmann's SAX parser, the
// reference (ParseBoundedReference): the same verdict, the same document
// (type for type) or the same error (code, message, offset) on every test
// input, mutated events, hostile lines, a table of edge cases and random
// byte-level mutations of valid lines. Also: valid events do take the fast
// path (otherwise the comparison would prove nothing).
#include <gtest/gtest.h>

#include <random>

#include "pipeline/bounded_json.h"
#include "pipeline/fast_json_parser.h"
#include "tests/fast_path_corpus.h"

namespace telguard {
namespace {

using json = nlohmann::json;

void ExpectSameParse(const std::string& text, const Limits& limits = Limits{}) {
  const ParsedJson a = ParseBounded(text, limits);
  const ParsedJson b = ParseBoundedReference(text, limits);
  ASSERT_EQ(a.ok, b.ok) << ::testing::PrintToString(text);
  if (a.ok) {
    ASSERT_TRUE(testing::SameDocument(a.value, b.value)) << ::testing::PrintToString(text);
  } else {
    ASSERT_EQ(a.error.code, b.error.code) << ::testing::PrintToString(text);
    ASSERT_EQ(a.error.message, b.error.message);
    ASSERT_EQ(a.error.offset, b.error.offset);
    ASSERT_TRUE(a.value.is_null());
  }
}

std::vector<std::string> ValidLines() {
  std::vector<std::string> lines;
  for (const json& r : testing::ValidRecords()) lines.push_back(r.dump());
  return lines;
}

TEST(FastParser, ValidEventsTakeTheFastPath) {
  std::size_t n = 0;
  for (const std::string& line : ValidLines()) {
    json doc;
    EXPECT_TRUE(ParseJsonFast(line, Limits{}, &doc)) << line;
    ++n;
  }
  EXPECT_EQ(n, 5u);
}

TEST(FastParser, SameAsNlohmannOnEveryTestInputAndMutation) {
  std::size_t n = 0;
  for (const std::string& line : testing::TestInputLines()) {
    ExpectSameParse(line);
    if (HasFatalFailure()) return;
    ++n;
  }
  for (const json& m : testing::Mutations(testing::ValidRecords())) {
    ExpectSameParse(m.dump());
    ExpectSameParse(m.dump(2));  // with whitespace everywhere
    if (HasFatalFailure()) return;
    n += 2;
  }
  EXPECT_GT(n, 3000u);
}

TEST(FastParser, SameAsNlohmannOnEdgeCases) {
  const std::string cases[] = {
      "", " ", "0", "-0", "01", "-01", "1.", ".5", "1e", "1e+", "1E5", "1e-5", "-", "--1", "+1", "1.5e308",
      "18446744073709551615", "18446744073709551616", "-9223372036854775808", "-9223372036854775809",
      "999999999999999999", "1000000000000000000", "-999999999999999999", "1e400", "-1e400", "1e-400",
      "4.9e-324", "2.2250738585072014e-308", "0.1", "123456789012345678901234567890", "0e0", "-0.0",
      "true", "false", "null", "tru", "nul", "truex", "[true false]", "[1,]", "[,1]", "{,}", "{\"a\"}",
      "{\"a\":}", "{\"a\":1,}", "{\"a\":1 \"b\":2}", "{\"a\":1}{", "[1]]", "[[[]]]", " [ 1 , 2 ] ",
      "\t{\"a\"\n:\r1}\n", "{\"a\":1,\"a\":2}", "{\"a\":1,\"b\":{\"a\":2}}", "\"\\u0000\"", "\"\\ud800\"",
      "\"\\udc00\"", "\"\\ud83d\\ude00\"", "\"\\ud83dx\"", "\"\\ud83d\\u0041\"", "\"\\/\"", "\"\\x\"",
      "\"\\u12\"", "\"\\uZZZZ\"", "\"\\u00e9\"", "\"\x7f\"", "\"\x1f\"", "\"\t\"", "\"\xc3\xa9\"",
      "\"\xc3\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "\"\xf0\x9f\x98\x80\"",
      "\"\xe2\x82\"", "\"\xc3\\u00e9\"", "\"abc", "\"a\\", "{\"a\":[1,{\"b\":null}]}", "[\"\xef\xbb\xbf\"]",
      "\xef\xbb\xbf{}", "{\"\":0}", "[1e5,1E+5,1e-0,-0e-0]", "{\"k\":\"v\"}  x",
  };
  for (const auto& c : cases) {
    ExpectSameParse(c);
    if (HasFatalFailure()) return;
  }
}

TEST(FastParser, SameAsNlohmannAtEveryCap) {
  Limits small;
  small.max_depth = 3;
  small.max_string_bytes = 4;
  small.max_object_members = 2;
  small.max_array_items = 2;
  const std::string cases[] = {
      "[[[]]]", "[[[[]]]]", "{\"a\":{\"b\":{}}}", "{\"a\":{\"b\":{\"c\":{}}}}", "\"abcd\"", "\"abcde\"",
      "\"\\u00e9\\u00e9\"", "\"\\u00e9\\u00e9x\"", "{\"abcd\":1}", "{\"abcde\":1}", "{\"a\":1,\"b\":2}",
      "{\"a\":1,\"b\":2,\"c\":3}", "[1,2]", "[1,2,3]", "[[1,2],[1,2,3]]",
  };
  for (const auto& c : cases) {
    ExpectSameParse(c, small);
    if (HasFatalFailure()) return;
  }
}

TEST(FastParser, SameAsNlohmannOnRandomMutationsOfValidLines) {
  std::mt19937 rng(3);
  const std::vector<std::string> valid = ValidLines();
  const std::string alphabet = "{}[]\":,\\ 0123456789-+.eEtrufalsn\x01\x7f\xc3\xa9\xed\xa0\xff/bu";
  std::size_t accepted = 0, rejected = 0;
  for (int i = 0; i < 30000; ++i) {
    std::string s = valid[rng() % valid.size()];
    for (auto edits = 1 + rng() % 3; edits > 0; --edits) {
      const std::size_t at = rng() % (s.size() + 1);
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0: s.insert(at, 1, c); break;
        case 1: if (at < s.size()) s.erase(at, 1); break;
        default: if (at < s.size()) s[at] = c; break;
      }
    }
    ExpectSameParse(s);
    if (HasFatalFailure()) return;
    (ParseBounded(s, Limits{}).ok ? accepted : rejected)++;
  }
  EXPECT_GT(accepted, 1000u);
  EXPECT_GT(rejected, 1000u);
}

}  // namespace
}  // namespace telguard
