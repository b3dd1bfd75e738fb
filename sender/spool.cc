#include "sender/spool.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>

#include <zlib.h>

#include "sender/spool_legacy.h"

namespace telguard::sender {
namespace {

constexpr std::size_t kClaimBatch = 8;
constexpr int kWalFrames = 4000;  // about 16 MiB of WAL before an append checkpoints

// Version 2. Ids are given from counters.seq (never reused, like
// AUTOINCREMENT, without its extra sqlite_sequence page per append) and
// there is no index on destination: an append touches the newest leaf page
// and the counters page only (a flush scans in id order from a cursor).
constexpr int kSchemaVersion = 2;
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS events(
  id INTEGER PRIMARY KEY,
  destination TEXT NOT NULL,
  path TEXT NOT NULL,
  app TEXT NOT NULL,
  content_type TEXT NOT NULL,
  body BLOB NOT NULL,
  crc INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL,
  lease_until_ms INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS dead_letters(
  id INTEGER PRIMARY KEY,
  destination TEXT NOT NULL, path TEXT NOT NULL, app TEXT NOT NULL, content_type TEXT NOT NULL,
  body BLOB NOT NULL, attempts INTEGER NOT NULL, created_ms INTEGER NOT NULL,
  failed_ms INTEGER NOT NULL, reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  events INTEGER NOT NULL, bytes INTEGER NOT NULL, overflow INTEGER NOT NULL, dead INTEGER NOT NULL,
  seq INTEGER NOT NULL DEFAULT 0);
INSERT OR IGNORE INTO counters VALUES (1, 0, 0, 0, 0, 0);
CREATE TRIGGER IF NOT EXISTS events_added AFTER INSERT ON events BEGIN
  UPDATE counters SET events = events + 1, bytes = bytes + length(NEW.body), seq = max(seq, NEW.id)
  WHERE id = 1; END;
CREATE TRIGGER IF NOT EXISTS events_removed AFTER DELETE ON events BEGIN
  UPDATE counters SET events = events - 1, bytes = bytes - length(OLD.body) WHERE id = 1; END;
CREATE TRIGGER IF NOT EXISTS dead_added AFTER INSERT ON dead_letters BEGIN
  UPDATE counters SET dead = dead + 1 WHERE id = 1; END;
CREATE TRIGGER IF NOT EXISTS dead_removed AFTER DELETE ON dead_letters BEGIN
  UPDATE counters SET dead = dead - 1 WHERE id = 1; END;
)sql";

// Version 1 -> 2, in SchemaLocked's transaction. Before kSchema: counters
// gets seq, the highest id ever given (sqlite_sequence, read before the
// table is renamed); the index and the events triggers go; events is set
// aside. kSchema then creates the new events table (no AUTOINCREMENT) and its
// triggers. After it: the rows come back with their ids and the counters are
// counted again (the copy fired the new triggers).
constexpr const char* kMigrateFrom1Before = R"sql(
ALTER TABLE counters ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE counters SET seq = max(
  coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0),
  coalesce((SELECT max(id) FROM events), 0), coalesce((SELECT max(id) FROM dead_letters), 0));
DROP INDEX IF EXISTS events_by_destination;
DROP TRIGGER IF EXISTS events_added;
DROP TRIGGER IF EXISTS events_removed;
ALTER TABLE events RENAME TO events_v1;
)sql";
constexpr const char* kMigrateFrom1After = R"sql(
INSERT INTO events SELECT * FROM events_v1;
DROP TABLE events_v1;
UPDATE counters SET events = (SELECT count(*) FROM events),
  bytes = (SELECT coalesce(sum(length(body)), 0) FROM events) WHERE id = 1;
)sql";

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t Crc(std::string_view body) {
  return static_cast<std::int64_t>(::crc32(0L, reinterpret_cast<const Bytef*>(body.data()),
                                            static_cast<uInt>(body.size())));
}

SpoolStatus StatusOf(int rc) {
  switch (rc & 0xFF) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW: return SpoolStatus::kOk;
    case SQLITE_FULL: return SpoolStatus::kFull;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return SpoolStatus::kCorrupt;
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN: return SpoolStatus::kIoError;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return SpoolStatus::kBusy;
    case SQLITE_TOOBIG: return SpoolStatus::kTooLarge;
    default: return SpoolStatus::kError;
  }
}

bool MakePrivateDir(const std::string& dir, std::string* error) {
  for (std::size_t i = 1; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') {
      const std::string part = dir.substr(0, i);
      if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) {
        *error = "cannot create spool directory " + part + ": " + std::strerror(errno);
        return false;
      }
    }
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    *error = "spool path is not a directory: " + dir;
    return false;
  }
  if ((st.st_mode & 077) != 0 && ::chmod(dir.c_str(), 0700) != 0) {
    *error = "cannot make spool directory private (0700): " + dir;
    return false;
  }
  return true;
}

// Holds an flock(2) on a file for a scope.
class FileLock {
 public:
  explicit FileLock(const std::string& path) : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (fd_ >= 0) {
      while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
      }
    }
  }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }

 private:
  int fd_;
};

