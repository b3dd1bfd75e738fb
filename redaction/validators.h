// Checksums and shape checks that confirm a pattern match (rule.h Validator).
// Pure functions; thread-safe.
#ifndef TELGUARD_REDACTION_VALIDATORS_H_
#define TELGUARD_REDACTION_VALIDATORS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "redaction/rule.h"

namespace telguard::redaction {

// Digits only (separators ignored): 13..19 digits, a known issuer prefix, Luhn.
bool IsPaymentCard(std::string_view candidate);
// Luhn over the digits of `digits` (non-digits ignored).
bool LuhnValid(std::string_view digits);
// IBAN: 15..34 characters without spaces, ISO 7064 mod-97 == 1.
bool IbanValid(std::string_view candidate);
// US SSN AAA-GG-SSSS outside the never-issued ranges.
bool SsnValid(std::string_view candidate);
// GitHub token (ghp_ and kin): the last 6 characters are the base62 CRC32 of
// the random part between the prefix and them.
bool GithubChecksumValid(std::string_view token);
// The 6-character base62 checksum of a random part (to build test tokens).
std::string GithubChecksum(std::string_view random_part);
std::uint32_t Crc32(std::string_view data);
// A generated-looking token: letters and digits, not only hex, and Shannon
// entropy >= 3.5 bits per character.
bool LooksGenerated(std::string_view s);
// Shannon entropy in bits per character.
double ShannonEntropy(std::string_view s);
// Parses as IPv6 and is neither loopback (::1) nor unspecified (::).
bool Ipv6Valid(std::string_view candidate);
// A dotted quad outside 127.0.0.0/8 and other than 0.0.0.0.
bool Ipv4NotLocal(std::string_view candidate);
// 8..15 digits.
bool PhoneDigitsValid(std::string_view candidate);
// An assigned value rather than a status word or a placeholder: not one of
// a short list of words ("unauthorized", "required", "none", "null", ...),
// not an environment reference ($X, ${X}, %X%), a template ({{x}}, <x>,
// %s) or a mask (***, xxxx). Anything else counts as a value.
bool LooksAssigned(std::string_view candidate);

bool RunValidator(Validator v, std::string_view candidate);
// Whether a failed validator means "no finding". False for checksums of
// prefixed formats (GitHub): they add confidence, never let a shape through.
bool ValidatorGates(Validator v);

}  // namespace telguard::redaction

#endif  // TELGUARD_REDACTION_VALIDATORS_H_
