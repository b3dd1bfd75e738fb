// A telemetry receiver on 127.0.0.1 for process-level tests: writes its port
// to PORTFILE, appends each request body as a line to BODIESFILE, and exits
// on SIGTERM or after 300 s.
#include <csignal>
#include <cstdio>
#include <fstream>

#include "tests/test_server.h"

namespace {
volatile std::sig_atomic_t g_stop = 0;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: test_receiver PORTFILE BODIESFILE\n");
    return 2;
  }
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  std::mutex mu;
  const std::string bodies = argv[2];
  telguard::testing::HttpServer server([&](const httplib::Request& req, httplib::Response&, int) {
    std::lock_guard<std::mutex> lock(mu);
    std::ofstream(bodies, std::ios::app) << req.body << "\n";
  });
  {
    std::ofstream port(std::string(argv[1]) + ".tmp");
    port << server.port() << "\n";
  }
  std::rename((std::string(argv[1]) + ".tmp").c_str(), argv[1]);
  for (int i = 0; i < 3000 && !g_stop; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  return 0;
}
