// A small agent session recorded through telguard's C++ API and sent to
// $TELGUARD_ENDPOINT. Build against the installed package:
//   c++ -std=c++17 session.cc $(pkg-config --cflags --libs telguard) -o session
#include <telguard/client.h>

#include <cstdio>

using namespace std::chrono_literals;

int main() {
  telguard::ClientOptions o;
  o.app_name = "example-cpp-agent";
  o.app_version = "0.1.0";
  std::string error;
  telguard::Context ctx{telguard::Client::Create(o, &error), "cpp-session-1", "root"};
  if (!ctx.client && !error.empty()) {
    std::fprintf(stderr, "telguard: %s\n", error.c_str());
    return 1;
  }
  // With telemetry off FromContext(ctx) is null and these do nothing.
  telguard::TrackCommand(ctx, "run", {"./agent.yaml", "fix the flaky test", "--yolo"});
  telguard::RecordSessionStart(ctx);
  telguard::RecordToolCall(ctx, "shell", ctx.session_id, ctx.agent_name, 412ms);
  // A sub-agent: its own session, with a parent; nothing overwrites the root's totals.
  telguard::Context sub{ctx.client, "cpp-session-1-sub", "researcher"};
  telguard::RecordSessionStart(sub, ctx.session_id);
  telguard::RecordToolCall(sub, "web_search", sub.session_id, sub.agent_name, 830ms);
  telguard::RecordTokenUsage(sub, "claude-3-5-haiku", 2100, 300);
  telguard::RecordSessionEnd(sub);
  telguard::RecordTokenUsage(ctx, "gpt-4o", 5230, 812);
  telguard::RecordSessionEnd(ctx);
  if (telguard::Client* c = telguard::FromContext(ctx)) {
    const telguard::ClientStats s = c->stats();
    std::printf("delivered=%llu kept=%llu dropped=%llu rejected=%llu\n",
                static_cast<unsigned long long>(s.delivered), static_cast<unsigned long long>(s.kept),
                static_cast<unsigned long long>(s.dropped), static_cast<unsigned long long>(s.rejected));
  } else {
    std::printf("telemetry is off\n");
  }
  return 0;
}
