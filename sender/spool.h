// A bounded on-disk store of request bodies that could not be delivered yet,
// shared by every thread and process that uses the same directory. Only what
// the privacy pipeline produced goes here, never raw input.
//
// Layout (directory 0700, files 0600):
//   spool.db (+ -wal, -shm)   SQLite in WAL mode, one database per directory
//     events(id, destination, path, app, content_type, body, attempts,
//            created_ms, lease_until_ms)      one row per event
//     dead_letters(... , failed_ms, reason)   bodies the endpoint kept
//                                             refusing (kept, not replayed)
//     counters(events, bytes, overflow, dead, seq)  kept by triggers;
//                                             seq: the highest id given
//                                             (ids are never reused)
//     PRAGMA user_version 2 (a version-1 database is migrated on open)
//   spool.lock                flock(2) held while a damaged database is
//                             moved aside or the old format migrated
//   spool.db.damaged          the last damaged database, moved aside
// `destination` is the canonical endpoint URL the event was meant for and
// `path` what is appended to it (e.g. "/v1/logs"): a flush for one
// destination never sends another's rows.
//
// Delivery: Flush() claims a few rows in a short transaction (a lease
// column: a row leased by another flusher is skipped until its lease
// expires), sends them with no transaction, lock or mutex held, then deletes
// each delivered row in its own short transaction, so a row is deleted in the
// transaction that records its delivery. Two concurrent flushers never both
// send a row unless one of them died or overran the lease (then at most once
// more per lease period). Rows go out in id order per destination.
// Deleted means gone from disk: secure_delete is on (deleted content is
// overwritten) and the WAL is checkpointed and truncated after every flush
// or purge that deleted rows.
//
// Bound: `max_events` and `max_bytes` per database (all processes). An
// append beyond it deletes the oldest rows and counts them in
// stats().overflow_dropped. A single body larger than max_bytes is refused.
// Faults: every call returns or records a SpoolStatus. SQLITE_FULL on append:
// the body is not kept (kFull), nothing else changes. A delete that fails
// after a delivery is remembered in this process and the row is never sent
// again by it. A damaged database (SQLITE_CORRUPT/NOTADB, or a failed
// quick_check when opened) is moved aside to spool.db.damaged, a fresh one
// is started and every row that could still be read is copied into it;
// stats().notice says so. Old-format spools (seg-*.log + cursor) are
// migrated into the database once, on open, with an empty destination that
// the first HttpSender over this spool adopts (see AdoptLegacy).
// Durability: synchronous=NORMAL (default) survives a crash or kill of the
// process; kFull also survives a power loss, at the cost of a disk flush per
// append (bench/send_bench.cc measures both).
// Cost: an append is one short write transaction that writes two pages
// (the newest leaf and counters; about one in ten also allocates a page) to
// the WAL: tens of microseconds, no fsync with NORMAL; see
// bench/send_bench.cc. There is no index on destination, so an append
// writes nothing else: a flush reads the table once in id order (a cursor),
// and size(destination) counts by reading every row (at most max_events).
//
// Thread-safety and locks: all methods may be called from many threads;
// several processes may share a directory (SQLite locking, busy timeout).
// `mu_` guards this object's SQLite connection. It is a leaf: held only
// around SQLite calls, never while a Flush callback (the network) runs, and
// no other component's lock is taken while it is held. Lock order:
// HttpSender's locks and Spool::mu_ are never held together.
#ifndef TELGUARD_SENDER_SPOOL_H_
#define TELGUARD_SENDER_SPOOL_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "sender/sender.h"

struct sqlite3;
struct sqlite3_stmt;

