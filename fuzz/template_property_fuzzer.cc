// Properties of the free-text templater on arbitrary text:
//  - every output passes the gate's own scanner (ConformsToTemplate): only
//    vocabulary words, allowed numbers, placeholders, catalogued markers and
//    short punctuation runs;
//  - templating is idempotent: Template(Template(x)) == Template(x);
//  - the output is valid UTF-8 (in fact ASCII);
//  - class mode always yields an id of the class table.
// The input is used as it comes, and also wrapped around a scrubber marker
// and a quoted span, so the marker and quote paths see fuzzed neighbours.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/leak_oracle.h"
#include "redaction/free_text.h"
#include "redaction/text_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;
  const auto& p = telguard::redaction::FreeTextPolicy::Default();
  const std::string raw(reinterpret_cast<const char*>(data), size);
  for (const std::string& in : {raw, "token=[REDACTED:secret-assignment] " + raw + " 'q " + raw + "'"}) {
    const std::string once = p.Template(in);
    if (!p.ConformsToTemplate(once)) telguard::fuzz::Trap("template output fails the gate:\n in: " + in + "\n out: " + once);
    if (!telguard::redaction::IsValidUtf8(once)) telguard::fuzz::Trap("template output is not UTF-8: " + once);
    const std::string twice = p.Template(once);
    if (twice != once) telguard::fuzz::Trap("template not idempotent:\n in: " + in + "\n once: " + once + "\n twice: " + twice);
    const std::string cls = p.Classify(in);
    if (!p.IsClass(cls)) telguard::fuzz::Trap("class output not in the table: " + cls);
  }
  return 0;
}
