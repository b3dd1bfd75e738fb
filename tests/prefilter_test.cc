// The screen in front of the DFA (redaction/prefilter.h). Its contract is
// checked exactly: on every text here, Check, Scrub and ScrubLines give the
// same answers with the screen as without it (a scrubber built with
// use_prefilter = false runs the full RE2 set on everything). A screen that
// missed a rule's match would make them differ. And the screen must actually
// screen: clean log text passes it without the DFA.
#include "redaction/prefilter.h"

#include <gtest/gtest.h>

#include <random>

#include <re2/re2.h>

#include "redaction/samples.h"
#include "redaction/scrubber.h"
#include "redaction/text_codec.h"
#include "tests/test_util.h"

namespace telguard::redaction {
namespace {

using telguard::testing::Rng;

// Sanitizer builds run the same checks on fewer random texts (they look for
// memory errors; the release build carries the full counts).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr int kScale = 4;
#else
constexpr int kScale = 1;
#endif

const Scrubber& Screened() { return Scrubber::Default(); }

const Scrubber& Full() {
  static const Scrubber* const s = [] {
    ScrubberOptions o;
    o.use_prefilter = false;
    return Scrubber::Create(DefaultRules(), o, nullptr).release();
  }();
  return *s;
}

std::string Show(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// The contract on one text. Returns false (after reporting) on the first
// disagreement so that loops can stop early.
bool Agrees(const std::string& text, bool scrub_too) {
  // The vector classifiers and the byte-at-a-time one see the same text.
  const std::size_t at = ScreenDefaultRules(text);
  for (ScreenIsa isa : {ScreenIsa::kAvx2, ScreenIsa::kSse2, ScreenIsa::kPortable}) {
    if (ScreenIsaAvailable(isa) && ScreenDefaultRulesWith(isa, text) != at) {
      ADD_FAILURE() << "classifier " << static_cast<int>(isa) << " disagrees on: " << Show(text);
      return false;
    }
  }
  const Scrubber::Precheck full = Full().Check(text);
  const Scrubber::Precheck screened = Screened().Check(text);
  if (full != screened) {
    ADD_FAILURE() << "Check differs (full " << static_cast<int>(full) << ", screened "
                  << static_cast<int>(screened) << ") on: " << Show(text);
    return false;
  }
  if (full != Scrubber::Precheck::kClean && !NormalizeUtf8(text) && !MayMatchDefaultRules(text)) {
    ADD_FAILURE() << "screen passed a text the full set matches: " << Show(text);
    return false;
  }
  if (!scrub_too) return true;
  const ScrubResult a = Full().Scrub(text), b = Screened().Scrub(text);
  if (a.ok != b.ok || a.text != b.text || a.hits.size() != b.hits.size()) {
    ADD_FAILURE() << "Scrub differs on: " << Show(text) << "\n full:     " << Show(a.text)
                  << "\n screened: " << Show(b.text);
    return false;
  }
  std::size_t fa = 0, fb = 0;
  const ScrubResult la = Full().ScrubLines(text, &fa), lb = Screened().ScrubLines(text, &fb);
  if (la.text != lb.text || fa != fb) {
    ADD_FAILURE() << "ScrubLines differs on: " << Show(text) << "\n full:     " << Show(la.text)
                  << "\n screened: " << Show(lb.text);
    return false;
  }
  return true;
}

class ScreenRuleTest : public ::testing::TestWithParam<std::size_t> {
 protected:
  const Rule& rule() const { return DefaultRules()[GetParam()]; }
};

TEST_P(ScreenRuleTest, FiresOnEverySampleInEveryContext) {
  for (std::uint32_t seed = 1; seed <= 25; ++seed) {
    const std::string s = MakeSample(rule(), Rng(seed * 31 + static_cast<std::uint32_t>(GetParam())));
    ASSERT_TRUE(MayMatchDefaultRules(s)) << rule().id << ": " << Show(s);
    for (const std::string& text : {s, "request failed (" + s + ") at step two", "x=" + s + ";",
                                    "line one\n" + s + "\nline three", "\"" + s + "\""}) {
      if (!Agrees(text, true)) return;
    }
  }
}

// Degenerate samples: a constant random source gives the shortest length of
// each run, made of one repeated character (no mixed case, no digits where
// the alphabet starts with a letter). Only the run-length thresholds can
// make the screen fire on them, so these pin each threshold to its rule.
TEST_P(ScreenRuleTest, FiresOnShortestSingleCharacterSamples) {
  for (std::uint32_t c : {0u, 1u, 2u, 3u, 5u, 8u, 10u, 13u, 21u, 26u, 34u, 36u, 52u, 55u, 61u, 62u, 63u}) {
    const std::string s = MakeSample(rule(), [c] { return c; });
    ASSERT_TRUE(MayMatchDefaultRules(s) || Full().Check(s) == Scrubber::Precheck::kClean) << rule().id << ": " << Show(s);
    if (!Agrees("x " + s + " y", true)) return;
  }
}

// A random walk inside each rule's language: starting from a sample, edit
// one character at a time (towards the punctuation its body allows, and
// shorter), keeping an edit only while the rule's own pattern still matches.
// The walk reaches the bodies that make the screen's job hardest ("+/+/..."
// for base64 bodies, "~.~." for Azure secrets, the shortest lengths), and the
// screen must fire on every step.
TEST_P(ScreenRuleTest, FiresAlongRandomWalksInsideTheRulesLanguage) {
  RE2::Options o;
  o.set_log_errors(false);
  const RE2 re(re2::StringPiece(rule().pattern.data(), rule().pattern.size()), o);
  ASSERT_TRUE(re.ok());
  // Edits towards punctuation (breaks alphanumeric runs), towards lower case
  // and digits (no mixed case), and anything.
  static constexpr std::string_view kCharSets[] = {"+/=._~-", "+/=._~-a0", "+/=._~-:!aA0Z9 \n"};
  std::mt19937 g(static_cast<std::uint32_t>(GetParam()) * 131 + 1);
  for (int walk = 0; walk < 9; ++walk) {
    const std::string_view chars = kCharSets[walk % 3];
    std::string text = "x " + MakeSample(rule(), Rng(static_cast<std::uint32_t>(walk) + 1)) + " y";
    ASSERT_TRUE(RE2::PartialMatch(text, re)) << rule().id << ": " << Show(text);
    int accepted = 0;
    for (int step = 0; step < 1500; ++step) {
      std::string next = text;
      const std::size_t at = g() % next.size();
      if (g() % 3 == 0) {
        next.erase(at, 1);
      } else {
        next[at] = chars[g() % chars.size()];
      }
      if (!RE2::PartialMatch(next, re)) continue;
      text = std::move(next);
      ++accepted;
      ASSERT_TRUE(MayMatchDefaultRules(text)) << rule().id << " matches, the screen passed: " << Show(text);
    }
    EXPECT_GT(accepted, 0) << rule().id;
  }
}

TEST_P(ScreenRuleTest, AgreesOnNearMisses) {
  for (std::uint32_t seed = 1; seed <= 25; ++seed) {
    const std::string m = MakeNearMiss(rule(), Rng(seed * 97 + static_cast<std::uint32_t>(GetParam())));
    if (!Agrees(m, true) || !Agrees("see " + m + " here", true)) return;
  }
}

// The screen works on 64-byte chunks and carries runs (tokens, card digits)
// and look-behind from one chunk to the next: slide each sample across the
// boundaries behind fillers that extend or break those runs.
TEST_P(ScreenRuleTest, AgreesAcrossChunkBoundaries) {
  const std::string s = MakeSample(rule(), Rng(static_cast<std::uint32_t>(GetParam()) + 7));
  for (const char* filler : {"a", " ", "1", "-", "\n", "Z"}) {
    for (std::size_t k = 0; k <= 130; ++k) {
      std::string text;
      for (std::size_t i = 0; i < k; ++i) text += filler;
      if (!Agrees(text + s, false) || !Agrees(text + " " + s + " " + text, false)) return;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllRules, ScreenRuleTest, ::testing::Range<std::size_t>(0, DefaultRules().size()),
                         [](const ::testing::TestParamInfo<std::size_t>& p) {
                           std::string id(DefaultRules()[p.param].id);
                           for (char& c : id) {
                             if (c == '-') c = '_';
                           }
                           return id;
                         });

// Pieces that make the rules' shapes, their near misses and the screen's
// features (digits beside separators, key names before ':' and '=', long
// runs, RE2's non-ASCII case folds of 's' and 'k').
const std::vector<std::string>& Pieces() {
  static const std::vector<std::string> p = {
      "0", "1", "2", "5", "9", "12", "255", "4111", "a", "f", "e", "A", "F", "Q", "Z", "J", "x", "k", "s",
      "-", ".", ":", "::", "=", "+", "/", "_", "~", "@", "%", "%2", "\\", "\\u00", " ", "  ", "\n", "\t", "'",
      "\"", "(", ")", "[", "]", ",", ";", "&", "?", "#", "key", "token", "secret", "password", "passwd", "pwd",
      "auth", "authorization", "cookie", "code", "sig", "credential", "api key", "bearer ", "Bearer", "home/",
      "Users/", "/home/", "eyJ", ".eyJ", "xox", "xoxa-", "-----", "BEGIN", "\xc5\xbf", "\xe2\x84\xaa", "AKIA",
      "gh", "p_", "sk", "_live_", "://", "u:p@", "abcdefghij", "ABCDEFGHIJ", "0123456789", "deadbeef",
      "QWxhZGRpbjpvcGVu", "DE", "89", "GB", "+44", "(415)", "555", "3c:22", "fe80", "10.0"};
  return p;
}

std::string RandomText(std::mt19937& g, std::size_t max_pieces) {
  const auto& p = Pieces();
  std::string t;
  const std::size_t n = 1 + g() % max_pieces;
  for (std::size_t i = 0; i < n; ++i) t += p[g() % p.size()];
  return t;
}

TEST(Screen, AgreesOnRandomTextBuiltFromRuleShapes) {
  std::mt19937 g(20261125);
  for (int i = 0; i < 20000 / kScale; ++i) {
    if (!Agrees(RandomText(g, 24), i % 50 == 0)) return;
  }
}

// Samples with random edits: the boundary between a match and a near miss.
TEST(Screen, AgreesOnMutatedSamples) {
  std::mt19937 g(7);
  auto rnd = [&g] { return static_cast<std::uint32_t>(g()); };
  const auto rules = DefaultRules();
  const auto& p = Pieces();
  for (int i = 0; i < 12000 / kScale; ++i) {
    std::string s = MakeSample(rules[g() % rules.size()], rnd);
    const int edits = 1 + static_cast<int>(g() % 3);
    for (int e = 0; e < edits && !s.empty(); ++e) {
      const std::size_t at = g() % s.size();
      switch (g() % 5) {
        case 0: s.erase(at, 1 + g() % 3); break;
        case 1: s.insert(at, p[g() % p.size()]); break;
        case 2: s[at] = static_cast<char>(s[at] ^ 0x20); break;  // flip case (or punctuation)
        case 3: s = s.substr(at); break;
        default: s.resize(at); break;
      }
    }
    if (!Agrees(s, i % 20 == 0)) return;
  }
}

// Multi-line text with findings on some lines: ScrubLines copies the lines
// before the screen fires and resumes after the next ones.
TEST(Screen, ScrubLinesAgreesOnDocuments) {
  std::mt19937 g(11);
  auto rnd = [&g] { return static_cast<std::uint32_t>(g()); };
  const auto rules = DefaultRules();
  for (int doc = 0; doc < 300 / kScale; ++doc) {
    std::string text;
    const int lines = 1 + static_cast<int>(g() % 40);
    for (int l = 0; l < lines; ++l) {
      switch (g() % 4) {
        case 0: text += "tool read_file finished in 12ms with 4096 bytes"; break;
        case 1: text += "edit_file applied 4 hunks to src/payment/handler.go"; break;
        case 2: text += "failed: " + MakeSample(rules[g() % rules.size()], rnd); break;
        default: text += RandomText(g, 12); break;
      }
      if (l + 1 < lines || g() % 2) text += "\n";
    }
    if (!Agrees(text, true)) return;
  }
}

TEST(Screen, OffsetLeavesOnlyCleanLinesBehind) {
  std::mt19937 g(5);
  for (int i = 0; i < 3000; ++i) {
    std::string text;
    for (int l = 0; l < 8; ++l) text += RandomText(g, 6) + "\n";
    const std::size_t at = ScreenDefaultRules(text);
    ASSERT_EQ(at == std::string_view::npos, !MayMatchDefaultRules(text));
    if (at != std::string_view::npos) {
      ASSERT_EQ(at % 64, 0u);
    }
    const std::size_t limit = at == std::string_view::npos ? text.size() : at;
    std::size_t start = 0;
    for (std::size_t nl = text.find('\n'); nl != std::string::npos && nl < limit; nl = text.find('\n', start)) {
      const std::string line = text.substr(start, nl - start);
      ASSERT_FALSE(MayMatchDefaultRules(line)) << Show(text) << " line " << Show(line);
      ASSERT_EQ(Full().Check(line), Scrubber::Precheck::kClean) << Show(line);
      start = nl + 1;
    }
  }
}

// The point of the screen: typical agent log lines never reach the DFA.
TEST(Screen, CleanLogLinesPassWithoutTheDfa) {
  for (const char* line : {
           "tool read_file finished in 12ms with 4096 bytes",
           "model gpt-4o returned 812 output tokens for session s-7f3a9c",
           "retrying request to the model provider after 250ms (attempt 2 of 5)",
           "agent root started sub-agent researcher with 3 tools enabled",
           "compaction reduced the context from 120000 to 64000 tokens",
           "fetched 23 results from web_search in 830ms",
           "warning: rate limit approaching, 12 requests left in this window",
           "edit_file applied 4 hunks to src/payment/handler.go",
           "session ended after 9800ms with 4 tool calls and 2 errors",
           "error: permission denied while opening ./config/settings.yaml",
       }) {
    EXPECT_FALSE(MayMatchDefaultRules(line)) << line;
    EXPECT_EQ(Full().Check(line), Scrubber::Precheck::kClean) << line;
  }
}

// Shapes the rule samples do not produce (the samples cover one form per
// rule; every form of a rule must make the screen fire).
TEST(Screen, FiresOnEveryFormOfARule) {
  const std::vector<std::string> forms = {
      "fe80::" + std::to_string(Rng(1)() % 9000 + 1000),  // ipv6, compressed
      "2001:0db8:85a3:0000:0000:8a2e:0370:7334",           // ipv6, eight groups of four
      "10.200.100.1",                                      // ipv4, three-digit groups
      "415.555.0100",                                      // phone-us with dots
      "3c-22-fb-0a-1b-2c",                                 // mac with '-'
      "C:/Users/" + std::string("ann") + "/src",          // Windows path, '/'
      "C:\\Users\\ann",                                   // Windows path, escaped
      "\xc5\xbfk_live_",                                     // U+017F folds to 's' in RE2
      "\xe2\x84\xaa" "ey",                                   // U+212A folds to 'k'
      "-----BEGIN OPENSSH PRIVATE KEY-----",                // cut short
  };
  for (const std::string& s : forms) {
    EXPECT_TRUE(MayMatchDefaultRules(s)) << s;
    Agrees(s, true);
  }
}

// Every key name the context rules know, in the shapes they match, with
// short values (so no run-length threshold helps the screen).
TEST(Screen, FiresOnEveryKeyNameOfTheContextRules) {
  std::vector<std::string> forms;
  for (std::string name : {"password", "passwd", "pwd", "secret", "token", "api_key", "api-key", "apikey",
                           "access_key", "access-key", "private_key", "secret_key", "client_secret", "credential",
                           "credentials", "auth", "DB_PASSWORD", "oauth"}) {
    forms.push_back(name + "=ab");
    forms.push_back(name + " : ab");
    forms.push_back("\"" + name + "\": \"ab\"");
    forms.push_back(name + "' => ab");
    forms.push_back(name + " := ab");
  }
  for (std::string name : {"token", "access_token", "refresh_token", "id_token", "auth_token", "key", "api_key",
                           "apikey", "api-key", "sig", "signature", "password", "passwd", "pwd", "secret",
                           "client_secret", "code", "X-Amz-Signature", "x-amz-credential", "x-amz-security-token",
                           "x-goog-signature", "x-goog-credential", "awsaccesskeyid"}) {
    forms.push_back("https://api.example.org/v1?a=1&" + name + "=ab");
    forms.push_back("/v1;" + name + "=ab");
  }
  for (std::string name : {"Authorization", "proxy-authorization", "Cookie", "set-cookie", "x-api-key",
                           "X-Auth-Token", "x-goog-api-key", "api-key", "x-access-token"}) {
    forms.push_back(name + ": abcd");
    forms.push_back(name + "\t:\tabcd");
  }
  // high-entropy-near-secret-name: the word, then up to 24 characters, then
  // a 20-character run that no length threshold catches on its own.
  for (std::string word : {"secret", "token", "password", "passwd", "api key", "api_key", "api-key", "apikey",
                           "credential", "Credentials", "TOKENS"}) {
    forms.push_back(word + std::string(24, ' ') + "ab.cd.ef.gh.ij.kl.mn");
    forms.push_back("the " + word + " is ab.cd.ef.gh.ij.kl.mn");
  }
  // The broader deny-list: each new form with a short value, so that only
  // its own condition in the screen can fire (removing one fails here).
  for (std::string name : {"passphrase", "GPG_PASSPHRASE", "DB_PASS", "db_pass", "STRIPE_KEY", "X-Auth-Key",
                           "x-functions-key", "Ocp-Apim-Subscription-Key"}) {
    forms.push_back(name + "=ab");
    forms.push_back(name + ": ab");
  }
  forms.push_back("\\\"password\\\":\\\"ab\\\"");     // escaped JSON ('\' fires)
  for (std::string el : {"password", "Password", "SecretAccessKey", "AccessKeyId", "SessionToken", "apikey", "credentials"}) {
    forms.push_back("<" + el + ">ab</" + el + ">");
  }
  forms.push_back("pass:ab");
  forms.push_back("machine h login u password ab");
  forms.push_back("  PASSWD ab");
  forms.push_back("machine h login u PassWord ab");
  for (std::string flag : {"--password", "-storepass", "-keypass", "-passin", "-passout", "--passphrase", "--token",
                           "--api-key", "--API_KEY", "--client-secret", "--access-key", "--private-key", "--auth-key",
                           "--credentials", "-secret"}) {
    forms.push_back(flag + " ab");
    forms.push_back("x " + flag + " ab");
    forms.push_back("x\t" + flag + "\tab");
    forms.push_back("(" + flag + " 'ab'");
  }
  forms.push_back("curl x -u a:b");
  forms.push_back("curl x --user a:b");
  forms.push_back("curl x\t--user=a:b");
  forms.push_back("aws configure set aws_access_key_id ab");
  forms.push_back("AWS configure set AWS_SESSION_TOKEN ab");
  forms.push_back("a.b\tTRUE\t/\tFALSE\t0\tn\tv");
  forms.push_back("a.b\tfalse\t/\ttrue\t-1\tn\tv");
  forms.push_back("cd ~ab/x");
  forms.push_back("(~_a)");
  forms.push_back("415 555 0100");
  forms.push_back("(415) 555 0100.");
  forms.push_back("123 45 6789");
  forms.push_back("bearer" + std::string(40, ' ') + "ab.cd.ef.gh.ij.kl");  // bearer-token, 16+
  forms.push_back("Bearer\t\tab.cd.ef.gh.ij.kl");
  for (const std::string& f : forms) {
    ASSERT_NE(Full().Check(f), Scrubber::Precheck::kClean) << "the form does not match any rule: " << Show(f);
    EXPECT_TRUE(MayMatchDefaultRules(f)) << Show(f);
  }
}

// An 8 MiB token that fires nothing ("-a-a-a...": lower-case hex and '-',
// no keyword): each byte is read a bounded number of times. (Reading back to
// the token's start once per 64-byte chunk would take hours; ctest's
// timeout would fail this test.)
TEST(Screen, ReadsAHugeTokenInLinearTime) {
  std::string s;
  s.reserve(8 << 20);
  while (s.size() < (8u << 20)) s += "-a";
  EXPECT_FALSE(MayMatchDefaultRules(s));
  EXPECT_EQ(Full().Check(s), Scrubber::Precheck::kClean);
  EXPECT_EQ(Screened().ScrubLines(s).text, s);
}

TEST(Screen, PortableClassifierIsAlwaysThere) {
  EXPECT_TRUE(ScreenIsaAvailable(ScreenIsa::kBest));
  EXPECT_TRUE(ScreenIsaAvailable(ScreenIsa::kPortable));
#if defined(__x86_64__)
  EXPECT_TRUE(ScreenIsaAvailable(ScreenIsa::kSse2));
#endif
}

TEST(Screen, IsOnlyUsedForTheDefaultCatalogue) {
  // A catalogue of its own: a rule on a plain lower-case word, which the
  // screen (built for the default rules) would pass. The scrubber must run
  // the set on it.
  static const Rule kWordRule[] = {{"plain-word", "credential", "a plain word", "zebra", "", Validator::kNone, "zebra"}};
  ASSERT_FALSE(MayMatchDefaultRules("a zebra here"));
  auto s = Scrubber::Create(kWordRule, ScrubberOptions{}, nullptr);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->Check("a zebra here"), Scrubber::Precheck::kCandidates);
  EXPECT_EQ(s->Scrub("a zebra here").text, "a [REDACTED:plain-word] here");
  EXPECT_EQ(s->ScrubLines("one\na zebra here\nthree").text, "one\na [REDACTED:plain-word] here\nthree");
}

}  // namespace
}  // namespace telguard::redaction
