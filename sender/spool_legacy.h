// Reads the spool format used before the SQLite spool (seg-*.log segments of
// [magic "TGS1"][u32 length][u32 CRC-32][body] records and a "cursor" file
// naming the first record not yet delivered), so Spool::Open can migrate it
// once; then removes those files (overwritten with zeros first). Nothing
// else reads or writes that format.
#ifndef TELGUARD_SENDER_SPOOL_LEGACY_H_
#define TELGUARD_SENDER_SPOOL_LEGACY_H_

#include <string>
#include <vector>

namespace telguard::sender::legacy {

// True when `dir` holds old-format files.
bool Present(const std::string& dir);

// Every intact record at or after the cursor, in order. A torn or damaged
// record ends its segment (as the old reader did).
std::vector<std::string> ReadPending(const std::string& dir);

// Overwrites and removes the old files (segments, cursor, lock files).
void Remove(const std::string& dir);

}  // namespace telguard::sender::legacy

#endif  // TELGUARD_SENDER_SPOOL_LEGACY_H_
