// The screen in front of the DFA (redaction/prefilter.h) must never change
// an answer: on arbitrary bytes, Check, Scrub and ScrubLines with the screen
// equal the same calls on a scrubber that runs the full RE2 set on
// everything. Any difference means the screen passed text some rule matches.
#include <cstdint>
#include <string>

#include "fuzz/leak_oracle.h"
#include "redaction/prefilter.h"
#include "redaction/scrubber.h"
#include "redaction/text_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using telguard::redaction::Scrubber;
  if (size > 4096) return 0;  // longer texts add DFA time, not new screen states
  static const Scrubber* const full = [] {
    telguard::redaction::ScrubberOptions o;
    o.use_prefilter = false;
    return Scrubber::Create(telguard::redaction::DefaultRules(), o, nullptr).release();
  }();
  const Scrubber& screened = Scrubber::Default();
  const std::string text(reinterpret_cast<const char*>(data), size);

  const Scrubber::Precheck a = full->Check(text), b = screened.Check(text);
  if (a != b) telguard::fuzz::Trap("Check differs with the screen on: " + text);
  if (a != Scrubber::Precheck::kClean && !telguard::redaction::NormalizeUtf8(text) &&
      !telguard::redaction::MayMatchDefaultRules(text)) {
    telguard::fuzz::Trap("the screen passed a text the full set matches: " + text);
  }
  const auto sa = full->Scrub(text), sb = screened.Scrub(text);
  if (sa.ok != sb.ok || sa.text != sb.text) {
    telguard::fuzz::Trap("Scrub differs with the screen on: " + text + "\n full: " + sa.text + "\n screened: " + sb.text);
  }
  std::size_t fa = 0, fb = 0;
  const auto la = full->ScrubLines(text, &fa), lb = screened.ScrubLines(text, &fb);
  if (la.text != lb.text || fa != fb) {
    telguard::fuzz::Trap("ScrubLines differs with the screen on: " + text + "\n full: " + la.text +
                         "\n screened: " + lb.text);
  }
  return 0;
}
