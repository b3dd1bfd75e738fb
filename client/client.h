// telguard's C++ API for agent tools: typed events recorded through a
// context, run synchronously through the privacy pipeline and the sender.
//
//   telguard::ClientOptions o;
//   o.app_name = "agentcli";
//   o.app_version = "1.18.3";
//   std::string error;
//   telguard::Context ctx{telguard::Client::Create(o, &error)};  // null client when opted out
//   ctx.session_id = "s-7f3a9c";
//   ctx.agent_name = "root";
//   telguard::RecordSessionStart(ctx);
//   telguard::RecordToolCall(ctx, "shell", ctx.session_id, ctx.agent_name, 412ms, "");
//   telguard::RecordTokenUsage(ctx, "gpt-4o", 5230, 812);  // cost estimated
//   telguard::RecordSessionEnd(ctx);
//
// Every Record* call is noexcept, builds one typed event, and returns once
// the event was delivered, spooled or dropped (bounded by the sender's
// deadline, about a second at most). With telemetry off Create() returns
// null: FromContext() is null, every call is a no-op, nothing is written,
// nothing is sent, no id exists.
//
// Sessions are tracked per session id (sub-agents have their own id and a
// parent): tool calls, errors, tokens and cost add up into the end event.
//
// Thread-safety: a Client may be used from any number of threads.
// This header depends on the standard library only.
#ifndef TELGUARD_CLIENT_CLIENT_H_
#define TELGUARD_CLIENT_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace telguard {

struct ClientOptions {
  // The envelope's "source" and User-Agent, and the directory of this app's
  // consent, install id, pseudonym key and notice marker: 1..64 characters
  // of [A-Za-z0-9._@+-], starting with a letter or digit.
  std::string app_name = "agent";
  std::string app_version = "0.0.0";   // the "version" property
  // Where events go (client/destination.h, shared with the CLI). Endpoint:
  // this, else $TELGUARD_ENDPOINT. Local-only mode: `local_file` (or
  // $TELGUARD_LOCAL_FILE), a JSONL file; it wins over any endpoint and
  // nothing is sent over the network.
  std::string endpoint;
  std::string local_file;
  std::string api_key_env;             // name of the variable holding the API key
  std::string api_key_file;
  std::string ca_file;
  // Undelivered events: this directory, else $TELGUARD_SPOOL, else
  // $XDG_STATE_HOME/telguard/spool (~/.local/state/telguard/spool).
  std::string spool_dir;
  // The config root (this app's files are in <root>/<app_name>/): else
  // $XDG_CONFIG_HOME/telguard (~/.config/telguard). Its parent must exist.
  std::string config_dir;
  // Per-model prices (public per-model price-list JSON); empty: embedded.
  std::string prices_file;
  // Debug: every event, after the pipeline, exactly as sent, goes to the
  // debug log (debug_log_file, else $TELGUARD_DEBUG_LOG, else stderr). Also
  // $TELGUARD_DEBUG on (1/true/yes/on). It never changes where events go.
  bool debug = false;
  std::string debug_log_file;
  // Free text (error messages) leaves as "class" (an error class),
  // "template" (vocabulary words and placeholders) or "scrub" (deny-list
  // only; text no rule knows leaves as written). Empty: each field's own
  // mode in the allow-list (template).
  std::string free_text;
  std::chrono::milliseconds deadline{1000};
};

struct ClientStats {
  std::uint64_t delivered = 0, kept = 0, dropped = 0, rejected = 0;
};

class Client {
 public:
  // Null when telemetry is off for this app (then *error is empty: not an
  // error, and what was spooled for the app is deleted), or when the options
  // are invalid (then *error says why). The first time telemetry is on for
  // this app and user, the notice is printed on stderr and this client sends
  // nothing (the user can opt out before anything leaves); the same when the
  // notice cannot be recorded (no or unwritable HOME: said once on stderr,
  // with the variable that fixes it).
  static std::shared_ptr<Client> Create(const ClientOptions& options, std::string* error);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // `args` are the command's arguments; only allow-listed flag names and a
  // count of positionals ever leave. `error` empty means success.
  void TrackCommand(std::string_view action, const std::vector<std::string>& args, std::string_view error = {}) noexcept;
  void RecordSessionStart(std::string_view session_id, std::string_view agent,
                          std::string_view parent_session_id = {}) noexcept;
  void RecordToolCall(std::string_view session_id, std::string_view agent, std::string_view tool,
                      std::chrono::milliseconds duration, std::string_view error = {}) noexcept;
  // `cost` in USD; when absent it is estimated from the price table.
  void RecordTokenUsage(std::string_view session_id, std::string_view agent, std::string_view model,
                        std::int64_t input_tokens, std::int64_t output_tokens,
                        std::optional<double> cost = std::nullopt) noexcept;
  // Counts an error against the session (it goes out with the end event).
  void RecordError(std::string_view session_id, std::string_view error) noexcept;
  // Sends the session's end event with its totals; `error` empty: success
  // unless errors were recorded.
  void RecordSessionEnd(std::string_view session_id, std::string_view error = {}) noexcept;

  // Estimated cost in USD of a model call, or nullopt for an unknown model.
  std::optional<double> EstimateCost(std::string_view model, std::int64_t input_tokens,
                                     std::int64_t output_tokens, std::int64_t cache_read_tokens = 0,
                                     std::int64_t cache_write_tokens = 0) const noexcept;

  ClientStats stats() const noexcept;
  // True in the run that showed the first-run notice (nothing is sent).
  bool holding_for_notice() const noexcept;

  struct Impl;

 private:
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// What instrumented code carries around.
struct Context {
  std::shared_ptr<Client> client;  // null: telemetry off
  std::string session_id;
  std::string agent_name;
};

// The client, or null when telemetry is off.
inline Client* FromContext(const Context& ctx) { return ctx.client.get(); }

// The reference API's shape; each is a no-op without a client.
void TrackCommand(const Context& ctx, std::string_view action, const std::vector<std::string>& args,
                  std::string_view error = {}) noexcept;
void RecordSessionStart(const Context& ctx, std::string_view parent_session_id = {}) noexcept;
void RecordToolCall(const Context& ctx, std::string_view tool, std::string_view session_id,
                    std::string_view agent_name, std::chrono::milliseconds duration,
                    std::string_view error = {}) noexcept;
void RecordTokenUsage(const Context& ctx, std::string_view model, std::int64_t input_tokens,
                      std::int64_t output_tokens, std::optional<double> cost = std::nullopt) noexcept;
void RecordError(const Context& ctx, std::string_view error) noexcept;
void RecordSessionEnd(const Context& ctx, std::string_view error = {}) noexcept;

}  // namespace telguard

#endif  // TELGUARD_CLIENT_CLIENT_H_
