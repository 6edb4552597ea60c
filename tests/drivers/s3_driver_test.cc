// The driver conformance suite on a real S3 server (Ceph RADOS Gateway
// started by scripts/s3-server.sh), plus what only S3 has: equal parts,
// resuming from the multipart upload's listed parts, copies above the
// multipart threshold, presigned URLs.
#include "drivers/s3/s3_driver.h"

#include <httplib.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "drivers/s3/key_walk.h"
#include "drivers/s3/object_store.h"
#include "drivers/s3/s3_options.h"
#include "gmock/gmock.h"
#include "tests/drivers/driver_conformance.h"
#include "tests/testing/s3_server.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_data.h"
#include "tests/testing/wait.h"

namespace registry::testing {
namespace {

namespace s3 = drivers::s3;

std::string& CurrentRoot() {
  static std::string* root = new std::string;
  return *root;
}

s3::S3Options Options(const std::string& root,
                      std::map<std::string, std::string> extra = {}) {
  drivers::DriverParams params = SharedS3Server().DriverParams(root);
  for (auto& [key, value] : extra) params[key] = value;
  absl::StatusOr<s3::S3Options> options =
      s3::ParseS3Options(params, [](const char*) { return nullptr; });
  EXPECT_OK(options);
  return *options;
}

drivers::StorageDriverPtr OpenRoot(const std::string& root) {
  // Copies above 8 MiB use UploadPartCopy, so the suite's large object
  // exercises the multipart copy on Move.
  auto driver = drivers::S3Driver::Open(
      Options(root, {{"multipartcopythresholdsize", absl::StrCat(8 << 20)},
                     {"multipartcopychunksize", absl::StrCat(5 << 20)}}));
  EXPECT_OK(driver);
  if (!driver.ok()) return nullptr;
  return std::move(*driver);
}

DriverUnderTest S3() {
  DriverUnderTest d;
  d.name = "S3";
  d.directories_vanish_at_once = false;
  d.make = [] {
    static int counter = 0;
    CurrentRoot() = absl::StrCat("/conformance-", getpid(), "-", ++counter);
    return OpenRoot(CurrentRoot());
  };
  d.make_sibling = [] { return OpenRoot(CurrentRoot()); };
  d.large_object_bytes = int64_t{96} << 20;
  d.bounded_memory = true;
  return d;
}

INSTANTIATE_TEST_SUITE_P(S3, DriverConformanceTest, ::testing::Values(S3()),
                         DriverName);

class S3DriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = absl::StrCat("s3-only-", getpid(), "-", ++counter_);
    driver_ = OpenRoot("/" + root_);
    ASSERT_NE(driver_, nullptr);
    auto client = s3::S3Client::Create(Options(root_).endpoint);
    ASSERT_OK(client);
    store_ = std::make_unique<s3::ObjectStore>(*std::move(client));
  }

  // Multipart uploads left open below this test's root.
  int OpenUploads() {
    auto uploads = store_->ListUploads(root_ + "/");
    EXPECT_OK(uploads);
    return uploads.ok() ? static_cast<int>(uploads->size()) : -1;
  }

  std::string root_;
  static inline int counter_ = 0;
  drivers::StorageDriverPtr driver_;
  std::unique_ptr<s3::ObjectStore> store_;  // Raw access to the bucket.
};

TEST_F(S3DriverTest, PartsAreEqualAndResumeFromTheListedParts) {
  const int64_t part = 5 << 20;
  std::string first = Chunk(1, part + 1000);  // One full part and a tail.
  {
    auto writer = driver_->Writer("/up/data", false);
    ASSERT_OK(writer);
    ASSERT_OK((*writer)->Write(first));
    ASSERT_OK((*writer)->Commit());
  }
  const std::string key = root_ + "/up/data";
  // Not yet an object: a multipart upload with one part of `part` bytes
  // and a pending object with the 1000 bytes after it.
  EXPECT_THAT(store_->Head(key), StatusIs(absl::StatusCode::kNotFound));
  absl::StatusOr<std::vector<s3::UploadEntry>> uploads =
      store_->ListUploads(key);
  ASSERT_OK(uploads);
  ASSERT_EQ(uploads->size(), 1u);
  auto parts = store_->ListParts(key, (*uploads)[0].upload_id);
  ASSERT_OK(parts);
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].size, part);
  EXPECT_EQ(driver_->Stat("/up/data")->size, part + 1000);

  // Another process resumes: more than a part more, then finishes by
  // moving the file into place.
  drivers::StorageDriverPtr other = OpenRoot("/" + root_);
  std::string second = Chunk(2, 2 * part);
  {
    auto writer = other->Writer("/up/data", true);
    ASSERT_OK(writer);
    EXPECT_EQ((*writer)->Size(), part + 1000);
    ASSERT_OK((*writer)->Write(second));
    ASSERT_OK((*writer)->Commit());
  }
  parts = store_->ListParts(key, (*uploads)[0].upload_id);
  ASSERT_OK(parts);
  ASSERT_EQ(parts->size(), 3u);
  for (const s3::PartEntry& p : *parts) EXPECT_EQ(p.size, part);

  ASSERT_OK(driver_->Move("/up/data", "/blob/data"));
  EXPECT_EQ(*driver_->GetContent("/blob/data"), first + second);
  EXPECT_EQ(OpenUploads(), 0);
  EXPECT_THAT(driver_->Stat("/up"), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK(driver_->Delete("/blob"));
}

