// A bounded on-disk queue of request bodies that could not be delivered yet.
// Only what the privacy pipeline produced goes here, never raw input.
//
// Layout (directory 0700, files 0600):
//   seg-<20 digits>.log  append-only segments of records
//                        [magic "TGS1"][u32 length][u32 CRC-32][body]
//   cursor               "<segment> <offset>": the first record not yet
//                        delivered or dropped (replaced atomically)
//   append.lock, flush.lock
// Each process appends to a segment of its own (created on its first
// append), one write(2) per record under an exclusive append lock, so a
// crash or kill mid-write can only leave a torn record at the very end of
// that process's segment: it was never acknowledged, and readers skip it by
// its length and checksum. An Append costs one write and no file creation
// (about 10 us), which keeps an open circuit cheap for the host.
// Durability: a returned Append survives a crash or kill of the process (the
// kernel holds the data); with `fsync` it also survives a power loss, at the
// cost of a disk flush per body.
// Delivery is in order (segments by number, records by offset), each body
// once from the spool's point of view: the cursor moves past a body right
// after it was delivered. When the bound is reached the oldest bodies are
// dropped (the cursor moves past them) and counted, never silently.
//
// Thread-safety: all methods may be called from many threads; several
// processes may share a directory. One flush runs at a time per directory.
#ifndef TELGUARD_SENDER_SPOOL_H_
#define TELGUARD_SENDER_SPOOL_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "sender/sender.h"

namespace telguard::sender {

struct SpoolOptions {
  std::size_t max_events = 10000;
  std::size_t max_bytes = 64u << 20;
  bool fsync = false;                   // see "Durability" above
  std::size_t segment_bytes = 1u << 20; // a process starts a new segment past this
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
  ~Spool();

  // Appends one body; false (and *error) when it could not be written.
  bool Append(std::string_view body, std::string* error);

  // Delivers spooled bodies in order through `send` until one is kept (it
  // stays, and so does everything after it) or all are done. Bodies the
  // endpoint drops for good are removed and counted.
  FlushStats Flush(const std::function<SendResult(std::string_view)>& send);

  std::size_t size() const;  // bodies waiting, as of this process's last look
  bool empty() const { return size() == 0; }
  std::uint64_t overflow_dropped() const;  // dropped because the spool was full
  const std::string& dir() const { return dir_; }

 private:
  struct Position {
    std::uint64_t segment = 0;
    std::uint64_t offset = 0;  // of the record's header
    std::uint64_t length = 0;  // header + body
  };
  Spool(std::string dir, SpoolOptions options) : dir_(std::move(dir)), options_(options) {}
  // Every complete record at or after the cursor, in order.
  std::deque<Position> ScanLocked(std::uint64_t* bytes) const;
  Position ReadCursor() const;
  void WriteCursor(const Position& p) const;
  void EnforceBoundLocked(std::size_t incoming);
  bool OpenOwnSegmentLocked(std::string* error);

  std::string dir_;
  SpoolOptions options_;
  mutable std::mutex mu_;
  int append_lock_ = -1;
  int flush_lock_ = -1;
  int own_fd_ = -1;  // this process's segment
  std::uint64_t own_segment_ = 0;
  std::deque<Position> pending_;  // this process's view of what waits
  std::uint64_t pending_bytes_ = 0;
  std::uint64_t overflow_dropped_ = 0;
};

}  // namespace telguard::sender

#endif  // TELGUARD_SENDER_SPOOL_H_
