#include "tests/drivers/driver_conformance.h"

#include <unistd.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/digest.h"
#include "common/process_stats.h"
#include "common/sha256.h"
#include "gmock/gmock.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_data.h"

namespace registry::testing {

using drivers::FileInfo;
using drivers::WalkAction;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::string DriverName(const ::testing::TestParamInfo<DriverUnderTest>& info) {
  return info.param.name;
}

void DriverConformanceTest::SetUp() {
  driver_ = GetParam().make();
  ASSERT_NE(driver_, nullptr);
}

void DriverConformanceTest::TearDown() {
  if (driver_ == nullptr) return;
  absl::StatusOr<std::vector<std::string>> left = driver_->List("/");
  ASSERT_OK(left);
  EXPECT_THAT(*left, IsEmpty()) << "the test left files behind";
}

namespace {

std::string ReadAll(drivers::StorageDriver& driver, absl::string_view path,
                    int64_t offset = 0) {
  absl::StatusOr<drivers::FileReaderPtr> reader = driver.Reader(path, offset);
  EXPECT_OK(reader);
  if (!reader.ok()) return "";
  std::string out;
  char buf[4096];
  while (true) {
    absl::StatusOr<size_t> n = (*reader)->Read(buf, sizeof(buf));
    EXPECT_OK(n);
    if (!n.ok() || *n == 0) break;
    out.append(buf, *n);
  }
  return out;
}

TEST_P(DriverConformanceTest, GetContentOfMissingPathIsNotFound) {
  EXPECT_THAT(driver_->GetContent("/missing/file"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(driver_->Stat("/missing"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(driver_->Reader("/missing", 0),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(driver_->List("/missing"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(driver_->Delete("/missing"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(driver_->Move("/missing", "/other"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(
      driver_->Walk("/missing",
                    [](const FileInfo&) { return WalkAction::kContinue; }),
      StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(DriverConformanceTest, PutContentRoundTripsBinaryAndEmpty) {
  std::string binary("\0\x01\xff\n\r binary", 13);
  ASSERT_OK(driver_->PutContent("/t/binary", binary));
  ASSERT_OK(driver_->PutContent("/t/empty", ""));
  EXPECT_EQ(*driver_->GetContent("/t/binary"), binary);
  EXPECT_EQ(*driver_->GetContent("/t/empty"), "");
  absl::StatusOr<FileInfo> info = driver_->Stat("/t/binary");
  ASSERT_OK(info);
  EXPECT_EQ(info->size, 13);
  EXPECT_FALSE(info->is_dir);
  ASSERT_OK(driver_->PutContent("/t/binary", "replaced"));
  EXPECT_EQ(*driver_->GetContent("/t/binary"), "replaced");
  ASSERT_OK(driver_->Delete("/t"));
}

TEST_P(DriverConformanceTest, ReaderStartsAtOffset) {
  ASSERT_OK(driver_->PutContent("/r/f", "0123456789"));
  EXPECT_EQ(ReadAll(*driver_, "/r/f", 0), "0123456789");
  EXPECT_EQ(ReadAll(*driver_, "/r/f", 3), "3456789");
  EXPECT_EQ(ReadAll(*driver_, "/r/f", 10), "");
  EXPECT_THAT(driver_->Reader("/r/f", 11),
              StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(driver_->Reader("/r/f", -1),
              StatusIs(absl::StatusCode::kOutOfRange));
  ASSERT_OK(driver_->Delete("/r"));
}

TEST_P(DriverConformanceTest, WriterResumesByAppending) {
  {
    auto writer = driver_->Writer("/w/data", /*append=*/false);
    ASSERT_OK(writer);
    ASSERT_OK((*writer)->Write("hello "));
    EXPECT_EQ((*writer)->Size(), 6);
    ASSERT_OK((*writer)->Commit());
  }  // Closed without removing data, as a restarted process would find it.
  {
    auto writer = driver_->Writer("/w/data", /*append=*/true);
    ASSERT_OK(writer);
    EXPECT_EQ((*writer)->Size(), 6);
    ASSERT_OK((*writer)->Write("world"));
    ASSERT_OK((*writer)->Commit());
    EXPECT_EQ((*writer)->Size(), 11);
  }
  EXPECT_EQ(*driver_->GetContent("/w/data"), "hello world");
  {
    auto writer = driver_->Writer("/w/data", /*append=*/false);
    ASSERT_OK(writer);
    EXPECT_EQ((*writer)->Size(), 0);
    ASSERT_OK((*writer)->Write("new"));
    ASSERT_OK((*writer)->Commit());
  }
  EXPECT_EQ(*driver_->GetContent("/w/data"), "new");
  ASSERT_OK(driver_->Delete("/w"));
}

TEST_P(DriverConformanceTest, WriterResumesFromAnotherDriverInstance) {
  {
    auto writer = driver_->Writer("/s/data", /*append=*/false);
    ASSERT_OK(writer);
    ASSERT_OK((*writer)->Write("first "));
    ASSERT_OK((*writer)->Commit());
  }
  drivers::StorageDriverPtr sibling = GetParam().make_sibling();
  auto writer = sibling->Writer("/s/data", /*append=*/true);
  ASSERT_OK(writer);
  EXPECT_EQ((*writer)->Size(), 6);
  ASSERT_OK((*writer)->Write("second"));
  ASSERT_OK((*writer)->Commit());
  EXPECT_EQ(*driver_->GetContent("/s/data"), "first second");
  ASSERT_OK(sibling->Delete("/s"));
}

TEST_P(DriverConformanceTest, AnOpenedWriterMakesAnEmptyFile) {
  {
    auto writer = driver_->Writer("/e/data", /*append=*/true);
    ASSERT_OK(writer);
    EXPECT_EQ((*writer)->Size(), 0);
  }  // Closed without a write or a Commit().
  EXPECT_EQ(driver_->Stat("/e/data")->size, 0);
  EXPECT_THAT(*driver_->List("/e"), ElementsAre("/e/data"));
  ASSERT_OK(driver_->Move("/e/data", "/e/moved"));
  EXPECT_EQ(*driver_->GetContent("/e/moved"), "");
  ASSERT_OK(driver_->Delete("/e"));
}

TEST_P(DriverConformanceTest, PutContentVolatileReplacesWholeContent) {
  ASSERT_OK(driver_->PutContentVolatile("/v/state", "first"));
  EXPECT_EQ(*driver_->GetContent("/v/state"), "first");
  ASSERT_OK(driver_->PutContentVolatile("/v/state", "second, longer"));
  EXPECT_EQ(*driver_->GetContent("/v/state"), "second, longer");
  EXPECT_THAT(driver_->PutContentVolatile("/v/../x", "x"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK(driver_->Delete("/v"));
}

TEST_P(DriverConformanceTest, CancelRemovesTheFile) {
  auto writer = driver_->Writer("/c/data", /*append=*/false);
  ASSERT_OK(writer);
  ASSERT_OK((*writer)->Write("bytes"));
  ASSERT_OK((*writer)->Cancel());
  EXPECT_THAT(driver_->Stat("/c/data"), StatusIs(absl::StatusCode::kNotFound));
  absl::Status cleanup = driver_->Delete("/c");
  EXPECT_TRUE(cleanup.ok() || absl::IsNotFound(cleanup)) << cleanup;
}

TEST_P(DriverConformanceTest, LargeObjectStreamsWithBoundedMemory) {
  const int64_t total = GetParam().large_object_bytes;
  const size_t chunk = 1 << 20;
  int64_t peak_before = PeakResidentBytes(getpid());
  Sha256Hasher written;
  {
    auto writer = driver_->Writer("/large/data", /*append=*/false);
    ASSERT_OK(writer);
    for (int64_t i = 0; i * static_cast<int64_t>(chunk) < total; ++i) {
      std::string bytes = Chunk(i, chunk);
      written.Update(bytes);
      ASSERT_OK((*writer)->Write(bytes));
    }
    ASSERT_OK((*writer)->Commit());
    EXPECT_EQ((*writer)->Size(), total);
  }
  auto reader = driver_->Reader("/large/data", 0);
  ASSERT_OK(reader);
  Sha256Hasher read;
  std::string buf(chunk, '\0');
  while (true) {
    absl::StatusOr<size_t> n = (*reader)->Read(buf.data(), buf.size());
    ASSERT_OK(n);
    if (*n == 0) break;
    read.Update(absl::string_view(buf.data(), *n));
  }
  reader->reset();
  EXPECT_EQ(read.bytes(), static_cast<uint64_t>(total));
  EXPECT_EQ(read.Finish(), written.Finish());
  if (GetParam().bounded_memory) {
    int64_t growth = PeakResidentBytes(getpid()) - peak_before;
    EXPECT_LT(growth, 32 << 20)
        << "streaming " << total << " bytes grew the peak RSS by " << growth;
  }
  ASSERT_OK(driver_->Delete("/large"));
}

TEST_P(DriverConformanceTest, ConcurrentWritersToDifferentPaths) {
  constexpr int kWriters = 8;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      std::string path = absl::StrCat("/cw/", w, "/data");
      auto writer = driver_->Writer(path, false);
      if (!writer.ok()) {
        ++failures;
        return;
      }
      for (int i = 0; i < 64; ++i) {
        if (!(*writer)->Write(Chunk(w * 1000 + i, 4096)).ok()) ++failures;
      }
      if (!(*writer)->Commit().ok()) ++failures;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  for (int w = 0; w < kWriters; ++w) {
    std::string expected;
    for (int i = 0; i < 64; ++i) expected += Chunk(w * 1000 + i, 4096);
    EXPECT_EQ(*driver_->GetContent(absl::StrCat("/cw/", w, "/data")), expected);
  }
  ASSERT_OK(driver_->Delete("/cw"));
}

TEST_P(DriverConformanceTest, ConcurrentWritersToTheSamePathLeaveOneWhole) {
  // Two patterns storaged relies on: PutContent to one path, and writing a
  // private file then moving it onto one shared path (blob commit).
  constexpr int kWriters = 8;
  const size_t size = 256 << 10;
  std::vector<std::thread> threads;
  drivers::StorageDriverPtr sibling = GetParam().make_sibling();
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      drivers::StorageDriver& d = (w % 2 == 0) ? *driver_ : *sibling;
      for (int round = 0; round < 5; ++round) {
        EXPECT_OK(d.PutContent("/same/put", Chunk(w, size)));
        std::string own = absl::StrCat("/same/uploads/", w);
        auto writer = d.Writer(own, false);
        ASSERT_OK(writer);
        ASSERT_OK((*writer)->Write(Chunk(w, size)));
        ASSERT_OK((*writer)->Commit());
        EXPECT_OK(d.Move(own, "/same/moved"));
      }
    });
  }
  std::atomic<bool> done{false};
  std::thread reader([&] {
    std::set<std::string> valid;
    for (int w = 0; w < kWriters; ++w) valid.insert(Chunk(w, size));
    while (!done) {
      absl::StatusOr<std::string> got = driver_->GetContent("/same/put");
      if (got.ok()) {
        EXPECT_EQ(valid.count(*got), 1u) << "torn read";
      }
    }
  });
  for (auto& t : threads) t.join();
  done = true;
  reader.join();
  for (const char* path : {"/same/put", "/same/moved"}) {
    absl::StatusOr<std::string> got = driver_->GetContent(path);
    ASSERT_OK(got);
    bool whole = false;
    for (int w = 0; w < kWriters; ++w) whole |= *got == Chunk(w, size);
    EXPECT_TRUE(whole) << path << " holds no writer's whole content";
  }
  ASSERT_OK(driver_->Delete("/same"));
}

TEST_P(DriverConformanceTest, StatTellsFilesFromDirectories) {
  ASSERT_OK(driver_->PutContent("/st/dir/file", "12345"));
  absl::StatusOr<FileInfo> dir = driver_->Stat("/st/dir");
  ASSERT_OK(dir);
  EXPECT_TRUE(dir->is_dir);
  absl::StatusOr<FileInfo> file = driver_->Stat("/st/dir/file");
  ASSERT_OK(file);
  EXPECT_FALSE(file->is_dir);
  EXPECT_EQ(file->size, 5);
  EXPECT_EQ(file->path, "/st/dir/file");
  EXPECT_GT(file->mod_time, absl::UnixEpoch());
  ASSERT_OK(driver_->Delete("/st"));
}

TEST_P(DriverConformanceTest, ListReturnsSortedDirectChildren) {
  for (const char* path : {"/l/b", "/l/a-b", "/l/a/x", "/l/a/y/z", "/l/C"}) {
    ASSERT_OK(driver_->PutContent(path, "x"));
  }
  EXPECT_THAT(*driver_->List("/l"),
              ElementsAre("/l/C", "/l/a", "/l/a-b", "/l/b"));
  EXPECT_THAT(*driver_->List("/l/a"), ElementsAre("/l/a/x", "/l/a/y"));
  EXPECT_THAT(*driver_->List("/"), ElementsAre("/l"));
  ASSERT_OK(driver_->Delete("/l"));
}

TEST_P(DriverConformanceTest, DeepTreesWork) {
  std::string path;
  for (int i = 0; i < 40; ++i) absl::StrAppend(&path, "/d", i);
  ASSERT_OK(driver_->PutContent(path + "/leaf", "deep"));
  EXPECT_EQ(*driver_->GetContent(path + "/leaf"), "deep");
  int visited = 0;
  ASSERT_OK(driver_->Walk("/", [&](const FileInfo&) {
    ++visited;
    return WalkAction::kContinue;
  }));
  EXPECT_EQ(visited, 41);
  ASSERT_OK(driver_->Delete("/d0"));
}

TEST_P(DriverConformanceTest, WalkIsPreOrderInKeyOrderWithSkipAndStop) {
  for (const char* path :
       {"/wk/b/1", "/wk/a/2", "/wk/a/1", "/wk/a-z", "/wk/c/deep/x"}) {
    ASSERT_OK(driver_->PutContent(path, "x"));
  }
  std::vector<std::string> seen;
  ASSERT_OK(driver_->Walk("/wk", [&](const FileInfo& info) {
    seen.push_back(info.path + (info.is_dir ? "/" : ""));
    return info.path == "/wk/b" ? WalkAction::kSkipDir : WalkAction::kContinue;
  }));
  // Key order: "a-z" sorts before directory "a", as "a/" would.
  EXPECT_THAT(seen,
              ElementsAre("/wk/a-z", "/wk/a/", "/wk/a/1", "/wk/a/2", "/wk/b/",
                          "/wk/c/", "/wk/c/deep/", "/wk/c/deep/x"));
  seen.clear();
  ASSERT_OK(driver_->Walk("/wk", [&](const FileInfo& info) {
    seen.push_back(info.path);
    return info.path == "/wk/a/1" ? WalkAction::kStop : WalkAction::kContinue;
  }));
  EXPECT_THAT(seen, ElementsAre("/wk/a-z", "/wk/a", "/wk/a/1"));
  ASSERT_OK(driver_->Delete("/wk"));
}

TEST_P(DriverConformanceTest, MoveReplacesAnExistingTarget) {
  ASSERT_OK(driver_->PutContent("/mv/src", "new"));
  ASSERT_OK(driver_->PutContent("/mv/dst/file", "old"));
  ASSERT_OK(driver_->Move("/mv/src", "/mv/dst/file"));
  EXPECT_EQ(*driver_->GetContent("/mv/dst/file"), "new");
  EXPECT_THAT(driver_->Stat("/mv/src"), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK(driver_->Move("/mv/dst/file", "/mv/created/parents/file"));
  EXPECT_EQ(*driver_->GetContent("/mv/created/parents/file"), "new");
  ASSERT_OK(driver_->Delete("/mv"));
}

TEST_P(DriverConformanceTest, DeleteRemovesFilesAndTrees) {
  ASSERT_OK(driver_->PutContent("/del/keep", "k"));
  ASSERT_OK(driver_->PutContent("/del/tree/a", "a"));
  ASSERT_OK(driver_->PutContent("/del/tree/sub/b", "b"));
  ASSERT_OK(driver_->Delete("/del/tree"));
  EXPECT_THAT(driver_->Stat("/del/tree/sub/b"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(*driver_->List("/del"), ElementsAre("/del/keep"));
  ASSERT_OK(driver_->Delete("/del/keep"));
  EXPECT_THAT(driver_->GetContent("/del/keep"),
              StatusIs(absl::StatusCode::kNotFound));
  absl::Status cleanup = driver_->Delete("/del");
  EXPECT_TRUE(cleanup.ok() || absl::IsNotFound(cleanup)) << cleanup;
}

TEST_P(DriverConformanceTest, DeleteFilesRemovesManyAndSkipsMissing) {
  std::vector<std::string> files;
  for (int i = 0; i < 1203; ++i) {  // More than one S3 batch.
    files.push_back(absl::StrCat("/many/d", i % 7, "/f", i));
  }
  for (size_t i = 0; i < files.size(); i += 100) {
    ASSERT_OK(driver_->PutContent(files[i], "x"));
  }
  ASSERT_OK(driver_->PutContent("/many/d0/keep", "k"));
  ASSERT_OK(driver_->DeleteFiles(files));  // Most of them are missing.
  for (size_t i = 0; i < files.size(); i += 100) {
    EXPECT_THAT(driver_->Stat(files[i]), StatusIs(absl::StatusCode::kNotFound))
        << files[i];
  }
  EXPECT_EQ(*driver_->GetContent("/many/d0/keep"), "k");
  EXPECT_THAT(*driver_->List("/many"), ElementsAre("/many/d0"));
  ASSERT_OK(driver_->DeleteFiles({}));
  ASSERT_OK(driver_->Delete("/many"));
}

TEST_P(DriverConformanceTest, NamesAtTheEdgesOfTheGrammar) {
  const std::string longest(255, 'n');
  for (const std::string& name :
       {std::string("a"), std::string("A.b_c-D"), std::string("..."),
        std::string("-_."), std::string(".hidden"), longest}) {
    std::string path = "/edge/" + name;
    ASSERT_OK(driver_->PutContent(path, name)) << name;
    EXPECT_EQ(*driver_->GetContent(path), name);
  }
  EXPECT_EQ(driver_->List("/edge")->size(), 6u);
  for (const char* bad : {"", "relative", "/a//b", "/a/../b", "/a/./b", "/.",
                          "/a/", "/a b", "/a\\b", "/caf\xc3\xa9", "/a\n"}) {
    EXPECT_THAT(driver_->PutContent(bad, "x"),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << "path \"" << bad << "\"";
    EXPECT_THAT(driver_->GetContent(bad),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
  EXPECT_THAT(driver_->Delete("/"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK(driver_->Delete("/edge"));
}

TEST_P(DriverConformanceTest, URLForIsUnimplementedOrAURL) {
  ASSERT_OK(driver_->PutContent("/u/f", "x"));
  absl::StatusOr<std::string> url =
      driver_->URLFor("/u/f", absl::Now() + absl::Minutes(5));
  if (url.ok()) {
    EXPECT_FALSE(url->empty());
  } else {
    EXPECT_THAT(url, StatusIs(absl::StatusCode::kUnimplemented));
  }
  ASSERT_OK(driver_->Delete("/u"));
}

TEST_P(DriverConformanceTest, LockExcludesOtherHoldersInAnyInstance) {
  ASSERT_OK(driver_->PutContent("/l/f", "x"));
  drivers::StorageDriverPtr sibling = GetParam().make_sibling();
  {
    absl::StatusOr<drivers::PathLockPtr> held =
        driver_->Lock("/l/lock", absl::Seconds(5));
    ASSERT_OK(held);
    ASSERT_OK((*held)->Check());
    absl::Time start = absl::Now();
    EXPECT_THAT(sibling->Lock("/l/lock", absl::Milliseconds(200)),
                StatusIs(absl::StatusCode::kAborted));
    EXPECT_GE(absl::Now() - start, absl::Milliseconds(200));
    EXPECT_THAT(driver_->Lock("/l/lock", absl::ZeroDuration()),
                StatusIs(absl::StatusCode::kAborted));
    // Another name is another lock.
    EXPECT_OK(sibling->Lock("/l/other", absl::ZeroDuration()));
  }  // Released.
  EXPECT_OK(sibling->Lock("/l/lock", absl::ZeroDuration()));
  ASSERT_OK(driver_->Delete("/l"));
}

TEST_P(DriverConformanceTest, AWaiterGetsTheLockWhenItIsReleased) {
  ASSERT_OK(driver_->PutContent("/w/f", "x"));
  absl::StatusOr<drivers::PathLockPtr> held =
      driver_->Lock("/w/lock", absl::Seconds(5));
  ASSERT_OK(held);
  std::atomic<bool> released{false};
  std::thread waiter([&] {
    drivers::StorageDriverPtr sibling = GetParam().make_sibling();
    absl::StatusOr<drivers::PathLockPtr> mine =
        sibling->Lock("/w/lock", absl::Seconds(30));
    EXPECT_OK(mine);
    EXPECT_TRUE(released.load()) << "two holders at once";
  });
  absl::SleepFor(absl::Milliseconds(100));  // Let the waiter wait.
  released = true;
  held->reset();
  waiter.join();
  ASSERT_OK(driver_->Delete("/w"));
}

TEST_P(DriverConformanceTest, LockNeedsItsDirectoryAndGoesWithIt) {
  EXPECT_THAT(driver_->Lock("/nodir/lock", absl::ZeroDuration()),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(driver_->Stat("/nodir"), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK(driver_->PutContent("/gone/f", "x"));
  absl::StatusOr<drivers::PathLockPtr> held =
      driver_->Lock("/gone/lock", absl::Seconds(5));
  ASSERT_OK(held);
  absl::Status waited;
  std::thread waiter([&] {
    drivers::StorageDriverPtr sibling = GetParam().make_sibling();
    waited = sibling->Lock("/gone/lock", absl::Seconds(30)).status();
  });
  absl::SleepFor(absl::Milliseconds(100));  // Let the waiter wait.
  // The holder removes the directory, then releases: the waiter must not
  // hold a lock on something that no longer exists.
  ASSERT_OK(driver_->Delete("/gone"));
  held->reset();
  waiter.join();
  // The contract: NotFound, or a lock in a directory whose content is gone.
  if (!waited.ok() || GetParam().directories_vanish_at_once) {
    EXPECT_THAT(waited, StatusIs(absl::StatusCode::kNotFound));
  }
  EXPECT_THAT(driver_->Stat("/gone/f"), StatusIs(absl::StatusCode::kNotFound));
  absl::Status cleaned = driver_->Delete("/gone");  // A waiter's lock file.
  if (!cleaned.ok()) {
    EXPECT_THAT(cleaned, StatusIs(absl::StatusCode::kNotFound));
  }
}

}  // namespace
}  // namespace registry::testing
