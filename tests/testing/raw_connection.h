// TCP connections to a loopback port driven byte by byte, as a hostile
// client (or a careful test) drives them, and a prober that measures how
// fast a well-behaved client is served meanwhile.
#ifndef REGISTRY_TESTS_TESTING_RAW_CONNECTION_H_
#define REGISTRY_TESTS_TESTING_RAW_CONNECTION_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace registry::testing {

class RawConnection {
 public:
  // Connects to 127.0.0.1:`port` from `source` (another loopback address,
  // e.g. "127.0.0.2", to be a different client; "" for the default).
  static absl::StatusOr<std::unique_ptr<RawConnection>> Open(
      int port, const std::string& source = "");
  ~RawConnection();

  // Sends all of `bytes`; false once the server closed or reset.
  bool Send(absl::string_view bytes);
  // Reads until one whole response (head and Content-Length body) has
  // arrived, the server closes, or `timeout`; returns what arrived.
  std::string ReadResponse(absl::Duration timeout);
  // Reads until the server closes (true) or `timeout` (false); what
  // arrived is appended to `received` when given.
  bool WaitClosed(absl::Duration timeout, std::string* received = nullptr);
  // Whether the server has closed or reset, without waiting.
  bool PeerClosed();
  void ShutdownWrite();
  int fd() const { return fd_; }

 private:
  explicit RawConnection(int fd) : fd_(fd) {}
  int fd_;
  std::string pending_;  // Read past the last response.
};

// The status code of the response at the start of `text`, or 0.
int StatusOf(absl::string_view text);

// Sends GET /v2/ on a new connection from 127.0.0.2 every 50 ms while it
// runs (at least once), recording how long each took to be answered with
// 200.
class Prober {
 public:
  explicit Prober(int port);
  ~Prober();
  struct Result {
    int probes = 0;
    int failed = 0;  // No 200 within 5 s.
    absl::Duration slowest;
  };
  Result Stop();

 private:
  void Run();
  const int port_;
  std::atomic<bool> stop_{false};
  absl::Mutex mu_;
  Result result_;
  std::thread thread_;
};

// Open descriptors of process `pid`.
int OpenDescriptors(int pid);
// Resident memory of process `pid`, in bytes.
int64_t ResidentBytes(int pid);

}  // namespace registry::testing

#endif  // REGISTRY_TESTS_TESTING_RAW_CONNECTION_H_
