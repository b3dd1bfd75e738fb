#include "client/client.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>

#include <nlohmann/json.hpp>

#include "client/config.h"
#include "client/consent.h"
#include "client/destination.h"
#include "client/forget.h"
#include "client/local_files.h"
#include "client/prices.h"
#include "pipeline/pipeline.h"

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
  Config config;
  AppPaths paths;
  std::string install_id;
  std::string pseudonym_key;  // 32 bytes, this app's own
  std::unique_ptr<Pipeline> pipeline;
  std::unique_ptr<OpenedDestination> out;
  std::FILE* debug_log = nullptr;  // owned by `out`
  sender::Sender* target = nullptr;
  std::unique_ptr<PriceTable> prices;
  bool holding = false;

  std::mutex mu;
  std::map<std::string, Session, std::less<>> sessions;
  std::atomic<std::uint64_t> line{0};
  std::atomic<std::uint64_t> delivered{0}, kept{0}, dropped{0}, rejected{0};

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

namespace {

DestinationOptions FromClientOptions(const ClientOptions& o) {
  DestinationOptions d;
  d.endpoint = {o.endpoint, "ClientOptions::endpoint"};
  d.local_file = {o.local_file, "ClientOptions::local_file"};
  d.spool_dir = {o.spool_dir, "ClientOptions::spool_dir"};
  d.api_key_env = {o.api_key_env, "ClientOptions::api_key_env"};
  d.api_key_file = {o.api_key_file, "ClientOptions::api_key_file"};
  d.ca_file = {o.ca_file, "ClientOptions::ca_file"};
  d.deadline = o.deadline;
  d.user_agent = o.app_name + "/" + o.app_version;
  d.app = o.app_name;
  d.debug = o.debug;
  d.debug_log = {o.debug_log_file, "ClientOptions::debug_log_file"};
  return d;
}

std::unique_ptr<PriceTable> LoadPrices(const ClientOptions& o, const Config& config, std::string* error) {
  const Setting file = FirstSet({{o.prices_file, "ClientOptions::prices_file"},
                                 {config.env.Get("TELGUARD_PRICES") ? *config.env.Get("TELGUARD_PRICES") : "",
                                  "TELGUARD_PRICES"}});
  if (!file.set()) return PriceTable::Embedded();
  std::FILE* f = std::fopen(file.value.c_str(), "r");
  if (f == nullptr) {
    *error = "cannot read prices file " + file.value + " (from " + file.source + ")";
    return nullptr;
  }
  std::string text;
  char buf[65536];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
  std::fclose(f);
  return PriceTable::Parse(text, error);
}

// The first-run notice, then the app's identity. The notice could not be
// marked: say so once, hold (send nothing).
void PrepareIdentity(Client::Impl& impl) {
  std::string error;
  const Notice notice = ShowNoticeOnce(impl.config, impl.paths, stderr, &error);
  if (notice == Notice::kFailed) {
    ReportOnce("telguard: " + impl.o.app_name + ": nothing will be sent: the first-run notice cannot be recorded (" +
                   error + ")",
               stderr);
  }
  impl.holding = notice == Notice::kShownNow || notice == Notice::kFailed;
  if (impl.holding) return;
  if (auto id = LoadOrCreateInstallId(impl.config, impl.paths, &error)) {
    impl.install_id = *id;  // without one, events carry no user_uuid
  } else {
    ReportOnce("telguard: " + impl.o.app_name + ": events carry no install id: " + error, stderr);
  }
  // The app's own pseudonym key, so two apps' pseudonyms never match. If it
  // cannot be kept, a key for this process only (pseudonyms then do not link
  // across runs, which leaks less, not more).
  if (auto key = LoadOrCreatePseudonymKey(impl.config, impl.paths, &error)) {
    impl.pseudonym_key = *key;
  } else {
    impl.pseudonym_key = RandomBytes(32);
  }
}

}  // namespace

std::shared_ptr<Client> Client::Create(const ClientOptions& options, std::string* error) {
  error->clear();
  try {
    auto impl = std::make_unique<Impl>();
    impl->o = options;
    impl->config = ResolveConfig(Environment::FromProcess(), options.config_dir);
    ReportWarnings(impl->config, stderr);
    if (!ValidateAppName(options.app_name, error)) return nullptr;
    impl->paths = PathsForApp(impl->config, options.app_name);
    // Off means off: decided before anything is created or sent; what was
    // spooled for this app is deleted.
    if (!DecideConsent(impl->config, options.app_name).enabled) {
      ForgetStats stats;
      std::string ignored;
      ForgetApp(impl->config, options.app_name, FromClientOptions(options), /*identity=*/false, &stats, &ignored);
      return nullptr;
    }
    if (!IsIdentifier(options.app_version)) {
      *error = "app_version must be 1..128 characters of [A-Za-z0-9._:/@+-]";
      return nullptr;
    }
    Destination destination;
    if (!BuildDestination(FromClientOptions(options), impl->config, &destination, error)) return nullptr;
    PipelineOptions pipeline_options;
    if (!options.free_text.empty()) {
      pipeline_options.free_text = redaction::ParseFreeTextMode(options.free_text);
      if (!pipeline_options.free_text) {
        *error = "free_text must be class, template or scrub";
        return nullptr;
      }
    }
    impl->prices = LoadPrices(options, impl->config, error);
    if (!impl->prices) return nullptr;
    PrepareIdentity(*impl);
    // Ids and names that fail their shape leave as pseudonyms keyed with
    // this app's own key (empty while holding for the notice: nothing is
    // sent then, and the pipeline uses a key for this process).
    pipeline_options.pseudonym_key = impl->pseudonym_key;
    impl->pipeline = Pipeline::Create(pipeline_options, error);
    if (!impl->pipeline) return nullptr;
    if (!impl->holding) {
      impl->out = OpenDestination(destination, error);
      if (!impl->out) return nullptr;
      impl->target = impl->out->target;
      impl->debug_log = impl->out->debug_log;
    }
    error->clear();
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
