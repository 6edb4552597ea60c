#include "tests/testing/event_receiver.h"

#include "absl/strings/str_cat.h"

namespace registry::testing {

EventReceiver::EventReceiver(int port) {
  server_.Post("/events", [this](const httplib::Request& req,
                                 httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu_);
    ++posts_;
    headers_.push_back(req.headers);
    if (refuse_ > 0) {
      --refuse_;
      res.status = 500;
      return;
    }
    nlohmann::json envelope = nlohmann::json::parse(req.body, nullptr, false);
    if (!envelope.is_object() || !envelope["events"].is_array()) {
      res.status = 400;
      return;
    }
    for (const nlohmann::json& event : envelope["events"]) {
      events_.push_back(event);
    }
    res.status = 200;
  });
  if (port == 0) {
    port_ = server_.bind_to_any_port("127.0.0.1");
  } else if (server_.bind_to_port("127.0.0.1", port)) {
    port_ = port;
  }
  thread_ = std::thread([this] { server_.listen_after_bind(); });
}

EventReceiver::~EventReceiver() {
  server_.stop();
  thread_.join();
}

std::string EventReceiver::url() const {
  return absl::StrCat("http://127.0.0.1:", port_, "/events");
}

void EventReceiver::Refuse(int n) {
  std::lock_guard<std::mutex> lock(mu_);
  refuse_ = n;
}

std::vector<nlohmann::json> EventReceiver::events() {
  std::lock_guard<std::mutex> lock(mu_);
  return events_;
}

std::vector<std::string> EventReceiver::ids() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> ids;
  for (const nlohmann::json& event : events_) {
    ids.push_back(event.value("id", ""));
  }
  return ids;
}

int EventReceiver::posts() {
  std::lock_guard<std::mutex> lock(mu_);
  return posts_;
}

std::vector<std::string> EventReceiver::content_types() {
  return header("Content-Type");
}

std::vector<std::string> EventReceiver::header(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> values;
  for (const httplib::Headers& headers : headers_) {
    auto it = headers.find(name);
    values.push_back(it == headers.end() ? "" : it->second);
  }
  return values;
}

}  // namespace registry::testing
