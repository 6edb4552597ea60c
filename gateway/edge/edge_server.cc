#include "gateway/edge/edge_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "gateway/edge/body_tracker.h"

namespace registry::gateway {

struct EdgeServer::Connection {
  enum class Phase { kHandshake, kHead, kServing, kClosing };

  std::unique_ptr<Transport> transport;
  std::string address;  // The client's IP address.
  int port = 0;
  std::string local_address;
  int local_port = 0;
  Phase phase = Phase::kHead;
  // Bytes received and not yet handed on; begins with the next request.
  std::string in;
  // Waiting for the first byte of a request (idle), else inside a head.
  bool idle = true;
  absl::Time deadline;
  RequestHead head;  // Of the request being served.
  std::string out;   // A refusal still to write (kClosing).
  bool write_shut = false;
  uint32_t watched = 0;  // Events registered with epoll; 0: not registered.
};

namespace {

constexpr size_t kReadChunk = 16 << 10;
constexpr absl::Duration kLinger = absl::Seconds(5);
constexpr absl::Duration kSweepInterval = absl::Milliseconds(100);
constexpr int kBacklog = 1024;
int kListenerTag, kWakeTag;

// Waits until `fd` is ready for `events` (POLLIN/POLLOUT) or `timeout`.
bool WaitFor(int fd, short events, absl::Duration timeout) {
  pollfd p{fd, events, 0};
  int ms = static_cast<int>(absl::ToInt64Milliseconds(timeout));
  int r;
  do {
    r = poll(&p, 1, ms);
  } while (r < 0 && errno == EINTR);
  return r > 0;
}

std::pair<std::string, int> AddressOf(const sockaddr_storage& addr) {
  char host[NI_MAXHOST] = "";
  char service[NI_MAXSERV] = "";
  getnameinfo(reinterpret_cast<const sockaddr*>(&addr), sizeof(addr), host,
              sizeof(host), service, sizeof(service),
              NI_NUMERICHOST | NI_NUMERICSERV);
  return {host, atoi(service)};
}

// The request as cpp-httplib reads it: buffered bytes first, then the
// socket, every wait bounded by the I/O timeout. Counts what passes through
// the body tracker.
class EdgeStream final : public httplib::Stream {
 public:
  EdgeStream(EdgeServer::Connection& c, absl::Duration timeout)
      : c_(c),
        timeout_(timeout),
        body_(c.head.chunked ? -1 : c.head.content_length) {}

  // Bytes of `c.in` consumed; the caller erases them.
  size_t consumed() const { return pos_; }
  bool body_done() const { return body_.done(); }

  bool is_readable() const override {
    return pos_ < c_.in.size() || c_.transport->HasPending() ||
           WaitFor(c_.transport->fd(), POLLIN, timeout_);
  }
  bool is_writable() const override {
    return WaitFor(c_.transport->fd(), POLLOUT, timeout_);
  }

  ssize_t read(char* ptr, size_t size) override {
    // cpp-httplib reads heads a byte at a time: keep that path short.
    if (size == 1 && pos_ < c_.in.size()) {
      *ptr = c_.in[pos_++];
      Pass(absl::string_view(ptr, 1));
      return 1;
    }
    if (pos_ == c_.in.size()) {
      c_.in.clear();
      pos_ = 0;
      char chunk[kReadChunk];
      long n = Io([&] { return c_.transport->Read(chunk, sizeof(chunk)); });
      if (n <= 0) return n == kClosed ? 0 : -1;
      c_.in.append(chunk, static_cast<size_t>(n));
    }
    size_t n = std::min(size, c_.in.size() - pos_);
    memcpy(ptr, c_.in.data() + pos_, n);
    Pass(absl::string_view(c_.in.data() + pos_, n));
    pos_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    long n = Io([&] { return c_.transport->Write(ptr, size); });
    return n <= 0 ? -1 : n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = c_.address;
    port = c_.port;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = c_.local_address;
    port = c_.local_port;
  }
  socket_t socket() const override { return c_.transport->fd(); }

 private:
  // Runs `op` until it moves bytes, ends, fails, or a wait times out.
  template <typename Op>
  long Io(Op op) {
    while (true) {
      long n = op();
      if (n == kWantRead || n == kWantWrite) {
        if (!WaitFor(c_.transport->fd(), n == kWantRead ? POLLIN : POLLOUT,
                     timeout_)) {
          return kFailed;
        }
        continue;
      }
      return n;
    }
  }

