// A TCP relay on loopback that passes requests whole and cuts each
// connection's response after a number of bytes, closing both sides: an
// upstream that dies mid-transfer, at a known point (it relays TLS as
// well, being below it). Thread-safe.
#ifndef REGISTRY_TESTS_TESTING_CUT_RELAY_H_
#define REGISTRY_TESTS_TESTING_CUT_RELAY_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace registry::testing {

class CutRelay {
 public:
  // Listens on a free loopback port, relaying to 127.0.0.1:`target_port`.
  static absl::StatusOr<std::unique_ptr<CutRelay>> Start(int target_port,
                                                         int64_t limit);
  // Stops accepting and waits for the relayed connections to end.
  ~CutRelay();

  int port() const { return port_; }
  // Connections whose response was cut so far.
  int cuts() const { return cuts_; }

 private:
  CutRelay() = default;
  void Accept();
  void Relay(int client);

  int target_port_ = 0;
  int64_t limit_ = 0;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> cuts_{0};
  std::thread acceptor_;
  absl::Mutex mu_;
  std::vector<std::thread> relays_ ABSL_GUARDED_BY(mu_);
};

}  // namespace registry::testing

#endif  // REGISTRY_TESTS_TESTING_CUT_RELAY_H_
