#include "tests/testing/raw_connection.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace registry::testing {
namespace {

bool Readable(int fd, absl::Duration timeout) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(timeout))) > 0;
}

// Length of the first whole response in `text` (head plus Content-Length
// body), or 0 while incomplete.
size_t ResponseLength(absl::string_view text) {
  size_t end = text.find("\r\n\r\n");
  if (end == absl::string_view::npos) return 0;
  absl::string_view head = text.substr(0, end);
  int64_t length = 0;
  for (absl::string_view line : absl::StrSplit(head, "\r\n")) {
    size_t colon = line.find(':');
    if (colon != absl::string_view::npos &&
        absl::EqualsIgnoreCase(line.substr(0, colon), "Content-Length")) {
      absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(colon + 1)),
                       &length);
    }
  }
  // A response to HEAD has no body; tests using HEAD read heads only.
  size_t total = end + 4 + static_cast<size_t>(length);
  return text.size() >= total ? total : 0;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RawConnection>> RawConnection::Open(
    int port, const std::string& source) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::UnavailableError("socket failed");
  if (!source.empty()) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    inet_pton(AF_INET, source.c_str(), &local.sin_addr);
    if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) {
      close(fd);
      return absl::UnavailableError("bind to the source address failed");
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return absl::UnavailableError(absl::StrCat("connect failed: ", errno));
  }
  return std::unique_ptr<RawConnection>(new RawConnection(fd));
}

RawConnection::~RawConnection() { close(fd_); }

bool RawConnection::Send(absl::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string RawConnection::ReadResponse(absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (ResponseLength(pending_) == 0) {
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration() || !Readable(fd_, left)) break;
    char buf[16 << 10];
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) break;
    pending_.append(buf, static_cast<size_t>(n));
  }
  size_t length = ResponseLength(pending_);
  if (length == 0) length = pending_.size();
  std::string response = pending_.substr(0, length);
  pending_.erase(0, length);
  return response;
}

bool RawConnection::WaitClosed(absl::Duration timeout, std::string* received) {
  absl::Time deadline = absl::Now() + timeout;
  if (received != nullptr) received->append(pending_);
  pending_.clear();
  while (true) {
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration() || !Readable(fd_, left)) return false;
    char buf[16 << 10];
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) return true;
    if (received != nullptr) received->append(buf, static_cast<size_t>(n));
  }
}

bool RawConnection::PeerClosed() {
  char buf[4096];
  while (true) {
    ssize_t n = recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
    if (n == 0) return true;
    if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
  }
}

void RawConnection::ShutdownWrite() { shutdown(fd_, SHUT_WR); }

int StatusOf(absl::string_view text) {
  int status = 0;
  if (!absl::StartsWith(text, "HTTP/1.1 ") || text.size() < 12) return 0;
  absl::SimpleAtoi(text.substr(9, 3), &status);
  return status;
}

Prober::Prober(int port) : port_(port), thread_([this] { Run(); }) {}

Prober::~Prober() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

Prober::Result Prober::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  absl::MutexLock lock(&mu_);
  return result_;
}

void Prober::Run() {
  do {  // At least one probe, however soon Stop() comes.
    absl::Time start = absl::Now();
    bool ok = false;
    absl::StatusOr<std::unique_ptr<RawConnection>> c =
        RawConnection::Open(port_, "127.0.0.2");
    if (c.ok() && (*c)->Send("GET /v2/ HTTP/1.1\r\nHost: probe\r\n\r\n")) {
      ok = StatusOf((*c)->ReadResponse(absl::Seconds(5))) == 200;
    }
    absl::Duration took = absl::Now() - start;
    {
      absl::MutexLock lock(&mu_);
      ++result_.probes;
      if (!ok) ++result_.failed;
      result_.slowest = std::max(result_.slowest, took);
    }
    absl::SleepFor(absl::Milliseconds(50));  // The probes' pace.
  } while (!stop_);
}

int OpenDescriptors(int pid) {
  DIR* dir = opendir(absl::StrCat("/proc/", pid, "/fd").c_str());
  if (dir == nullptr) return -1;
  int count = 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count;
}

int64_t ResidentBytes(int pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (absl::StartsWith(line, "VmRSS:")) {
      int64_t kib = 0;
      absl::SimpleAtoi(absl::StripAsciiWhitespace(absl::StripSuffix(
                           absl::StripPrefix(line, "VmRSS:"), "kB")),
                       &kib);
      return kib * 1024;
    }
  }
  return -1;
}

}  // namespace registry::testing
