#include "client/client.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>

#include <nlohmann/json.hpp>

#include "client/consent.h"
#include "client/local_files.h"
#include "client/prices.h"
#include "pipeline/pipeline.h"
#include "sender/http_sender.h"
#include "sender/sinks.h"
#include "sender/spool.h"

namespace telguard {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxSessionErrors = 10;
constexpr std::size_t kMaxSessions = 10000;  // a leak of unended sessions is bounded

const char* OsFamily() {
#if defined(__linux__)
  return "linux";
#elif defined(__APPLE__)
  return "darwin";
#elif defined(_WIN32)
  return "windows";
#elif defined(__FreeBSD__)
  return "freebsd";
#else
  return "other";
#endif
}

std::string EnvOr(const std::string& value, const char* var) {
  if (!value.empty()) return value;
  const char* v = std::getenv(var);
  return v ? v : "";
}

bool IsIdentifier(const std::string& s) {
  if (s.empty() || s.size() > 128 || !std::isalnum(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && std::string_view("._:/@+-").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

struct Session {
  std::string agent;
  std::string parent;
  Clock::time_point start;
  std::int64_t tool_calls = 0, input_tokens = 0, output_tokens = 0, error_count = 0;
  double cost = 0;
  std::vector<std::string> errors;
};

}  // namespace

struct Client::Impl {
  ClientOptions o;
  std::string config_dir;
  std::string install_id;
  std::unique_ptr<Pipeline> pipeline;
  std::unique_ptr<sender::Spool> spool;
  std::unique_ptr<sender::HttpSender> http;
  std::unique_ptr<sender::FileSink> file;
  std::FILE* debug_log = nullptr;
  bool owns_debug_log = false;
  std::unique_ptr<sender::DebugLogSender> debug;
  sender::Sender* target = nullptr;
  std::unique_ptr<PriceTable> prices;
  bool holding = false;

  std::mutex mu;
  std::map<std::string, Session, std::less<>> sessions;
  std::atomic<std::uint64_t> line{0};
  std::atomic<std::uint64_t> delivered{0}, kept{0}, dropped{0}, rejected{0};

  ~Impl() {
    if (owns_debug_log && debug_log) std::fclose(debug_log);
  }

  void Emit(const char* event, json props) noexcept {
    try {
      if (!install_id.empty()) props["user_uuid"] = install_id;
      props["version"] = o.app_version;
      props["os"] = OsFamily();
      const json record = {{"event", event},
                           {"event_timestamp", std::chrono::duration_cast<std::chrono::milliseconds>(
                                                   std::chrono::system_clock::now().time_since_epoch())
                                                   .count()},
                           {"source", o.app_name},
                           {"properties", std::move(props)}};
      // Through ProcessLine, so the caps apply to what the host passed in.
      const std::string text = record.dump(-1, ' ', false, json::error_handler_t::replace);
      for (const EventOutcome& e : pipeline->ProcessLine(text, ++line).events) {
        if (e.audit.verdict != Verdict::kSent) {
          ++rejected;
          if (debug_log) std::fprintf(debug_log, "telguard debug: not sent: %s\n", e.error.c_str());
          continue;
        }
        if (holding || target == nullptr) {
          ++dropped;  // the first-run notice run sends nothing
          continue;
        }
        switch (target->Send(e.body).delivery) {
          case sender::Delivery::kDelivered: ++delivered; break;
          case sender::Delivery::kKept: ++kept; break;
          case sender::Delivery::kDropped: ++dropped; break;
        }
      }
    } catch (...) {
      ++dropped;
    }
  }

  void AddError(Session& s, std::string_view error) {
    ++s.error_count;
    if (s.errors.size() < kMaxSessionErrors) s.errors.emplace_back(error.substr(0, 4096));
  }
};

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

std::shared_ptr<Client> Client::Create(const ClientOptions& options, std::string* error) {
  error->clear();
  try {
    auto impl = std::make_unique<Impl>();
    impl->o = options;
    impl->config_dir = ConfigDir(options.config_dir);
    // Off means off: decided before anything is created, written or sent.
    if (!DecideConsent(impl->config_dir).enabled) return nullptr;

    if (!IsIdentifier(options.app_name) || !IsIdentifier(options.app_version)) {
      *error = "app_name and app_version must be 1..128 characters of [A-Za-z0-9._:/@+-]";
      return nullptr;
    }
    const std::string endpoint = EnvOr(options.endpoint, "TELGUARD_ENDPOINT");
    const std::string local = EnvOr(options.local_file, "TELGUARD_LOCAL_FILE");
    if (endpoint.empty() && local.empty()) {
      *error = "no destination: set an endpoint (or TELGUARD_ENDPOINT) or a local file";
      return nullptr;
    }
    impl->pipeline = Pipeline::Create({}, error);
    if (!impl->pipeline) return nullptr;
    const std::string prices_file = EnvOr(options.prices_file, "TELGUARD_PRICES");
    if (!prices_file.empty()) {
      std::FILE* f = std::fopen(prices_file.c_str(), "r");
      if (f == nullptr) {
        *error = "cannot read prices file " + prices_file;
        return nullptr;
      }
      std::string text;
      char buf[65536];
      for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
      std::fclose(f);
      impl->prices = PriceTable::Parse(text, error);
      if (!impl->prices) return nullptr;
    } else {
      impl->prices = PriceTable::Embedded();
    }

    const Notice notice = ShowNoticeOnce(impl->config_dir, stderr);
    impl->holding = notice == Notice::kShownNow || notice == Notice::kFailed;

    if (!impl->holding) {
      auto id = LoadOrCreateInstallId(impl->config_dir, error);
      if (id) impl->install_id = *id;  // without one, events carry no user_uuid
      error->clear();
      if (!local.empty()) {
        impl->file = sender::FileSink::Open(local, error);
        if (!impl->file) return nullptr;
        impl->target = impl->file.get();
      } else {
        std::string spool_dir = EnvOr(options.spool_dir, "TELGUARD_SPOOL");
        if (spool_dir.empty()) {
          if (const char* x = std::getenv("XDG_STATE_HOME"); x && *x == '/') {
            spool_dir = std::string(x) + "/telguard/spool";
          } else if (const char* h = std::getenv("HOME"); h && *h) {
            spool_dir = std::string(h) + "/.local/state/telguard/spool";
          }
        }
        if (!spool_dir.empty()) {
          impl->spool = sender::Spool::Open(spool_dir, {}, error);
          if (!impl->spool) return nullptr;
        }
        sender::HttpSenderOptions ho;
        ho.endpoint = endpoint;
        ho.user_agent = options.app_name + "/" + options.app_version;
        ho.api_key_env = options.api_key_env;
        ho.api_key_file = options.api_key_file;
        ho.ca_file = options.ca_file;
        ho.deadline = options.deadline;
        ho.spool = impl->spool.get();
        impl->http = sender::HttpSender::Create(ho, error);
        if (!impl->http) return nullptr;
        impl->target = impl->http.get();
      }
    }
    if (options.debug || ParseSwitch(std::getenv("TELGUARD_DEBUG")) == true) {
      const std::string path = EnvOr(options.debug_log_file, "TELGUARD_DEBUG_LOG");
      impl->debug_log = path.empty() ? stderr : std::fopen(path.c_str(), "a");
      if (impl->debug_log == nullptr) {
        *error = "cannot open debug log " + path;
        return nullptr;
      }
      impl->owns_debug_log = !path.empty();
      if (impl->target != nullptr) {
        impl->debug = std::make_unique<sender::DebugLogSender>(impl->debug_log, impl->target);
        impl->target = impl->debug.get();
      }
    }
    return std::shared_ptr<Client>(new Client(std::move(impl)));
  } catch (const std::exception& e) {
    *error = std::string("cannot create the client: ") + e.what();
    return nullptr;
  }
}

void Client::TrackCommand(std::string_view action, const std::vector<std::string>& args,
                          std::string_view error) noexcept {
  try {
    json p = {{"action", action}, {"args", args}, {"is_success", error.empty()}};
    if (!error.empty()) p["error"] = error;
    impl_->Emit("command", std::move(p));
  } catch (...) {
    ++impl_->dropped;
  }
}

void Client::RecordSessionStart(std::string_view session_id, std::string_view agent,
                                std::string_view parent_session_id) noexcept {
  try {
    {
      std::lock_guard<std::mutex> lock(impl_->mu);
      // A second start of the same id does not reset the first (and a
      // sub-agent has its own id: nothing overwrites a parent's totals).
      if (impl_->sessions.find(session_id) == impl_->sessions.end() && impl_->sessions.size() < kMaxSessions) {
        Session s;
        s.agent = agent;
        s.parent = parent_session_id;
        s.start = Clock::now();
        impl_->sessions.emplace(std::string(session_id), std::move(s));
      }
    }
    json p = {{"action", "start"}, {"session_id", session_id}, {"agent_name", agent}};
    if (!parent_session_id.empty()) p["parent_session_id"] = parent_session_id;
    impl_->Emit("session", std::move(p));
  } catch (...) {
    ++impl_->dropped;
  }
}

void Client::RecordToolCall(std::string_view session_id, std::string_view agent, std::string_view tool,
                            std::chrono::milliseconds duration, std::string_view error) noexcept {
  try {
    {
      std::lock_guard<std::mutex> lock(impl_->mu);
      if (auto it = impl_->sessions.find(session_id); it != impl_->sessions.end()) {
        ++it->second.tool_calls;
        if (!error.empty()) impl_->AddError(it->second, error);
      }
    }
    json p = {{"action", "call"},           {"session_id", session_id},
              {"agent_name", agent},        {"tool_name", tool},
              {"duration_ms", std::max<std::int64_t>(0, duration.count())},
              {"is_success", error.empty()}};
    if (!error.empty()) p["error"] = error;
    impl_->Emit("tool", std::move(p));
  } catch (...) {
    ++impl_->dropped;
  }
}

void Client::RecordTokenUsage(std::string_view session_id, std::string_view agent, std::string_view model,
                              std::int64_t input_tokens, std::int64_t output_tokens,
                              std::optional<double> cost) noexcept {
  try {
    input_tokens = std::max<std::int64_t>(0, input_tokens);
    output_tokens = std::max<std::int64_t>(0, output_tokens);
    if (!cost) cost = impl_->prices->Cost(model, input_tokens, output_tokens);
    {
      std::lock_guard<std::mutex> lock(impl_->mu);
      if (auto it = impl_->sessions.find(session_id); it != impl_->sessions.end()) {
        it->second.input_tokens += input_tokens;
        it->second.output_tokens += output_tokens;
        it->second.cost += cost.value_or(0.0);
      }
    }
    json p = {{"action", "usage"},           {"session_id", session_id},
              {"agent_name", agent},         {"model_name", model},
              {"input_tokens", input_tokens}, {"output_tokens", output_tokens},
              {"total_tokens", input_tokens + output_tokens}};
    if (cost) p["cost"] = *cost;  // this call's cost, not a running total
    impl_->Emit("token", std::move(p));
  } catch (...) {
    ++impl_->dropped;
  }
}

void Client::RecordError(std::string_view session_id, std::string_view error) noexcept {
  try {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (auto it = impl_->sessions.find(session_id); it != impl_->sessions.end()) impl_->AddError(it->second, error);
  } catch (...) {
  }
}

void Client::RecordSessionEnd(std::string_view session_id, std::string_view error) noexcept {
  try {
    Session s;
    bool known = false;
    {
      std::lock_guard<std::mutex> lock(impl_->mu);
      if (auto it = impl_->sessions.find(session_id); it != impl_->sessions.end()) {
        s = std::move(it->second);
        impl_->sessions.erase(it);
        known = true;
      }
    }
    if (!error.empty()) impl_->AddError(s, error);
    const auto duration = known ? std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - s.start).count()
                                : 0;
    json p = {{"action", "end"},
              {"session_id", session_id},
              {"agent_name", known ? s.agent : std::string("unknown")},
              {"duration_ms", duration},
              {"tool_calls", s.tool_calls},
              {"input_tokens", s.input_tokens},
              {"output_tokens", s.output_tokens},
              {"total_tokens", s.input_tokens + s.output_tokens},
              {"cost", s.cost},
              {"error_count", s.error_count},
              {"is_success", s.error_count == 0},
              {"error", s.errors}};
    if (!s.parent.empty()) p["parent_session_id"] = s.parent;
    impl_->Emit("session", std::move(p));
  } catch (...) {
    ++impl_->dropped;
  }
}

std::optional<double> Client::EstimateCost(std::string_view model, std::int64_t input_tokens,
                                           std::int64_t output_tokens, std::int64_t cache_read_tokens,
                                           std::int64_t cache_write_tokens) const noexcept {
  try {
    return impl_->prices->Cost(model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens);
  } catch (...) {
    return std::nullopt;
  }
}

ClientStats Client::stats() const noexcept {
  return {impl_->delivered.load(), impl_->kept.load(), impl_->dropped.load(), impl_->rejected.load()};
}

bool Client::holding_for_notice() const noexcept { return impl_->holding; }

void TrackCommand(const Context& ctx, std::string_view action, const std::vector<std::string>& args,
                  std::string_view error) noexcept {
  if (Client* c = FromContext(ctx)) c->TrackCommand(action, args, error);
}
void RecordSessionStart(const Context& ctx, std::string_view parent_session_id) noexcept {
  if (Client* c = FromContext(ctx)) c->RecordSessionStart(ctx.session_id, ctx.agent_name, parent_session_id);
}
void RecordToolCall(const Context& ctx, std::string_view tool, std::string_view session_id,
                    std::string_view agent_name, std::chrono::milliseconds duration, std::string_view error) noexcept {
  if (Client* c = FromContext(ctx)) c->RecordToolCall(session_id, agent_name, tool, duration, error);
}
void RecordTokenUsage(const Context& ctx, std::string_view model, std::int64_t input_tokens,
                      std::int64_t output_tokens, std::optional<double> cost) noexcept {
  if (Client* c = FromContext(ctx)) c->RecordTokenUsage(ctx.session_id, ctx.agent_name, model, input_tokens, output_tokens, cost);
}
void RecordError(const Context& ctx, std::string_view error) noexcept {
  if (Client* c = FromContext(ctx)) c->RecordError(ctx.session_id, error);
}
void RecordSessionEnd(const Context& ctx, std::string_view error) noexcept {
  if (Client* c = FromContext(ctx)) c->RecordSessionEnd(ctx.session_id, error);
}

}  // namespace telguard
