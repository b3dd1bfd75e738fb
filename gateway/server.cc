#include "gateway/server.h"

#include <httplib.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <thread>

#include "client/local_files.h"
#include "gateway/egress.h"
#include "gateway/otlp_filter.h"
#include "gateway/profile.h"
#include "gateway/value_policy.h"
#include "pipeline/pipeline.h"
#include "redaction/pseudonym.h"
#include "report/audit_report.h"

namespace telguard::gateway {
namespace {

struct HostPort {
  std::string host;
  int port = -1;
};

bool ParseListen(const std::string& s, HostPort* out) {
  std::string host, port;
  if (!s.empty() && s[0] == '[') {
    const auto close = s.find(']');
    if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':') return false;
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
  } else {
    const auto colon = s.rfind(':');
    if (colon == std::string::npos) return false;
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
  }
  if (host.empty() || port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  out->host = host;
  out->port = std::stoi(port);
  return out->port <= 65535;
}

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// Equal in time that depends only on the lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  return diff == 0;
}

std::string MediaType(const std::string& content_type) {
  std::string t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.pop_back();
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.erase(t.begin());
  for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return t;
}

// google.rpc.Status {code, message} in the request's encoding.
std::string StatusBody(WireFormat f, int code, const std::string& message) {
  if (f == WireFormat::kJson) {
    nlohmann::json j = {{"code", code}, {"message", message}};
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  std::string out;
  out.push_back(0x08);
  out.push_back(static_cast<char>(code));
  out.push_back(0x12);
  std::size_t n = message.size();
  while (n >= 0x80) {
    out.push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  out.push_back(static_cast<char>(n));
  out += message;
  return out;
}

// Whether `url` (scheme://host[:port]/...) names the listen address.
bool PointsAt(const std::string& url, const HostPort& listen) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return false;
  std::string authority = url.substr(scheme + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  authority = authority.substr(authority.find('@') == std::string::npos ? 0 : authority.find('@') + 1);
  HostPort up;
  if (!ParseListen(authority, &up)) {
    up.host = authority;
    up.port = url.compare(0, 5, "https") == 0 ? 443 : 80;
  }
  if (up.port != listen.port) return false;
  auto any_loopback = [](const std::string& h) { return IsLoopback(h) || h == "0.0.0.0" || h == "::"; };
  return up.host == listen.host || (IsLoopback(up.host) && any_loopback(listen.host));
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  return s;
}

}  // namespace

// One app's consent (decided at start) and, from its first request on, its
// keyed values policy.
struct AppState {
  std::string name;
  bool forward = true;
  std::once_flag once;
  std::unique_ptr<redaction::Pseudonymizer> keyed;
  std::unique_ptr<ValuePolicy> values;
};

struct Gateway::Impl {
  GatewayOptions o;
  HostPort listen;
  std::string token;
  std::unique_ptr<ProfileSet> profiles;
  const Profile* forced = nullptr;
  std::map<std::string, std::unique_ptr<AppState>, std::less<>> apps;  // by app name
  std::unique_ptr<Pipeline> pipeline;  // docker-agent's events; keyed at the first one
  std::once_flag pipeline_once;
  std::unique_ptr<Egress> egress;
  std::FILE* audit = nullptr;
  bool own_audit = false;
  std::mutex audit_mu;
  std::atomic<std::uint64_t> requests{0};
  mutable std::mutex stats_mu;  // stats and report
  GatewayStats stats;
  std::unique_ptr<report::AuditReport> report;
  std::mutex reporter_mu;
  std::condition_variable reporter_cv;
  bool reporter_stop = false;
  std::thread reporter;
  httplib::Server server;
  int port = 0;

  ~Impl() {
    if (own_audit && audit) std::fclose(audit);
  }

  const std::string& AppName(const Profile& p) const { return o.app.empty() ? p.name : o.app; }

  AppPolicy For(const Profile& p) {
    AppState& a = *apps.find(AppName(p))->second;
    std::call_once(a.once, [&] {
      const std::string key = a.forward && o.pseudonym_key ? o.pseudonym_key(a.name) : "";
      a.keyed = std::make_unique<redaction::Pseudonymizer>(key);
      a.values = std::make_unique<ValuePolicy>(redaction::Scrubber::Default(), *a.keyed, o.free_text);
    });
    return {a.values.get(), a.forward};
  }

  // docker-agent's app: its consent and, for the events pipeline, its key.
  AppState& EventsApp() {
    const Profile* p = profiles->Find("docker-agent");
    return *apps.find(AppName(p ? *p : profiles->generic()))->second;
  }

  Pipeline& EventsPipeline() {
    std::call_once(pipeline_once, [&] {
      AppState& a = EventsApp();
      if (!a.forward || !o.pseudonym_key) return;
      PipelineOptions po;
      po.pseudonym_key = o.pseudonym_key(a.name);
      std::string error;
      if (po.pseudonym_key.empty()) return;
      if (auto keyed = Pipeline::Create(po, &error)) pipeline = std::move(keyed);
    });
    return *pipeline;
  }

  void Count(const AuditRecord& r) {
    ++stats.records;
    switch (r.verdict) {
      case Verdict::kSent: ++stats.sent; break;
      case Verdict::kRejected: ++stats.rejected; break;
      case Verdict::kDropped: ++stats.dropped; break;
    }
    if (!r.delivery.empty()) ++stats.deliveries[r.delivery];
    for (const auto& p : r.stripped) ++stats.removed_fields[p];
    for (const auto& x : r.redactions) stats.redactions[x.rule] += x.count;
    if (report) {
      using namespace std::chrono;
      report->Add(r, duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
    }
  }

  bool WriteReport(std::string* error) const {
    if (o.report_path.empty()) return true;
    report::HtmlOptions h;
    h.title = "telguard gateway report";
    h.source = "telguard gateway, rewritten every " + std::to_string(o.report_interval.count()) + " ms";
    std::string html;
    {
      std::lock_guard<std::mutex> lock(stats_mu);
      html = report->Html(h);
    }
    return WriteFileAtomic(o.report_path, html, error);
  }

  void ReportLoop() {
    std::unique_lock<std::mutex> lock(reporter_mu);
    while (!reporter_cv.wait_for(lock, o.report_interval, [&] { return reporter_stop; })) {
      lock.unlock();
      std::string error;
      if (!WriteReport(&error)) Log("--report: " + error);
      lock.lock();
    }
  }

  void StopReporter() {
    if (!reporter.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(reporter_mu);
      reporter_stop = true;
    }
    reporter_cv.notify_all();
    reporter.join();
    std::string error;
    if (!WriteReport(&error)) Log("--report: " + error);
  }

  void Log(const std::string& line) {
    if (o.log) {
      std::fprintf(o.log, "telguard gateway: %s\n", line.c_str());
      std::fflush(o.log);
    }
  }

  // Sets the delivery of sent records that have none, counts every record
  // (stats, report) and appends them to the audit file.
  void WriteAudit(std::vector<AuditRecord>& records, const std::string& delivery) {
    {
      std::lock_guard<std::mutex> lock(stats_mu);
      for (auto& r : records) {
        if (r.verdict == Verdict::kSent && r.delivery.empty()) r.delivery = delivery;
        Count(r);
      }
    }
    if (!audit) return;
    std::string out;
    for (auto& r : records) {
      out += r.ToJsonLine();
      out += '\n';
    }
    std::lock_guard<std::mutex> lock(audit_mu);
    std::fwrite(out.data(), 1, out.size(), audit);
    std::fflush(audit);
  }

  bool Authorized(const httplib::Request& req) const {
    if (token.empty()) return true;
    const std::string h = req.get_header_value("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (h.size() <= kBearer.size() || h.compare(0, kBearer.size(), kBearer) != 0) return false;
    return ConstantTimeEquals(std::string_view(h).substr(kBearer.size()), token);
  }

  // Reads the body, decompressed by the HTTP library's zlib inflater in
  // 16 KiB steps; stops as soon as the total passes the cap.
  int ReadBody(const httplib::Request& req, const httplib::ContentReader& reader, std::string* body) const {
    bool too_big = false;
    const bool ok = reader([&](const char* data, std::size_t n) {
      if (body->size() + n > o.max_body_bytes) {
        too_big = true;
        return false;
      }
      body->append(data, n);
      return true;
    });
    if (too_big) return 413;
    // A declared length past the cap: the HTTP library read and discarded
    // the body (its payload limit is the same cap), so the client can read
    // the answer.
    if (!ok && req.has_header("Content-Length")) {
      const std::string n = req.get_header_value("Content-Length");
      if (n.size() > 12 || std::strtoull(n.c_str(), nullptr, 10) > static_cast<unsigned long long>(o.max_body_bytes)) {
        return 413;
      }
    }
    return ok ? 200 : 400;
  }

  // Checks that apply to every POST; returns 0 or the status already set.
  int Admit(const httplib::Request& req, httplib::Response& res, bool json_only, WireFormat* format) const {
    if (!Authorized(req)) {
      res.status = 401;
      res.set_header("WWW-Authenticate", "Bearer");
      res.set_content("missing or wrong bearer token\n", "text/plain");
      return 401;
    }
    const std::string media = MediaType(req.get_header_value("Content-Type"));
    if (media == "application/json") {
      *format = WireFormat::kJson;
    } else if (media == "application/x-protobuf" && !json_only) {
      *format = WireFormat::kProtobuf;
    } else {
      res.status = 415;
      res.set_content(json_only ? "Content-Type must be application/json\n"
                                : "Content-Type must be application/json or application/x-protobuf\n",
                      "text/plain");
      return 415;
    }
    const std::string enc = MediaType(req.get_header_value("Content-Encoding"));
    if (!enc.empty() && enc != "gzip" && enc != "identity") {
      res.status = 415;
      res.set_content("Content-Encoding must be gzip or identity\n", "text/plain");
      return 415;
    }
    return 0;
  }

  void Error(httplib::Response& res, WireFormat f, int status, const std::string& message) const {
    res.status = status;
    res.set_content(StatusBody(f, status == 400 ? 3 : 8, message), std::string(ContentType(f)));
  }

  void HandleOtlp(Signal s, const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
    WireFormat f = WireFormat::kJson;
    if (Admit(req, res, false, &f) != 0) return;
    std::string body;
    const int read = ReadBody(req, reader, &body);
    if (read == 413) return Error(res, f, 413, "body larger than " + std::to_string(o.max_body_bytes) + " bytes");
    if (read != 200) return Error(res, f, 400, "body could not be read or decompressed");
    DecodeResult d = Decode(s, f, body, o.limits);
    if (!d.ok) return Error(res, f, 400, d.error);
    const std::uint64_t n = ++requests;
    FilterOptions fo;
    fo.profiles = profiles.get();
    fo.forced = forced;
    fo.app = [this](const Profile& p) { return For(p); };
    FilterResult r = FilterRequest(s, *d.message, fo, n);
    std::int64_t rejected = r.items_rejected;
    std::string message;
    std::string delivery = "none";
    if (r.items_kept > 0 && !o.forward) {
      delivery = "consent-off";
    } else if (r.items_kept > 0) {
      const std::string bytes = Encode(*r.request, f);
      ForwardResult fr = egress->Forward(DestinationFor(s), ContentType(f), bytes);
      delivery = sender::DeliveryName(fr.delivery);
      if (fr.delivery == sender::Delivery::kDropped) {
        rejected += r.items_kept;
        message = "not forwarded: " + fr.reason;
        Log(std::string(SignalName(s)) + " request not forwarded: " + fr.reason);
      }
    }
    if (r.items_rejected > 0 && message.empty()) {
      message = std::to_string(r.items_rejected) + " items have names the privacy profile does not declare; dropped";
    }
    WriteAudit(r.audit, delivery);
    res.status = 200;
    res.set_content(EncodeResponse(s, f, rejected, message), std::string(ContentType(f)));
  }

  void HandleEvents(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
    WireFormat f = WireFormat::kJson;
    if (Admit(req, res, true, &f) != 0) return;
    std::string body;
    const int read = ReadBody(req, reader, &body);
    if (read == 413) return Error(res, f, 413, "body larger than " + std::to_string(o.max_body_bytes) + " bytes");
    if (read != 200) return Error(res, f, 400, "body could not be read or decompressed");
    const std::uint64_t n = ++requests;
    const bool forward = EventsApp().forward;
    LineOutcome out = EventsPipeline().ProcessLine(body, n);
    std::size_t accepted = 0, refused = 0;
    std::vector<AuditRecord> audit_records;
    for (auto& ev : out.events) {
      if (ev.audit.verdict == Verdict::kSent) {
        if (!forward) {
          ev.audit.delivery = "consent-off";
        } else {
          ForwardResult fr = egress->Forward(Destination::kEvents, "application/json", ev.body);
          ev.audit.delivery = sender::DeliveryName(fr.delivery);
        }
        ++accepted;
      } else {
        ++refused;
      }
      audit_records.push_back(std::move(ev.audit));
    }
    WriteAudit(audit_records, "");
    if (accepted == 0 && refused > 0 && out.events.size() == 1 && out.events[0].audit.record < 0 &&
        out.events[0].audit.verdict == Verdict::kRejected) {
      return Error(res, f, 400, out.events[0].error.empty() ? "not a telemetry event" : out.events[0].error);
    }
    nlohmann::json j = {{"accepted", accepted}, {"rejected", refused}};
    res.status = 200;
    res.set_content(j.dump(), "application/json");
  }

  void Routes() {
    const std::pair<const char*, Signal> routes[] = {
        {"/v1/logs", Signal::kLogs}, {"/v1/metrics", Signal::kMetrics}, {"/v1/traces", Signal::kTraces}};
    for (const auto& [path, sig] : routes) {
      const Signal s = sig;
      server.Post(path, [this, s](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& r) {
        HandleOtlp(s, req, res, r);
      });
    }
    server.Post("/events/v1/track",
                [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& r) {
                  HandleEvents(req, res, r);
                });
    auto not_allowed = [](const httplib::Request&, httplib::Response& res) {
      res.status = 405;
      res.set_header("Allow", "POST");
      res.set_content("only POST\n", "text/plain");
    };
    const char* pattern = R"(/(v1/(logs|metrics|traces)|events/v1/track))";
    server.Get(pattern, not_allowed);
    server.Put(pattern, not_allowed);
    server.Delete(pattern, not_allowed);
    server.Patch(pattern, not_allowed);
    server.Options(pattern, not_allowed);
  }
};

Gateway::Gateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Gateway::~Gateway() {
  impl_->StopReporter();
  if (impl_->egress) impl_->egress->Shutdown();
}

namespace {

bool CheckOptions(Gateway::Impl& g, std::string* error) {
  const GatewayOptions& o = g.o;
  if (!ParseListen(o.listen, &g.listen)) {
    *error = "--listen must be ADDR:PORT";
    return false;
  }
  if (!o.auth_token_file.empty()) {
    std::ifstream in(o.auth_token_file);
    std::string line;
    if (!in || !std::getline(in, line) || Trim(line).empty()) {
      *error = "--auth-token-file: cannot read a token from the file";
      return false;
    }
    g.token = Trim(line);
  }
  if (!IsLoopback(g.listen.host) && g.token.empty()) {
    *error = "listening on a non-loopback address needs --auth-token-file";
    return false;
  }
  for (const std::string* url : {&o.logs_url, &o.metrics_url, &o.traces_url, &o.events_url}) {
    if (url->empty()) {
      *error = "no upstream: give --upstream URL or set OTEL_EXPORTER_OTLP_ENDPOINT";
      return false;
    }
    if (PointsAt(*url, g.listen)) {
      *error = "the upstream is the gateway's own --listen address (OTEL_EXPORTER_OTLP_ENDPOINT points here?)";
      return false;
    }
  }
  if (!o.free_text.empty() && o.free_text != "class" && o.free_text != "template" && o.free_text != "scrub") {
    *error = "--free-text must be class, template or scrub";
    return false;
  }
  return true;
}

bool LoadPolicy(Gateway::Impl& g, std::string* error) {
  g.profiles = ProfileSet::LoadEmbedded(error);
  if (!g.profiles) return false;
  if (!g.o.profile.empty()) {
    g.forced = g.profiles->Find(g.o.profile);
    if (!g.forced) {
      *error = "--profile: no such profile (see telguard inventory --profile)";
      return false;
    }
  }
  // Each profile's app: its consent now; its key at its first request.
  for (const auto& p : g.profiles->all()) {
    const std::string& name = g.AppName(*p);
    if (g.apps.count(name)) continue;
    auto a = std::make_unique<AppState>();
    a->name = name;
    a->forward = g.o.forward && (!g.o.app_forward || g.o.app_forward(name));
    g.apps.emplace(name, std::move(a));
  }
  g.pipeline = Pipeline::Create({}, error);
  return g.pipeline != nullptr;
}

bool StartReport(Gateway::Impl& g, std::string* error) {
  if (g.o.report_path.empty()) return true;
  g.report = std::make_unique<report::AuditReport>();
  std::string why;
  if (!g.WriteReport(&why)) {
    *error = "--report: " + why;
    return false;
  }
  g.reporter = std::thread([&g] { g.ReportLoop(); });
  return true;
}

// "claude-code, codex" for the apps whose consent is off.
std::string AppsOff(const Gateway::Impl& g) {
  std::string off;
  for (const auto& [name, a] : g.apps) {
    if (!a->forward) off += (off.empty() ? "" : ", ") + name;
  }
  return off;
}

bool OpenAudit(Gateway::Impl& g, std::string* error) {
  if (g.o.audit_path.empty()) return true;
  if (g.o.audit_path == "-") {
    g.audit = stdout;
    return true;
  }
  g.audit = std::fopen(g.o.audit_path.c_str(), "a");
  if (!g.audit) {
    *error = "--audit: cannot open the file for appending";
    return false;
  }
  g.own_audit = true;
  return true;
}

}  // namespace

std::unique_ptr<Gateway> Gateway::Create(const GatewayOptions& options, std::string* error) {
  auto impl = std::make_unique<Impl>();
  impl->o = options;
  if (!CheckOptions(*impl, error) || !LoadPolicy(*impl, error) || !OpenAudit(*impl, error) ||
      !StartReport(*impl, error)) {
    impl->StopReporter();
    return nullptr;
  }
  impl->egress = Egress::Create(impl->o, redaction::Scrubber::Default(), error);
  if (!impl->egress) {
    *error = "--upstream: " + *error;
    return nullptr;
  }
  httplib::Server& s = impl->server;
  const int threads = std::max(1, options.threads);
  s.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  s.set_payload_max_length(options.max_body_bytes);
  // Answers go out at once (no Nagle delay behind the client's delayed ACK).
  s.set_tcp_nodelay(true);
  s.set_read_timeout(options.read_timeout_s, 0);
  s.set_write_timeout(options.read_timeout_s, 0);
  s.set_keep_alive_timeout(options.keep_alive_timeout_s);
  s.set_keep_alive_max_count(1000);
  impl->Routes();
  if (impl->listen.port == 0) {
    impl->port = s.bind_to_any_port(impl->listen.host);
  } else {
    impl->port = s.bind_to_port(impl->listen.host, impl->listen.port) ? impl->listen.port : -1;
  }
  if (impl->port <= 0) {
    *error = "cannot listen on the --listen address (in use, or not an address of this machine)";
    return nullptr;
  }
  return std::unique_ptr<Gateway>(new Gateway(std::move(impl)));
}

int Gateway::port() const { return impl_->port; }
GatewayStats Gateway::stats() const {
  std::lock_guard<std::mutex> lock(impl_->stats_mu);
  GatewayStats s = impl_->stats;
  s.requests = impl_->requests.load();
  return s;
}
bool Gateway::WriteReport(std::string* error) const { return impl_->WriteReport(error); }
std::string Gateway::AppsOff() const { return gateway::AppsOff(*impl_); }
const std::string& Gateway::host() const { return impl_->listen.host; }
bool Gateway::Run() { return impl_->server.listen_after_bind(); }
void Gateway::Stop() { impl_->server.stop(); }

int RunGateway(const GatewayOptions& options, GatewayStats* stats) {
  // Signals are taken by one thread with sigwait; every other thread (the
  // workers, the replay thread) is created with them blocked.
  // Two malloc arenas instead of one per worker thread: the idle footprint
  // stays small after a burst (each arena keeps what it once held).
  mallopt(M_ARENA_MAX, 2);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::FILE* log = options.log;
  std::string error;
  auto g = Gateway::Create(options, &error);
  if (!g) {
    if (log) std::fprintf(log, "telguard gateway: error: %s\n", error.c_str());
    return 1;
  }
  if (log) {
    const std::string off = g->AppsOff();
    const std::string consent = !options.forward ? "; telemetry is off: nothing is forwarded"
                                : off.empty()    ? ""
                                                 : "; telemetry is off for " + off + ": their records are not forwarded";
    std::fprintf(log, "telguard gateway: listening on %s:%d (profiles: %s; app: %s)%s\n", g->host().c_str(), g->port(),
                 options.profile.empty() ? "per request" : options.profile.c_str(),
                 options.app.empty() ? "the profile's name" : options.app.c_str(), consent.c_str());
    std::fflush(log);
  }
  std::atomic<bool> stopped{false};
  std::thread watcher([&] {
    int sig = 0;
    sigwait(&set, &sig);
    if (!stopped.exchange(true)) g->Stop();
  });
  const bool ok = g->Run();
  if (!stopped.exchange(true)) {
    // Run ended on its own (an error): wake the watcher.
    pthread_kill(watcher.native_handle(), SIGTERM);
  }
  watcher.join();
  if (stats) *stats = g->stats();
  g.reset();  // writes the last report, finishes the replay thread
  if (log) {
    std::fprintf(log, ok ? "telguard gateway: stopped\n" : "telguard gateway: error: the server stopped unexpectedly\n");
    std::fflush(log);
  }
  return ok ? 0 : 1;
}

}  // namespace telguard::gateway
