// The value-free audit record: one per input event (or per unreadable line).
//
// It says what happened to an event and why, in terms of JSON pointers,
// schema keywords and rule ids. It never holds a value, nor a prefix of one:
// pointers render every object key that is not a name declared by telguard's
// schemas or allow-list as "*", because a key can carry data too.
#ifndef TELGUARD_PIPELINE_AUDIT_H_
#define TELGUARD_PIPELINE_AUDIT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace telguard {

enum class Verdict {
  kSent,      // passed every stage (check: would be sent)
  kRejected,  // the input is not a valid event: parse, caps or schema
  kDropped,   // valid input, but a later stage failed closed (output gate,
              // wire check, scrubber failure)
};

const char* VerdictName(Verdict v);

struct AuditReason {
  std::string pointer;  // JSON pointer into the input event ("" = the line)
  std::string keyword;  // schema keyword or pipeline reason ("type", "depth", ...)
};

struct AuditRedaction {
  std::string rule;     // rule id
  std::string pointer;  // JSON pointer into the output event
  std::size_t count = 0;
};

struct AuditRecord {
  std::uint64_t line = 0;    // 1-based input line
  std::int64_t record = -1;  // index inside {"records":[...]}, -1 for a bare envelope
  std::string event;         // command, tool, token, session_start, session_end, or ""
  Verdict verdict = Verdict::kRejected;
  std::vector<AuditReason> reasons;
  std::vector<std::string> stripped;  // pointers of removed input fields
  std::vector<AuditRedaction> redactions;
  // Set by the sender: "delivered", "kept" (spooled for later), "dropped".
  std::string delivery;

  // One line of JSON (no trailing newline).
  std::string ToJsonLine() const;
};

}  // namespace telguard

#endif  // TELGUARD_PIPELINE_AUDIT_H_
