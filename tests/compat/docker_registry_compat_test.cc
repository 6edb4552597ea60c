// Storage compatibility with CNCF Distribution 2.8 (Debian's docker-registry)
// in both directions, on one filesystem root:
// - docker-registry stores an image (and leaves an upload half done); the
//   storaged binary then serves every blob, manifest and tag of it, and
//   finishes the upload from docker-registry's saved SHA-256 state;
// - storaged stores an image; docker-registry then serves all of it.
#include <httplib.h>
#include <signal.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/digest.h"
#include "common/grpc_status.h"
#include "common/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/catalog.grpc.pb.h"
#include "proto/manifest.grpc.pb.h"
#include "proto/tag.grpc.pb.h"
#include "proto/upload.grpc.pb.h"
#include "tests/testing/docker_registry_process.h"
#include "tests/testing/registry_client.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/storaged_process.h"
#include "tests/testing/test_data.h"

namespace registry::testing {
namespace {

using ::testing::ElementsAre;

constexpr char kManifestType[] = "application/vnd.oci.image.manifest.v1+json";
const std::string kRepo = "compat/image";

struct Image {
  std::string config = R"({"architecture":"amd64","os":"linux"})";
  std::vector<std::string> layers = {Chunk(1, 3 << 20), Chunk(2, 100000)};

  std::string Manifest() const {
    std::string out = absl::StrCat(
        R"({"schemaVersion":2,"mediaType":")", kManifestType,
        R"(","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")",
        DigestOf(config).ToString(), R"(","size":)", config.size(),
        R"(},"layers":[)");
    for (size_t i = 0; i < layers.size(); ++i) {
      absl::StrAppend(
          &out, i ? "," : "",
          R"({"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":")",
          DigestOf(layers[i]).ToString(), R"(","size":)", layers[i].size(),
          "}");
    }
    return out + "]}";
  }
};

// The path and query of a Location header (docker-registry sends URLs).
std::string PathOf(const std::string& location) {
  size_t scheme = location.find("://");
  if (scheme == std::string::npos) return location;
  return location.substr(location.find('/', scheme + 3));
}

// Pushes through docker-registry's HTTP API; returns the upload location
// after the PATCH of `first_part` for chunked pushes.
class HttpPusher {
 public:
  explicit HttpPusher(int port) : client_("127.0.0.1", port) {}

  std::string StartUpload() {
    auto response = client_.Post(absl::StrCat("/v2/", kRepo, "/blobs/uploads/"),
                                 "", "application/octet-stream");
    EXPECT_TRUE(response);
    EXPECT_EQ(response->status, 202);
    return PathOf(response->get_header_value("Location"));
  }

  std::string Patch(const std::string& location, const std::string& bytes) {
    auto response =
        client_.Patch(location.c_str(), bytes, "application/octet-stream");
    EXPECT_TRUE(response);
    EXPECT_EQ(response->status, 202);
    return PathOf(response->get_header_value("Location"));
  }

  void Finish(const std::string& location, const std::string& digest) {
    std::string sep = location.find('?') == std::string::npos ? "?" : "&";
    auto response = client_.Put(absl::StrCat(location, sep, "digest=", digest),
                                "", "application/octet-stream");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 201) << response->body;
  }

  void PushBlob(const std::string& content) {
    std::string location = StartUpload();
    location = Patch(location, content.substr(0, content.size() / 2));
    location = Patch(location, content.substr(content.size() / 2));
    Finish(location, DigestOf(content).ToString());
  }

  void PutManifest(const std::string& reference, const std::string& body) {
    auto response =
        client_.Put(absl::StrCat("/v2/", kRepo, "/manifests/", reference), body,
                    kManifestType);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 201) << response->body;
  }

  httplib::Client& client() { return client_; }

 private:
  httplib::Client client_;
};

