// A 1 GiB blob pushed through the gateway (monolithic, then chunked) and
// pulled back never sits in memory: the peak RSS of the gateway and of
// storaged each grows by less than 64 MiB.
#include <httplib.h>

#include <iostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/process_stats.h"
#include "common/sha256.h"
#include "gtest/gtest.h"
#include "tests/testing/gateway_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_data.h"

namespace registry::testing {
namespace {

constexpr int64_t kTotal = int64_t{1} << 30;
constexpr size_t kChunk = 1 << 20;
constexpr int64_t kMaxGrowth = 32 << 20;

// Streams chunks [first, first + count) of the test stream as a body.
httplib::ContentProvider Body(int64_t first, Sha256Hasher* hasher) {
  return [first, hasher](size_t offset, size_t, httplib::DataSink& sink) {
    std::string bytes =
        Chunk(first + static_cast<int64_t>(offset / kChunk), kChunk);
    if (hasher != nullptr) hasher->Update(bytes);
    return sink.write(bytes.data(), bytes.size());
  };
}

class StreamingMemoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Registry> registry = StartRegistry(NewTempDir("root"));
    ASSERT_OK(registry);
    registry_ = *std::move(registry);
    client_ =
        std::make_unique<httplib::Client>("127.0.0.1", registry_.gateway.port);
    client_->set_read_timeout(300);
    client_->set_write_timeout(300);
    // Warm both processes up before the baseline.
    std::string small = Chunk(424242, kChunk);
    Sha256Hasher h;
    h.Update(small);
    auto warm = client_->Post(
        "/v2/mem/warm/blobs/uploads/?digest=" + h.Finish().ToString(), small,
        "application/octet-stream");
    ASSERT_TRUE(warm);
    ASSERT_EQ(warm->status, 201);
    gateway_base_ = PeakResidentBytes(registry_.gateway.process->pid());
    storaged_base_ = PeakResidentBytes(registry_.storaged.process->pid());
  }

  void TearDown() override {
    int64_t gateway =
        PeakResidentBytes(registry_.gateway.process->pid()) - gateway_base_;
    int64_t storaged =
        PeakResidentBytes(registry_.storaged.process->pid()) - storaged_base_;
    std::cout << "peak RSS growth: gateway " << gateway << " (base "
              << gateway_base_ << "), storaged " << storaged << " (base "
              << storaged_base_ << ")\n";
    EXPECT_LT(gateway, kMaxGrowth);
    EXPECT_LT(storaged, kMaxGrowth);
  }

  // Pulls the blob and returns its digest.
  std::string Pull(const std::string& path) {
    Sha256Hasher hasher;
    int64_t received = 0;
    auto response = client_->Get(path.c_str(), [&](const char* data, size_t n) {
      hasher.Update(absl::string_view(data, n));
      received += static_cast<int64_t>(n);
      return true;
    });
    EXPECT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(received, kTotal);
    return hasher.Finish().ToString();
  }

  Registry registry_;
  std::unique_ptr<httplib::Client> client_;
  int64_t gateway_base_ = 0;
  int64_t storaged_base_ = 0;
};

TEST_F(StreamingMemoryTest, MonolithicGibPushAndPull) {
  Sha256Hasher expected;
  for (int64_t i = 0; i < kTotal / static_cast<int64_t>(kChunk); ++i) {
    expected.Update(Chunk(i, kChunk));
  }
  std::string digest = expected.Finish().ToString();
  auto push =
      client_->Post("/v2/mem/mono/blobs/uploads/?digest=" + digest, kTotal,
                    Body(0, nullptr), "application/octet-stream");
  ASSERT_TRUE(push);
  ASSERT_EQ(push->status, 201) << push->body;
  EXPECT_EQ(Pull("/v2/mem/mono/blobs/" + digest), digest);
}

TEST_F(StreamingMemoryTest, ChunkedGibPushAndPull) {
  auto start = client_->Post("/v2/mem/chunked/blobs/uploads/", "",
                             "application/octet-stream");
  ASSERT_TRUE(start);
  std::string location = start->get_header_value("Location");
  Sha256Hasher hasher;
  const int64_t part = kTotal / 4;
  for (int i = 0; i < 4; ++i) {
    httplib::Headers headers = {
        {"Content-Range", absl::StrCat(i * part, "-", (i + 1) * part - 1)}};
    auto patch = client_->Patch(location.c_str(), headers, part,
                                Body(i * part / kChunk, &hasher),
                                "application/octet-stream");
    ASSERT_TRUE(patch);
    ASSERT_EQ(patch->status, 202) << patch->body;
    location = patch->get_header_value("Location");
  }
  std::string digest = hasher.Finish().ToString();
  auto put = client_->Put((location + "?digest=" + digest).c_str(), "",
                          "application/octet-stream");
  ASSERT_TRUE(put);
  ASSERT_EQ(put->status, 201) << put->body;
  EXPECT_EQ(Pull("/v2/mem/chunked/blobs/" + digest), digest);
}

}  // namespace
}  // namespace registry::testing