ino_t InodeOf(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

}  // namespace

const char* SpoolStatusName(SpoolStatus s) {
  switch (s) {
    case SpoolStatus::kOk: return "ok";
    case SpoolStatus::kFull: return "disk full";
    case SpoolStatus::kCorrupt: return "database damaged";
    case SpoolStatus::kIoError: return "I/O error";
    case SpoolStatus::kBusy: return "busy";
    case SpoolStatus::kTooLarge: return "body too large";
    case SpoolStatus::kError: return "error";
  }
  return "error";
}

// The connection and its prepared statements (each reset after use).
struct Spool::Db {
  sqlite3* h = nullptr;
  ino_t inode = 0;  // of the file opened, to notice another process's recovery
  int wal_frames = 0;  // frames in the WAL after this connection's last commit
  std::map<const char*, sqlite3_stmt*> stmts;

  ~Db() {
    for (auto& [sql, s] : stmts) sqlite3_finalize(s);
    if (h != nullptr) sqlite3_close_v2(h);
  }
  int Exec(const char* sql) { return sqlite3_exec(h, sql, nullptr, nullptr, nullptr); }
  // One statement without results (BEGIN, COMMIT) from the cache: the hot
  // paths do not parse it again on every call.
  int Run(const char* sql) {
    sqlite3_stmt* s = Prep(sql);
    if (s == nullptr) return sqlite3_errcode(h);
    const int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
  }
  // A cached statement for a string literal; null when it cannot be prepared.
  sqlite3_stmt* Prep(const char* sql) {
    auto it = stmts.find(sql);
    if (it != stmts.end()) {
      sqlite3_reset(it->second);
      sqlite3_clear_bindings(it->second);
      return it->second;
    }
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(h, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) return nullptr;
    stmts[sql] = s;
    return s;
  }
  int Rollback() { return sqlite3_get_autocommit(h) ? SQLITE_OK : Exec("ROLLBACK"); }
};

namespace {

void BindText(sqlite3_stmt* s, int i, std::string_view v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}

std::string ColText(sqlite3_stmt* s, int i) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_blob(s, i));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, i))) : std::string();
}

// Runs a one-shot statement to its end; the SQLite result code.
int StepDone(sqlite3_stmt* s) {
  if (s == nullptr) return SQLITE_ERROR;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
  }
  sqlite3_reset(s);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

constexpr const char* kSelectAll =
    "SELECT id, destination, path, app, content_type, body, attempts, created_ms, crc FROM events ";

// Reads every row it can: forwards until an error, then backwards until an
// error (so rows on both sides of one damaged page survive).
std::map<std::int64_t, std::pair<SpooledEvent, std::int64_t>> Salvage(sqlite3* h) {
  std::map<std::int64_t, std::pair<SpooledEvent, std::int64_t>> rows;
  for (const char* order : {"ORDER BY id ASC", "ORDER BY id DESC"}) {
    sqlite3_stmt* s = nullptr;
    const std::string sql = std::string(kSelectAll) + order;
    if (sqlite3_prepare_v2(h, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
      sqlite3_finalize(s);
      continue;
    }
    while (sqlite3_step(s) == SQLITE_ROW) {
      SpooledEvent e;
      e.id = sqlite3_column_int64(s, 0);
      e.destination = ColText(s, 1);
      e.path = ColText(s, 2);
      e.app = ColText(s, 3);
      e.content_type = ColText(s, 4);
      e.body = ColText(s, 5);
      e.attempts = sqlite3_column_int(s, 6);
      e.created_ms = sqlite3_column_int64(s, 7);
      const std::int64_t crc = sqlite3_column_int64(s, 8);
      if (Crc(e.body) == crc) rows.emplace(e.id, std::make_pair(std::move(e), crc));
    }
    sqlite3_finalize(s);
  }
  return rows;
}

}  // namespace

Spool::Spool(std::string dir, SpoolOptions options) : dir_(std::move(dir)), options_(options) {}

Spool::~Spool() = default;

std::unique_ptr<Spool> Spool::Open(const std::string& dir, const SpoolOptions& options, std::string* error) {
  if (!MakePrivateDir(dir, error)) return nullptr;
  std::unique_ptr<Spool> s(new Spool(dir, options));
  std::lock_guard<std::mutex> lock(s->mu_);
  if (!s->OpenDbLocked(error)) return nullptr;
  if (legacy::Present(dir)) {
    FileLock fl(dir + "/spool.lock");
    std::size_t n = 0;
    bool ok = true;
    for (const std::string& body : legacy::ReadPending(dir)) {
      ok = s->AppendLocked({"", "", "", "application/json", body}) == SpoolStatus::kOk;
      if (!ok) break;
      ++n;
    }
    if (ok) {
      legacy::Remove(dir);
      if (n > 0) s->notice_ = "migrated " + std::to_string(n) + " events from the old spool format";
    }
  }
  return s;
}

