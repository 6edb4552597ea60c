#include "gateway/edge/transport.h"

#include <errno.h>
#include <openssl/err.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace registry::gateway {
namespace {

long FromErrno(long n) {
  if (n >= 0) return n;
  if (errno == EAGAIN || errno == EWOULDBLOCK) return kWantRead;
  if (errno == EINTR) return kWantRead;
  return kFailed;
}

class PlainTransport final : public Transport {
 public:
  explicit PlainTransport(int fd) : fd_(fd) {}
  ~PlainTransport() override { close(fd_); }

  long Handshake() override { return 1; }
  long Read(char* data, size_t size) override {
    return FromErrno(recv(fd_, data, size, 0));
  }
  long Write(const char* data, size_t size) override {
    long n = send(fd_, data, size, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      return kWantWrite;
    }
    return n < 0 ? kFailed : n;
  }
  bool HasPending() const override { return false; }
  void ShutdownWrite() override { shutdown(fd_, SHUT_WR); }
  int fd() const override { return fd_; }

 private:
  const int fd_;
};

class TlsTransport final : public Transport {
 public:
  TlsTransport(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {
    SSL_set_fd(ssl_, fd_);
    SSL_set_accept_state(ssl_);
    SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE |
                           SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  }
  ~TlsTransport() override {
    SSL_free(ssl_);
    close(fd_);
  }

  long Handshake() override {
    ERR_clear_error();
    int r = SSL_do_handshake(ssl_);
    return r == 1 ? 1 : Result(r);
  }
  long Read(char* data, size_t size) override {
    ERR_clear_error();
    int r =
        SSL_read(ssl_, data, static_cast<int>(std::min<size_t>(size, 1 << 30)));
    return r > 0 ? r : Result(r);
  }
  long Write(const char* data, size_t size) override {
    ERR_clear_error();
    int r = SSL_write(ssl_, data,
                      static_cast<int>(std::min<size_t>(size, 1 << 30)));
    return r > 0 ? r : Result(r);
  }
  bool HasPending() const override { return SSL_pending(ssl_) > 0; }
  void ShutdownWrite() override {
    ERR_clear_error();
    SSL_shutdown(ssl_);
    shutdown(fd_, SHUT_WR);
  }
  int fd() const override { return fd_; }

 private:
  long Result(int r) {
    switch (SSL_get_error(ssl_, r)) {
      case SSL_ERROR_WANT_READ:
        return kWantRead;
      case SSL_ERROR_WANT_WRITE:
        return kWantWrite;
      case SSL_ERROR_ZERO_RETURN:
        return kClosed;
      case SSL_ERROR_SYSCALL:
        if (errno == EAGAIN || errno == EINTR) return kWantRead;
        return r == 0 ? kClosed : kFailed;
      default:
        return kFailed;
    }
  }

  const int fd_;
  SSL* const ssl_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<TlsContext>> TlsContext::Load(
    const std::string& certificate, const std::string& key) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return absl::InternalError("cannot create a TLS context");
  std::unique_ptr<TlsContext> context(new TlsContext(ctx));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_use_certificate_chain_file(ctx, certificate.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("gateway: cannot load the TLS certificate ", certificate,
                     " and key ", key));
  }
  return context;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

std::unique_ptr<Transport> NewTransport(int fd, const TlsContext* tls) {
  if (tls == nullptr) return std::make_unique<PlainTransport>(fd);
  return std::make_unique<TlsTransport>(fd, SSL_new(tls->get()));
}

}  // namespace registry::gateway
