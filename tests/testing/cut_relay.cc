#include "tests/testing/cut_relay.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

namespace registry::testing {
namespace {

int ConnectLoopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 &&
      connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

absl::StatusOr<std::unique_ptr<CutRelay>> CutRelay::Start(int target_port,
                                                          int64_t limit) {
  std::unique_ptr<CutRelay> relay(new CutRelay());
  relay->target_port_ = target_port;
  relay->limit_ = limit;
  relay->listener_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (relay->listener_ < 0 ||
      bind(relay->listener_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      listen(relay->listener_, 64) != 0 ||
      getsockname(relay->listener_, reinterpret_cast<sockaddr*>(&addr), &len) !=
          0) {
    return absl::UnavailableError("cut relay: cannot listen");
  }
  relay->port_ = ntohs(addr.sin_port);
  relay->acceptor_ = std::thread([r = relay.get()] { r->Accept(); });
  return relay;
}

CutRelay::~CutRelay() {
  stopping_ = true;
  shutdown(listener_, SHUT_RDWR);
  acceptor_.join();
  close(listener_);
  absl::MutexLock lock(&mu_);
  for (std::thread& relay : relays_) relay.join();
}

void CutRelay::Accept() {
  while (!stopping_) {
    int client = accept(listener_, nullptr, nullptr);
    if (client < 0) return;
    absl::MutexLock lock(&mu_);
    relays_.emplace_back([this, client] { Relay(client); });
  }
}

void CutRelay::Relay(int client) {
  int upstream = ConnectLoopback(target_port_);
  int64_t sent_back = 0;
  char buf[64 << 10];
  while (upstream >= 0 && !stopping_) {
    pollfd fds[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
    if (poll(fds, 2, 100) < 0) break;
    if (fds[0].revents != 0) {
      ssize_t n = read(client, buf, sizeof(buf));
      if (n <= 0 || send(upstream, buf, n, MSG_NOSIGNAL) != n) break;
    }
    if (fds[1].revents != 0) {
      ssize_t n = read(upstream, buf, sizeof(buf));
      if (n <= 0) break;
      ssize_t pass =
          static_cast<ssize_t>(std::min<int64_t>(n, limit_ - sent_back));
      if (send(client, buf, pass, MSG_NOSIGNAL) != pass) break;
      sent_back += pass;
      if (sent_back >= limit_) {
        ++cuts_;
        break;
      }
    }
  }
  if (upstream >= 0) close(upstream);
  close(client);
}

}  // namespace registry::testing
