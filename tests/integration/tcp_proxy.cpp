#include "tcp_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace pgfleet::test {

TcpProxy::TcpProxy(const std::string& server_host, int server_port, std::string cut_after)
    : server_host_(server_host), server_port_(server_port), cut_after_(std::move(cut_after)) {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::listen(listener_, 16) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("tcp proxy: cannot listen on loopback");
  }
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

TcpProxy::~TcpProxy() {
  closing_ = true;
  ::shutdown(listener_, SHUT_RDWR);
  ::close(listener_);
  acceptor_.join();
  for (auto& pipe : pipes_) pipe.join();
}

void TcpProxy::accept_loop() {
  while (!closing_) {
    pollfd p{listener_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const int client = ::accept(listener_, nullptr, nullptr);
    if (client < 0) continue;
    const int server = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(server_port_));
    ::inet_pton(AF_INET, server_host_.c_str(), &addr.sin_addr);
    if (::connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(server);
      ::close(client);
      continue;
    }
    pipes_.emplace_back([this, client, server] { forward(client, server); });
  }
}

void TcpProxy::forward(int client, int server) {
  char buffer[65536];
  while (!closing_) {
    pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
    if (::poll(fds, 2, 100) <= 0) continue;
    bool cut = false, closed = false;
    for (int i = 0; i < 2 && !closed; ++i) {
      if (fds[i].revents == 0) continue;
      const ssize_t n = ::recv(fds[i].fd, buffer, sizeof buffer, 0);
      if (n <= 0 || ::send(fds[1 - i].fd, buffer, static_cast<size_t>(n), MSG_NOSIGNAL) != n) {
        closed = true;
      } else if (i == 0 && std::string(buffer, static_cast<size_t>(n)).find(cut_after_) !=
                               std::string::npos) {
        int none = 0;
        cut = cuts_.compare_exchange_strong(none, 1);
      }
    }
    if (cut || closed) break;
  }
  ::close(client);
  ::close(server);
}

std::string dsn_through(const std::string& dsn, const std::string& from_port, int port) {
  const std::string from = ":" + from_port + "/";
  const std::size_t at = dsn.find(from);
  if (at == std::string::npos) throw std::runtime_error("tcp proxy: no port in the DSN");
  return dsn.substr(0, at) + ":" + std::to_string(port) + "/" + dsn.substr(at + from.size());
}

}  // namespace pgfleet::test
