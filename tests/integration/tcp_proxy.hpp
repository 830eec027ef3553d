#pragma once
// A loopback TCP proxy for fault tests: forwards bytes between pgfleet and the scratch cluster,
// and cuts a connection (both sides) right after forwarding the client bytes that contain a
// marker, once. The server still runs what it received; the client sees a lost connection.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace pgfleet::test {

class TcpProxy {
 public:
  TcpProxy(const std::string& server_host, int server_port, std::string cut_after);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  int port() const { return port_; }
  // Connections cut so far (0 or 1).
  int cuts() const { return cuts_.load(); }

 private:
  void accept_loop();
  void forward(int client, int server);

  std::string server_host_;
  int server_port_;
  std::string cut_after_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> closing_{false};
  std::atomic<int> cuts_{0};
  std::thread acceptor_;
  std::vector<std::thread> pipes_;
};

// `dsn` (a URI from dsn_for) with its port replaced by `port`.
std::string dsn_through(const std::string& dsn, const std::string& from_port, int port);

}  // namespace pgfleet::test
