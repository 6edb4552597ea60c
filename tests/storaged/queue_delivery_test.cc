// Delivery of an event queue to a real HTTP receiver (cpp-httplib on
// loopback): order, ignore rules, the cursor, retries with Distribution's
// threshold and backoff, stopping, and queue.maxbytes.
#include "storaged/events/queue_delivery.h"

#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "drivers/filesystem/filesystem_driver.h"
#include "gmock/gmock.h"
#include "storaged/events/event.h"
#include "storaged/events/event_log.h"
#include "tests/testing/event_receiver.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/wait.h"

namespace registry::events {
namespace {

using ::testing::ElementsAre;

std::string EventLine(const std::string& id, const std::string& action,
                      const std::string& media_type = "application/x-test") {
  Event event;
  event.id = id;
  event.action = action;
  event.target.media_type = media_type;
  event.target.repository = "r";
  return EventJson(event);
}

class QueueDeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto driver =
        drivers::FilesystemDriver::Open(testing::NewTempDir("queue-delivery"));
    ASSERT_OK(driver);
    driver_ = *std::move(driver);
    endpoint_.name = "test";
    endpoint_.url = receiver_.url();
    endpoint_.headers = {{"X-Token", "secret"}};
  }

  absl::StatusOr<DeliveryPass> Deliver(RetryPolicy& retry) {
    EndpointSink sink(endpoint_);
    return DeliverQueue(*driver_, "q", sink, retry, stop_);
  }

  testing::EventReceiver receiver_;
  std::unique_ptr<drivers::FilesystemDriver> driver_;
  EndpointConfig endpoint_;
  absl::Notification stop_;
};

TEST_F(QueueDeliveryTest, SegmentsGoInOrderOnceWithTheIgnoreRules) {
  EventLog log(driver_.get(), "q");
  ASSERT_OK(log.Append({EventLine("1", "push"), EventLine("2", "pull")}));
  ASSERT_OK(log.Append({EventLine("3", "pull")}));  // Nothing to send.
  ASSERT_OK(log.Append({EventLine("4", "push", "application/octet-stream"),
                        EventLine("5", "delete")}));
  endpoint_.ignored_actions = {"pull"};
  endpoint_.ignored_media_types = {"application/octet-stream"};
  RetryPolicy retry(10, absl::Seconds(1));
  absl::StatusOr<DeliveryPass> pass = Deliver(retry);
  ASSERT_OK(pass);
  EXPECT_EQ(pass->segments, 3);
  EXPECT_EQ(pass->events, 2);
  EXPECT_THAT(receiver_.ids(), ElementsAre("1", "5"));
  EXPECT_EQ(receiver_.posts(), 1);  // One envelope for the three segments.
  EXPECT_THAT(receiver_.content_types(),
              ::testing::Each(std::string(kEnvelopeMediaType)));
  EXPECT_THAT(receiver_.header("X-Token"),
              ::testing::Each(std::string("secret")));
  EXPECT_EQ(*ReadCursor(*driver_, "q", "test"), 3u);
  // The cursor holds: a second pass sends nothing, new events go next.
  ASSERT_OK(Deliver(retry));
  EXPECT_EQ(receiver_.posts(), 1);
  ASSERT_OK(log.Append({EventLine("6", "mount")}));
  ASSERT_OK(Deliver(retry));
  EXPECT_THAT(receiver_.ids(), ElementsAre("1", "5", "6"));
}

TEST_F(QueueDeliveryTest, EnvelopesHoldUpToTheirLimitOfEventsInOrder) {
  EventLog log(driver_.get(), "q");
  const int total = static_cast<int>(kMaxEnvelopeEvents) + 50;
  std::vector<std::string> sent;
  for (int i = 1; i <= total; ++i) {
    sent.push_back(absl::StrCat(i));
    ASSERT_OK(log.Append({EventLine(sent.back(), "push")}));
  }
  RetryPolicy retry(10, absl::Seconds(1));
  absl::StatusOr<DeliveryPass> pass = Deliver(retry);
  ASSERT_OK(pass);
  EXPECT_EQ(pass->segments, total);
  EXPECT_EQ(receiver_.posts(), 2);
  EXPECT_EQ(receiver_.ids(), sent);
  EXPECT_EQ(*ReadCursor(*driver_, "q", "test"), static_cast<uint64_t>(total));
}

