// The registry on the s3 driver against a real S3 server (Ceph RADOS
// Gateway, started by scripts/s3-server.sh): skopeo round trips with layers
// of several parts, pulls redirected to presigned URLs (and not when
// redirects are disabled), and an upload resumed on a second storaged after
// the first is killed mid-upload, both on one bucket; a pull-through cache
// on a bucket, shared by two replicas; events stored in the bucket by a
// replica that is killed for good, sent by the other.
#include <signal.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/digest.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "tests/testing/docker_registry_process.h"
#include "tests/testing/event_receiver.h"
#include "tests/testing/gateway_process.h"
#include "tests/testing/oci_layout.h"
#include "tests/testing/s3_server.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/test_data.h"
#include "tests/testing/wait.h"

namespace registry::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

absl::StatusOr<Registry> StartOnS3(const std::string& root, bool redirect,
                                   const std::string& extra_yaml = "") {
  absl::StatusOr<StoragedProcess> storaged = StartStoraged(
      NewTempDir("unused"),
      {"--driver=s3", "--config=" + SharedS3Server().WriteStoragedConfig(
                                        root, redirect, extra_yaml)});
  if (!storaged.ok()) return storaged.status();
  absl::StatusOr<GatewayProcess> gateway = StartGateway(storaged->address);
  if (!gateway.ok()) return gateway.status();
  return Registry{*std::move(storaged), *std::move(gateway)};
}

std::string NewRoot() {
  static int counter = 0;
  return absl::StrCat("e2e-", getpid(), "-", ++counter);
}

TEST(S3EndToEndTest, SkopeoRoundTripWithMultipartLayersAndRedirectedPulls) {
  std::string root = NewRoot();
  absl::StatusOr<Registry> registry = StartOnS3(root, /*redirect=*/true);
  ASSERT_OK(registry);
  OciLayout source(NewTempDir("src"));
  // 23 MiB: four full 5 MiB parts and a tail.
  absl::StatusOr<OciDescriptor> image =
      source.AddImage({4 << 10, 23 << 20}, "amd64", 7);
  ASSERT_OK(image);
  source.Tag("v1", *image);
  ASSERT_OK(source.Finish());
  std::string ref =
      absl::StrCat("docker://", registry->gateway.host, "/s3/app:v1");
  ASSERT_OK(Skopeo(
      {"copy", "--dest-tls-verify=false", "oci:" + source.dir() + ":v1", ref}));

  // skopeo follows the 307s to the object store and gets every byte.
  std::string back = NewTempDir("back");
  ASSERT_OK(
      Skopeo({"copy", "--src-tls-verify=false", ref, "oci:" + back + ":v1"}));
  EXPECT_EQ(LayoutBlobs(back), LayoutBlobs(source.dir()));

  // The blob lives in the bucket under the configured root.
  std::string big;
  int64_t big_size = 0;
  for (const std::string& blob : LayoutBlobs(source.dir())) {
    std::ifstream in(source.dir() + "/blobs/sha256/" + blob, std::ios::binary);
    in.seekg(0, std::ios::end);
    if (in.tellg() > (20 << 20)) {
      big = blob;
      big_size = in.tellg();
    }
  }
  ASSERT_FALSE(big.empty());
  httplib::Client s3(SharedS3Server().endpoint());
  httplib::Client gateway(absl::StrCat("http://", registry->gateway.host));
  std::string blob_url = "/v2/s3/app/blobs/sha256:" + big;

  // HEAD is answered by the gateway; GET redirects to a presigned URL.
  auto head = gateway.Head(blob_url.c_str());
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->get_header_value("Content-Length"), absl::StrCat(big_size));
  auto get = gateway.Get(blob_url.c_str());
  ASSERT_TRUE(get);
  ASSERT_EQ(get->status, 307);
  std::string location = get->get_header_value("Location");
  EXPECT_THAT(location, StartsWith(SharedS3Server().endpoint() + "/" +
                                   SharedS3Server().bucket() + "/" + root +
                                   "/docker/registry/v2/blobs/sha256/"));
  EXPECT_THAT(location, HasSubstr("X-Amz-Signature="));
  std::string path = location.substr(SharedS3Server().endpoint().size());
  auto ranged = s3.Get(path.c_str(), {{"Range", "bytes=10-19"}});
  ASSERT_TRUE(ranged);
  EXPECT_EQ(ranged->status, 206);
  EXPECT_EQ(ranged->body.size(), 10u);
  auto whole = s3.Get(path.c_str());
  ASSERT_TRUE(whole);
  EXPECT_EQ(DigestOf(whole->body).hex(), big);
}