bool Spool::OpenDbLocked(std::string* error) {
  const std::string path = db_path();
  // Created 0600 before SQLite opens it: its -wal and -shm take this mode.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = "cannot create the spool database " + path + ": " + std::strerror(errno);
    return false;
  }
  ::close(fd);
  for (int round = 0; round < 2; ++round) {
    int rc = ConnectLocked();
    bool intact = rc == SQLITE_OK;
    if (intact) {
      sqlite3_stmt* q = db_->Prep("PRAGMA quick_check");
      intact = q != nullptr && sqlite3_step(q) == SQLITE_ROW && ColText(q, 0) == "ok";
      if (q != nullptr) sqlite3_reset(q);
    }
    if (intact) return true;
    if (round == 0 && (StatusOf(rc) == SpoolStatus::kCorrupt || rc == SQLITE_OK)) {
      RecoverLocked();  // damaged: move aside, salvage, and open the fresh one
      if (db_ != nullptr && db_->h != nullptr) return true;
      continue;
    }
    *error = "cannot open the spool database " + path + ": " + (db_->h ? sqlite3_errmsg(db_->h) : "out of memory");
    db_.reset();
    return false;
  }
  *error = "cannot open the spool database " + path;
  return false;
}

// Opens spool.db and sets it up: WAL, secure_delete, durability, the
// schema. Checkpoints are taken off the append path: SQLite's automatic one
// (after a commit, with a disk flush) is replaced by a hook that only notes
// the WAL's size; Flush and Purge checkpoint (and truncate) after deleting,
// and an append checkpoints only when the WAL has grown past kWalFrames.
int Spool::ConnectLocked() {
  db_ = std::make_unique<Db>();
  db_->inode = InodeOf(db_path());
  int rc = sqlite3_open_v2(db_path().c_str(), &db_->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) return rc;
  sqlite3_busy_timeout(db_->h, static_cast<int>(options_.busy_timeout.count()));
  sqlite3_extended_result_codes(db_->h, 1);
  sqlite3_wal_hook(
      db_->h,
      [](void* frames, sqlite3*, const char*, int n) {
        *static_cast<int*>(frames) = n;
        return SQLITE_OK;
      },
      &db_->wal_frames);
  // 4 KiB pages (SQLite's default): an append writes the newest leaf and
  // the counters page to the WAL (2 frames); about one append in ten (a
  // page's worth of ~0.4 KiB events) also allocates a page (3 more frames).
  // 2 KiB pages allocate twice as often; 8 KiB pages double every frame's
  // bytes and checksum; both measured slower at p99 (bench/send_bench.cc).
  std::string pragmas = "PRAGMA page_size=4096; PRAGMA journal_mode=WAL; PRAGMA secure_delete=ON; PRAGMA synchronous=";
  pragmas += options_.durability == Durability::kFull ? "FULL;" : "NORMAL;";
  if (options_.max_pages > 0) pragmas += "PRAGMA max_page_count=" + std::to_string(options_.max_pages) + ";";
  rc = db_->Exec(pragmas.c_str());
  return rc == SQLITE_OK ? SchemaLocked() : rc;
}

// Creates the schema, or brings an older one up to kSchemaVersion, in one
// write transaction (so two processes opening at once do it once).
int Spool::SchemaLocked() {
  int rc = db_->Exec("BEGIN IMMEDIATE");
  if (rc != SQLITE_OK) return rc;
  int version = 0;
  bool has_events = false;
  sqlite3_stmt* v = db_->Prep("PRAGMA user_version");
  if (v != nullptr && sqlite3_step(v) == SQLITE_ROW) version = sqlite3_column_int(v, 0);
  sqlite3_stmt* t = db_->Prep("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'events'");
  if (t != nullptr) has_events = sqlite3_step(t) == SQLITE_ROW;
  if (v != nullptr) sqlite3_reset(v);
  if (t != nullptr) sqlite3_reset(t);
  const bool from1 = version == 0 && has_events;
  if (from1) rc = db_->Exec(kMigrateFrom1Before);
  if (rc == SQLITE_OK) rc = db_->Exec(kSchema);
  if (rc == SQLITE_OK && from1) rc = db_->Exec(kMigrateFrom1After);
  if (rc == SQLITE_OK && version < kSchemaVersion) {
    rc = db_->Exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
  }
  if (rc == SQLITE_OK) rc = db_->Exec("COMMIT");
  if (rc != SQLITE_OK) db_->Rollback();
  return rc;
}

