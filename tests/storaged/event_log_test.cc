// The event log on real drivers: every appended event lands in exactly one
// durable segment, concurrent appends share segments, and a failed write
// is the caller's error.
#include "storaged/events/event_log.h"

#include <atomic>
#include <map>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "drivers/filesystem/filesystem_driver.h"
#include "drivers/inmemory/inmemory_driver.h"
#include "gmock/gmock.h"
#include "storaged/paths.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace registry::events {
namespace {

using ::registry::testing::NewTempDir;

// Event text -> how many times it is stored, over every segment.
std::map<std::string, int> Stored(drivers::StorageDriver& driver,
                                  const std::string& instance, int* segments) {
  std::map<std::string, int> stored;
  *segments = 0;
  auto files = driver.List(paths::EventQueuePath(instance));
  EXPECT_OK(files);
  if (!files.ok()) return stored;
  for (const std::string& file : *files) {
    ++*segments;
    auto content = driver.GetContent(file);
    EXPECT_OK(content);
    for (absl::string_view line :
         absl::StrSplit(*content, '\n', absl::SkipEmpty())) {
      ++stored[std::string(line)];
    }
  }
  return stored;
}

TEST(EventLogTest, ConcurrentAppendsAreEachStoredOnceInSharedSegments) {
  auto driver = drivers::FilesystemDriver::Open(NewTempDir("event-log"));
  ASSERT_OK(driver);
  EventLog log(driver->get(), "instance-a");
  constexpr int kThreads = 32, kAppends = 20;
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ++ready;
      while (ready < kThreads) std::this_thread::yield();
      for (int i = 0; i < kAppends; ++i) {
        EXPECT_OK(log.Append({absl::StrCat("{\"id\":\"", t, "-", i, "a\"}"),
                              absl::StrCat("{\"id\":\"", t, "-", i, "b\"}")}));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  int segments = 0;
  std::map<std::string, int> stored = Stored(**driver, "instance-a", &segments);
  EXPECT_EQ(stored.size(), 2u * kThreads * kAppends);
  for (const auto& [event, count] : stored) EXPECT_EQ(count, 1) << event;
  // Each segment is an fsync'd write: appends waiting on one share the next.
  EXPECT_LT(segments, kThreads * kAppends);
  EXPECT_GT(segments, 0);
}

TEST(EventLogTest, SegmentsAreNumberedInOrder) {
  drivers::InMemoryDriver driver;
  EventLog log(&driver, "i");
  ASSERT_OK(log.Append({"{\"id\":\"1\"}"}));
  ASSERT_OK(log.Append({"{\"id\":\"2\"}", "{\"id\":\"3\"}"}));
  ASSERT_OK(log.Append({}));  // Nothing to store: no segment.
  EXPECT_EQ(*driver.GetContent(paths::EventSegmentPath("i", 1)),
            "{\"id\":\"1\"}\n");
  EXPECT_EQ(*driver.GetContent(paths::EventSegmentPath("i", 2)),
            "{\"id\":\"2\"}\n{\"id\":\"3\"}\n");
  EXPECT_THAT(*driver.List(paths::EventQueuePath("i")), ::testing::SizeIs(2));
  EXPECT_THAT(paths::EventSegmentPath("i", 2),
              ::testing::EndsWith("/events/i/0000000000000002.json"));
}

TEST(EventLogTest, AFailedWriteIsTheCallersError) {
  drivers::InMemoryDriver driver;
  EventLog log(&driver, "not a valid path component");
  EXPECT_THAT(log.Append({"{}"}), ::registry::testing::StatusIs(
                                      absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace registry::events