TEST(S3EndToEndTest, PullsStayOnTheGatewayWhenRedirectsAreDisabled) {
  absl::StatusOr<Registry> registry = StartOnS3(NewRoot(), /*redirect=*/false);
  ASSERT_OK(registry);
  httplib::Client gateway(absl::StrCat("http://", registry->gateway.host));
  std::string content = Chunk(5, 7 << 20);
  std::string digest = DigestOf(content).ToString();
  auto put = gateway.Post(("/v2/plain/blobs/uploads/?digest=" + digest).c_str(),
                          content, "application/octet-stream");
  ASSERT_TRUE(put);
  ASSERT_EQ(put->status, 201);
  auto get = gateway.Get(("/v2/plain/blobs/" + digest).c_str());
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, content);

  // An empty blob through POST then PUT: no byte ever written.
  auto start = gateway.Post("/v2/plain/blobs/uploads/", "", "");
  ASSERT_TRUE(start);
  ASSERT_EQ(start->status, 202);
  std::string empty = DigestOf("").ToString();
  auto commit = gateway.Put(
      (start->get_header_value("Location") + "?digest=" + empty).c_str(), "",
      "application/octet-stream");
  ASSERT_TRUE(commit);
  EXPECT_EQ(commit->status, 201) << commit->body;
  get = gateway.Get(("/v2/plain/blobs/" + empty).c_str());
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, "");
}

TEST(S3EndToEndTest, UploadResumesOnAnotherStoragedAfterTheFirstIsKilled) {
  std::string root = NewRoot();
  absl::StatusOr<Registry> first = StartOnS3(root, /*redirect=*/false);
  absl::StatusOr<Registry> second = StartOnS3(root, /*redirect=*/false);
  ASSERT_OK(first);
  ASSERT_OK(second);
  signal(SIGPIPE, SIG_IGN);  // The cut-off PATCH writes to a closed socket.
  httplib::Client one(absl::StrCat("http://", first->gateway.host));
  httplib::Client two(absl::StrCat("http://", second->gateway.host));

  const size_t chunk = 6 << 20;  // A full part and a tail per PATCH.
  std::string content = Chunk(9, 3 * chunk);
  auto start = one.Post("/v2/resume/app/blobs/uploads/", "", "");
  ASSERT_TRUE(start);
  ASSERT_EQ(start->status, 202);
  std::string location = start->get_header_value("Location");
  auto patch = one.Patch(location.c_str(),
                         {{"Content-Range", absl::StrCat("0-", chunk - 1)}},
                         content.substr(0, chunk), "application/octet-stream");
  ASSERT_TRUE(patch);
  ASSERT_EQ(patch->status, 202);
  location = patch->get_header_value("Location");

  // The second PATCH is cut off: storaged dies while the bytes stream in.
  size_t sent = 0;
  auto cut = one.Patch(
      location.c_str(),
      {{"Content-Range", absl::StrCat(chunk, "-", 2 * chunk - 1)}}, chunk,
      [&](size_t offset, size_t length, httplib::DataSink& sink) {
        size_t n = std::min<size_t>(length, 1 << 20);
        sink.write(content.data() + chunk + offset, n);
        sent += n;
        if (sent == (3 << 20)) first->storaged.process->Signal(SIGKILL);
        return true;
      },
      "application/octet-stream");
  EXPECT_TRUE(!cut || cut->status >= 500) << (cut ? cut->body : "");

  // The other storaged, on the same bucket, knows the committed offset...
  auto status = two.Get(location.c_str());
  ASSERT_TRUE(status);
  ASSERT_EQ(status->status, 204);
  EXPECT_EQ(status->get_header_value("Range"), absl::StrCat("0-", chunk - 1));
  // ...and takes the rest.
  patch =
      two.Patch(location.c_str(),
                {{"Content-Range", absl::StrCat(chunk, "-", 3 * chunk - 1)}},
                content.substr(chunk), "application/octet-stream");
  ASSERT_TRUE(patch);
  ASSERT_EQ(patch->status, 202) << patch->body;
  std::string digest = DigestOf(content).ToString();
  auto put = two.Put(
      (patch->get_header_value("Location") + "?digest=" + digest).c_str(), "",
      "application/octet-stream");
  ASSERT_TRUE(put);
  ASSERT_EQ(put->status, 201) << put->body;
  auto get = two.Get(("/v2/resume/app/blobs/" + digest).c_str());
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 200);
  EXPECT_TRUE(get->body == content) << "pulled blob differs";
}

