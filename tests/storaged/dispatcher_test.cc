// The dispatcher on a real filesystem store with loopback receivers: its
// own queue is delivered and trimmed, a queue whose instance is gone is
// taken over, delivered and removed, and a dead endpoint holds up no other.
#include "storaged/events/dispatcher.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "drivers/filesystem/filesystem_driver.h"
#include "gmock/gmock.h"
#include "storaged/events/event.h"
#include "storaged/events/event_log.h"
#include "storaged/paths.h"
#include "tests/testing/event_receiver.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/wait.h"

namespace registry::events {
namespace {

using ::registry::testing::EventReceiver;
using ::registry::testing::WaitFor;
using ::testing::UnorderedElementsAreArray;

std::string EventLine(const std::string& id) {
  Event event;
  event.id = id;
  event.action = "push";
  event.target.repository = "r";
  return EventJson(event);
}

EndpointConfig Endpoint(const std::string& name, const std::string& url) {
  EndpointConfig endpoint;
  endpoint.name = name;
  endpoint.url = url;
  endpoint.backoff = absl::Milliseconds(100);
  return endpoint;
}

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto driver =
        drivers::FilesystemDriver::Open(testing::NewTempDir("dispatcher"));
    ASSERT_OK(driver);
    driver_ = *std::move(driver);
  }

  // Segment files left in `instance`'s queue.
  int Segments(const std::string& instance) {
    auto files = driver_->List(paths::EventQueuePath(instance));
    if (!files.ok()) return 0;
    int count = 0;
    for (const std::string& file : *files) {
      count += absl::EndsWith(file, ".json") ? 1 : 0;
    }
    return count;
  }

  std::unique_ptr<Dispatcher> Start(const std::string& instance,
                                    std::vector<EndpointConfig> endpoints) {
    DispatcherOptions options;
    options.poll = absl::Milliseconds(50);
    auto dispatcher = Dispatcher::Start(driver_.get(), instance,
                                        std::move(endpoints), options);
    EXPECT_OK(dispatcher);
    return dispatcher.ok() ? *std::move(dispatcher) : nullptr;
  }

  std::unique_ptr<drivers::FilesystemDriver> driver_;
};

TEST_F(DispatcherTest, ItsOwnQueueIsDeliveredAndTrimmed) {
  EventReceiver receiver;
  auto dispatcher = Start("own", {Endpoint("r", receiver.url())});
  ASSERT_NE(dispatcher, nullptr);
  EventLog log(driver_.get(), "own");
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    ids.push_back(absl::StrCat("e", i));
    ASSERT_OK(log.Append({EventLine(ids.back())}));
    dispatcher->Wake();
  }
  ASSERT_OK(WaitFor([&] { return receiver.ids().size() >= ids.size(); },
                    absl::Seconds(20)));
  EXPECT_EQ(receiver.ids(), ids);  // In order, once.
  ASSERT_OK(WaitFor([&] { return Segments("own") == 0; }, absl::Seconds(20)));
}

TEST_F(DispatcherTest, AQueueWhoseInstanceIsGoneIsTakenOverAndRemoved) {
  EventReceiver receiver;
  std::vector<std::string> ids;
  {
    // An instance that wrote events and died before delivering them.
    EventLog dead(driver_.get(), "dead");
    for (int i = 0; i < 5; ++i) {
      ids.push_back(absl::StrCat("d", i));
      ASSERT_OK(dead.Append({EventLine(ids.back())}));
    }
  }
  auto dispatcher = Start("live", {Endpoint("r", receiver.url())});
  ASSERT_NE(dispatcher, nullptr);
  ASSERT_OK(WaitFor([&] { return receiver.ids().size() >= ids.size(); },
                    absl::Seconds(20)));
  EXPECT_EQ(receiver.ids(), ids);
  // The whole queue goes, lock included, so it is not taken over again.
  ASSERT_OK(WaitFor(
      [&] {
        return absl::IsNotFound(
            driver_->Stat(paths::EventQueuePath("dead")).status());
      },
      absl::Seconds(20)));
}

TEST_F(DispatcherTest, AQueueALiveInstanceHoldsIsLeftToIt) {
  EventReceiver first, second;
  auto a = Start("a", {Endpoint("r", first.url())});
  auto b = Start("b", {Endpoint("r", second.url())});
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EventLog log(driver_.get(), "a");
  ASSERT_OK(log.Append({EventLine("x")}));
  a->Wake();
  ASSERT_OK(
      WaitFor([&] { return first.ids().size() == 1; }, absl::Seconds(20)));
  // b had several maintenance rounds meanwhile and took nothing.
  ASSERT_OK(WaitFor([&] { return Segments("a") == 0; }, absl::Seconds(20)));
  EXPECT_TRUE(second.ids().empty());
}

TEST_F(DispatcherTest, ADeadEndpointHoldsUpNoOther) {
  EventReceiver live;
  auto dispatcher = Start("own", {Endpoint("dead", "http://127.0.0.1:1/events"),
                                  Endpoint("live", live.url())});
  ASSERT_NE(dispatcher, nullptr);
  EventLog log(driver_.get(), "own");
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(absl::StrCat("e", i));
    ASSERT_OK(log.Append({EventLine(ids.back())}));
    dispatcher->Wake();
  }
  ASSERT_OK(WaitFor([&] { return live.ids().size() >= ids.size(); },
                    absl::Seconds(20)));
  EXPECT_EQ(live.ids(), ids);
  // Not delivered to the dead endpoint: every segment stays.
  EXPECT_EQ(Segments("own"), 5);
}

}  // namespace
}  // namespace registry::events