  // The head is not part of the body: skip it before tracking.
  void Pass(absl::string_view bytes) {
    if (head_left_ > 0) {
      size_t skip = std::min(head_left_, bytes.size());
      head_left_ -= skip;
      bytes.remove_prefix(skip);
    }
    body_.Feed(bytes);
  }

  EdgeServer::Connection& c_;
  const absl::Duration timeout_;
  size_t pos_ = 0;
  size_t head_left_ = c_.head.size;
  BodyTracker body_;
};

}  // namespace

EdgeServer::EdgeServer(EdgeOptions options, RoutedServer* http)
    : options_(std::move(options)), http_(http) {}

EdgeServer::~EdgeServer() {
  for (Connection* c : waiting_) delete c;
  for (Connection* c : ready_) delete c;
  for (Connection* c : returned_) delete c;
  if (listener_ >= 0) close(listener_);
  if (epoll_ >= 0) close(epoll_);
  if (wake_ >= 0) close(wake_);
}

absl::StatusOr<int> EdgeServer::Bind() {
  // Each connection is a descriptor: allow as many as the hard limit.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 &&
      files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string port = std::to_string(options_.port);
  const char* host = options_.host.empty() ? nullptr : options_.host.c_str();
  auto unavailable = [&] {
    return absl::UnavailableError(absl::StrCat(
        "gateway: cannot listen on ", options_.host, ":", options_.port));
  };
  if (getaddrinfo(host, port.c_str(), &hints, &found) != 0)
    return unavailable();
  for (addrinfo* ai = found; ai != nullptr && listener_ < 0; ai = ai->ai_next) {
    int fd =
        socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
               ai->ai_protocol);
    if (fd < 0) continue;
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
        listen(fd, kBacklog) == 0) {
      listener_ = fd;
    } else {
      close(fd);
    }
  }
  freeaddrinfo(found);
  if (listener_ < 0) return unavailable();
  sockaddr_storage bound{};
  socklen_t len = sizeof(bound);
  getsockname(listener_, reinterpret_cast<sockaddr*>(&bound), &len);
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  wake_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event listen_event{EPOLLIN, {.ptr = &kListenerTag}};
  epoll_event wake_event{EPOLLIN, {.ptr = &kWakeTag}};
  epoll_ctl(epoll_, EPOLL_CTL_ADD, listener_, &listen_event);
  epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &wake_event);
  return AddressOf(bound).second;
}

void EdgeServer::Serve() {
  for (int i = 0; i < options_.workers; ++i) {
    workers_.emplace_back([this] { Worker(); });
  }
  Loop();
  {
    std::lock_guard<std::mutex> lock(mu_);
    workers_exit_ = true;
  }
  ready_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
}

void EdgeServer::Stop() {
  stopping_ = true;
  uint64_t one = 1;
  write(wake_, &one, sizeof(one));
}

void EdgeServer::Loop() {
  epoll_event events[256];
  absl::Time next_sweep = absl::Now() + kSweepInterval;
  while (!stopping_) {
    int n = epoll_wait(epoll_, events, 256, 50);
    for (int i = 0; i < n; ++i) {
      void* tag = events[i].data.ptr;
      if (tag == &kListenerTag) {
        Accept();
      } else if (tag == &kWakeTag) {
        uint64_t count;
        while (read(wake_, &count, sizeof(count)) > 0) {
        }
        TakeReturned();
      } else {
        OnReady(static_cast<Connection*>(tag), events[i].events);
      }
    }
    absl::Time now = absl::Now();
    if (now >= next_sweep) {
      Sweep(now);
      next_sweep = now + kSweepInterval;
    }
  }
  close(listener_);
  listener_ = -1;
  // Connections waiting for a request close now; served ones close after
  // their request (the workers see stopping_).
  TakeReturned();
  for (Connection* c :
       std::vector<Connection*>(waiting_.begin(), waiting_.end())) {
    Destroy(c);
  }
}