TEST(S3EndToEndTest, PullThroughCacheOnABucketIsSharedByReplicas) {
  absl::StatusOr<DockerRegistryProcess> upstream =
      StartDockerRegistry(NewTempDir("upstream"));
  ASSERT_OK(upstream);
  OciLayout source(NewTempDir("src"));
  absl::StatusOr<OciDescriptor> image =
      source.AddImage({6 << 20, 64 << 10}, "amd64", 21);
  ASSERT_OK(image);
  source.Tag("v1", *image);
  ASSERT_OK(source.Finish());
  ASSERT_OK(Skopeo(
      {"copy", "--dest-tls-verify=false", "oci:" + source.dir() + ":v1",
       absl::StrCat("docker://127.0.0.1:", upstream->port, "/lib/app:v1")}));
  const std::string root = NewRoot();
  const std::string proxy =
      absl::StrCat("proxy:\n  registries:\n    - prefix: hub/\n",
                   "      remoteurl: ", upstream->url, "\n      ttl: 10m\n");
  absl::StatusOr<Registry> first = StartOnS3(root, true, proxy);
  ASSERT_OK(first);
  absl::StatusOr<Registry> second = StartOnS3(root, true, proxy);
  ASSERT_OK(second);
  auto pull = [&](const Registry& registry) {
    return Skopeo(
        {"copy", "--src-tls-verify=false",
         absl::StrCat("docker://", registry.gateway.host, "/hub/lib/app:v1"),
         "oci:" + NewTempDir("pulled") + ":v1"});
  };
  ASSERT_OK(pull(*first));  // Fetched upstream into the bucket.
  // Each blob is stored once its clients have it: config and two layers.
  ASSERT_OK(WaitFor(
      [&] {
        std::ifstream log(first->storaged.process->log_path());
        std::string line;
        int stored = 0;
        while (std::getline(log, line)) {
          stored += absl::StrContains(line, "fetched a blob") ? 1 : 0;
        }
        return stored == 3;
      },
      absl::Seconds(60)));
  upstream->process.reset();  // SIGKILL: only the bucket has it now.
  ASSERT_OK(pull(*second));   // The other replica serves it from there.
  auto pushed = httplib::Client("127.0.0.1", second->gateway.port)
                    .Post("/v2/hub/lib/app/blobs/uploads/");
  ASSERT_TRUE(pushed);
  EXPECT_EQ(pushed->status, 405);
}

TEST(S3EndToEndTest, EventsOfAReplicaKilledForGoodAreSentByTheOther) {
  EventReceiver receiver;
  receiver.Refuse(1 << 30);  // Down while the image is pushed.
  const std::string root = NewRoot();
  const std::string notifications = absl::StrCat(
      "notifications:\n  endpoints:\n    - name: test\n      url: ",
      receiver.url(), "\n      backoff: 100ms\n");
  absl::StatusOr<Registry> doomed = StartOnS3(root, true, notifications);
  ASSERT_OK(doomed);
  absl::StatusOr<Registry> survivor = StartOnS3(root, true, notifications);
  ASSERT_OK(survivor);
  OciLayout source(NewTempDir("src"));
  absl::StatusOr<OciDescriptor> image =
      source.AddImage({64 << 10, 16 << 10}, "amd64", 31);
  ASSERT_OK(image);
  source.Tag("v1", *image);
  ASSERT_OK(source.Finish());
  ASSERT_OK(Skopeo(
      {"copy", "--dest-tls-verify=false", "oci:" + source.dir() + ":v1",
       absl::StrCat("docker://", doomed->gateway.host, "/team/app:v1")}));
  doomed->storaged.process->Signal(SIGKILL);
  ASSERT_OK(doomed->storaged.process->Wait(absl::Seconds(10)).status());
  receiver.Refuse(0);
  // Its lease lapses (15 s); the survivor takes its queue over.
  ASSERT_OK(WaitFor(
      [&] {
        for (const nlohmann::json& event : receiver.events()) {
          if (event["action"] == "push" &&
              event["target"].value("digest", "") == image->digest &&
              event["target"].value("tag", "") == "v1") {
            return true;
          }
        }
        return false;
      },
      absl::Seconds(90)));
  ASSERT_OK(survivor->storaged.process
                ->WaitForLog("took over the event queue", absl::Seconds(10))
                .status());
  // Config and two layers were pushed too.
  int blob_pushes = 0;
  for (const nlohmann::json& event : receiver.events()) {
    blob_pushes +=
        event["action"] == "push" &&
        event["target"].value("mediaType", "") == "application/octet-stream";
  }
  EXPECT_EQ(blob_pushes, 3);
}

}  // namespace
}  // namespace registry::testing
