// A webhook receiver for event tests: a cpp-httplib server on loopback that
// accepts POSTs of event envelopes at /events, keeps every event (parsed)
// and the request headers, and can refuse a number of POSTs with 500.
#ifndef REGISTRY_TESTS_TESTING_EVENT_RECEIVER_H_
#define REGISTRY_TESTS_TESTING_EVENT_RECEIVER_H_

#include <httplib.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace registry::testing {

class EventReceiver {
 public:
  // Listens on 127.0.0.1 at `port` (0: any free port).
  explicit EventReceiver(int port = 0);
  ~EventReceiver();

  // http://127.0.0.1:PORT/events
  std::string url() const;
  int port() const { return port_; }
  // The next `n` POSTs get 500.
  void Refuse(int n);

  // Accepted events in arrival order, and their ids.
  std::vector<nlohmann::json> events();
  std::vector<std::string> ids();
  int posts();  // Every POST, refused ones too.
  std::vector<std::string> content_types();
  // The values of header `name` on every POST.
  std::vector<std::string> header(const std::string& name);

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  int refuse_ = 0;
  int posts_ = 0;
  std::vector<nlohmann::json> events_;
  std::vector<httplib::Headers> headers_;
};

}  // namespace registry::testing

#endif  // REGISTRY_TESTS_TESTING_EVENT_RECEIVER_H_
