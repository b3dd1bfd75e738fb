// Real servers on 127.0.0.1 for the sender tests: an HTTP(S) server
// (cpp-httplib) that records requests and connections, and a raw TCP server
// for misbehaviour (never answering, trickling). Each binds a free port and
// stops in its destructor. No traffic leaves loopback.
#ifndef TELGUARD_TESTS_TEST_SERVER_H_
#define TELGUARD_TESTS_TEST_SERVER_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

namespace telguard::testing {

struct Recorded {
  std::string body;
  std::string api_key;
  std::string content_type, user_agent, expect;
  std::string path, tenant;  // the request path; the "x-tenant" header
  int status = 0;            // the status it was answered with
};

class HttpServer {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&, int n)>;

  explicit HttpServer(Handler h = nullptr, const std::string& cert = "", const std::string& key = "")
      : handler_(std::move(h)) {
    if (!cert.empty()) {
      server_ = std::make_unique<httplib::SSLServer>(cert.c_str(), key.c_str());
    } else {
      server_ = std::make_unique<httplib::Server>();
    }
    // No Nagle delay on the server's answers (headers and body are separate
    // writes; with Nagle and delayed ACKs each exchange would wait ~40 ms).
    server_->set_socket_options([](socket_t sock) {
      int one = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    });
    // A keep-alive connection holds a worker for its lifetime: enough workers
    // for the 16- and 32-thread tests.
    server_->new_task_queue = [] { return new httplib::ThreadPool(48); };
    server_->set_keep_alive_max_count(100000);
    server_->set_keep_alive_timeout(30);
    server_->Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      int n;
      {
        std::lock_guard<std::mutex> lock(mu_);
        ports_.insert(req.remote_port);
        requests_.push_back({req.body, req.get_header_value("x-api-key"), req.get_header_value("Content-Type"),
                             req.get_header_value("User-Agent"), req.get_header_value("Expect"), req.path,
                             req.get_header_value("x-tenant")});
        n = static_cast<int>(requests_.size());
      }
      res.status = 200;
      res.set_content("{}", "application/json");
      if (handler_) handler_(req, res, n);
      std::lock_guard<std::mutex> lock(mu_);
      requests_[static_cast<std::size_t>(n - 1)].status = res.status;
    });
    port_ = server_->bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~HttpServer() {
    server_->stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::string url(const std::string& scheme = "http") const {
    return scheme + "://127.0.0.1:" + std::to_string(port_) + "/v1/events";
  }
  std::size_t requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_.size();
  }
  std::size_t connections() {
    std::lock_guard<std::mutex> lock(mu_);
    return ports_.size();
  }
  std::vector<Recorded> recorded() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  // Bodies answered with a 2xx status: what was delivered.
  std::vector<std::string> delivered() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    for (const auto& r : requests_) {
      if (r.status >= 200 && r.status < 300) out.push_back(r.body);
    }
    return out;
  }

 private:
  Handler handler_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::set<int> ports_;
  std::vector<Recorded> requests_;
};

// Accepts connections and does what `on_connection` says with each socket.
class RawServer {
 public:
  explicit RawServer(std::function<void(int fd, const std::atomic<bool>& stop)> on_connection)
      : on_connection_(std::move(on_connection)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(fd_, 16);
    thread_ = std::thread([this] {
      for (;;) {
        const int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0 || stop_) {
          if (c >= 0) ::close(c);
          return;
        }
        workers_.emplace_back([this, c] {
          on_connection_(c, stop_);
          ::close(c);
        });
      }
    });
  }
  ~RawServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
    for (auto& w : workers_) w.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1/events"; }

 private:
  std::function<void(int, const std::atomic<bool>&)> on_connection_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::vector<std::thread> workers_;
};

// A port on 127.0.0.1 with nothing listening.
inline int ClosedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

}  // namespace telguard::testing

#endif  // TELGUARD_TESTS_TEST_SERVER_H_