void EdgeServer::Accept() {
  absl::Time now = absl::Now();
  if (now < accept_paused_until_) return;
  while (true) {
    sockaddr_storage peer{};
    socklen_t len = sizeof(peer);
    int fd = accept4(listener_, reinterpret_cast<sockaddr*>(&peer), &len,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
          errno == ENOMEM) {
        // Out of descriptors: stop accepting for a moment (the listener
        // would stay readable and spin the loop).
        Log(LogLevel::kWarn, "http",
            "out of file descriptors; accepting "
            "paused for 100 ms");
        accept_paused_until_ = now + absl::Milliseconds(100);
        epoll_event e{0, {.ptr = &kListenerTag}};
        epoll_ctl(epoll_, EPOLL_CTL_MOD, listener_, &e);
      }
      return;
    }
    auto [address, port] = AddressOf(peer);
    bool admitted;
    {
      std::lock_guard<std::mutex> lock(mu_);
      int& mine = per_address_[address];
      admitted = open_ < options_.max_connections &&
                 (options_.max_connections_per_address <= 0 ||
                  mine < options_.max_connections_per_address);
      if (admitted) {
        ++mine;
        ++open_;
      } else if (mine == 0) {
        per_address_.erase(address);
      }
    }
    if (!admitted) {
      if (options_.tls == nullptr) {
        std::string refusal =
            HttpRefusalResponse(HttpRefusal::kTooManyConnections,
                                "too many open connections; retry later");
        send(fd, refusal.data(), refusal.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      }
      close(fd);
      continue;
    }
    int yes = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
    auto* c = new Connection;
    c->transport = NewTransport(fd, options_.tls);
    c->address = address;
    c->port = port;
    sockaddr_storage local{};
    len = sizeof(local);
    getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
    std::tie(c->local_address, c->local_port) = AddressOf(local);
    c->phase = options_.tls != nullptr ? Connection::Phase::kHandshake
                                       : Connection::Phase::kHead;
    c->deadline = now + options_.header_timeout;
    waiting_.insert(c);
    Watch(c, EPOLLIN, true);
  }
}

void EdgeServer::Watch(Connection* c, uint32_t events, bool add) {
  if (!add && c->watched == events) return;
  epoll_event e{events, {.ptr = c}};
  epoll_ctl(epoll_, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, c->transport->fd(),
            &e);
  c->watched = events;
}

void EdgeServer::OnReady(Connection* c, uint32_t events) {
  switch (c->phase) {
    case Connection::Phase::kHandshake: {
      long r = c->transport->Handshake();
      if (r == 1) {
        c->phase = Connection::Phase::kHead;
        ReadHead(c);
      } else if (r == kWantRead || r == kWantWrite) {
        Watch(c, r == kWantRead ? EPOLLIN : EPOLLOUT, false);
      } else {
        Destroy(c);
      }
      return;
    }
    case Connection::Phase::kHead:
      ReadHead(c);
      return;
    case Connection::Phase::kClosing:
      FlushClosing(c);
      return;
    case Connection::Phase::kServing:
      return;
  }
  (void)events;
}

void EdgeServer::ReadHead(Connection* c) {
  const size_t cap = HeadBufferCap();
  while (true) {
    RequestHead head = ParseRequestHead(c->in, options_.head);
    if (head.state == RequestHead::State::kComplete) {
      HttpRefusal refusal;
      std::string message;
      if (!Admit(head, &refusal, &message)) {
        Refuse(c, refusal, message);
      } else {
        Dispatch(c, std::move(head));
      }
      return;
    }
    if (head.state == RequestHead::State::kRefused) {
      Refuse(c, head.refusal, head.message);
      return;
    }
    if (c->in.size() >= cap) {  // The parser refuses before this.
      Refuse(c, HttpRefusal::kHeadersTooLarge, "the request head is too large");
      return;
    }
    char chunk[kReadChunk];
    long n =
        c->transport->Read(chunk, std::min(sizeof(chunk), cap - c->in.size()));
    if (n == kWantRead || n == kWantWrite) {
      Watch(c, n == kWantRead ? EPOLLIN : EPOLLOUT, false);
      return;
    }
    if (n <= 0) {
      Destroy(c);  // Closed between requests, or an error: nothing to say.
      return;
    }
    if (c->idle) {  // The head's time starts with its first byte.
      c->idle = false;
      c->deadline =
          std::min(c->deadline, absl::Now() + options_.header_timeout);
    }
    c->in.append(chunk, static_cast<size_t>(n));
  }
}