// One row back into events with its own id (recovery, requeue), inside the
// caller's transaction.
int Spool::InsertKeptLocked(const SpooledEvent& e, std::int64_t crc) {
  sqlite3_stmt* ins = db_->Prep(
      "INSERT INTO events(id, destination, path, app, content_type, body, crc, attempts, created_ms) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  if (ins == nullptr) return sqlite3_errcode(db_->h);
  sqlite3_bind_int64(ins, 1, e.id);
  BindText(ins, 2, e.destination);
  BindText(ins, 3, e.path);
  BindText(ins, 4, e.app);
  BindText(ins, 5, e.content_type);
  sqlite3_bind_blob(ins, 6, e.body.data(), static_cast<int>(e.body.size()), SQLITE_STATIC);
  sqlite3_bind_int64(ins, 7, crc);
  sqlite3_bind_int(ins, 8, e.attempts);
  sqlite3_bind_int64(ins, 9, e.created_ms);
  return StepDone(ins);
}

// Moves a damaged database aside and starts a fresh one holding every row
// that could still be read. Another process may have done it already.
void Spool::RecoverLocked() {
  const std::string path = db_path();
  FileLock fl(dir_ + "/spool.lock");
  std::map<std::int64_t, std::pair<SpooledEvent, std::int64_t>> rows;
  const bool ours = db_ != nullptr && InodeOf(path) == db_->inode;
  if (ours && db_->h != nullptr) rows = Salvage(db_->h);
  db_.reset();
  if (ours) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      const std::string from = path + suffix, to = path + ".damaged" + suffix;
      if (::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT) ::unlink(from.c_str());
    }
    notice_ = "the spool database was damaged: moved aside to " + path + ".damaged, " +
              std::to_string(rows.size()) + " intact events kept";
    last_status_ = SpoolStatus::kCorrupt;
    last_error_ = notice_;
  }
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) ::close(fd);
  if (ConnectLocked() != SQLITE_OK) {
    db_.reset();
    return;
  }
  undeleted_.clear();
  if (rows.empty()) return;
  db_->Run("BEGIN IMMEDIATE");
  for (const auto& [id, row] : rows) InsertKeptLocked(row.first, row.second);
  if (db_->Run("COMMIT") != SQLITE_OK) db_->Rollback();
}

