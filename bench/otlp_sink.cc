// Helpers for bench/gateway_http_bench.sh: `otlp_sink PORTFILE` is an OTLP
// upstream on 127.0.0.1 that answers 200 to every POST (and exits on
// SIGTERM); `otlp_sink --write-batches DIR` writes the 512-record batch as
// DIR/batch.json and DIR/batch.pb.
#include <httplib.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include "bench/otlp_batch.h"
#include "gateway/otlp_codec.h"

namespace {
volatile std::sig_atomic_t g_stop = 0;
}

int main(int argc, char** argv) {
  using namespace telguard::gateway;
  if (argc == 3 && std::string(argv[1]) == "--write-batches") {
    const std::string json = telguard::bench::ClaudeLogsBatch512();
    DecodeResult d = Decode(Signal::kLogs, WireFormat::kJson, json, {});
    std::ofstream(std::string(argv[2]) + "/batch.json", std::ios::binary) << json;
    std::ofstream(std::string(argv[2]) + "/batch.pb", std::ios::binary) << Encode(*d.message, WireFormat::kProtobuf);
    return 0;
  }
  if (argc != 2) {
    std::fprintf(stderr, "usage: otlp_sink PORTFILE | otlp_sink --write-batches DIR\n");
    return 2;
  }
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  httplib::Server server;
  server.new_task_queue = [] { return new httplib::ThreadPool(8); };
  server.set_tcp_nodelay(true);
  server.Post(".*", [](const httplib::Request&, httplib::Response& res) { res.set_content("{}", "application/json"); });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread t([&] { server.listen_after_bind(); });
  std::ofstream(argv[1]) << port << "\n";
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  server.stop();
  t.join();
  return 0;
}