TEST_F(S3DriverTest, UncommittedBytesAreNotKept) {
  {
    auto writer = driver_->Writer("/u/data", false);
    ASSERT_OK(writer);
    ASSERT_OK((*writer)->Write("kept"));
    ASSERT_OK((*writer)->Commit());
    ASSERT_OK((*writer)->Write(Chunk(3, 6 << 20)));  // A part goes up...
  }  // ...but without Commit() the file stays as committed.
  auto writer = driver_->Writer("/u/data", true);
  ASSERT_OK(writer);
  EXPECT_EQ((*writer)->Size(), 4);
  ASSERT_OK((*writer)->Write(" and more"));
  ASSERT_OK((*writer)->Commit());
  EXPECT_EQ(*driver_->GetContent("/u/data"), "kept and more");
  ASSERT_OK(driver_->Delete("/u"));
  EXPECT_EQ(OpenUploads(), 0);
}

TEST_F(S3DriverTest, SmallFilesAreOnePutWithoutMultipart) {
  auto writer = driver_->Writer("/small/data", false);
  ASSERT_OK(writer);
  ASSERT_OK((*writer)->Write("tiny"));
  ASSERT_OK((*writer)->Commit());
  writer->reset();
  ASSERT_OK(driver_->Move("/small/data", "/small/moved"));
  EXPECT_EQ(OpenUploads(), 0);
  EXPECT_EQ(*driver_->GetContent("/small/moved"), "tiny");
  ASSERT_OK(driver_->Delete("/small"));
}

