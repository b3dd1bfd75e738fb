// The few files telguard keeps per app and user, in the app's config
// directory (layout in config.h; directory 0700, files 0600, created
// atomically), and only when telemetry is on: the install id, the pseudonym
// key and the first-run notice marker. The consent choice is written only by
// `telguard consent`. Cost: a few small reads; a write only on first use.
#ifndef TELGUARD_CLIENT_LOCAL_FILES_H_
#define TELGUARD_CLIENT_LOCAL_FILES_H_

#include <cstdio>
#include <optional>
#include <string>

#include "client/config.h"

namespace telguard {

// Writes `content` to `path` atomically (temporary file, fsync, rename), 0600.
bool WriteFileAtomic(const std::string& path, const std::string& content, std::string* error);

// Creates `path` with `content` only if it does not exist (0600, atomic:
// link(2) of a complete temporary file). True if this call created it.
bool CreateFileOnce(const std::string& path, const std::string& content, std::string* error);

std::optional<std::string> ReadSmallFile(const std::string& path);

// `n` random bytes (getrandom).
std::string RandomBytes(std::size_t n);

// A random UUIDv4 (getrandom).
std::string NewUuidV4();

// An app's identity (see config.h for the layout). Call only when
// telemetry is on for the app; directories are created only below the
// config root's anchor (never HOME itself).

// The install id: read it, or create it (first use).
std::optional<std::string> LoadOrCreateInstallId(const Config& config, const AppPaths& paths, std::string* error);

// The app's pseudonym key: 32 random bytes (getrandom), created once, 0600.
// Each app has its own, so pseudonyms from two apps cannot be linked.
std::optional<std::string> LoadOrCreatePseudonymKey(const Config& config, const AppPaths& paths,
                                                    std::string* error);

// Replaces the install id with a new one (or, when `create` is false,
// removes it and creates none). Returns the new id or "" when removed.
std::optional<std::string> ResetInstallId(const Config& config, const AppPaths& paths, bool create,
                                          std::string* error);

// Removes the app's id and pseudonym key (telemetry turned off).
bool ForgetIdentity(const AppPaths& paths, std::string* error);

// Before identity was kept per app, one install id and one notice marker
// (`<config root>/id`, `<config root>/notice-shown`) served every app. They
// are never read; this removes them (regular files only) so the id that
// linked every app does not outlive the layout. Called when an app's id is
// first loaded and by consent off. False and *error if one stays.
bool RetireSharedIdentity(const Config& config, std::string* error);

// The first-run notice: printed on `out` once per app and user, by the
// process that creates the marker. Hidden (TELGUARD_HIDE_NOTICE on): not
// printed and no marker written.
enum class Notice {
  kShownNow,      // printed by this call: this run sends nothing
  kShownBefore,   // the marker exists
  kHidden,        // hidden by the environment variable
  kFailed,        // the marker could not be written (*error says why): the
                  // notice was NOT shown; hold, send nothing
};
Notice ShowNoticeOnce(const Config& config, const AppPaths& paths, std::FILE* out, std::string* error);

extern const char kNoticeText[];

}  // namespace telguard

#endif  // TELGUARD_CLIENT_LOCAL_FILES_H_
