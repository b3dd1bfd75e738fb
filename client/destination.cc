#include "client/destination.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace telguard {
namespace {

Setting FromEnv(const Config& config, const char* name) {
  const std::string* v = config.env.Get(name);
  return v ? Setting{*v, name} : Setting{};
}

void ResolveSpool(const DestinationOptions& o, const Config& config, Destination* d) {
  d->spool_dir = ResolveSpoolDir(o, config);
  if (d->spool_dir.set()) return;
  d->spool_note = "no spool (undelivered events are dropped): " + config.state_root.problem +
                  "; or set TELGUARD_SPOOL";
}

bool ResolveApiKey(const DestinationOptions& o, const Config& config, Destination* d, std::string* error) {
  if (o.api_key_env.set()) {
    if (config.env.Get(o.api_key_env.value) == nullptr) {
      *error = "API key variable " + o.api_key_env.value + " (from " + o.api_key_env.source + ") is not set";
      return false;
    }
    d->api_key = {"variable " + o.api_key_env.value, o.api_key_env.source};
    d->http.api_key_env = o.api_key_env.value;
  } else if (o.api_key_file.set()) {
    d->api_key = {"file " + o.api_key_file.value, o.api_key_file.source};
    d->http.api_key_file = o.api_key_file.value;
  }
  return true;
}

void ResolveDebug(const DestinationOptions& o, const Config& config, Destination* d) {
  if (o.debug) {
    d->debug = true;
    d->debug_source = "option";
  } else if (config.debug.set && config.debug.on) {
    d->debug = true;
    d->debug_source = config.debug.source;
  }
  d->debug_log = FirstSet({o.debug_log, FromEnv(config, "TELGUARD_DEBUG_LOG")});
}

void FillHttp(const DestinationOptions& o, Destination* d) {
  d->http.endpoint = d->endpoint.value;
  d->http.user_agent = o.user_agent;
  d->http.ca_file = d->ca_file.value;
  d->http.allow_insecure_http = o.allow_insecure_http;
  d->http.deadline = o.deadline;
  d->stop = o.stop;
  d->http.app = o.app;
  d->headers = o.headers;
  d->http.headers = o.headers;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t") - a + 1);
}

bool PercentDecode(const std::string& in, std::string* out) {
  out->clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size() || !std::isxdigit(static_cast<unsigned char>(in[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      return false;
    }
    out->push_back(static_cast<char>(std::stoi(in.substr(i + 1, 2), nullptr, 16)));
    i += 2;
  }
  return true;
}

bool IsHeaderName(const std::string& k) {
  if (k.empty()) return false;
  for (char c : k) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

// `base` + "/v1/<signal>", without doubling the slash.
std::string SignalUrl(std::string base, const char* signal) {
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/v1/" + signal;
}

}  // namespace

Setting ResolveSpoolDir(const DestinationOptions& o, const Config& config) {
  const Setting s = FirstSet({o.spool_dir, FromEnv(config, "TELGUARD_SPOOL")});
  if (s.set()) return s;
  if (config.state_root.problem.empty() && !config.state_root.path.empty()) {
    return {config.state_root.path + "/spool", "default (" + config.state_root.source + ")"};
  }
  return {};
}

bool BuildDestination(const DestinationOptions& o, const Config& config, Destination* d, std::string* error) {
  *d = Destination{};
  ResolveDebug(o, config, d);
  d->local_file = FirstSet({o.local_file, FromEnv(config, "TELGUARD_LOCAL_FILE")});
  if (d->local_file.set()) {
    d->kind = Destination::Kind::kLocalFile;
    return true;
  }
  d->endpoint = FirstSet({o.endpoint, FromEnv(config, "TELGUARD_ENDPOINT")});
  if (!d->endpoint.set()) {
    const std::string ep = o.endpoint.source.empty() ? "an endpoint" : o.endpoint.source;
    const std::string lf = o.local_file.source.empty() ? "a local file" : o.local_file.source;
    *error = "no destination: give " + ep + " URL or set TELGUARD_ENDPOINT (or, to keep events on this machine, " +
             lf + " PATH or TELGUARD_LOCAL_FILE)";
    return false;
  }
  d->ca_file = o.ca_file;
  if (!ResolveApiKey(o, config, d, error)) return false;
  ResolveSpool(o, config, d);
  FillHttp(o, d);
  return true;
}

bool ParseOtlpHeaders(const std::string& text, std::vector<Header>* out, std::string* error) {
  std::size_t start = 0, index = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string entry = Trim(text.substr(start, comma - start));
    ++index;
    start = comma + 1;
    if (entry.empty()) continue;
    const auto eq = entry.find('=');
    std::string value;
    const std::string name = eq == std::string::npos ? "" : Trim(entry.substr(0, eq));
    if (eq == std::string::npos || !IsHeaderName(name) || !PercentDecode(Trim(entry.substr(eq + 1)), &value) ||
        value.find_first_of(std::string("\r\n\0", 3)) != std::string::npos) {
      *error = "OTEL_EXPORTER_OTLP_HEADERS: entry " + std::to_string(index) +
               " is not name=value (a header name, a percent-encoded value)";
      return false;
    }
    out->emplace_back(Lower(name), value);
  }
  return true;
}

bool BuildOtlpUpstream(const DestinationOptions& o, const Config& config, OtlpUpstream* up, std::string* error) {
  *up = OtlpUpstream{};
  Destination& d = up->destination;
  ResolveDebug(o, config, &d);
  const Setting base = FirstSet({o.endpoint, FromEnv(config, "OTEL_EXPORTER_OTLP_ENDPOINT")});
  auto signal = [&](const char* var, const char* name) {
    if (o.endpoint.set() || !config.env.Get(var)) return base.set() ? Setting{SignalUrl(base.value, name), base.source} : Setting{};
    return FromEnv(config, var);
  };
  up->logs_url = signal("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "logs");
  up->metrics_url = signal("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "metrics");
  up->traces_url = signal("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "traces");
  d.endpoint = FirstSet({base, up->logs_url, up->metrics_url, up->traces_url});
  if (!d.endpoint.set()) {
    *error = "no upstream: pass --upstream URL or set OTEL_EXPORTER_OTLP_ENDPOINT";
    return false;
  }
  std::vector<Header> headers = o.headers;
  if (const std::string* h = config.env.Get("OTEL_EXPORTER_OTLP_HEADERS")) {
    std::vector<Header> from_env;
    if (!ParseOtlpHeaders(*h, &from_env, error)) return false;
    for (auto& [k, v] : from_env) {
      bool given = false;
      for (const auto& [ok, ov] : o.headers) given = given || Lower(ok) == k;
      if (!given) headers.emplace_back(k, v);
    }
  }
  DestinationOptions eff = o;
  eff.headers = headers;
  if (const std::string* t = config.env.Get("OTEL_EXPORTER_OTLP_TIMEOUT"); t && o.deadline == std::chrono::milliseconds(1000)) {
    char* end = nullptr;
    const long ms = std::strtol(t->c_str(), &end, 10);
    if (end == t->c_str() || *end != '\0' || ms < 10 || ms > 60000) {
      *error = "OTEL_EXPORTER_OTLP_TIMEOUT must be 10..60000 (milliseconds)";
      return false;
    }
    eff.deadline = std::chrono::milliseconds(ms);
  }
  d.ca_file = FirstSet({o.ca_file, FromEnv(config, "OTEL_EXPORTER_OTLP_CERTIFICATE")});
  if (!ResolveApiKey(o, config, &d, error)) return false;
  ResolveSpool(o, config, &d);
  FillHttp(eff, &d);
  return true;
}

OpenedDestination::~OpenedDestination() {
  // The senders refer to the log, the transport and the spool: release them first.
  debug.reset();
  http.reset();
  transport.reset();
  file.reset();
  spool.reset();
  if (owns_debug_log && debug_log != nullptr) std::fclose(debug_log);
}

namespace {

// Fails every request at once, with no network, after `stop()` said so.
class StoppableTransport final : public sender::Transport {
 public:
  StoppableTransport(std::unique_ptr<sender::Transport> next, std::function<bool()> stop)
      : next_(std::move(next)), stop_(std::move(stop)) {}
  sender::TransportResponse Post(const sender::TransportRequest& request) noexcept override {
    if (!stop_()) return next_->Post(request);
    sender::TransportResponse r;
    r.error = sender::Failure::kNetwork;
    r.detail = "interrupted";
    return r;
  }
  std::uint64_t connections_opened() const override { return next_->connections_opened(); }

 private:
  std::unique_ptr<sender::Transport> next_;
  std::function<bool()> stop_;
};

bool MakeStoppableTransport(const Destination& d, OpenedDestination* o, std::string* error) {
  sender::CurlTransportOptions t;
  t.user_agent = d.http.user_agent;
  t.ca_file = d.http.ca_file;
  t.connect_timeout = d.http.connect_timeout;
  t.low_speed_limit = d.http.low_speed_limit;
  t.low_speed_time_s = d.http.low_speed_time_s;
  t.max_response_bytes = d.http.max_response_bytes;
  t.max_idle_handles = d.http.max_idle_handles;
  auto curl = sender::CurlTransport::Create(t, error);
  if (!curl) return false;
  o->transport = std::make_unique<StoppableTransport>(std::move(curl), d.stop);
  return true;
}

bool OpenTransport(const Destination& d, OpenedDestination* o, std::string* error) {
  if (d.kind == Destination::Kind::kLocalFile) {
    o->file = sender::FileSink::Open(d.local_file.value, error);
    o->target = o->file.get();
    return o->file != nullptr;
  }
  sender::HttpSenderOptions ho = d.http;
  if (d.spool_dir.set()) {
    o->spool = sender::Spool::Open(d.spool_dir.value, {}, error);
    if (!o->spool) return false;
    ho.spool = o->spool.get();
  }
  if (d.stop) {
    if (!MakeStoppableTransport(d, o, error)) return false;
    ho.transport = o->transport.get();
  }
  o->http = sender::HttpSender::Create(ho, error);
  o->target = o->http.get();
  return o->http != nullptr;
}

bool OpenDebugLog(const Destination& d, OpenedDestination* o, std::string* error) {
  if (!d.debug) return true;
  if (d.debug_log.set()) {
    const int fd = ::open(d.debug_log.value.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    o->debug_log = fd < 0 ? nullptr : ::fdopen(fd, "a");
    if (o->debug_log == nullptr) {
      *error = "cannot open the debug log " + d.debug_log.value + " (from " + d.debug_log.source +
               "): " + std::strerror(errno);
      if (fd >= 0) ::close(fd);
      return false;
    }
    o->owns_debug_log = true;
  } else {
    o->debug_log = stderr;
  }
  o->debug = std::make_unique<sender::DebugLogSender>(o->debug_log, o->target);
  o->target = o->debug.get();
  return true;
}

}  // namespace

std::unique_ptr<OpenedDestination> OpenDestination(const Destination& d, std::string* error) {
  auto o = std::make_unique<OpenedDestination>();
  if (!OpenTransport(d, o.get(), error) || !OpenDebugLog(d, o.get(), error)) return nullptr;
  return o;
}

}  // namespace telguard
