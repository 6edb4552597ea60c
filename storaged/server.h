// The storaged gRPC server: every registry.v1 service over one Storage
// (AdminService through a gc::Runner, which also runs scheduled
// collections),
// plus grpc.health.v1 (SERVING once started, NOT_SERVING while draining)
// and server reflection. Thread-safe.
#ifndef REGISTRY_STORAGED_SERVER_H_
#define REGISTRY_STORAGED_SERVER_H_

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "storaged/events/dispatcher.h"
#include "storaged/events/event_log.h"
#include "storaged/events/notifications_config.h"
#include "storaged/events/recorder.h"
#include "storaged/gc/runner.h"
#include "storaged/proxy/pull_through.h"
#include "storaged/storage.h"

namespace registry {

struct ServerOptions {
  // HOST:PORT to listen on; port 0 picks a free one.
  std::string listen = "127.0.0.1:50051";
  // Largest gRPC message accepted (a manifest Put plus overhead).
  int max_message_bytes = 16 << 20;
  // Whether blob Stat may answer a storage URL for clients to GET directly.
  bool redirect = true;
  // Plaintext unless set (common/grpc_tls.h).
  std::shared_ptr<grpc::ServerCredentials> credentials;
  // Garbage collection: scheduled, and the defaults of AdminService's.
  gc::Schedule gc;
  std::vector<gc::RetentionPolicy> retention;
  // Mirrored upstream registries (the pull-through cache); none: no
  // mirrors. Blobs being fetched are spooled in `spool_dir`.
  std::vector<proxy::UpstreamConfig> upstreams;
  std::string spool_dir = "/tmp";
  // Where events go (none: no events are recorded).
  events::NotificationsConfig notifications;
  // Each client connection is closed (GOAWAY, its calls left to finish)
  // after about this long, so clients resolve their target again and
  // spread over replicas added since; zero: never.
  absl::Duration max_connection_age = absl::Seconds(15);
};

class StoragedServer {
 public:
  // Serves `storage` (owned) once Start() succeeds.
  StoragedServer(std::unique_ptr<Storage> storage, ServerOptions options);
  ~StoragedServer();

  // Binds and starts serving. Returns the bound port. Unavailable when the
  // address cannot be bound.
  absl::StatusOr<int> Start();

  // Marks the health service NOT_SERVING and keeps serving for `notice`
  // (clients that watch health, like the gateway's, move their calls to
  // other replicas), then stops accepting calls, lets in-flight calls
  // finish until `grace` has passed and cancels the rest. Idempotent.
  void Shutdown(absl::Duration grace,
                absl::Duration notice = absl::ZeroDuration());

  // Blocks until the server has shut down.
  void Wait();

 private:
  std::unique_ptr<Storage> storage_;
  const ServerOptions options_;
  gc::Runner gc_;  // Stops before the storage goes.
  std::unique_ptr<proxy::PullThroughCache> mirrors_;  // Null: no upstreams.
  // Null without notifications. The dispatcher starts with Start().
  std::unique_ptr<events::EventLog> event_log_;
  std::unique_ptr<events::Recorder> recorder_;
  std::unique_ptr<events::Dispatcher> dispatcher_;
  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace registry

#endif  // REGISTRY_STORAGED_SERVER_H_