bool EdgeServer::Admit(const RequestHead& head, HttpRefusal* refusal,
                       std::string* message) const {
  int64_t max = options_.max_body_bytes ? options_.max_body_bytes(head) : -1;
  if (max < 0) return true;
  if (head.chunked) {
    *refusal = HttpRefusal::kLengthRequired;
    *message = absl::StrCat(head.method,
                            " on this route needs a Content-Length, not a "
                            "chunked body");
    return false;
  }
  if (head.content_length > max) {
    *refusal = HttpRefusal::kBodyTooLarge;
    *message = absl::StrCat("the body (", head.content_length,
                            " bytes) is larger than the ", max,
                            " bytes this route takes");
    return false;
  }
  return true;
}

void EdgeServer::TakeHead(Connection* c, RequestHead head) {
  if (!head.rewritten.empty()) {
    c->in = head.rewritten + c->in.substr(head.size);
    head.size = head.rewritten.size();
    head.rewritten.clear();
  }
  c->head = std::move(head);
}

void EdgeServer::Dispatch(Connection* c, RequestHead head) {
  TakeHead(c, std::move(head));
  c->phase = Connection::Phase::kServing;
  waiting_.erase(c);
  epoll_ctl(epoll_, EPOLL_CTL_DEL, c->transport->fd(), nullptr);
  c->watched = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ready_.push_back(c);
  }
  ready_cv_.notify_one();
}

void EdgeServer::Refuse(Connection* c, HttpRefusal refusal,
                        const std::string& message) {
  PrepareRefusal(c, refusal, message);
  FlushClosing(c);
}

void EdgeServer::PrepareRefusal(Connection* c, HttpRefusal refusal,
                                const std::string& message) {
  Log(LogLevel::kInfo, "http", "request refused",
      {{"remote", c->address},
       {"status", ToOciError(refusal).http_status},
       {"reason", message}});
  c->out = HttpRefusalResponse(refusal, message);
  c->in.clear();
  c->phase = Connection::Phase::kClosing;
  c->deadline = absl::Now() + kLinger;
}

size_t EdgeServer::HeadBufferCap() const {
  return options_.head.max_head_bytes + options_.head.max_line_bytes + 4;
}

// Writes what is left of the refusal, then ends the sending side and reads
// (and drops) what the client still sends until it closes or the linger
// time ends: closing at once would reset the connection and could destroy
// the refusal before the client reads it.
void EdgeServer::FlushClosing(Connection* c) {
  while (!c->out.empty()) {
    long n = c->transport->Write(c->out.data(), c->out.size());
    if (n == kWantRead || n == kWantWrite) {
      Watch(c, n == kWantRead ? EPOLLIN : EPOLLOUT, false);
      return;
    }
    if (n <= 0) {
      Destroy(c);
      return;
    }
    c->out.erase(0, static_cast<size_t>(n));
  }
  if (!c->write_shut) {
    c->transport->ShutdownWrite();
    c->write_shut = true;
  }
  char sink[kReadChunk];
  while (true) {
    long n = c->transport->Read(sink, sizeof(sink));
    if (n == kWantRead || n == kWantWrite) {
      Watch(c, EPOLLIN, false);
      return;
    }
    if (n <= 0) {
      Destroy(c);
      return;
    }
  }
}

void EdgeServer::Sweep(absl::Time now) {
  if (accept_paused_until_ != absl::InfinitePast() &&
      now >= accept_paused_until_) {
    accept_paused_until_ = absl::InfinitePast();
    epoll_event e{EPOLLIN, {.ptr = &kListenerTag}};
    epoll_ctl(epoll_, EPOLL_CTL_MOD, listener_, &e);
    Accept();
  }
  std::vector<Connection*> late;
  for (Connection* c : waiting_) {
    if (now >= c->deadline) late.push_back(c);
  }
  for (Connection* c : late) {
    if (c->phase == Connection::Phase::kHead && !c->idle) {
      Refuse(c, HttpRefusal::kTimeout,
             absl::StrCat("the request head did not arrive within ",
                          absl::FormatDuration(options_.header_timeout)));
    } else {
      Destroy(c);  // Idle, mid-handshake, or done lingering.
    }
  }
}

