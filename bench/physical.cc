#include "bench/physical.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/sha256.h"

namespace registry::bench {
namespace {

constexpr size_t kBuffer = 1 << 20;
constexpr int64_t kBytes = int64_t{1} << 30;

double Rate(int64_t bytes, absl::Time start) {
  return bytes / absl::ToDoubleSeconds(absl::Now() - start) / 1e6;
}

double Sha256Rate() {
  std::string buf(kBuffer, 'x');
  Sha256Hasher hasher;
  absl::Time start = absl::Now();
  for (int64_t done = 0; done < kBytes; done += kBuffer) hasher.Update(buf);
  hasher.Finish();
  return Rate(kBytes, start);
}

double LoopbackRate() {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(listener, 1) != 0 ||
      getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(listener);
    return 0;
  }
  std::thread reader([listener] {
    int fd = accept(listener, nullptr, nullptr);
    std::string buf(kBuffer, '\0');
    while (read(fd, buf.data(), buf.size()) > 0) {
    }
    close(fd);
  });
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  std::string buf(kBuffer, 'x');
  absl::Time start = absl::Now();
  int64_t sent = 0;
  while (sent < 4 * kBytes) {
    ssize_t n = write(fd, buf.data(), buf.size());
    if (n <= 0) break;
    sent += n;
  }
  close(fd);
  reader.join();
  close(listener);
  return Rate(sent, start);
}

double DiskRate(const std::string& dir) {
  std::string path = absl::StrCat(dir, "/.regbench-disk-probe");
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return 0;
  std::string buf(kBuffer, 'x');
  absl::Time start = absl::Now();
  int64_t written = 0;
  while (written < kBytes) {
    ssize_t n = write(fd, buf.data(), buf.size());
    if (n <= 0) break;
    written += n;
  }
  fdatasync(fd);
  double rate = Rate(written, start);
  close(fd);
  unlink(path.c_str());
  return rate;
}

}  // namespace

std::vector<Limit> MeasureLimits(const std::string& disk_dir) {
  return {
      {"SHA-256, one core (OpenSSL)", Sha256Rate()},
      {"TCP copy over loopback", LoopbackRate()},
      {"disk: 1 GiB write + fdatasync", DiskRate(disk_dir)},
  };
}

}  // namespace registry::bench