namespace telguard::sender {

enum class SpoolStatus {
  kOk,
  kFull,      // the disk (or the database's page cap) is full
  kCorrupt,   // the database was damaged (moved aside and restarted)
  kIoError,   // a read or write failed
  kBusy,      // another process held the database past the busy timeout
  kTooLarge,  // one body larger than the byte bound
  kError,     // anything else (cannot open, internal)
};

const char* SpoolStatusName(SpoolStatus s);

enum class Durability { kNormal, kFull };

struct SpoolOptions {
  std::size_t max_events = 10000;
  std::size_t max_bytes = 64u << 20;   // bodies only
  Durability durability = Durability::kNormal;
  std::chrono::milliseconds busy_timeout{5000};
  std::chrono::seconds lease{120};     // a claimed row is skipped by others this long
  int max_attempts = 5;                // refusals by status before a body is dead-lettered
  std::size_t max_dead_letters = 1000; // oldest dead letters beyond this are deleted
  long max_pages = 0;                  // 0: no cap; else PRAGMA max_page_count (a fixed-size store)
};

// One event to keep.
struct SpoolRecord {
  std::string_view destination;   // canonical endpoint URL
  std::string_view path;          // appended to it ("" or "/v1/logs", ...)
  std::string_view app;           // the app it belongs to (Purge)
  std::string_view content_type;
  std::string_view body;
};

// One event read back for delivery.
struct SpooledEvent {
  std::int64_t id = 0;
  std::string destination, path, app, content_type, body;
  int attempts = 0;
  std::int64_t created_ms = 0;
};

// One dead letter as listed: where it was going and why it stopped, never
// its body.
struct DeadLetter {
  std::int64_t id = 0;
  std::string destination, app, reason;
  int attempts = 0;
  std::int64_t created_ms = 0, failed_ms = 0;
  std::size_t bytes = 0;
};

struct FlushLimits {
  std::size_t max_events = std::numeric_limits<std::size_t>::max();
  std::chrono::steady_clock::time_point stop_after = std::chrono::steady_clock::time_point::max();
};

struct FlushStats {
  std::size_t delivered = 0;
  std::size_t dropped = 0;        // the endpoint refused them for good (4xx)
  std::size_t dead_lettered = 0;  // refused max_attempts times: moved to dead_letters
  std::size_t remaining = 0;      // still spooled for this destination
  std::string stopped_because;    // empty when the flush ran to the end or a limit
  Failure failure = Failure::kNone;
  int http_status = 0;
  bool configuration_error = false;  // 401/403/TLS verification: fix the set-up
  SpoolStatus status = SpoolStatus::kOk;
};

struct SpoolStats {
  std::size_t events = 0;              // waiting, all destinations
  std::uint64_t bytes = 0;
  std::uint64_t overflow_dropped = 0;  // deleted because the bound was reached (all processes)
  std::uint64_t dead_letters = 0;      // in the dead-letter table
  SpoolStatus last_status = SpoolStatus::kOk;  // of this object's last failed operation
  std::string last_error;              // its message (never a body)
  std::string notice;                  // e.g. a damaged database moved aside
};

class Spool {
 public:
  // Creates the directory (0700) if needed. Null and *error on failure.
  static std::unique_ptr<Spool> Open(const std::string& dir, const SpoolOptions& options, std::string* error);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Keeps one body. kOk, or why not (*error says it in words).
  [[nodiscard]] SpoolStatus Append(const SpoolRecord& record, std::string* error);

  // Replays this destination's rows in order through `send` (called with no
  // lock held) until one is kept (it stays, and so does everything after
  // it), a limit is reached, or all are done. Delivered rows are deleted;
  // rows the endpoint drops for good are deleted and counted. A row refused
  // by status (500, other 5xx, 3xx; not 429/502/503/504 or a configuration
  // error) max_attempts times is tried again right after the next body was
  // accepted, and if refused once more moves to dead_letters (so it stops
  // blocking the rest; a server-wide outage never dead-letters anything).
  FlushStats Flush(std::string_view destination, const std::function<SendResult(const SpooledEvent&)>& send,
                   const FlushLimits& limits = {});

  // Deletes every row (and dead letter) of `app`, and of no known app (old
  // format), then checkpoints: consent off. An empty `app` deletes every
  // row (a user-wide off). *removed counts them.
  SpoolStatus Purge(std::string_view app, std::size_t* removed);

  // Dead letters of `app` (every app when empty), oldest first, without
  // their bodies.
  std::vector<DeadLetter> DeadLetters(std::string_view app) const;
  // Moves them back to be sent again (their ids, so their place in the
  // order; attempts from zero), keeping the bound. *moved counts them.
  SpoolStatus RequeueDeadLetters(std::string_view app, std::size_t* moved);
  // Deletes them (securely, then checkpoints). *removed counts them.
  SpoolStatus DeleteDeadLetters(std::string_view app, std::size_t* removed);

  // Rows left by the old format (no destination) become `destination`'s.
  SpoolStatus AdoptLegacy(std::string_view destination);

  std::size_t size() const;                                 // rows waiting, all destinations
  std::size_t size(std::string_view destination) const;     // rows waiting for one (reads every row)
  bool has(std::string_view destination) const;             // any row waiting for it (stops at the first)
  bool empty() const { return size() == 0; }
  std::uint64_t overflow_dropped() const { return stats().overflow_dropped; }
  SpoolStats stats() const;
  const std::string& dir() const { return dir_; }

  // The database file (for tests that damage it).
  std::string db_path() const { return dir_ + "/spool.db"; }

 private:
  struct Db;
  Spool(std::string dir, SpoolOptions options);
  bool OpenDbLocked(std::string* error);
  int ConnectLocked();
  int SchemaLocked();
  void RecoverLocked();
  SpoolStatus NoteLocked(int rc, const char* what);
  SpoolStatus AppendLocked(const SpoolRecord& r);
  int BoundLocked();
  int InsertKeptLocked(const SpooledEvent& e, std::int64_t crc);
  bool ClaimLocked(std::string_view destination, std::size_t n, std::int64_t* after,
                   std::vector<SpooledEvent>* out);
  void ReleaseLocked(const std::vector<SpooledEvent>& rows, std::size_t from);
  bool DeleteLocked(std::int64_t id);
  bool RecordFailureLocked(const SpooledEvent& e, const SendResult& r, bool keep_lease);
  bool DeadLetterLocked(std::int64_t id, std::string_view reason);
  void CheckpointLocked();
  std::size_t CountLocked(std::string_view destination) const;

  std::string dir_;
  SpoolOptions options_;
  mutable std::mutex mu_;
  std::unique_ptr<Db> db_;
  std::unordered_set<std::int64_t> undeleted_;  // delivered here, delete failed
  mutable SpoolStatus last_status_ = SpoolStatus::kOk;
  mutable std::string last_error_;
  std::string notice_;
};

}  // namespace telguard::sender

#endif  // TELGUARD_SENDER_SPOOL_H_
