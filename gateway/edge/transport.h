// The byte transport of one client connection, plain TCP or TLS, over a
// non-blocking socket: calls never block; they report which way the socket
// must become ready before the call can make progress. The edge server's
// event loop and workers wait for readiness themselves (with their own
// deadlines). One owner at a time; not thread-safe.
#ifndef REGISTRY_GATEWAY_EDGE_TRANSPORT_H_
#define REGISTRY_GATEWAY_EDGE_TRANSPORT_H_

#include <openssl/ssl.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace registry::gateway {

// What a call did: n > 0 bytes moved; kClosed (the peer finished), or it
// must wait for the socket to be readable or writable; kFailed otherwise.
enum IoResult : long {
  kClosed = 0,
  kFailed = -1,
  kWantRead = -2,
  kWantWrite = -3,
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Advances the TLS handshake: 1 when done, else an IoResult.
  virtual long Handshake() = 0;
  virtual long Read(char* data, size_t size) = 0;
  virtual long Write(const char* data, size_t size) = 0;
  // Bytes already decrypted and waiting (TLS), so a read succeeds at once.
  virtual bool HasPending() const = 0;
  // Ends the sending side (TCP FIN, or TLS close_notify and FIN).
  virtual void ShutdownWrite() = 0;
  virtual int fd() const = 0;
};

// Server-side TLS settings, loaded once. Thread-safe after construction.
class TlsContext {
 public:
  // From PEM files; InvalidArgument when they cannot be loaded.
  static absl::StatusOr<std::unique_ptr<TlsContext>> Load(
      const std::string& certificate, const std::string& key);
  ~TlsContext();
  SSL_CTX* get() const { return ctx_; }

 private:
  explicit TlsContext(SSL_CTX* ctx) : ctx_(ctx) {}
  SSL_CTX* ctx_;
};

// Takes ownership of `fd` (closed with the transport). `tls` may be null
// for plain TCP; else it must outlive the transport.
std::unique_ptr<Transport> NewTransport(int fd, const TlsContext* tls);

}  // namespace registry::gateway

#endif  // REGISTRY_GATEWAY_EDGE_TRANSPORT_H_