TEST(DockerRegistryCompatTest, StoragedServesWhatDockerRegistryStored) {
  const std::string root = NewTempDir("compat-root");
  Image image;
  std::string half_done = Chunk(7, 2 << 20);
  std::string upload_id;
  {
    absl::StatusOr<DockerRegistryProcess> registry = StartDockerRegistry(root);
    ASSERT_OK(registry);
    HttpPusher pusher(registry->port);
    pusher.PushBlob(image.config);
    for (const std::string& layer : image.layers) pusher.PushBlob(layer);
    pusher.PutManifest("v1", image.Manifest());
    pusher.PutManifest("latest", image.Manifest());
    // An upload docker-registry began and storaged will finish.
    std::string location = pusher.StartUpload();
    pusher.Patch(location, half_done.substr(0, 1 << 20));
    std::string path = location.substr(0, location.find('?'));
    upload_id = path.substr(path.rfind('/') + 1);
    registry->process->Signal(SIGTERM);
    ASSERT_OK(registry->process->Wait(absl::Seconds(15)));
  }

  absl::StatusOr<StoragedProcess> storaged = StartStoraged(root);
  ASSERT_OK(storaged);
  grpc::Channel& channel = *storaged->channel;
  auto tags = v1::TagService::NewStub(storaged->channel);
  grpc::ClientContext tag_context;
  v1::ListTagsRequest list;
  list.set_repository(kRepo);
  v1::ListTagsResponse tag_list;
  ASSERT_OK(FromGrpcStatus(tags->List(&tag_context, list, &tag_list)));
  EXPECT_THAT(tag_list.tags(), ElementsAre("latest", "v1"));

  auto manifests = v1::ManifestService::NewStub(storaged->channel);
  for (const std::string& ref : {std::string("v1"), std::string("latest"),
                                 DigestOf(image.Manifest()).ToString()}) {
    grpc::ClientContext context;
    v1::GetManifestRequest get;
    get.set_repository(kRepo);
    get.set_reference(ref);
    v1::Manifest manifest;
    ASSERT_OK(FromGrpcStatus(manifests->Get(&context, get, &manifest)));
    EXPECT_EQ(manifest.content(), image.Manifest()) << ref;
    EXPECT_EQ(manifest.media_type(), kManifestType);
  }
  EXPECT_EQ(*ReadBlob(channel, kRepo, DigestOf(image.config).ToString()),
            image.config);
  for (const std::string& layer : image.layers) {
    absl::StatusOr<std::string> read =
        ReadBlob(channel, kRepo, DigestOf(layer).ToString());
    ASSERT_OK(read);
    EXPECT_TRUE(*read == layer);
  }
  auto catalog = v1::CatalogService::NewStub(storaged->channel);
  grpc::ClientContext catalog_context;
  v1::ListRepositoriesResponse repos;
  ASSERT_OK(FromGrpcStatus(
      catalog->List(&catalog_context, v1::ListRepositoriesRequest(), &repos)));
  EXPECT_THAT(repos.repositories(), ElementsAre(kRepo));

  // docker-registry saved its SHA-256 state in Go's format; storaged reads it.
  std::string states =
      absl::StrCat(root, "/docker/registry/v2/repositories/", kRepo,
                   "/_uploads/", upload_id, "/hashstates/sha256/", 1 << 20);
  std::ifstream state_file(states, std::ios::binary);
  ASSERT_TRUE(state_file.good()) << "docker-registry wrote no " << states;
  std::string state((std::istreambuf_iterator<char>(state_file)), {});
  absl::StatusOr<Sha256Hasher> restored = Sha256Hasher::FromState(state);
  ASSERT_OK(restored);
  EXPECT_EQ(restored->bytes(), 1u << 20);
  absl::StatusOr<v1::UploadStatus> written = WriteChunks(
      channel, kRepo, upload_id, 1 << 20, [&, sent = false]() mutable {
        if (sent) return std::string();
        sent = true;
        return half_done.substr(1 << 20);
      });
  ASSERT_OK(written);
  EXPECT_EQ(written->offset(), static_cast<int64_t>(half_done.size()));
  auto uploads = v1::UploadService::NewStub(storaged->channel);
  grpc::ClientContext commit_context;
  v1::CommitUploadRequest commit;
  commit.set_repository(kRepo);
  commit.set_upload_id(upload_id);
  commit.set_digest(DigestOf(half_done).ToString());
  v1::BlobInfo blob;
  ASSERT_OK(FromGrpcStatus(uploads->Commit(&commit_context, commit, &blob)));
  EXPECT_EQ(blob.size(), static_cast<int64_t>(half_done.size()));
}

TEST(DockerRegistryCompatTest, DockerRegistryServesWhatStoragedStored) {
  const std::string root = NewTempDir("reverse-root");
  Image image;
  {
    absl::StatusOr<StoragedProcess> storaged = StartStoraged(root);
    ASSERT_OK(storaged);
    ASSERT_OK(UploadBlob(*storaged->channel, kRepo, image.config));
    for (const std::string& layer : image.layers) {
      ASSERT_OK(UploadBlob(*storaged->channel, kRepo, layer));
    }
    auto manifests = v1::ManifestService::NewStub(storaged->channel);
    for (const char* tag : {"v1", "latest"}) {
      grpc::ClientContext context;
      v1::PutManifestRequest put;
      put.set_repository(kRepo);
      put.set_reference(tag);
      put.set_media_type(kManifestType);
      put.set_content(image.Manifest());
      v1::PutManifestResponse response;
      ASSERT_OK(FromGrpcStatus(manifests->Put(&context, put, &response)));
    }
    storaged->process->Signal(SIGTERM);
    ASSERT_OK(storaged->process->Wait(absl::Seconds(15)));
  }

  absl::StatusOr<DockerRegistryProcess> registry = StartDockerRegistry(root);
  ASSERT_OK(registry);
  httplib::Client client("127.0.0.1", registry->port);
  auto tags = client.Get(absl::StrCat("/v2/", kRepo, "/tags/list"));
  ASSERT_TRUE(tags);
  EXPECT_EQ(tags->status, 200);
  EXPECT_EQ(tags->body, absl::StrCat(R"({"name":")", kRepo,
                                     R"(","tags":["latest","v1"]})"
                                     "\n"));
  httplib::Headers accept = {{"Accept", kManifestType}};
  for (const char* tag : {"v1", "latest"}) {
    auto manifest =
        client.Get(absl::StrCat("/v2/", kRepo, "/manifests/", tag), accept);
    ASSERT_TRUE(manifest);
    EXPECT_EQ(manifest->status, 200);
    EXPECT_EQ(manifest->body, image.Manifest());
    EXPECT_EQ(manifest->get_header_value("Docker-Content-Digest"),
              DigestOf(image.Manifest()).ToString());
  }
  std::vector<std::string> blobs = image.layers;
  blobs.push_back(image.config);
  for (const std::string& content : blobs) {
    auto blob = client.Get(
        absl::StrCat("/v2/", kRepo, "/blobs/", DigestOf(content).ToString()));
    ASSERT_TRUE(blob);
    EXPECT_EQ(blob->status, 200);
    EXPECT_TRUE(blob->body == content);
  }
  auto catalog = client.Get("/v2/_catalog");
  ASSERT_TRUE(catalog);
  EXPECT_EQ(catalog->body,
            absl::StrCat(R"({"repositories":[")", kRepo, R"("]})", "\n"));
}

}  // namespace
}  // namespace registry::testing
