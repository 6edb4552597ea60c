// Registry clients under test load: threads that push and pull without
// pause through one HTTP address until stopped, keeping every failed
// request. Each round pushes a fresh blob (monolithic, or chunked as POST,
// PATCH, PUT), reads it back and compares the bytes, and now and then puts
// a manifest and reads it back by tag.
#ifndef REGISTRY_TESTS_TESTING_CLIENT_LOAD_H_
#define REGISTRY_TESTS_TESTING_CLIENT_LOAD_H_

#include <httplib.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace registry::testing {

class ClientLoad {
 public:
  // Starts `clients` threads against 127.0.0.1:`port`, each in repository
  // "<repository>/c<N>".
  ClientLoad(int port, int clients, std::string repository);
  ~ClientLoad() { Stop(); }

  // Stops and joins the threads (each finishes its round).
  void Stop();
  // Rounds that succeeded so far.
  int64_t ok() const { return ok_; }
  // What failed, one line per failed round.
  std::vector<std::string> failures();

 private:
  void Run(int port, int client);
  // One round; "" when every request in it succeeded.
  std::string Round(httplib::Client& http, int client, uint64_t round);

  const std::string repository_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> ok_{0};
  absl::Mutex mu_;
  std::vector<std::string> failures_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_;
};

}  // namespace registry::testing

#endif  // REGISTRY_TESTS_TESTING_CLIENT_LOAD_H_
