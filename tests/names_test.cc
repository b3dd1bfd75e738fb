// Names and ids: benign names stay as written, everything else becomes a
// keyed pseudonym of a fixed shape; pseudonyms are stable per key and
// unlinkable across keys.
#include "redaction/names.h"

#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <random>
#include <set>
#include <thread>
#include <vector>

#include "redaction/pseudonym.h"
#include "tests/test_util.h"

namespace telguard::redaction {
namespace {

const NamePolicy& N() { return NamePolicy::Default(); }

TEST(Names, BenignNamesComeOutUnchanged) {
  const Pseudonymizer p("k");
  const NameSpec tool{"tools", NameShape::kName, "tool"};
  const NameSpec model{"models", NameShape::kName, "model"};
  const NameSpec agent{"agents", NameShape::kName, "agent"};
  const NameSpec version{"", NameShape::kSemver, "version"};
  for (const auto& [spec, v] : std::vector<std::pair<NameSpec, std::string>>{
           {tool, "read_file"}, {tool, "Bash"}, {tool, "WebFetch"}, {tool, "mcp__github__create_issue"},
           {model, "claude-3-5-sonnet-20241022"}, {model, "gpt-4o-2024-08-06"}, {model, "gpt-4o"},
           {model, "llama3.1:8b"}, {agent, "root"}, {agent, "coder"}, {agent, "golang_developer"},
           {version, "1.4.2+sha.5114f85"}, {version, "1.18.3"}, {version, "v2.0.0-rc.1"}}) {
    bool pseudonymised = true;
    EXPECT_EQ(N().Apply(spec, v, p, false, &pseudonymised), v);
    EXPECT_FALSE(pseudonymised) << v;
    EXPECT_TRUE(N().Conforms(spec, v)) << v;
  }
}

TEST(Names, AnythingElseBecomesAPrefixedPseudonym) {
  const Pseudonymizer p("k");
  const NameSpec tool{"tools", NameShape::kName, "tool"};
  const NameSpec version{"", NameShape::kSemver, "version"};
  const std::string key = telguard::testing::Token("sk-", "abcdefghijklmnopqrstuvwxyz0123456789", 40, 3);
  for (const std::string& v : {std::string("please fix the login bug"), key, std::string("Read File"),
                              std::string("tool\"; drop"), std::string("a1b2c3d4e5f6a7b8c9d0"),
                              std::string(100, 'a'), std::string("x__y___z")}) {
    bool pseudonymised = false;
    const std::string out = N().Apply(tool, v, p, false, &pseudonymised);
    EXPECT_TRUE(pseudonymised) << v;
    EXPECT_TRUE(Pseudonymizer::IsName("tool", out)) << out;
    EXPECT_TRUE(N().Conforms(tool, out));
    EXPECT_EQ(out.find(v), std::string::npos);
  }
  // A fitting name the scrubber would touch (an e-mail address) goes too.
  bool pseudonymised = false;
  EXPECT_TRUE(Pseudonymizer::IsName("tool", N().Apply(tool, "ann@example.org", p, true, &pseudonymised)));
  EXPECT_TRUE(pseudonymised);
  for (const std::string& v : {std::string("1.0"), "1.0.0+" + key.substr(3, 30), std::string("latest"), std::string("1.0.0 beta")}) {
    EXPECT_TRUE(Pseudonymizer::IsName("version", N().Apply(version, v, p, false, nullptr))) << v;
  }
}

TEST(Names, StrictShapeRejectsHighEntropySegmentsAndOddSeparators) {
  EXPECT_TRUE(NamePolicy::IsStrictName("read_file"));
  EXPECT_TRUE(NamePolicy::IsStrictName("claude-3-5-sonnet-20241022"));
  EXPECT_FALSE(NamePolicy::IsStrictName("a9f3k2m8x7q1"));       // a key-like segment
  EXPECT_FALSE(NamePolicy::IsStrictName("ReadFile"));           // upper case
  EXPECT_FALSE(NamePolicy::IsStrictName("-lead"));
  EXPECT_FALSE(NamePolicy::IsStrictName("a___b"));
  EXPECT_FALSE(NamePolicy::IsStrictName(std::string(65, 'a')));
  EXPECT_FALSE(NamePolicy::IsStrictName("two words"));
  EXPECT_TRUE(NamePolicy::IsSemver("1.4.2+sha.5114f85"));
  EXPECT_FALSE(NamePolicy::IsSemver("1.4"));
  EXPECT_FALSE(NamePolicy::IsSemver("1.4.2+k9d8s7a6f5g4h3"));
}

TEST(Pseudonyms, StablePerKeyUnlinkableAcrossKeysAndSeparatedByDomain) {
  const Pseudonymizer a("key-a"), a2("key-a"), b("key-b");
  EXPECT_EQ(a.Id("session", "s-7f3a9c"), a2.Id("session", "s-7f3a9c"));
  EXPECT_NE(a.Id("session", "s-7f3a9c"), b.Id("session", "s-7f3a9c"));
  EXPECT_NE(a.Name("tool", "x"), a.Name("agent", "x").replace(0, 5, "tool"));
  EXPECT_TRUE(Pseudonymizer::IsId("session", a.Id("session", "s-7f3a9c")));
  EXPECT_EQ(a.Id("session", "s-7f3a9c").size(), std::string("session-").size() + 16);
  // A UUID stays UUID-shaped (lower case, version 4), but is not the input.
  const std::string uuid = "5F0C6E2A-8D1B-4C3E-9A7F-2B4D6E8F0A1C";
  const std::string out = a.Id("session", uuid);
  EXPECT_TRUE(Pseudonymizer::IsUuid(out)) << out;
  EXPECT_EQ(out[14], '4');
  EXPECT_NE(out, "5f0c6e2a-8d1b-4c3e-9a7f-2b4d6e8f0a1c");
  EXPECT_TRUE(Pseudonymizer::IsUuid(a.Uuid("user", "anything at all")));
  // No random key collides with another in practice; two processes differ.
  const Pseudonymizer r1(""), r2("");
  EXPECT_TRUE(r1.random_key());
  EXPECT_NE(r1.Name("tool", "x"), r2.Name("tool", "x"));
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) seen.insert(a.Id("session", std::to_string(i)));
  EXPECT_EQ(seen.size(), 10000u);
}

// The keyed state absorbed once gives what a one-shot HMAC-SHA-256 over
// "domain NUL value" gives (pseudonyms made before stay the same), on many
// threads sharing one Pseudonymizer.
TEST(Pseudonyms, AreHmacSha256OfDomainNulValueOnManyThreads) {
  const std::string key = "key-" + std::to_string(std::random_device{}());
  const Pseudonymizer p(key);
  auto expected = [&](const std::string& domain, const std::string& value) {
    const std::string msg = domain + std::string(1, '\0') + value;
    unsigned char mac[32];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(msg.data()),
         msg.size(), mac, &len);
    std::string hex;
    for (int i = 0; i < 8; ++i) {
      hex.push_back("0123456789abcdef"[mac[i] >> 4]);
      hex.push_back("0123456789abcdef"[mac[i] & 0xf]);
    }
    return domain + "-" + hex;
  };
  EXPECT_EQ(p.Id("session", "s-7f3a9c"), expected("session", "s-7f3a9c"));
  EXPECT_EQ(p.Name("tool", ""), expected("tool", "").substr(0, 5 + 8));
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        const std::string v = std::to_string(t * 1000 + i);
        wrong[static_cast<std::size_t>(t)] += p.Id("session", v) != expected("session", v);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int w : wrong) EXPECT_EQ(w, 0);
}

TEST(Names, VocabulariesComeFromTheEmbeddedTables) {
  EXPECT_TRUE(N().InVocabulary("models", "gpt-4o"));
  EXPECT_GT(N().VocabularySize("models"), 5u);
  EXPECT_TRUE(N().InVocabulary("tools", "read_file"));
  EXPECT_TRUE(N().InVocabulary("os", "linux"));
  EXPECT_FALSE(N().HasVocabulary("nope"));
  std::string err;
  EXPECT_EQ(NamePolicy::Create("{", "{}", &err), nullptr);
  EXPECT_NE(err.find("names"), std::string::npos);
}

}  // namespace
}  // namespace telguard::redaction