void EdgeServer::TakeReturned() {
  std::vector<Connection*> back;
  {
    std::lock_guard<std::mutex> lock(mu_);
    back.swap(returned_);
  }
  for (Connection* c : back) {
    waiting_.insert(c);
    if (c->phase == Connection::Phase::kClosing) {
      Watch(c, EPOLLIN | EPOLLOUT, true);
      FlushClosing(c);
      continue;
    }
    Watch(c, EPOLLIN, true);
    ReadHead(c);  // Bytes may already be buffered (pipelining).
  }
}

void EdgeServer::Destroy(Connection* c) {
  if (waiting_.erase(c) > 0 && c->watched != 0) {
    epoll_ctl(epoll_, EPOLL_CTL_DEL, c->transport->fd(), nullptr);
  }
  Release(c);
}

void EdgeServer::Release(Connection* c) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    --open_;
    auto it = per_address_.find(c->address);
    if (it != per_address_.end() && --it->second <= 0) per_address_.erase(it);
  }
  delete c;
}

void EdgeServer::Worker() {
  while (true) {
    Connection* c;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ready_cv_.wait(lock, [&] { return workers_exit_ || !ready_.empty(); });
      if (ready_.empty()) return;
      c = ready_.front();
      ready_.pop_front();
    }
    ServeRequests(c);
  }
}

void EdgeServer::ServeRequests(Connection* c) {
  while (true) {
    EdgeStream stream(*c, options_.io_timeout);
    const bool close_after = stopping_.load();
    bool client_closes = false;
    bool written = http_->process_request(stream, close_after, client_closes,
                                          [](httplib::Request&) {});
    c->in.erase(0, stream.consumed());
    if (!written || close_after || client_closes || !stream.body_done()) {
      Release(c);  // The loop does not know c while a worker has it.
      return;
    }
    RequestHead next = AwaitNextHead(c);
    HttpRefusal refusal;
    std::string message;
    if (next.state == RequestHead::State::kComplete &&
        Admit(next, &refusal, &message)) {
      TakeHead(c, std::move(next));
      continue;  // Pipelined: answer it now, in order.
    }
    if (next.state == RequestHead::State::kIncomplete) {
      c->phase = Connection::Phase::kHead;
      c->idle = c->in.empty();
      c->deadline = absl::Now() +
                    (c->idle ? options_.idle_timeout : options_.header_timeout);
    } else {
      if (next.state == RequestHead::State::kRefused) {
        refusal = next.refusal;
        message = next.message;
      }
      PrepareRefusal(c, refusal, message);
    }
    GiveBack(c);
    return;
  }
}

// A busy client sends its next request right after reading a response: wait
// for it here a moment (handing the connection to the loop and back costs
// more than the request), but only for a head that arrives whole within the
// linger; anything slower goes back to the loop.
RequestHead EdgeServer::AwaitNextHead(Connection* c) {
  RequestHead next = ParseRequestHead(c->in, options_.head);
  const absl::Time until = absl::Now() + options_.linger;
  while (next.state == RequestHead::State::kIncomplete &&
         !c->transport->HasPending()) {
    absl::Duration left = until - absl::Now();
    if (left <= absl::ZeroDuration() ||
        !WaitFor(c->transport->fd(), POLLIN, left)) {
      return next;
    }
    if (!ReadAvailable(c)) return next;
    next = ParseRequestHead(c->in, options_.head);
  }
  if (next.state == RequestHead::State::kIncomplete && ReadAvailable(c)) {
    next = ParseRequestHead(c->in, options_.head);
  }
  return next;
}

// Appends what the transport has now (no waiting); false when nothing came.
bool EdgeServer::ReadAvailable(Connection* c) {
  const size_t cap = HeadBufferCap();
  if (c->in.size() >= cap) return false;
  char chunk[kReadChunk];
  long n =
      c->transport->Read(chunk, std::min(sizeof(chunk), cap - c->in.size()));
  if (n <= 0) return false;
  c->in.append(chunk, static_cast<size_t>(n));
  return true;
}

void EdgeServer::GiveBack(Connection* c) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    returned_.push_back(c);
  }
  uint64_t one = 1;
  write(wake_, &one, sizeof(one));
}

}  // namespace registry::gateway