SpoolStatus Spool::NoteLocked(int rc, const char* what) {
  const SpoolStatus st = StatusOf(rc);
  if (st == SpoolStatus::kOk) return st;
  last_status_ = st;
  last_error_ = std::string("spool ") + what + ": " + SpoolStatusName(st) + " (" + sqlite3_errstr(rc) + ")";
  if (db_ != nullptr) db_->Rollback();
  if (st == SpoolStatus::kCorrupt) RecoverLocked();
  // A full disk: give the WAL's space back (its frames are copied into the
  // database's free pages), so deletes and appends can go on.
  if (st == SpoolStatus::kFull && db_ != nullptr) {
    sqlite3_wal_checkpoint_v2(db_->h, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  }
  return st;
}

// The bound, inside the caller's write transaction: deletes the oldest rows
// (of every destination) until within it and counts them as overflow.
int Spool::BoundLocked() {
  std::int64_t dropped = 0;
  int rc = SQLITE_OK;
  for (;;) {
    sqlite3_stmt* c = db_->Prep("SELECT events, bytes FROM counters WHERE id = 1");
    if (c == nullptr || sqlite3_step(c) != SQLITE_ROW) return sqlite3_errcode(db_->h);
    const auto events = static_cast<std::uint64_t>(sqlite3_column_int64(c, 0));
    const auto bytes = static_cast<std::uint64_t>(sqlite3_column_int64(c, 1));
    sqlite3_reset(c);
    if (events <= options_.max_events && bytes <= options_.max_bytes) break;
    const std::int64_t over = events > options_.max_events ? static_cast<std::int64_t>(events - options_.max_events) : 1;
    // The `over` oldest rows: a scalar bound, no temporary table.
    sqlite3_stmt* d =
        db_->Prep("DELETE FROM events WHERE id <= (SELECT id FROM events ORDER BY id LIMIT 1 OFFSET ?1 - 1)");
    if (d == nullptr) return sqlite3_errcode(db_->h);
    sqlite3_bind_int64(d, 1, over);
    if ((rc = StepDone(d)) != SQLITE_OK) return rc;
    dropped += over;
  }
  if (dropped == 0) return SQLITE_OK;
  sqlite3_stmt* u = db_->Prep("UPDATE counters SET overflow = overflow + ?1 WHERE id = 1");
  if (u == nullptr) return sqlite3_errcode(db_->h);
  sqlite3_bind_int64(u, 1, dropped);
  return StepDone(u);
}

SpoolStatus Spool::AppendLocked(const SpoolRecord& r) {
  if (db_ == nullptr) return SpoolStatus::kError;
  int rc = db_->Run("BEGIN IMMEDIATE");
  if (rc != SQLITE_OK) return NoteLocked(rc, "append");
  sqlite3_stmt* ins = db_->Prep(
      "INSERT INTO events(id, destination, path, app, content_type, body, crc, created_ms) "
      "VALUES ((SELECT seq + 1 FROM counters WHERE id = 1), ?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  if (ins == nullptr) return NoteLocked(sqlite3_errcode(db_->h), "append");
  BindText(ins, 1, r.destination);
  BindText(ins, 2, r.path);
  BindText(ins, 3, r.app);
  BindText(ins, 4, r.content_type);
  sqlite3_bind_blob(ins, 5, r.body.data(), static_cast<int>(r.body.size()), SQLITE_STATIC);
  sqlite3_bind_int64(ins, 6, Crc(r.body));
  sqlite3_bind_int64(ins, 7, NowMs());
  if ((rc = StepDone(ins)) != SQLITE_OK) return NoteLocked(rc, "append");
  if ((rc = BoundLocked()) != SQLITE_OK) return NoteLocked(rc, "append");
  if ((rc = db_->Run("COMMIT")) != SQLITE_OK) return NoteLocked(rc, "append");
  if (db_->wal_frames > kWalFrames) {
    sqlite3_wal_checkpoint_v2(db_->h, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    db_->wal_frames = 0;
  }
  return SpoolStatus::kOk;
}

SpoolStatus Spool::Append(const SpoolRecord& record, std::string* error) {
  if (record.body.size() > options_.max_bytes || record.body.size() > 0x7FFFFFF0u) {
    *error = "spool: body larger than the spool's bound";
    return SpoolStatus::kTooLarge;
  }
  std::lock_guard<std::mutex> lock(mu_);
  SpoolStatus st = AppendLocked(record);
  // Once more: into the fresh database, or after the WAL gave its space back.
  if (st == SpoolStatus::kCorrupt || st == SpoolStatus::kFull) st = AppendLocked(record);
  if (st != SpoolStatus::kOk) *error = last_error_;
  return st;
}

bool Spool::ClaimLocked(std::string_view destination, std::size_t n, std::int64_t* after,
                        std::vector<SpooledEvent>* out) {
  out->clear();
  if (db_ == nullptr) return false;
  int rc = db_->Run("BEGIN IMMEDIATE");
  if (rc != SQLITE_OK) return NoteLocked(rc, "claim"), false;
  const std::int64_t now = NowMs();
  sqlite3_stmt* s = db_->Prep(
      "SELECT id, path, app, content_type, body, attempts, created_ms, crc FROM events "
      "WHERE id > ?3 AND destination = ?1 AND lease_until_ms < ?2 ORDER BY id");
  if (s == nullptr) return NoteLocked(sqlite3_errcode(db_->h), "claim"), false;
  BindText(s, 1, destination);
  sqlite3_bind_int64(s, 2, now);
  sqlite3_bind_int64(s, 3, *after);
  std::vector<std::int64_t> damaged;
  rc = SQLITE_DONE;
  // Up to n rows to send; rows skipped on the way (delivered here before,
  // or damaged) move the cursor too. Stops reading at the n-th.
  while (out->size() < n && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    SpooledEvent e;
    e.id = sqlite3_column_int64(s, 0);
    *after = e.id;
    if (undeleted_.count(e.id) != 0) continue;
    e.destination = destination;
    e.path = ColText(s, 1);
    e.app = ColText(s, 2);
    e.content_type = ColText(s, 3);
    e.body = ColText(s, 4);
    e.attempts = sqlite3_column_int(s, 5);
    e.created_ms = sqlite3_column_int64(s, 6);
    if (Crc(e.body) != sqlite3_column_int64(s, 7)) {
      damaged.push_back(e.id);  // a flipped bit: never sent, kept aside
      continue;
    }
    out->push_back(std::move(e));
  }
  sqlite3_reset(s);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return NoteLocked(rc, "claim"), false;
  for (const std::int64_t id : damaged) {
    sqlite3_stmt* m = db_->Prep(
        "INSERT INTO dead_letters SELECT id, destination, path, app, content_type, body, attempts, created_ms, ?2, "
        "'checksum mismatch' FROM events WHERE id = ?1");
    sqlite3_stmt* d = m ? db_->Prep("DELETE FROM events WHERE id = ?1") : nullptr;
    if (m == nullptr || d == nullptr) return NoteLocked(sqlite3_errcode(db_->h), "claim"), false;
    sqlite3_bind_int64(m, 1, id);
    sqlite3_bind_int64(m, 2, now);
    if ((rc = StepDone(m)) != SQLITE_OK) return NoteLocked(rc, "claim"), false;
    d = db_->Prep("DELETE FROM events WHERE id = ?1");
    sqlite3_bind_int64(d, 1, id);
    if ((rc = StepDone(d)) != SQLITE_OK) return NoteLocked(rc, "claim"), false;
  }
  for (const SpooledEvent& e : *out) {
    sqlite3_stmt* u = db_->Prep("UPDATE events SET lease_until_ms = ?2 WHERE id = ?1");
    if (u == nullptr) return NoteLocked(sqlite3_errcode(db_->h), "claim"), false;
    sqlite3_bind_int64(u, 1, e.id);
    sqlite3_bind_int64(u, 2, now + std::chrono::duration_cast<std::chrono::milliseconds>(options_.lease).count());
    if ((rc = StepDone(u)) != SQLITE_OK) return NoteLocked(rc, "claim"), false;
  }
  if ((rc = db_->Run("COMMIT")) != SQLITE_OK) return NoteLocked(rc, "claim"), false;
  return true;
}

void Spool::ReleaseLocked(const std::vector<SpooledEvent>& rows, std::size_t from) {
  if (db_ == nullptr || from >= rows.size()) return;
  if (int rc = db_->Run("BEGIN IMMEDIATE"); rc != SQLITE_OK) return (void)NoteLocked(rc, "release");
  for (std::size_t i = from; i < rows.size(); ++i) {
    sqlite3_stmt* u = db_->Prep("UPDATE events SET lease_until_ms = 0 WHERE id = ?1");
    if (u == nullptr) return (void)NoteLocked(sqlite3_errcode(db_->h), "release");
    sqlite3_bind_int64(u, 1, rows[i].id);
    if (int rc = StepDone(u); rc != SQLITE_OK) return (void)NoteLocked(rc, "release");
  }
  if (int rc = db_->Run("COMMIT"); rc != SQLITE_OK) NoteLocked(rc, "release");
}

bool Spool::DeleteLocked(std::int64_t id) {
  if (db_ == nullptr) return false;
  sqlite3_stmt* d = db_->Prep("DELETE FROM events WHERE id = ?1");
  if (d == nullptr) return NoteLocked(sqlite3_errcode(db_->h), "delete"), false;
  sqlite3_bind_int64(d, 1, id);
  if (int rc = StepDone(d); rc != SQLITE_OK) return NoteLocked(rc, "delete"), false;
  return true;
}

// A refusal of this body by status (500, other 5xx, 3xx): not 429, not the
// "unavailable" family 502/503/504, not a configuration error.
static bool Refused(const SendResult& r) {
  return r.failure == Failure::kStatus && !r.configuration_error && r.http_status != 429 &&
         (r.http_status < 502 || r.http_status > 504);
}

// Counts a refusal (if it is one) and releases the row's lease unless
// `keep_lease` (the flush will try it once more).
bool Spool::RecordFailureLocked(const SpooledEvent& e, const SendResult& r, bool keep_lease) {
  if (db_ == nullptr) return false;
  sqlite3_stmt* u = db_->Prep(
      "UPDATE events SET attempts = attempts + ?2, lease_until_ms = CASE WHEN ?3 THEN lease_until_ms ELSE 0 END "
      "WHERE id = ?1");
  if (u == nullptr) return NoteLocked(sqlite3_errcode(db_->h), "record a failure"), false;
  sqlite3_bind_int64(u, 1, e.id);
  sqlite3_bind_int(u, 2, Refused(r) ? 1 : 0);
  sqlite3_bind_int(u, 3, keep_lease ? 1 : 0);
  if (int rc = StepDone(u); rc != SQLITE_OK) return NoteLocked(rc, "record a failure"), false;
  return true;
}

// Moves a row to dead_letters (one transaction), keeping that table bounded.
bool Spool::DeadLetterLocked(std::int64_t id, std::string_view reason) {
  if (db_ == nullptr) return false;
  int rc = db_->Run("BEGIN IMMEDIATE");
  if (rc != SQLITE_OK) return NoteLocked(rc, "dead-letter"), false;
  sqlite3_stmt* m = db_->Prep(
      "INSERT INTO dead_letters SELECT id, destination, path, app, content_type, body, attempts, created_ms, "
      "?2, ?3 FROM events WHERE id = ?1");
  if (m == nullptr) return NoteLocked(sqlite3_errcode(db_->h), "dead-letter"), false;
  sqlite3_bind_int64(m, 1, id);
  sqlite3_bind_int64(m, 2, NowMs());
  BindText(m, 3, reason);
  if ((rc = StepDone(m)) != SQLITE_OK) return NoteLocked(rc, "dead-letter"), false;
  if (!DeleteLocked(id)) return false;
  sqlite3_stmt* t = db_->Prep(
      "DELETE FROM dead_letters WHERE id NOT IN (SELECT id FROM dead_letters ORDER BY id DESC LIMIT ?1)");
  if (t == nullptr) return NoteLocked(sqlite3_errcode(db_->h), "dead-letter"), false;
  sqlite3_bind_int64(t, 1, static_cast<std::int64_t>(options_.max_dead_letters));
  if ((rc = StepDone(t)) != SQLITE_OK) return NoteLocked(rc, "dead-letter"), false;
  if ((rc = db_->Run("COMMIT")) != SQLITE_OK) return NoteLocked(rc, "dead-letter"), false;
  return true;
}

void Spool::CheckpointLocked() {
  if (db_ == nullptr) return;
  const int rc = sqlite3_wal_checkpoint_v2(db_->h, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) NoteLocked(rc, "checkpoint");
}

std::size_t Spool::CountLocked(std::string_view destination) const {
  if (db_ == nullptr) return 0;
  sqlite3_stmt* s = db_->Prep("SELECT COUNT(*) FROM events WHERE destination = ?1");
  if (s == nullptr) return 0;
  BindText(s, 1, destination);
  const std::size_t n = sqlite3_step(s) == SQLITE_ROW ? static_cast<std::size_t>(sqlite3_column_int64(s, 0)) : 0;
  sqlite3_reset(s);
  return n;
}

FlushStats Spool::Flush(std::string_view destination, const std::function<SendResult(const SpooledEvent&)>& send,
                        const FlushLimits& limits) {
  FlushStats stats;
  bool deleted_any = false;
  std::size_t sent = 0;
  std::vector<SpooledEvent> batch;
  // A row refused max_attempts times, still leased by this flush: it is
  // dead-lettered only if it is refused again right after another body was
  // accepted (so a server-wide outage never dead-letters anything).
  std::optional<SpooledEvent> suspect;
  std::unique_lock<std::mutex> lock(mu_);
  // Rows delivered earlier whose delete failed: try again, never resend.
  for (auto it = undeleted_.begin(); it != undeleted_.end();) {
    if (DeleteLocked(*it)) {
      deleted_any = true;
      it = undeleted_.erase(it);
    } else {
      ++it;
    }
  }
  // Deletes a sent row (or remembers that it must not be sent again).
  const auto settle = [&](const SpooledEvent& e, const SendResult& r) {
    ++(r.delivery == Delivery::kDelivered ? stats.delivered : stats.dropped);
    if (DeleteLocked(e.id)) {
      deleted_any = true;
    } else {
      undeleted_.insert(e.id);
      stats.status = last_status_;
    }
  };
  bool stop = false;
  std::int64_t after = 0;  // rows are claimed in id order, each scanned once
  while (!stop && sent < limits.max_events && std::chrono::steady_clock::now() < limits.stop_after) {
    if (!ClaimLocked(destination, std::min(kClaimBatch, limits.max_events - sent), &after, &batch)) {
      stats.status = last_status_;
      stats.stopped_because = last_error_;
      break;
    }
    if (batch.empty()) break;
    for (std::size_t i = 0; i < batch.size() && !stop; ++i) {
      if (std::chrono::steady_clock::now() >= limits.stop_after) {
        ReleaseLocked(batch, i);
        stop = true;
        break;
      }
      lock.unlock();  // no lock while the network runs
      const SendResult r = send(batch[i]);
      lock.lock();
      ++sent;
      if (r.delivery != Delivery::kKept) {
        settle(batch[i], r);
        if (r.delivery == Delivery::kDelivered && suspect) {
          lock.unlock();
          const SendResult again = send(*suspect);
          lock.lock();
          if (again.delivery != Delivery::kKept) {
            settle(*suspect, again);
          } else if (Refused(again) && DeadLetterLocked(suspect->id, again.reason)) {
            ++stats.dead_lettered;
            deleted_any = true;
          } else {
            ReleaseLocked({*suspect}, 0);
          }
          suspect.reset();
        }
        continue;
      }
      const bool try_later = Refused(r) && batch[i].attempts + 1 >= options_.max_attempts && !suspect;
      if (!RecordFailureLocked(batch[i], r, try_later)) stats.status = last_status_;
      if (try_later) {
        suspect = batch[i];
        continue;  // the next body says whether the endpoint works
      }
      ReleaseLocked(batch, i + 1);
      stats.stopped_because = r.reason;
      stats.failure = r.failure;
      stats.http_status = r.http_status;
      stats.configuration_error = r.configuration_error;
      stop = true;
    }
  }
  if (suspect) ReleaseLocked({*suspect}, 0);
  if (deleted_any) CheckpointLocked();
  stats.remaining = CountLocked(destination);
  return stats;
}

SpoolStatus Spool::Purge(std::string_view app, std::size_t* removed) {
  *removed = 0;
  std::lock_guard<std::mutex> lock(mu_);
  if (db_ == nullptr) return SpoolStatus::kError;
  int rc = db_->Run("BEGIN IMMEDIATE");
  if (rc != SQLITE_OK) return NoteLocked(rc, "purge");
  // An empty app matches every row (?1 = '' is true for all of them).
  for (const char* sql : {"DELETE FROM events WHERE app = ?1 OR app = '' OR ?1 = ''",
                          "DELETE FROM dead_letters WHERE app = ?1 OR app = '' OR ?1 = ''"}) {
    sqlite3_stmt* d = db_->Prep(sql);
    if (d == nullptr) return NoteLocked(sqlite3_errcode(db_->h), "purge");
    BindText(d, 1, app);
    if ((rc = StepDone(d)) != SQLITE_OK) return NoteLocked(rc, "purge");
    *removed += static_cast<std::size_t>(sqlite3_changes(db_->h));
  }
  if ((rc = db_->Run("COMMIT")) != SQLITE_OK) return NoteLocked(rc, "purge");
  CheckpointLocked();
  return SpoolStatus::kOk;
}

std::vector<DeadLetter> Spool::DeadLetters(std::string_view app) const {
  std::vector<DeadLetter> out;
  std::lock_guard<std::mutex> lock(mu_);
  if (db_ == nullptr) return out;
  sqlite3_stmt* s = db_->Prep(
      "SELECT id, destination, app, attempts, created_ms, failed_ms, reason, length(body) FROM dead_letters "
      "WHERE ?1 = '' OR app = ?1 ORDER BY id");
  if (s == nullptr) return out;
  BindText(s, 1, app);
  while (sqlite3_step(s) == SQLITE_ROW) {
    DeadLetter d;
    d.id = sqlite3_column_int64(s, 0);
    d.destination = ColText(s, 1);
    d.app = ColText(s, 2);
    d.attempts = sqlite3_column_int(s, 3);
    d.created_ms = sqlite3_column_int64(s, 4);
    d.failed_ms = sqlite3_column_int64(s, 5);
    d.reason = ColText(s, 6);
    d.bytes = static_cast<std::size_t>(sqlite3_column_int64(s, 7));
    out.push_back(std::move(d));
  }
  sqlite3_reset(s);
  return out;
}

// Back into events with their ids (so they keep their place in the order)
// and a fresh attempt count, in one transaction that also keeps the bound.
SpoolStatus Spool::RequeueDeadLetters(std::string_view app, std::size_t* moved) {
  *moved = 0;
  std::lock_guard<std::mutex> lock(mu_);
  if (db_ == nullptr) return SpoolStatus::kError;
  int rc = db_->Run("BEGIN IMMEDIATE");
  if (rc != SQLITE_OK) return NoteLocked(rc, "requeue");
  sqlite3_stmt* s = db_->Prep(
      "SELECT id, destination, path, app, content_type, body, created_ms FROM dead_letters "
      "WHERE ?1 = '' OR app = ?1 ORDER BY id");
  if (s == nullptr) return NoteLocked(sqlite3_errcode(db_->h), "requeue");
  BindText(s, 1, app);
  std::vector<SpooledEvent> rows;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    SpooledEvent e;
    e.id = sqlite3_column_int64(s, 0);
    e.destination = ColText(s, 1);
    e.path = ColText(s, 2);
    e.app = ColText(s, 3);
    e.content_type = ColText(s, 4);
    e.body = ColText(s, 5);
    e.created_ms = sqlite3_column_int64(s, 6);
    rows.push_back(std::move(e));
  }
  sqlite3_reset(s);
  for (const SpooledEvent& e : rows) {
    if (rc != SQLITE_DONE && rc != SQLITE_OK) break;
    rc = InsertKeptLocked(e, Crc(e.body));
  }
  if (rc != SQLITE_OK && rc != SQLITE_DONE) return NoteLocked(rc, "requeue");
  sqlite3_stmt* d = db_->Prep("DELETE FROM dead_letters WHERE ?1 = '' OR app = ?1");
  if (d == nullptr) return NoteLocked(sqlite3_errcode(db_->h), "requeue");
  BindText(d, 1, app);
  if ((rc = StepDone(d)) != SQLITE_OK || (rc = BoundLocked()) != SQLITE_OK || (rc = db_->Run("COMMIT")) != SQLITE_OK) {
    return NoteLocked(rc, "requeue");
  }
  *moved = rows.size();
  return SpoolStatus::kOk;
}

SpoolStatus Spool::DeleteDeadLetters(std::string_view app, std::size_t* removed) {
  *removed = 0;
  std::lock_guard<std::mutex> lock(mu_);
  if (db_ == nullptr) return SpoolStatus::kError;
  sqlite3_stmt* d = db_->Prep("DELETE FROM dead_letters WHERE ?1 = '' OR app = ?1");
  if (d == nullptr) return NoteLocked(sqlite3_errcode(db_->h), "delete dead letters");
  BindText(d, 1, app);
  if (int rc = StepDone(d); rc != SQLITE_OK) return NoteLocked(rc, "delete dead letters");
  *removed = static_cast<std::size_t>(sqlite3_changes(db_->h));
  CheckpointLocked();  // gone from the disk, not only from the table
  return SpoolStatus::kOk;
}

SpoolStatus Spool::AdoptLegacy(std::string_view destination) {
  std::lock_guard<std::mutex> lock(mu_);
  if (db_ == nullptr) return SpoolStatus::kError;
  sqlite3_stmt* u = db_->Prep("UPDATE events SET destination = ?1 WHERE destination = ''");
  if (u == nullptr) return NoteLocked(sqlite3_errcode(db_->h), "adopt");
  BindText(u, 1, destination);
  return NoteLocked(StepDone(u), "adopt");
}

std::size_t Spool::size() const { return stats().events; }

std::size_t Spool::size(std::string_view destination) const {
  std::lock_guard<std::mutex> lock(mu_);
  return CountLocked(destination);
}

bool Spool::has(std::string_view destination) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (db_ == nullptr) return false;
  sqlite3_stmt* s = db_->Prep("SELECT 1 FROM events WHERE destination = ?1 LIMIT 1");
  if (s == nullptr) return false;
  BindText(s, 1, destination);
  const bool any = sqlite3_step(s) == SQLITE_ROW;
  sqlite3_reset(s);
  return any;
}

SpoolStats Spool::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  SpoolStats st;
  st.last_status = last_status_;
  st.last_error = last_error_;
  st.notice = notice_;
  if (db_ == nullptr) return st;
  sqlite3_stmt* c = db_->Prep("SELECT events, bytes, overflow, dead FROM counters WHERE id = 1");
  if (c != nullptr && sqlite3_step(c) == SQLITE_ROW) {
    st.events = static_cast<std::size_t>(sqlite3_column_int64(c, 0));
    st.bytes = static_cast<std::uint64_t>(sqlite3_column_int64(c, 1));
    st.overflow_dropped = static_cast<std::uint64_t>(sqlite3_column_int64(c, 2));
    st.dead_letters = static_cast<std::uint64_t>(sqlite3_column_int64(c, 3));
  }
  if (c != nullptr) sqlite3_reset(c);
  return st;
}

}  // namespace telguard::sender
