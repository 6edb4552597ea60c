// storaged's lifecycle settings through the real gateway: read-only mode
// (reads work, every write is 405 UNSUPPORTED with a clear message),
// deletes disabled, and upload purging by age (and its dry run).
#include <httplib.h>

#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/digest.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/gateway_process.h"
#include "tests/testing/oci_layout.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace registry::testing {
namespace {

using ::testing::HasSubstr;

std::string WriteConfig(const std::string& yaml) {
  std::string path = absl::StrCat(NewTempDir("config"), "/storaged.yml");
  std::ofstream(path) << "log:\n  level: info\n" << yaml;
  return path;
}

absl::StatusOr<Registry> Start(const std::string& root,
                               const std::string& yaml) {
  absl::StatusOr<StoragedProcess> storaged =
      StartStoraged(root, {"--config=" + WriteConfig(yaml)});
  if (!storaged.ok()) return storaged.status();
  absl::StatusOr<GatewayProcess> gateway = StartGateway(storaged->address);
  if (!gateway.ok()) return gateway.status();
  return Registry{*std::move(storaged), *std::move(gateway)};
}

// Pushes a one-layer image as `repo`:v1 with skopeo.
void PushImage(const Registry& registry, const std::string& repo) {
  OciLayout source(NewTempDir("src"));
  absl::StatusOr<OciDescriptor> image = source.AddImage({64 << 10}, "amd64", 3);
  ASSERT_OK(image);
  source.Tag("v1", *image);
  ASSERT_OK(source.Finish());
  ASSERT_OK(Skopeo(
      {"copy", "--dest-tls-verify=false", "oci:" + source.dir() + ":v1",
       absl::StrCat("docker://", registry.gateway.host, "/", repo, ":v1")}));
}

void ExpectUnsupported(const httplib::Result& response,
                       const std::string& message) {
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 405) << response->body;
  EXPECT_THAT(response->body, HasSubstr("\"UNSUPPORTED\""));
  EXPECT_THAT(response->body, HasSubstr(message));
}

TEST(LifecycleTest, ReadOnlyModeServesReadsAndRefusesEveryWrite) {
  std::string root = NewTempDir("root");
  {
    absl::StatusOr<Registry> writable = Start(root, "");
    ASSERT_OK(writable);
    PushImage(*writable, "ro/app");
  }
  absl::StatusOr<Registry> registry = Start(
      root, "storage:\n  maintenance:\n    readonly:\n      enabled: true\n");
  ASSERT_OK(registry);
  httplib::Client client(absl::StrCat("http://", registry->gateway.host));
  auto manifest =
      client.Get("/v2/ro/app/manifests/v1",
                 {{"Accept", "application/vnd.oci.image.manifest.v1+json"}});
  ASSERT_TRUE(manifest);
  EXPECT_EQ(manifest->status, 200);
  std::string back = NewTempDir("back");
  EXPECT_OK(
      Skopeo({"copy", "--src-tls-verify=false",
              absl::StrCat("docker://", registry->gateway.host, "/ro/app:v1"),
              "oci:" + back + ":v1"}));

  ExpectUnsupported(client.Post("/v2/ro/app/blobs/uploads/", "", ""),
                    "read-only mode");
  std::string blob = "bytes";
  ExpectUnsupported(client.Post(("/v2/ro/app/blobs/uploads/?digest=" +
                                 DigestOf(blob).ToString())
                                    .c_str(),
                                blob, "application/octet-stream"),
                    "read-only mode");
  ExpectUnsupported(client.Put("/v2/ro/app/manifests/v2", manifest->body,
                               "application/vnd.oci.image.manifest.v1+json"),
                    "read-only mode");
  ExpectUnsupported(client.Delete("/v2/ro/app/manifests/v1"), "read-only mode");
  auto tags = client.Get("/v2/ro/app/tags/list");
  ASSERT_TRUE(tags);
  EXPECT_THAT(tags->body, HasSubstr("\"v1\""));  // Nothing was removed.
}

TEST(LifecycleTest, DeletesCanBeDisabled) {
  absl::StatusOr<Registry> registry =
      Start(NewTempDir("root"), "storage:\n  delete:\n    enabled: false\n");
  ASSERT_OK(registry);
  PushImage(*registry, "nodel/app");  // Pushing still works.
  httplib::Client client(absl::StrCat("http://", registry->gateway.host));
  ExpectUnsupported(client.Delete("/v2/nodel/app/manifests/v1"),
                    "deletes are disabled");
  auto still = client.Head("/v2/nodel/app/manifests/v1");
  ASSERT_TRUE(still);
  EXPECT_EQ(still->status, 200);
}

// Starts an upload and returns its Location.
std::string StartUpload(httplib::Client& client, const std::string& repo) {
  auto response =
      client.Post(("/v2/" + repo + "/blobs/uploads/").c_str(), "", "");
  EXPECT_TRUE(response);
  EXPECT_EQ(response->status, 202);
  return response ? response->get_header_value("Location") : "";
}

int UploadStatus(httplib::Client& client, const std::string& location) {
  auto response = client.Get(location.c_str());
  return response ? response->status : 0;
}

TEST(LifecycleTest, UploadsOlderThanTheAgeArePurgedAndFreshOnesKept) {
  absl::StatusOr<Registry> registry = Start(
      NewTempDir("root"),
      "storage:\n  maintenance:\n    uploadpurging:\n      enabled: true\n"
      "      age: 3s\n      interval: 250ms\n");
  ASSERT_OK(registry);
  httplib::Client client(absl::StrCat("http://", registry->gateway.host));
  std::string old_upload = StartUpload(client, "purge/app");
  absl::SleepFor(absl::Milliseconds(2500));
  std::string fresh_upload = StartUpload(client, "purge/app");
  absl::SleepFor(absl::Milliseconds(1500));
  EXPECT_EQ(UploadStatus(client, old_upload), 404);
  EXPECT_EQ(UploadStatus(client, fresh_upload), 204);
  EXPECT_OK(registry->storaged.process->WaitForLog(
      "purged 1 uploads older than 3s", absl::Seconds(1)));
}

TEST(LifecycleTest, ADryRunOnlyTellsWhatItWouldPurge) {
  absl::StatusOr<Registry> registry = Start(
      NewTempDir("root"),
      "storage:\n  maintenance:\n    uploadpurging:\n      enabled: true\n"
      "      age: 1s\n      interval: 250ms\n      dryrun: true\n");
  ASSERT_OK(registry);
  httplib::Client client(absl::StrCat("http://", registry->gateway.host));
  std::string upload = StartUpload(client, "dry/app");
  EXPECT_OK(registry->storaged.process->WaitForLog("dry run: would purge 1",
                                                   absl::Seconds(5)));
  EXPECT_EQ(UploadStatus(client, upload), 204);
}

}  // namespace
}  // namespace registry::testing
