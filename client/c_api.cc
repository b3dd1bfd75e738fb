// The C API over telguard::Client. No exception crosses this boundary.
#include "client/telguard.h"

#include <string>
#include <vector>

#include "client/client.h"

struct telguard_client {
  std::shared_ptr<telguard::Client> client;
};

namespace {

thread_local std::string g_last_error;

std::string_view Str(const char* s) { return s ? std::string_view(s) : std::string_view(); }
std::string Own(const char* s) { return s ? std::string(s) : std::string(); }

}  // namespace

extern "C" {

telguard_status telguard_client_new(const telguard_options* options, telguard_client** out) {
  if (out == nullptr) return TELGUARD_INVALID_ARGUMENT;
  *out = nullptr;
  if (options == nullptr || options->app_name == nullptr || options->app_version == nullptr) {
    g_last_error = "app_name and app_version are required";
    return TELGUARD_INVALID_ARGUMENT;
  }
  try {
    telguard::ClientOptions o;
    o.app_name = options->app_name;
    o.app_version = options->app_version;
    o.endpoint = Own(options->endpoint);
    o.local_file = Own(options->local_file);
    o.spool_dir = Own(options->spool_dir);
    o.config_dir = Own(options->config_dir);
    o.api_key_env = Own(options->api_key_env);
    o.ca_file = Own(options->ca_file);
    o.prices_file = Own(options->prices_file);
    o.debug = options->debug != 0;
    if (options->deadline_ms > 0) o.deadline = std::chrono::milliseconds(options->deadline_ms);
    o.free_text = Own(options->free_text);
    std::string error;
    auto c = telguard::Client::Create(o, &error);
    if (!c) {
      if (error.empty()) return TELGUARD_DISABLED;
      g_last_error = error;
      return TELGUARD_ERROR;
    }
    *out = new telguard_client{std::move(c)};
    return TELGUARD_OK;
  } catch (...) {
    g_last_error = "cannot create the client";
    return TELGUARD_ERROR;
  }
}

void telguard_client_free(telguard_client* client) { delete client; }

const char* telguard_last_error(void) { return g_last_error.c_str(); }

const char* telguard_status_string(telguard_status status) {
  switch (status) {
    case TELGUARD_OK: return "ok";
    case TELGUARD_DISABLED: return "telemetry disabled";
    case TELGUARD_INVALID_ARGUMENT: return "invalid argument";
    case TELGUARD_ERROR: return "error";
  }
  return "unknown status";
}

telguard_status telguard_track_command(telguard_client* client, const char* action, const char* const* args,
                                       size_t nargs, const char* error) {
  if (client == nullptr) return TELGUARD_DISABLED;
  if (action == nullptr || (nargs > 0 && args == nullptr)) return TELGUARD_INVALID_ARGUMENT;
  try {
    std::vector<std::string> a;
    for (size_t i = 0; i < nargs; ++i) a.emplace_back(args[i] ? args[i] : "");
    client->client->TrackCommand(action, a, Str(error));
    return TELGUARD_OK;
  } catch (...) {
    return TELGUARD_ERROR;
  }
}

telguard_status telguard_session_start(telguard_client* client, const char* session_id, const char* agent_name,
                                       const char* parent_session_id) {
  if (client == nullptr) return TELGUARD_DISABLED;
  if (session_id == nullptr || agent_name == nullptr) return TELGUARD_INVALID_ARGUMENT;
  client->client->RecordSessionStart(session_id, agent_name, Str(parent_session_id));
  return TELGUARD_OK;
}

telguard_status telguard_tool_call(telguard_client* client, const char* session_id, const char* agent_name,
                                   const char* tool_name, int64_t duration_ms, const char* error) {
  if (client == nullptr) return TELGUARD_DISABLED;
  if (session_id == nullptr || agent_name == nullptr || tool_name == nullptr) return TELGUARD_INVALID_ARGUMENT;
  client->client->RecordToolCall(session_id, agent_name, tool_name, std::chrono::milliseconds(duration_ms), Str(error));
  return TELGUARD_OK;
}

telguard_status telguard_token_usage(telguard_client* client, const char* session_id, const char* agent_name,
                                     const char* model_name, int64_t input_tokens, int64_t output_tokens,
                                     double cost) {
  if (client == nullptr) return TELGUARD_DISABLED;
  if (session_id == nullptr || agent_name == nullptr || model_name == nullptr) return TELGUARD_INVALID_ARGUMENT;
  client->client->RecordTokenUsage(session_id, agent_name, model_name, input_tokens, output_tokens,
                                   cost < 0 ? std::nullopt : std::optional<double>(cost));
  return TELGUARD_OK;
}

telguard_status telguard_record_error(telguard_client* client, const char* session_id, const char* error) {
  if (client == nullptr) return TELGUARD_DISABLED;
  if (session_id == nullptr || error == nullptr) return TELGUARD_INVALID_ARGUMENT;
  client->client->RecordError(session_id, error);
  return TELGUARD_OK;
}

telguard_status telguard_session_end(telguard_client* client, const char* session_id, const char* error) {
  if (client == nullptr) return TELGUARD_DISABLED;
  if (session_id == nullptr) return TELGUARD_INVALID_ARGUMENT;
  client->client->RecordSessionEnd(session_id, Str(error));
  return TELGUARD_OK;
}

telguard_status telguard_stats(telguard_client* client, uint64_t* delivered, uint64_t* kept, uint64_t* dropped,
                               uint64_t* rejected) {
  if (client == nullptr) return TELGUARD_DISABLED;
  const telguard::ClientStats s = client->client->stats();
  if (delivered) *delivered = s.delivered;
  if (kept) *kept = s.kept;
  if (dropped) *dropped = s.dropped;
  if (rejected) *rejected = s.rejected;
  return TELGUARD_OK;
}

}  // extern "C"
