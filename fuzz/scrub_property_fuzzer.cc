// Scrubber properties on arbitrary text with planted secrets: no planted
// secret survives (nor any 16-character window of it), scrub(scrub(x)) ==
// scrub(x), and the output is valid UTF-8. The same for ScrubLines, which
// must also keep the number of lines.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <random>

#include "fuzz/leak_oracle.h"
#include "redaction/scrubber.h"
#include "redaction/text_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 8192) return 0;
  FuzzedDataProvider fdp(data, size);
  std::mt19937_64 rng(fdp.ConsumeIntegral<std::uint64_t>());
  const auto rules = telguard::redaction::DefaultRules();
  std::vector<telguard::fuzz::Canary> canaries;
  std::string text, background;
  const int pieces = fdp.ConsumeIntegralInRange<int>(0, 6);
  for (int i = 0; i < pieces; ++i) {
    // Arbitrary bytes, then a separator, a planted secret, a separator.
    const std::string noise = fdp.ConsumeRandomLengthString(200);
    text += noise;
    background += noise;
    if (fdp.ConsumeBool()) {
      const int rule = fdp.ConsumeIntegralInRange<int>(0, static_cast<int>(rules.size()) - 1);
      auto enc = static_cast<telguard::fuzz::Encoding>(
          fdp.ConsumeIntegralInRange<int>(0, static_cast<int>(telguard::fuzz::Encoding::kCount) - 1));
      canaries.push_back(telguard::fuzz::MakeCanary(rule, enc, rng));
      text += " " + canaries.back().planted + " ";
      background += "  ";  // the text exactly, without the canary
    }
  }
  const std::string tail = fdp.ConsumeRemainingBytesAsString();
  text += tail;
  background += tail;

  const auto& s = telguard::redaction::Scrubber::Default();
  // What the scrubber makes of the arbitrary text alone (decoding it, say)
  // is background too: windows found there are the fuzzer's, not a leak.
  if (auto b = s.Scrub(background); b.ok) background += "\n" + b.text;
  const auto once = s.Scrub(text);
  if (!once.ok) return 0;  // fail closed: nothing to check
  std::string which;
  // Windows that the arbitrary text itself contains (the fuzzer copies
  // them there) are not leaks: `background` excludes them.
  if (telguard::fuzz::Leaks(once.text, canaries, &which, background)) {
    telguard::fuzz::Trap("secret survived scrubbing: " + which + "\n in: " + text + "\n out: " + once.text);
  }
  if (!telguard::redaction::IsValidUtf8(once.text)) telguard::fuzz::Trap("output is not valid UTF-8");
  const auto twice = s.Scrub(once.text);
  if (!twice.ok || twice.text != once.text) {
    telguard::fuzz::Trap("not idempotent:\n once: " + once.text + "\n twice: " + twice.text);
  }
  const auto lines = s.ScrubLines(text);
  if (lines.ok) {
    if (std::count(lines.text.begin(), lines.text.end(), '\n') != std::count(text.begin(), text.end(), '\n')) {
      telguard::fuzz::Trap("ScrubLines changed the number of lines");
    }
    // Line by line, a multi-line secret (a PEM block) is cut into lines that
    // are not recognisable alone: only single-line canaries are checked here
    // (SECURITY.md, "Known limits": `telguard scrub` is line-oriented).
    std::vector<telguard::fuzz::Canary> single;
    for (const auto& c : canaries) {
      if (c.planted.find('\n') == std::string::npos) single.push_back(c);
    }
    if (telguard::fuzz::Leaks(lines.text, single, &which, background)) {
      telguard::fuzz::Trap("ScrubLines leaked " + which + "\n in: " + text + "\n out: " + lines.text);
    }
  }
  return 0;
}
