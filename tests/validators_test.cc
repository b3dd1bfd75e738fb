#include "redaction/validators.h"

#include <gtest/gtest.h>

#include "redaction/rule.h"
#include "redaction/samples.h"
#include "tests/test_util.h"

namespace telguard::redaction {
namespace {

const Rule& RuleById(std::string_view id) {
  for (const auto& r : DefaultRules()) {
    if (r.id == id) return r;
  }
  throw std::runtime_error("no rule");
}

TEST(Luhn, GeneratedCardsPassAndEveryOneDigitChangeFails) {
  for (std::uint32_t seed = 1; seed < 50; ++seed) {
    const std::string card = MakeSample(RuleById("payment-card"), telguard::testing::Rng(seed));
    ASSERT_TRUE(IsPaymentCard(card)) << card;
    for (std::size_t i = 1; i < card.size(); ++i) {
      std::string m = card;
      m[i] = static_cast<char>('0' + (m[i] - '0' + 1) % 10);
      EXPECT_FALSE(LuhnValid(m)) << m;
    }
  }
}

TEST(Luhn, IssuerLengthsExcludeMillisecondTimestamps) {
  // 13-digit timestamps start with 1: no issuer uses that prefix.
  for (std::uint64_t ts = 1700000000000; ts < 1700000000000 + 200; ++ts) {
    EXPECT_FALSE(IsPaymentCard(std::to_string(ts)));
  }
}

TEST(Iban, Mod97AcceptsGeneratedAndRejectsTransposition) {
  for (std::uint32_t seed = 1; seed < 50; ++seed) {
    const std::string iban = MakeSample(RuleById("iban"), telguard::testing::Rng(seed));
    ASSERT_TRUE(IbanValid(iban)) << iban;
    std::string swapped = iban;
    std::swap(swapped[6], swapped[7]);
    if (swapped != iban) {
      EXPECT_FALSE(IbanValid(swapped)) << swapped;
    }
  }
  EXPECT_FALSE(IbanValid("DE00"));
}

TEST(Ssn, InvalidRanges) {
  EXPECT_FALSE(SsnValid("000-12-3456"));
  EXPECT_FALSE(SsnValid("666-12-3456"));
  EXPECT_FALSE(SsnValid("912-12-3456"));
  EXPECT_FALSE(SsnValid("123-00-3456"));
  EXPECT_FALSE(SsnValid("123-45-0000"));
  EXPECT_TRUE(SsnValid("123 45 6789"));   // spaces are a separator too
  EXPECT_FALSE(SsnValid("123 45-6789"));  // but not mixed
  for (std::uint32_t seed = 1; seed < 50; ++seed) {
    EXPECT_TRUE(SsnValid(MakeSample(RuleById("us-ssn"), telguard::testing::Rng(seed))));
  }
}

TEST(GithubChecksum, Crc32MatchesTheStandardCheckValue) {
  EXPECT_EQ(Crc32("123456789"), 0xCBF43926u);  // the CRC-32/ISO-HDLC check value
}

TEST(GithubChecksum, AcceptsGeneratedAndRejectsAChangedCharacter) {
  for (std::uint32_t seed = 1; seed < 50; ++seed) {
    const std::string t = MakeSample(RuleById("github-pat"), telguard::testing::Rng(seed));
    EXPECT_TRUE(GithubChecksumValid(t)) << t;
    std::string bad = t;
    bad.back() = bad.back() == 'A' ? 'B' : 'A';
    EXPECT_FALSE(GithubChecksumValid(bad));
  }
  // The checksum adds confidence; it never decides whether a prefixed
  // token is removed.
  EXPECT_FALSE(ValidatorGates(Validator::kGithubCrc32));
  EXPECT_TRUE(ValidatorGates(Validator::kLuhn));
}

TEST(Ipv4, LoopbackAndUnspecifiedAreNotFindings) {
  EXPECT_FALSE(Ipv4NotLocal("127.0.0.1"));
  EXPECT_FALSE(Ipv4NotLocal("127.255.1.9"));
  EXPECT_FALSE(Ipv4NotLocal("0.0.0.0"));
  EXPECT_TRUE(Ipv4NotLocal("192.0.2.10"));
  EXPECT_TRUE(Ipv4NotLocal("10.0.0.1"));
}

TEST(AssignedValue, StatusWordsAndPlaceholdersAreNotValues) {
  for (const char* v : {"unauthorized", "Required", "none", "null", "${DB_PASSWORD}", "$TOKEN", "<your-api-key>",
                        "***", "********", "%s", "{{ secret }}", "%APPDATA%", "xxxx"}) {
    EXPECT_FALSE(LooksAssigned(v)) << v;
  }
  EXPECT_TRUE(LooksAssigned(telguard::testing::Token("", SampleAlphabet("a"), 8, 1)));
  EXPECT_TRUE(LooksAssigned("hunter2"));
}

TEST(Entropy, GeneratedTokensPassWordsAndHexFail) {
  EXPECT_TRUE(LooksGenerated(telguard::testing::Token("", SampleAlphabet("an"), 32, 3)));
  EXPECT_FALSE(LooksGenerated("aaaaaaaaaaaaaaaaaaaaaaaa1"));
  EXPECT_FALSE(LooksGenerated("e83c5163316f89bfbde7d9ab23ca2e25604af290"));
  EXPECT_FALSE(LooksGenerated("TelemetryClientConfiguration"));
  EXPECT_FALSE(LooksGenerated("completion_tokens=221"));  // an assignment, not a key
  EXPECT_TRUE(LooksGenerated("x=" + telguard::testing::Token("", SampleAlphabet("an"), 32, 4)));
  EXPECT_TRUE(LooksGenerated(telguard::testing::Token("", SampleAlphabet("an"), 30, 5) + "=="));
}

TEST(Ipv6, ParsesAddressesNotScopes) {
  EXPECT_TRUE(Ipv6Valid("2001:db8::1"));
  // Loopback and unspecified addresses are not personal data.
  EXPECT_FALSE(Ipv6Valid("::1"));
  EXPECT_FALSE(Ipv6Valid("::1:6379"));  // loopback with a port
  EXPECT_TRUE(Ipv6Valid("::ffff:c000:0280"));
  EXPECT_TRUE(Ipv6Valid("fe80:0:0:0:200:f8ff:fe21:67cf"));
  EXPECT_FALSE(Ipv6Valid("abcd::"));
  EXPECT_FALSE(Ipv6Valid("12:34"));
}

}  // namespace
}  // namespace telguard::redaction
