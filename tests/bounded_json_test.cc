#include "pipeline/bounded_json.h"

#include <gtest/gtest.h>

namespace telguard {
namespace {

Limits L() { return Limits{}; }

TEST(BoundedJson, ParsesAnOrdinaryObject) {
  auto r = ParseBounded(R"({"a":[1,2,{"b":"c"}],"d":1.5,"e":null,"f":true})", L());
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.value["a"][2]["b"], "c");
}

struct Bad {
  std::string name;
  std::string text;
  std::string code;
};

class BoundedJsonBad : public ::testing::TestWithParam<Bad> {};

TEST_P(BoundedJsonBad, RejectsWithCodeAndNoValueInMessage) {
  const auto& p = GetParam();
  auto r = ParseBounded(p.text, L());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.code, p.code);
  EXPECT_TRUE(r.value.is_null());
  // The message never quotes input.
  EXPECT_EQ(r.error.message.find("SECRETVALUE"), std::string::npos) << r.error.message;
}

INSTANTIATE_TEST_SUITE_P(
    Hostile, BoundedJsonBad,
    ::testing::Values(
        Bad{"deep_array", std::string(100000, '[') + std::string(100000, ']'), "depth"},
        Bad{"deep_object", [] {
              std::string s;
              for (int i = 0; i < 100000; ++i) s += "{\"a\":";
              return s;
            }(), "depth"},
        Bad{"long_string", "{\"a\":\"" + std::string(300000, 'x') + "\"}", "string-length"},
        Bad{"long_key", "{\"" + std::string(300000, 'k') + "\":1}", "string-length"},
        Bad{"truncated", R"({"a":"SECRETVALUE)", "syntax"},
        Bad{"bad_literal", R"({"a":SECRETVALUE})", "syntax"},
        Bad{"nan", R"({"a":NaN})", "syntax"},
        Bad{"huge_number", R"({"a":1e999})", "number"},
        Bad{"duplicate_key", R"({"a":1,"a":2})", "duplicate-key"},
        Bad{"nul_byte", std::string("{\"a\":\"x\0y\"}", 11), "nul"},
        Bad{"bom", "\xEF\xBB\xBF{\"a\":1}", "bom"},
        Bad{"invalid_utf8", "{\"a\":\"\xff\xfe\"}", "syntax"},
        Bad{"too_many_members", [] {
              std::string s = "{";
              for (int i = 0; i < 300; ++i) s += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":1";
              return s + "}";
            }(), "members"},
        Bad{"too_many_items", "[" + [] {
              std::string s;
              for (int i = 0; i < 5000; ++i) s += i ? ",1" : "1";
              return s;
            }() + "]", "items"},
        Bad{"trailing_garbage", R"({"a":1} x)", "syntax"},
        Bad{"empty", "", "syntax"}),
    [](const auto& param_info) { return param_info.param.name; });

TEST(BoundedJson, LineLongerThanTheCap) {
  Limits l;
  l.max_line_bytes = 100;
  auto r = ParseBounded(std::string(101, ' '), l);
  EXPECT_EQ(r.error.code, "line-length");
}

TEST(BoundedJson, DepthCapIsExact) {
  Limits l;
  l.max_depth = 3;
  EXPECT_TRUE(ParseBounded("[[[1]]]", l).ok);
  EXPECT_EQ(ParseBounded("[[[[1]]]]", l).error.code, "depth");
}

}  // namespace
}  // namespace telguard
