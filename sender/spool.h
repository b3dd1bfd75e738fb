// A bounded on-disk queue of request bodies that could not be delivered yet.
// Only what the privacy pipeline produced goes here, never raw input.
//
// Layout: one file per body, named by a 20-digit sequence number, in a
// directory created 0700; files are 0600 and written atomically (temporary
// file, fsync, link to the final name, fsync of the directory), so a crash
// or kill mid-write leaves either the whole body or nothing under a final
// name. Temporary files are ignored and removed by the next Open(); a body
// claimed by a flush that died is put back by the next Open().
// Delivery is in sequence order. When the bound is reached the oldest bodies
// are dropped and counted, never silently.
//
// Thread-safety: all methods may be called from many threads; several
// processes may share a directory (names are claimed with link(2), which
// fails if the name exists; a body is claimed for delivery by renaming it).
#ifndef TELGUARD_SENDER_SPOOL_H_
#define TELGUARD_SENDER_SPOOL_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sender/sender.h"

namespace telguard::sender {

struct SpoolOptions {
  std::size_t max_files = 10000;
  std::size_t max_bytes = 64u << 20;
  bool fsync = true;  // tests of throughput may turn it off; crash safety needs it
};

struct FlushStats {
  std::size_t delivered = 0;
  std::size_t dropped = 0;    // the endpoint refused them for good (4xx)
  std::size_t remaining = 0;  // still spooled (endpoint unavailable)
  std::string stopped_because;
};

class Spool {
 public:
  // Creates the directory (0700) if needed. Null and *error on failure.
  static std::unique_ptr<Spool> Open(const std::string& dir, const SpoolOptions& options,
                                     std::string* error);

  // Appends one body; returns false (and *error) when it could not be written.
  bool Append(std::string_view body, std::string* error);

  // Delivers spooled bodies in order through `send` until one is not
  // delivered (it stays, and so does everything after it) or all are done.
  // Bodies the endpoint drops for good are removed and counted.
  FlushStats Flush(const std::function<SendResult(std::string_view)>& send);

  std::size_t size() const;  // bodies waiting (as of this process's last look)
  bool empty() const { return size() == 0; }
  // Bodies dropped because the spool was full, since Open().
  std::uint64_t overflow_dropped() const;
  const std::string& dir() const { return dir_; }

 private:
  Spool(std::string dir, SpoolOptions options) : dir_(std::move(dir)), options_(options) {}
  // Rebuilds the in-memory index from the directory (other processes may
  // have added or taken bodies).
  void RefreshLocked();
  void EnforceBoundLocked(std::size_t incoming);

  std::string dir_;
  SpoolOptions options_;
  mutable std::mutex mu_;
  std::uint64_t overflow_dropped_ = 0;
  // seq -> size in bytes, for the bodies this process knows about; kept in
  // memory so an Append costs no directory scan.
  std::map<std::uint64_t, std::size_t> index_;
  std::size_t index_bytes_ = 0;
  std::uint64_t last_seq_ = 0;
};

}  // namespace telguard::sender

#endif  // TELGUARD_SENDER_SPOOL_H_
