// The gateway's HTTP front: owns the listening socket and every client
// connection, and hands cpp-httplib (which routes and runs the handlers)
// only requests whose head has fully arrived and passed the checks.
//
// One event-loop thread accepts connections, completes TLS handshakes and
// reads request heads without blocking, under limits: the time a head may
// take (--header_timeout), the idle time between requests on a kept-alive
// connection (--idle_timeout), open connections in all and per client
// address, and the head's size and field count (head_parser.h). A slow or
// idle client therefore costs a file descriptor and a buffer, never a
// thread. A complete head goes to a pool of worker threads, which run the
// request (body included) through cpp-httplib's Server::process_request
// over the connection, answer pipelined requests already buffered, and
// give the connection back to the loop to wait for the next head.
// Refusals (400, 405, 408, 411, 413, 414, 431, 503, 505) are answered by the
// loop at once, and the connection is closed after them.
#ifndef REGISTRY_GATEWAY_EDGE_EDGE_SERVER_H_
#define REGISTRY_GATEWAY_EDGE_EDGE_SERVER_H_

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/edge/head_parser.h"
#include "gateway/edge/transport.h"

namespace registry::gateway {

// cpp-httplib's server with its per-request entry point opened up: the edge
// server feeds it requests; it never listens itself.
class RoutedServer : public httplib::Server {
 public:
  // cpp-httplib stops writing response bodies once its own listening socket
  // is gone ("shutting down"); it has none here, so mark it present. Never
  // a real descriptor: nothing of httplib's closes it while not listening.
  RoutedServer() { svr_sock_ = std::numeric_limits<int>::max(); }
  using httplib::Server::process_request;
};

struct EdgeOptions {
  std::string host = "0.0.0.0";
  int port = 5000;  // 0 picks a free port.
  HeadLimits head;
  absl::Duration header_timeout = absl::Seconds(10);
  absl::Duration idle_timeout = absl::Seconds(60);
  // Each wait for the client while a request is served (body or response).
  absl::Duration io_timeout = absl::Seconds(60);
  int workers = 256;
  // How long a worker waits for the next request on its connection before
  // giving it back to the loop.
  absl::Duration linger = absl::Milliseconds(20);
  int max_connections = 10000;
  int max_connections_per_address = 128;  // 0: no limit.
  // The largest body a request may declare, from its method and target:
  // -1 for bodies streamed by their handler (any length, chunked allowed);
  // otherwise a Content-Length is required for a body (411) and larger
  // ones are refused (413).
  std::function<int64_t(const RequestHead&)> max_body_bytes;
  // Server TLS when set; not owned, outlives the server.
  const TlsContext* tls = nullptr;
};

class EdgeServer {
 public:
  // `http` holds the routes; not owned, outlives the server.
  EdgeServer(EdgeOptions options, RoutedServer* http);
  ~EdgeServer();

  // Binds and listens; returns the port. Unavailable when it cannot.
  absl::StatusOr<int> Bind();

  // Serves until Stop(); returns once the requests in flight have been
  // answered. REQUIRES: Bind() succeeded.
  void Serve();

  // Stops accepting, closes connections that wait for a request, and lets
  // requests in flight finish (their connections close after them).
  // Thread-safe.
  void Stop();

  struct Connection;

 private:
  void Loop();
  void Accept();
  void OnReady(Connection* c, uint32_t events);
  void ReadHead(Connection* c);
  void Dispatch(Connection* c, RequestHead head);
  void Refuse(Connection* c, HttpRefusal refusal, const std::string& message);
  // Sets the refusal to write (logged) and the closing phase.
  void PrepareRefusal(Connection* c, HttpRefusal refusal,
                      const std::string& message);
  // Bytes a head may buffer before the parser must have refused it.
  size_t HeadBufferCap() const;
  void FlushClosing(Connection* c);
  void Watch(Connection* c, uint32_t events, bool add);
  void Sweep(absl::Time now);
  void TakeReturned();
  // Closes a connection the loop owns / any connection no one else holds.
  void Destroy(Connection* c);
  void Release(Connection* c);
  // Makes `head` the connection's current request (its rewritten head, if
  // any, replaces the bytes received).
  void TakeHead(Connection* c, RequestHead head);
  void Worker();
  void ServeRequests(Connection* c);
  // Checks a complete head against the body limits; false (with the
  // refusal set) when it is refused.
  bool Admit(const RequestHead& head, HttpRefusal* refusal,
             std::string* message) const;
  void GiveBack(Connection* c);
  RequestHead AwaitNextHead(Connection* c);
  bool ReadAvailable(Connection* c);

  const EdgeOptions options_;
  RoutedServer* const http_;
  int listener_ = -1;
  int epoll_ = -1;
  int wake_ = -1;  // eventfd: Stop() and connections given back.
  std::atomic<bool> stopping_{false};

  // Owned by the loop thread.
  std::unordered_set<Connection*> waiting_;
  absl::Time accept_paused_until_ = absl::InfinitePast();

  std::mutex mu_;
  std::map<std::string, int> per_address_;  // Open connections by address.
  int open_ = 0;
  std::deque<Connection*> ready_;      // Complete heads, for the workers.
  std::vector<Connection*> returned_;  // From workers, for the loop.
  bool workers_exit_ = false;
  std::condition_variable ready_cv_;
  std::vector<std::thread> workers_;
};

}  // namespace registry::gateway

#endif  // REGISTRY_GATEWAY_EDGE_EDGE_SERVER_H_