// Walk streams pages: every page size visits the same entries in key
// order, skipping a directory whose keys span pages lists on after it, and
// an unfinished file (only a pending object) shows once with its size.
TEST_F(S3DriverTest, WalkStreamsPagesInKeyOrderAndSkipsAcrossPages) {
  for (const char* path : {"/w/a-1", "/w/a/1", "/w/a/2", "/w/a/3", "/w/a/4",
                           "/w/a/sub/x", "/w/a0", "/w/b/1", "/w/b/2"}) {
    ASSERT_OK(driver_->PutContent(path, "x"));
  }
  auto writer = driver_->Writer("/w/b/up", false);
  ASSERT_OK(writer);
  ASSERT_OK((*writer)->Write("unfinished"));
  ASSERT_OK((*writer)->Commit());
  writer->reset();
  ASSERT_OK(driver_->PutContent("/w/c", "x"));
  const std::vector<std::string> all = {
      "/w/a-1", "/w/a/",     "/w/a/1",     "/w/a/2", "/w/a/3",
      "/w/a/4", "/w/a/sub/", "/w/a/sub/x", "/w/a0",  "/w/b/",
      "/w/b/1", "/w/b/2",    "/w/b/up=10", "/w/c"};
  const std::vector<std::string> skipping_a = {"/w/a-1",     "/w/a/",  "/w/a0",
                                               "/w/b/",      "/w/b/1", "/w/b/2",
                                               "/w/b/up=10", "/w/c"};
  for (int page : {1, 2, 3, 1000}) {
    for (bool skip : {false, true}) {
      std::vector<std::string> seen;
      ASSERT_OK(s3::WalkKeys(
          *store_, "/w", root_ + "/w/", page, [&](const drivers::FileInfo& f) {
            std::string entry = f.path + (f.is_dir ? "/" : "");
            if (f.path == "/w/b/up") absl::StrAppend(&entry, "=", f.size);
            seen.push_back(entry);
            return skip && f.path == "/w/a" ? drivers::WalkAction::kSkipDir
                                            : drivers::WalkAction::kContinue;
          }));
      EXPECT_EQ(seen, skip ? skipping_a : all) << "page size " << page;
    }
  }
  EXPECT_THAT(s3::WalkKeys(*store_, "/none", root_ + "/none/", 2,
                           [](const drivers::FileInfo&) {
                             return drivers::WalkAction::kContinue;
                           }),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK(driver_->Delete("/w"));
  EXPECT_EQ(OpenUploads(), 0);
}

TEST_F(S3DriverTest, PresignedURLsServeTheContentUntilTheyExpire) {
  ASSERT_OK(driver_->PutContent("/p/f", "presigned content"));
  absl::StatusOr<std::string> url =
      driver_->URLFor("/p/f", absl::Now() + absl::Minutes(5));
  ASSERT_OK(url);
  std::string origin = SharedS3Server().endpoint();
  httplib::Client client(origin);
  auto res = client.Get(url->substr(origin.size()));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "presigned content");

  // A tampered URL is refused.
  std::string tampered = url->substr(origin.size());
  tampered.replace(tampered.find("/p/f"), 4, "/p/g");
  res = client.Get(tampered);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_THAT(driver_->URLFor("/p/f", absl::Now() - absl::Seconds(1)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK(driver_->Delete("/p"));
}

TEST_F(S3DriverTest, WrongCredentialsAndMissingBucketAreClearErrors) {
  s3::S3Options wrong = Options(root_, {{"secretkey", "not-the-secret"}});
  EXPECT_THAT(drivers::S3Driver::Open(wrong),
              StatusIs(absl::StatusCode::kInternal));
  s3::S3Options missing = Options(root_, {{"bucket", "no-such-bucket"}});
  EXPECT_THAT(drivers::S3Driver::Open(missing),
              StatusIs(absl::StatusCode::kNotFound));
  s3::S3Options down =
      Options(root_, {{"regionendpoint", "http://127.0.0.1:1"}});
  down.endpoint.max_attempts = 2;
  EXPECT_THAT(drivers::S3Driver::Open(down),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST(S3OptionsTest, DistributionKeysAndEnvironment) {
  auto env = [](const char* name) -> const char* {
    std::string n = name;
    if (n == "AWS_ACCESS_KEY_ID") return "env-access";
    if (n == "AWS_SECRET_ACCESS_KEY") return "env-secret";
    if (n == "AWS_REGION") return "eu-west-1";
    return nullptr;
  };
  auto options = s3::ParseS3Options({{"bucket", "b"}}, env);
  ASSERT_OK(options);
  EXPECT_EQ(options->endpoint.credentials.access_key, "env-access");
  EXPECT_EQ(options->endpoint.region, "eu-west-1");
  EXPECT_EQ(options->endpoint.url, "https://s3.eu-west-1.amazonaws.com");
  EXPECT_FALSE(options->endpoint.path_style);

  options = s3::ParseS3Options({{"bucket", "b"},
                                {"regionendpoint", "minio:9000"},
                                {"secure", "false"},
                                {"forcepathstyle", "true"},
                                {"rootdirectory", "/registry/"},
                                {"accesskey", "a"},
                                {"secretkey", "s"}},
                               env);
  ASSERT_OK(options);
  EXPECT_EQ(options->endpoint.url, "http://minio:9000");
  EXPECT_EQ(options->root_prefix, "registry/");
  EXPECT_EQ(options->endpoint.credentials.access_key, "a");

  EXPECT_THAT(s3::ParseS3Options({}, env),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(s3::ParseS3Options({{"bucket", "b"}, {"chunksize", "1024"}}, env),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(s3::ParseS3Options({{"bucket", "b"}, {"secure", "maybe"}}, env),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(s3::ParseS3Options({{"bucket", "b"}, {"bogus", "1"}}, env),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(s3::ParseS3Options({{"bucket", "b"}},
                                 [](const char*) { return nullptr; }),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(S3DriverTest, ALeaseLeftByADeadHolderIsTakenOverWhenItExpires) {
  ASSERT_OK(driver_->PutContent("/l/f", "x"));
  // Leases of holders that died without releasing them: one expired, one
  // that expires in two seconds.
  const std::string key = root_ + "/l/lock";
  ASSERT_OK(store_->Put(key, "deadholder 0"));
  EXPECT_OK(driver_->Lock("/l/lock", absl::ZeroDuration()));
  absl::Time expiry = absl::Now() + absl::Seconds(2);
  ASSERT_OK(store_->Put(
      key, absl::StrCat("deadholder ", absl::ToUnixSeconds(expiry) + 1)));
  EXPECT_THAT(driver_->Lock("/l/lock", absl::Milliseconds(100)),
              StatusIs(absl::StatusCode::kAborted));
  absl::StatusOr<drivers::PathLockPtr> taken =
      driver_->Lock("/l/lock", absl::Seconds(10));
  ASSERT_OK(taken);
  EXPECT_GE(absl::Now(), expiry);
  // The lease now names this holder; a takeover behind its back is noticed.
  ASSERT_OK(store_->Put(key, "thief 0"));
  // The renewer (every 5 s) finds the lease changed.
  EXPECT_OK(
      WaitFor([&] { return !(*taken)->Check().ok(); }, absl::Seconds(10)));
  EXPECT_THAT((*taken)->Check(), StatusIs(absl::StatusCode::kAborted));
  taken->reset();
  ASSERT_OK(driver_->Delete("/l"));
}

}  // namespace
}  // namespace registry::testing
