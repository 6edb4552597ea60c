// An HTTP load balancer on loopback for tests of rolling restarts: Debian's
// haproxy standing in for a Kubernetes Service or Ingress. It health-checks
// each backend's /readyz every 250 ms (down after 2 failures, up after 1),
// retries a refused connection on another backend, and opens a new backend
// connection per request (as kube-proxy has no idle backend connections to
// reuse).
#ifndef REGISTRY_TESTS_TESTING_LOAD_BALANCER_H_
#define REGISTRY_TESTS_TESTING_LOAD_BALANCER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/testing/subprocess.h"

namespace registry::testing {

class LoadBalancer {
 public:
  // Starts haproxy on 127.0.0.1 at a free port in front of the HTTP
  // servers on 127.0.0.1 at `backend_ports`, once it answers.
  static absl::StatusOr<std::unique_ptr<LoadBalancer>> Start(
      const std::vector<int>& backend_ports);

  int port() const { return port_; }

 private:
  LoadBalancer(std::unique_ptr<Subprocess> process, int port)
      : process_(std::move(process)), port_(port) {}

  std::unique_ptr<Subprocess> process_;
  const int port_;
};

}  // namespace registry::testing

#endif  // REGISTRY_TESTS_TESTING_LOAD_BALANCER_H_