TEST_F(QueueDeliveryTest, RefusedPostsAreRetriedAndBackOffPastTheThreshold) {
  EventLog log(driver_.get(), "q");
  ASSERT_OK(log.Append({EventLine("1", "push")}));
  receiver_.Refuse(4);
  RetryPolicy retry(/*threshold=*/2, /*backoff=*/absl::Milliseconds(300));
  absl::Time start = absl::Now();
  absl::StatusOr<DeliveryPass> pass = Deliver(retry);
  ASSERT_OK(pass);
  // Failures 2, 3 and 4 reached the threshold: 300 ms after each.
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(900));
  EXPECT_EQ(receiver_.posts(), 5);
  EXPECT_THAT(receiver_.ids(), ElementsAre("1"));
}

TEST_F(QueueDeliveryTest, StoppingLeavesTheCursorWhereDeliveryStood) {
  EventLog log(driver_.get(), "q");
  ASSERT_OK(log.Append({EventLine("1", "push")}));
  receiver_.Refuse(1000000);
  RetryPolicy retry(1, absl::Milliseconds(50));
  std::thread stopper([&] {
    while (receiver_.posts() < 3) absl::SleepFor(absl::Milliseconds(5));
    stop_.Notify();
  });
  absl::StatusOr<DeliveryPass> pass = Deliver(retry);
  stopper.join();
  ASSERT_OK(pass);
  EXPECT_EQ(pass->events, 0);
  EXPECT_EQ(*ReadCursor(*driver_, "q", "test"), 0u);
}

TEST_F(QueueDeliveryTest, OverMaxBytesTheOldestAreDropped) {
  EventLog log(driver_.get(), "q");
  for (int i = 1; i <= 5; ++i) {
    ASSERT_OK(log.Append({EventLine(absl::StrCat(i), "push")}));
  }
  const int64_t segment =
      static_cast<int64_t>(EventLine("1", "push").size()) + 1;
  endpoint_.queue_max_bytes = 2 * segment;  // Room for two segments.
  RetryPolicy retry(10, absl::Seconds(1));
  absl::StatusOr<DeliveryPass> pass = Deliver(retry);
  ASSERT_OK(pass);
  EXPECT_EQ(pass->dropped, 3);
  EXPECT_THAT(receiver_.ids(), ElementsAre("4", "5"));
}

TEST_F(QueueDeliveryTest, AQueueOutgrowingItsBoundWhileRetryingDropsTheOldest) {
  EventLog log(driver_.get(), "q");
  ASSERT_OK(log.Append({EventLine("1", "push")}));
  const int64_t segment =
      static_cast<int64_t>(EventLine("1", "push").size()) + 1;
  endpoint_.queue_max_bytes = 2 * segment;
  receiver_.Refuse(1000000);
  RetryPolicy retry(1, absl::Milliseconds(20));
  absl::StatusOr<DeliveryPass> pass;
  std::thread delivery([&] { pass = Deliver(retry); });
  ASSERT_OK(testing::WaitFor([&] { return receiver_.posts() >= 2; },
                             absl::Seconds(20)));
  // The endpoint is down and the queue grows past its bound.
  for (int i = 2; i <= 5; ++i) {
    ASSERT_OK(log.Append({EventLine(absl::StrCat(i), "push")}));
  }
  ASSERT_OK(
      testing::WaitFor([&] { return *ReadCursor(*driver_, "q", "test") >= 3; },
                       absl::Seconds(20)));
  receiver_.Refuse(0);
  delivery.join();
  ASSERT_OK(pass);
  EXPECT_EQ(pass->dropped, 3);
  EXPECT_THAT(receiver_.ids(), ElementsAre("4", "5"));
}

}  // namespace
}  // namespace registry::events
