// The free-text policy: templates keep structure and vocabulary only, classes
// come from the table, the gate re-reads outputs on its own, and the
// credential rules still run first in every mode.
#include "redaction/free_text.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <thread>

#include "redaction/samples.h"
#include "redaction/text_codec.h"
#include "schemas/embedded.h"
#include "tests/test_util.h"

namespace telguard::redaction {
namespace {

const FreeTextPolicy& P() { return FreeTextPolicy::Default(); }

bool HasHit(const ScrubResult& r, std::string_view id) {
  return std::any_of(r.hits.begin(), r.hits.end(), [&](const RuleHit& h) { return h.rule_id == id; });
}

const Rule& RuleNamed(std::string_view id) {
  for (const auto& r : DefaultRules()) {
    if (r.id == id) return r;
  }
  ADD_FAILURE() << "no rule " << id;
  return DefaultRules()[0];
}

struct TemplateCase {
  const char* in;
  const char* out;
};

class TemplateTable : public ::testing::TestWithParam<TemplateCase> {};

TEST_P(TemplateTable, KeepsStructureAndVocabularyOnly) {
  const std::string out = P().Template(GetParam().in);
  EXPECT_EQ(out, GetParam().out);
  EXPECT_TRUE(P().ConformsToTemplate(out)) << out;
  EXPECT_EQ(P().Template(out), out) << "not idempotent";
}

INSTANTIATE_TEST_SUITE_P(
    Messages, TemplateTable,
    ::testing::Values(
        TemplateCase{"open /home/ann/src/.env: permission denied", "open <path>: permission denied"},
        TemplateCase{"HTTP 401 Unauthorized", "HTTP 401 Unauthorized"},
        TemplateCase{"request failed: status code 503", "request failed: status code 503"},
        TemplateCase{"exit status 127", "exit status 127"},
        TemplateCase{"retry 3 of 5 after 250ms", "retry <number> of <number> after <word>"},
        TemplateCase{"cannot read file 'my diary.txt'", "cannot read file <quoted>"},
        TemplateCase{"dial tcp 10.0.0.12:5432: connect: connection refused",
                     "dial tcp <ip>: connect: connection refused"},
        TemplateCase{"GET https://api.example.com/v1/x?key=1 failed", "GET <url> failed"},
        TemplateCase{"mail alice@example.org bounced", "mail <email> bounced"},
        TemplateCase{"commit 5114f85a9 not found", "commit <hex> not found"},
        TemplateCase{"ENOENT: no such file or directory, open 'x'",
                     "ENOENT: no such file or directory, open <quoted>"},
        TemplateCase{"please refactor the billing module for kestrel",
                     "please <word> the billing module for <word>"},
        TemplateCase{"what?!?!?! now", "what <symbols> now"},
        TemplateCase{"HTTP/1.1 404 Not Found", "HTTP/1.1 404 Not Found"},
        TemplateCase{"status 9999", "status <number>"},
        TemplateCase{"  many\n\tspaces  ", "many <word>"},
        TemplateCase{"Grüße aus Köln", "<word> <word> <word>"},
        TemplateCase{"tOkEn expired", "token expired"},
        TemplateCase{"read/write error in src/main.rs", "read/write error in <path>"},
        TemplateCase{"", ""}));

TEST(FreeText, CredentialRulesRunFirstInEveryModeAndTheAuditNamesTheRule) {
  auto rnd = telguard::testing::Rng(7);
  const std::string secret = MakeSample(RuleNamed("github-pat"), rnd);
  const std::string text = "push failed: token " + secret + " rejected";
  for (FreeTextMode m : {FreeTextMode::kClass, FreeTextMode::kTemplate, FreeTextMode::kScrub}) {
    const ScrubResult r = P().Apply(m, text);
    ASSERT_TRUE(r.ok);
    EXPECT_TRUE(HasHit(r, "github-pat")) << FreeTextModeName(m);
    EXPECT_EQ(r.text.find(secret), std::string::npos) << FreeTextModeName(m) << ": " << r.text;
  }
  EXPECT_EQ(P().Apply(FreeTextMode::kTemplate, text).text, "push failed: token [REDACTED:github-pat] rejected");
}

TEST(FreeText, RandomTokensNeverSurviveTemplating) {
  std::mt19937_64 rng(42);
  const std::string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:/+=";
  for (int i = 0; i < 400; ++i) {
    std::string token;
    const std::size_t n = 8 + rng() % 73;
    for (std::size_t k = 0; k < n; ++k) token.push_back(alphabet[rng() % alphabet.size()]);
    const std::string out = P().Apply(FreeTextMode::kTemplate, "failed to open " + token + " now").text;
    ASSERT_TRUE(P().ConformsToTemplate(out)) << out;
    for (std::size_t k = 0; k + 12 <= token.size(); ++k) {
      ASSERT_EQ(out.find(token.substr(k, 12)), std::string::npos) << token << " -> " << out;
    }
  }
}

struct ClassCase {
  const char* in;
  const char* cls;
};
class ClassTable : public ::testing::TestWithParam<ClassCase> {};

TEST_P(ClassTable, TextBecomesOneClassOfTheTable) {
  const std::string out = P().Apply(FreeTextMode::kClass, GetParam().in).text;
  EXPECT_EQ(out, GetParam().cls);
  EXPECT_TRUE(P().IsClass(out));
}

INSTANTIATE_TEST_SUITE_P(
    Messages, ClassTable,
    ::testing::Values(ClassCase{"open /etc/shadow: permission denied", "permission_denied"},
                      ClassCase{"ENOENT: no such file or directory", "not_found"},
                      ClassCase{"dial tcp 127.0.0.1:9: connect: connection refused", "connection_refused"},
                      ClassCase{"context deadline exceeded", "timeout"},
                      ClassCase{"lookup api.example.com: no such host", "dns"},
                      ClassCase{"x509: certificate signed by unknown authority", "tls"},
                      ClassCase{"HTTP 401 Unauthorized", "http_4xx:401"},
                      ClassCase{"server answered: status code 503", "http_5xx:503"},
                      ClassCase{"429 Too Many Requests", "rate_limited"},
                      ClassCase{"invalid api key provided", "auth"},
                      ClassCase{"malformed JSON in request", "invalid_input"},
                      ClassCase{"operation cancelled by the user", "cancelled"},
                      ClassCase{"command exited with status 2", "exit_status"},
                      ClassCase{"please refactor my diary", "other"}));

// Shapes (an IPv6 address, an e-mail address, a path) must not form across
// placeholders and punctuation runs on a second pass: a chunk holding a
// placeholder is read token by token, <symbols> stays in place, and a whole
// vocabulary entry stands apart from it. Inputs found by template_property.
TEST(FreeText, TemplateIsAFixedPointWhereShapesCouldFormAcrossPlaceholders) {
  const struct {
    const char* in;
    const char* out;
  } cases[] = {
      {":::A++++", ":::A<symbols>"},
      {"x @@@@@a@b.c", "<word> <symbols>a@<word>.<word>"},
      {"@aawhat[?!?!?[REED:@b.c demaw@@", "@<word><symbols><word>:@<word>.<word> <word>@@"},
      {"((((http/1.1", "<symbols> http/1.1"},
      {"HTTP/1.1!!!! 404", "HTTP/1.1 <symbols> 404"},
      {"at/d]\"]]]]]]]", "at/d<symbols>"},
  };
  for (const auto& c : cases) {
    const std::string once = P().Template(c.in);
    EXPECT_EQ(once, c.out) << c.in;
    EXPECT_EQ(P().Template(once), once) << c.in;
    EXPECT_TRUE(P().ConformsToTemplate(once)) << once;
  }
  // The shapes are still read where the text itself has them.
  EXPECT_EQ(P().Template("at fe80::1 and ann@example.org and ./x"), "at <ip> and <email> and <path>");
}

TEST(FreeText, GateRejectsWhatTheTemplaterNeverWrites) {
  for (const char* bad : {"[REDACTED:no-such-rule]", "[REDACTED:email", "password hunter2", "token Zq9xK2", "Grüße", "what!!!! now", "status 9999",
                          "retry 3 times", "<wordx>", "tAbLe", "tab\tseparated", "café"}) {
    EXPECT_FALSE(P().ConformsToTemplate(bad)) << bad;
  }
  for (const char* good : {"", "permission denied", "HTTP 404", "<path>: <word>", "(file) not found.",
                           "exit status 1", "ENOENT", "token=[REDACTED:secret-assignment],"}) {
    EXPECT_TRUE(P().ConformsToTemplate(good)) << good;
  }
  EXPECT_FALSE(P().IsClass("http_4xx:999"));
  EXPECT_FALSE(P().IsClass("permission denied"));
  EXPECT_TRUE(P().IsClass("other"));
}

TEST(FreeText, TablesAreSmallEnoughToReviewAndWellFormed) {
  EXPECT_GT(P().vocabulary_size(), 500u);
  EXPECT_LE(P().vocabulary_size(), 3000u);
  EXPECT_LE(P().classes().size(), 20u);
  EXPECT_EQ(P().classes().back().id, "other");
  // Every class id is itself a valid template (its words are vocabulary).
  for (const auto& c : P().classes()) EXPECT_TRUE(P().ConformsToTemplate(c.id)) << c.id;
  std::string err;
  EXPECT_EQ(FreeTextPolicy::Create("{}", FindEmbedded("schemas/vocabulary.json"), nullptr, &err), nullptr);
  EXPECT_NE(err.find("error classes"), std::string::npos) << err;
  EXPECT_EQ(FreeTextPolicy::Create(FindEmbedded("schemas/error_classes.json"), R"({"words":["Bad Word"]})",
                                   nullptr, &err),
            nullptr);
  EXPECT_NE(err.find("vocabulary"), std::string::npos) << err;
}

TEST(FreeText, ModesParseByName) {
  for (FreeTextMode m : {FreeTextMode::kClass, FreeTextMode::kTemplate, FreeTextMode::kScrub}) {
    EXPECT_EQ(ParseFreeTextMode(FreeTextModeName(m)), m);
  }
  EXPECT_FALSE(ParseFreeTextMode("none").has_value());
}

TEST(FreeText, ManyThreadsShareOnePolicy) {
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        const auto r = P().Apply(FreeTextMode::kTemplate, "open /tmp/x" + std::to_string(i) + ": permission denied");
        if (!r.ok || r.text != "open <path>: permission denied") ++bad;
        if (P().Apply(FreeTextMode::kClass, "HTTP 404").text != "http_4xx:404") ++bad;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace telguard::redaction
