// The few files telguard keeps for a user, all in the config directory
// (directory 0700, files 0600, created atomically), and only when telemetry
// is on: the install id and the first-run notice marker. The consent choice
// is written only by `telguard consent`.
#ifndef TELGUARD_CLIENT_LOCAL_FILES_H_
#define TELGUARD_CLIENT_LOCAL_FILES_H_

#include <cstdio>
#include <optional>
#include <string>

namespace telguard {

// Creates `dir` and its parents (0700). False and *error on failure.
bool MakePrivateDir(const std::string& dir, std::string* error);

// Writes `content` to `path` atomically (temporary file, fsync, rename), 0600.
bool WriteFileAtomic(const std::string& path, const std::string& content, std::string* error);

// Creates `path` with `content` only if it does not exist (0600, atomic:
// link(2) of a complete temporary file). True if this call created it.
bool CreateFileOnce(const std::string& path, const std::string& content, std::string* error);

std::optional<std::string> ReadSmallFile(const std::string& path);

// A random UUIDv4 (getrandom).
std::string NewUuidV4();

// The install id: read it, or create it (first use). Call only when
// telemetry is on.
std::optional<std::string> LoadOrCreateInstallId(const std::string& config_dir, std::string* error);

// Replaces the install id with a new one (or, when telemetry is off,
// removes it and creates none). Returns the new id or "" when removed.
std::optional<std::string> ResetInstallId(const std::string& config_dir, bool create, std::string* error);

// The first-run notice: printed on `out` once per user, by the process that
// creates the marker. Hidden ($TELGUARD_HIDE_NOTICE=1): not printed and no
// marker written.
enum class Notice {
  kShownNow,      // printed by this call: this run sends nothing
  kShownBefore,   // the marker exists
  kHidden,        // hidden by the environment variable
  kFailed,        // the marker could not be written: hold, send nothing
};
Notice ShowNoticeOnce(const std::string& config_dir, std::FILE* out);

extern const char kNoticeText[];

}  // namespace telguard

#endif  // TELGUARD_CLIENT_LOCAL_FILES_H_
