// The Distribution API endpoint by endpoint, with a plain HTTP client
// against the real gateway and storaged: status codes, headers, bodies,
// pagination and Range edges, and bad input (each with the spec's error
// code, and nothing partial stored).
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/digest.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/gateway_process.h"
#include "tests/testing/raw_http.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_data.h"

namespace registry::testing {
namespace {

using Json = nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kOciManifest[] = "application/vnd.oci.image.manifest.v1+json";

// The OCI error code of a response body, or "".
std::string ErrorCode(const httplib::Result& response) {
  if (!response) return "<no response>";
  Json body = Json::parse(response->body, nullptr, false);
  if (body.is_discarded() || !body.contains("errors")) return "";
  return body["errors"][0]["code"].get<std::string>();
}

// Sends `request` on a fresh connection, waits a moment and closes it.
void SendRaw(int port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(write(fd, request.data(), request.size()),
            static_cast<ssize_t>(request.size()));
  absl::SleepFor(absl::Milliseconds(300));
  close(fd);
}

class HttpApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Registry> registry = StartRegistry(NewTempDir("root"));
    ASSERT_OK(registry);
    registry_ = *std::move(registry);
    client_ =
        std::make_unique<httplib::Client>("127.0.0.1", registry_.gateway.port);
  }

  // Monolithic upload; returns the digest.
  std::string PushBlob(const std::string& repo, const std::string& content) {
    std::string digest = DigestOf(content).ToString();
    auto response = client_->Post(
        absl::StrCat("/v2/", repo, "/blobs/uploads/?digest=", digest), content,
        "application/octet-stream");
    EXPECT_TRUE(response);
    EXPECT_EQ(response->status, 201) << response->body;
    return digest;
  }

  std::string Manifest(const std::string& config, const std::string& layer,
                       size_t layer_size, const std::string& extra = "") {
    return absl::StrCat(
        R"({"schemaVersion":2,"mediaType":")", kOciManifest,
        R"(","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")",
        config,
        R"(","size":2},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":")",
        layer, R"(","size":)", layer_size, "}]", extra, "}");
  }

  httplib::Result PutManifest(const std::string& repo, const std::string& ref,
                              const std::string& body) {
    return client_->Put(absl::StrCat("/v2/", repo, "/manifests/", ref), body,
                        kOciManifest);
  }

  Registry registry_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(HttpApiTest, BaseAnswersWithTheApiVersion) {
  auto response = client_->Get("/v2/");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->get_header_value("Docker-Distribution-API-Version"),
            "registry/2.0");
  auto missing = client_->Get("/v3/nothing");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->get_header_value("Docker-Distribution-API-Version"),
            "registry/2.0");
}

TEST_F(HttpApiTest, BlobGetHeadRangeDelete) {
  const std::string content = "0123456789";
  std::string digest = PushBlob("r/blob", content);
  std::string path = "/v2/r/blob/blobs/" + digest;

  auto head = client_->Head(path.c_str());
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->get_header_value("Content-Length"), "10");
  EXPECT_EQ(head->get_header_value("Docker-Content-Digest"), digest);
  EXPECT_TRUE(head->body.empty());

  auto get = client_->Get(path.c_str());
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, content);

  struct {
    const char* range;
    int status;
    std::string body;
    std::string content_range;
  } cases[] = {
      {"bytes=0-3", 206, "0123", "bytes 0-3/10"},
      {"bytes=5-", 206, "56789", "bytes 5-9/10"},
      {"bytes=-3", 206, "789", "bytes 7-9/10"},
      {"bytes=8-100", 206, "89", "bytes 8-9/10"},
      {"bytes=9-9", 206, "9", "bytes 9-9/10"},
      {"bytes=10-", 416, "", "bytes */10"},
      // Refused while parsing, by the HTTP library: no size known yet.
      {"bytes=4-2", 416, "", ""},
      {"bytes=0-1,3-4", 416, "", ""},
      {"items=0-1", 416, "", ""},
  };
  for (const auto& c : cases) {
    auto ranged = client_->Get(path.c_str(), {{"Range", c.range}});
    ASSERT_TRUE(ranged);
    EXPECT_EQ(ranged->status, c.status) << c.range;
    if (!c.content_range.empty()) {
      EXPECT_EQ(ranged->get_header_value("Content-Range"), c.content_range)
          << c.range;
    }
    if (c.status == 206) {
      EXPECT_EQ(ranged->body, c.body) << c.range;
    } else {
      EXPECT_EQ(ErrorCode(ranged), "RANGE_INVALID") << c.range;
    }
  }

  auto unknown = client_->Get(
      ("/v2/r/blob/blobs/" + DigestOf("nothing").ToString()).c_str());
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(ErrorCode(unknown), "BLOB_UNKNOWN");
  auto other_repo = client_->Get(("/v2/r/other/blobs/" + digest).c_str());
  EXPECT_EQ(other_repo->status, 404);
  auto bad = client_->Get("/v2/r/blob/blobs/sha256:abc");
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(ErrorCode(bad), "DIGEST_INVALID");

  auto deleted = client_->Delete(path.c_str());
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 202);
  EXPECT_EQ(client_->Get(path.c_str())->status, 404);
}

TEST_F(HttpApiTest, ChunkedUploadWithRangesAndStatus) {
  auto start = client_->Post("/v2/r/chunked/blobs/uploads/", "",
                             "application/octet-stream");
  ASSERT_TRUE(start);
  EXPECT_EQ(start->status, 202);
  std::string location = start->get_header_value("Location");
  EXPECT_THAT(location, HasSubstr("/v2/r/chunked/blobs/uploads/"));
  EXPECT_EQ(start->get_header_value("Range"), "0-0");
  EXPECT_FALSE(start->get_header_value("Docker-Upload-UUID").empty());

  auto patch = client_->Patch(location.c_str(), {{"Content-Range", "0-4"}},
                              "hello", "application/octet-stream");
  ASSERT_TRUE(patch);
  EXPECT_EQ(patch->status, 202);
  EXPECT_EQ(patch->get_header_value("Range"), "0-4");
  location = patch->get_header_value("Location");

  // Out of order: 416 with where the upload really is; nothing written.
  auto out_of_order =
      client_->Patch(location.c_str(), {{"Content-Range", "2-6"}}, "xxxxx",
                     "application/octet-stream");
  ASSERT_TRUE(out_of_order);
  EXPECT_EQ(out_of_order->status, 416);
  EXPECT_EQ(ErrorCode(out_of_order), "RANGE_INVALID");
  EXPECT_EQ(out_of_order->get_header_value("Range"), "0-4");
  auto mismatch = client_->Patch(location.c_str(), {{"Content-Range", "5-9"}},
                                 "abc", "application/octet-stream");
  EXPECT_EQ(mismatch->status, 416);

  // A streamed PATCH (no Content-Range) appends.
  auto streamed =
      client_->Patch(location.c_str(), " big", "application/octet-stream");
  ASSERT_TRUE(streamed);
  EXPECT_EQ(streamed->status, 202);
  EXPECT_EQ(streamed->get_header_value("Range"), "0-8");

  auto status = client_->Get(location.c_str());
  ASSERT_TRUE(status);
  EXPECT_EQ(status->status, 204);
  EXPECT_EQ(status->get_header_value("Range"), "0-8");

  auto wrong = client_->Put(
      (location + "?digest=" + DigestOf("something else").ToString()).c_str(),
      "", "application/octet-stream");
  EXPECT_EQ(wrong->status, 400);
  EXPECT_EQ(ErrorCode(wrong), "DIGEST_INVALID");
  auto no_digest =
      client_->Put(location.c_str(), "", "application/octet-stream");
  EXPECT_EQ(no_digest->status, 400);

  std::string digest = DigestOf("hello big world").ToString();
  auto done = client_->Put((location + "?digest=" + digest).c_str(),
                           {{"Content-Range", "9-14"}}, " world",
                           "application/octet-stream");
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, 201) << done->body;
  EXPECT_EQ(done->get_header_value("Docker-Content-Digest"), digest);
  EXPECT_EQ(done->get_header_value("Location"),
            "/v2/r/chunked/blobs/" + digest);
  EXPECT_EQ(client_->Get(("/v2/r/chunked/blobs/" + digest).c_str())->body,
            "hello big world");
  auto gone = client_->Get(location.c_str());
  EXPECT_EQ(gone->status, 404);
  EXPECT_EQ(ErrorCode(gone), "BLOB_UPLOAD_UNKNOWN");
}

TEST_F(HttpApiTest, CancelAndUnknownUploads) {
  auto start = client_->Post("/v2/r/cancel/blobs/uploads/", "",
                             "application/octet-stream");
  std::string location = start->get_header_value("Location");
  auto cancelled = client_->Delete(location.c_str());
  ASSERT_TRUE(cancelled);
  EXPECT_EQ(cancelled->status, 204);
  EXPECT_EQ(client_->Get(location.c_str())->status, 404);
  auto unknown = client_->Patch(
      "/v2/r/cancel/blobs/uploads/00000000-0000-4000-8000-000000000000", "x",
      "application/octet-stream");
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(ErrorCode(unknown), "BLOB_UPLOAD_UNKNOWN");
  auto malformed = client_->Patch("/v2/r/cancel/blobs/uploads/not-an-upload",
                                  "x", "application/octet-stream");
  EXPECT_EQ(malformed->status, 400);
  EXPECT_EQ(ErrorCode(malformed), "BLOB_UPLOAD_INVALID");
  // A monolithic push with the wrong digest stores nothing.
  auto bad = client_->Post(
      "/v2/r/cancel/blobs/uploads/?digest=" + DigestOf("a").ToString(), "b",
      "application/octet-stream");
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(ErrorCode(bad), "DIGEST_INVALID");
  EXPECT_EQ(
      client_->Head(("/v2/r/cancel/blobs/" + DigestOf("b").ToString()).c_str())
          ->status,
      404);
}

TEST_F(HttpApiTest, RefusedPatchBodiesDoNotSpoilTheConnection) {
  auto start = client_->Post("/v2/r/keep/blobs/uploads/", "", "");
  ASSERT_EQ(start->status, 202);
  std::string body(4 << 20, 'x');  // Larger than what is read at once.
  auto patch = [&](const std::string& path, const std::string& range) {
    return absl::StrCat("PATCH ", path, " HTTP/1.1\r\nHost: x\r\n", range,
                        "Content-Length: ", body.size(), "\r\n\r\n", body);
  };
  const std::string next = "GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n";
  // Refused before the body is read: a wrong offset, an unknown upload.
  std::string wrong_offset =
      Exchange(registry_.gateway.port,
               {patch(start->get_header_value("Location"),
                      absl::StrCat("Content-Range: 5000-",
                                   5000 + body.size() - 1, "\r\n")),
                next});
  EXPECT_THAT(wrong_offset, HasSubstr("HTTP/1.1 416"));
  EXPECT_THAT(wrong_offset, HasSubstr("HTTP/1.1 200 OK"));
  std::string unknown = Exchange(registry_.gateway.port,
                                 {patch("/v2/r/keep/blobs/uploads/"
                                        "00000000-0000-4000-8000-000000000000",
                                        ""),
                                  next});
  EXPECT_THAT(unknown, HasSubstr("HTTP/1.1 404"));
  EXPECT_THAT(unknown, HasSubstr("HTTP/1.1 200 OK"));
}

TEST_F(HttpApiTest, ClientThatDisconnectsMidUploadLeavesItResumable) {
  auto start =
      client_->Post("/v2/r/cut/blobs/uploads/", "", "application/octet-stream");
  std::string location = start->get_header_value("Location");
  std::string first = Chunk(1, 3 << 20);
  // Gone after 3 of the 10 MiB it announced.
  SendRaw(registry_.gateway.port,
          absl::StrCat("PATCH ", location,
                       " HTTP/1.1\r\nHost: x\r\nContent-Length: ", 10 << 20,
                       "\r\nContent-Type: application/octet-stream\r\n\r\n",
                       first));
  int64_t offset = -1;
  for (int i = 0; i < 50 && offset != static_cast<int64_t>(first.size()); ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    auto status = client_->Get(location.c_str());
    ASSERT_TRUE(status);
    ASSERT_EQ(status->status, 204);
    std::string range = status->get_header_value("Range");
    offset = std::stoll(range.substr(range.find('-') + 1)) + 1;
  }
  EXPECT_EQ(offset, static_cast<int64_t>(first.size()));
  std::string rest = Chunk(2, 1000);
  std::string digest = DigestOf(first + rest).ToString();
  auto done =
      client_->Put((location + "?digest=" + digest).c_str(),
                   {{"Content-Range", absl::StrCat(offset, "-", offset + 999)}},
                   rest, "application/octet-stream");
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, 201) << done->body;
}

TEST_F(HttpApiTest, BodyLongerThanDeclaredStoresOnlyWhatWasDeclared) {
  auto start = client_->Post("/v2/r/long/blobs/uploads/", "",
                             "application/octet-stream");
  std::string location = start->get_header_value("Location");
  SendRaw(registry_.gateway.port,
          absl::StrCat("PATCH ", location,
                       " HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                       "Content-Type: application/octet-stream\r\n\r\n",
                       "helloEXTRA BYTES THAT ARE NOT A REQUEST"));
  auto status = client_->Get(location.c_str());
  ASSERT_TRUE(status);
  EXPECT_EQ(status->get_header_value("Range"), "0-4");
  auto done = client_->Put(
      (location + "?digest=" + DigestOf("hello").ToString()).c_str(), "",
      "application/octet-stream");
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, 201) << done->body;
}

TEST_F(HttpApiTest, CrossRepositoryMount) {
  std::string digest = PushBlob("r/source", "shared layer");
  auto mounted = client_->Post(
      "/v2/r/target/blobs/uploads/?mount=" + digest + "&from=r/source", "",
      "application/octet-stream");
  ASSERT_TRUE(mounted);
  EXPECT_EQ(mounted->status, 201);
  EXPECT_EQ(mounted->get_header_value("Location"),
            "/v2/r/target/blobs/" + digest);
  EXPECT_EQ(client_->Get(("/v2/r/target/blobs/" + digest).c_str())->body,
            "shared layer");
  // Not in the source: a new upload instead (202).
  auto fallback = client_->Post(
      "/v2/r/target2/blobs/uploads/?mount=" + DigestOf("nope").ToString() +
          "&from=r/source",
      "", "application/octet-stream");
  ASSERT_TRUE(fallback);
  EXPECT_EQ(fallback->status, 202);
  EXPECT_THAT(fallback->get_header_value("Location"),
              HasSubstr("/blobs/uploads/"));
}

TEST_F(HttpApiTest, ManifestsPutGetHeadDeleteAndReferrers) {
  std::string config = PushBlob("r/m", "{}");
  std::string layer = PushBlob("r/m", "layer bytes");
  std::string manifest = Manifest(config, layer, 11);
  std::string digest = DigestOf(manifest).ToString();
  auto put = PutManifest("r/m", "v1", manifest);
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 201) << put->body;
  EXPECT_EQ(put->get_header_value("Docker-Content-Digest"), digest);
  EXPECT_EQ(put->get_header_value("Location"), "/v2/r/m/manifests/" + digest);

  for (const std::string& ref : {std::string("v1"), digest}) {
    auto get = client_->Get(("/v2/r/m/manifests/" + ref).c_str(),
                            {{"Accept", kOciManifest}});
    ASSERT_TRUE(get);
    EXPECT_EQ(get->status, 200);
    EXPECT_EQ(get->body, manifest);
    EXPECT_EQ(get->get_header_value("Content-Type"), kOciManifest);
    EXPECT_EQ(get->get_header_value("Docker-Content-Digest"), digest);
    auto head = client_->Head(("/v2/r/m/manifests/" + ref).c_str());
    EXPECT_EQ(head->status, 200);
    EXPECT_EQ(head->get_header_value("Content-Length"),
              std::to_string(manifest.size()));
    EXPECT_TRUE(head->body.empty());
  }

  // A referrer, pushed before and after its subject exists.
  std::string referrer = Manifest(
      config, layer, 11,
      absl::StrCat(
          R"(,"artifactType":"application/x-sbom","subject":{"mediaType":")",
          kOciManifest, R"(","digest":")", digest, R"(","size":)",
          manifest.size(), "}"));
  std::string referrer_digest = DigestOf(referrer).ToString();
  auto put_referrer = PutManifest("r/m", referrer_digest, referrer);
  ASSERT_TRUE(put_referrer);
  EXPECT_EQ(put_referrer->status, 201);
  EXPECT_EQ(put_referrer->get_header_value("OCI-Subject"), digest);
  auto referrers = client_->Get(("/v2/r/m/referrers/" + digest).c_str());
  ASSERT_TRUE(referrers);
  EXPECT_EQ(referrers->status, 200);
  EXPECT_EQ(referrers->get_header_value("Content-Type"),
            "application/vnd.oci.image.index.v1+json");
  Json index = Json::parse(referrers->body);
  ASSERT_EQ(index["manifests"].size(), 1u);
  EXPECT_EQ(index["manifests"][0]["digest"], referrer_digest);
  EXPECT_EQ(index["manifests"][0]["artifactType"], "application/x-sbom");
  auto filtered = client_->Get(
      ("/v2/r/m/referrers/" + digest + "?artifactType=application/x-other")
          .c_str());
  EXPECT_EQ(filtered->get_header_value("OCI-Filters-Applied"), "artifactType");
  EXPECT_EQ(Json::parse(filtered->body)["manifests"].size(), 0u);
  auto none = client_->Get(
      ("/v2/r/m/referrers/" + DigestOf("no subject").ToString()).c_str());
  EXPECT_EQ(none->status, 200);
  EXPECT_EQ(Json::parse(none->body)["manifests"].size(), 0u);

  // PUT by digest with ?tag= tags it too.
  auto tagged =
      client_->Put(("/v2/r/m/manifests/" + digest + "?tag=t1&tag=t2").c_str(),
                   manifest, kOciManifest);
  ASSERT_TRUE(tagged);
  EXPECT_EQ(tagged->status, 201);
  EXPECT_EQ(client_->Get("/v2/r/m/manifests/t2")->body, manifest);
  EXPECT_EQ(client_->Delete("/v2/r/m/manifests/t1")->status, 202);
  EXPECT_EQ(client_->Delete("/v2/r/m/manifests/t2")->status, 202);

  // Untag, then delete by digest.
  ASSERT_EQ(PutManifest("r/m", "v2", manifest)->status, 201);
  EXPECT_EQ(client_->Delete("/v2/r/m/manifests/v1")->status, 202);
  EXPECT_EQ(client_->Get("/v2/r/m/manifests/v1")->status, 404);
  EXPECT_EQ(client_->Get("/v2/r/m/manifests/v2")->status, 200);
  EXPECT_EQ(client_->Delete(("/v2/r/m/manifests/" + digest).c_str())->status,
            202);
  auto gone = client_->Get("/v2/r/m/manifests/v2");
  EXPECT_EQ(gone->status, 404);
  EXPECT_EQ(ErrorCode(gone), "MANIFEST_UNKNOWN");
}

TEST_F(HttpApiTest, ManifestRefusalsStoreNothing) {
  std::string config = PushBlob("r/bad", "{}");
  struct {
    std::string name;
    std::string ref;
    std::string body;
    int status;
    std::string code;
  } cases[] = {
      {"r/bad", "t", Manifest(config, DigestOf("missing").ToString(), 7), 400,
       "MANIFEST_BLOB_UNKNOWN"},
      {"r/bad", "t", "{not json", 400, "MANIFEST_INVALID"},
      {"r/bad", "t", R"({"schemaVersion":1,"name":"x","tag":"t"})", 400,
       "MANIFEST_INVALID"},
      {"r/bad", "t", std::string(5 << 20, ' '), 413, "SIZE_INVALID"},
      {"r/bad", "-bad", Manifest(config, config, 2), 400, "TAG_INVALID"},
      {"r/bad", DigestOf("x").ToString(), Manifest(config, config, 2), 400,
       "DIGEST_INVALID"},
      {"R/Bad", "t", Manifest(config, config, 2), 400, "NAME_INVALID"},
      {std::string(256, 'a'), "t", "{}", 400, "NAME_INVALID"},
  };
  for (const auto& c : cases) {
    auto response = PutManifest(c.name, c.ref, c.body);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, c.status) << c.code << ": " << response->body;
    EXPECT_EQ(ErrorCode(response), c.code);
  }
  auto tags = client_->Get("/v2/r/bad/tags/list");
  EXPECT_EQ(Json::parse(tags->body)["tags"].size(), 0u);
}

TEST_F(HttpApiTest, TagsAndCatalogPaginate) {
  std::string config = PushBlob("p/one", "{}");
  std::string manifest = Manifest(config, config, 2);
  for (const char* tag : {"d", "a", "c", "b"}) {
    ASSERT_EQ(PutManifest("p/one", tag, manifest)->status, 201);
  }
  PushBlob("p/two", "{}");
  ASSERT_EQ(PutManifest("p/two", "x", manifest)->status, 201);

  auto all = client_->Get("/v2/p/one/tags/list");
  EXPECT_EQ(all->body, R"({"name":"p/one","tags":["a","b","c","d"]})");
  EXPECT_FALSE(all->has_header("Link"));
  auto page = client_->Get("/v2/p/one/tags/list?n=2");
  EXPECT_EQ(Json::parse(page->body)["tags"], Json({"a", "b"}));
  EXPECT_EQ(page->get_header_value("Link"),
            "</v2/p/one/tags/list?last=b&n=2>; rel=\"next\"");
  auto next = client_->Get("/v2/p/one/tags/list?n=2&last=b");
  EXPECT_EQ(Json::parse(next->body)["tags"], Json({"c", "d"}));
  EXPECT_FALSE(next->has_header("Link"));
  EXPECT_EQ(
      Json::parse(client_->Get("/v2/p/one/tags/list?n=0")->body)["tags"].size(),
      0u);
  EXPECT_EQ(
      Json::parse(client_->Get("/v2/p/one/tags/list?last=zz")->body)["tags"]
          .size(),
      0u);
  auto bad_n = client_->Get("/v2/p/one/tags/list?n=-1");
  EXPECT_EQ(bad_n->status, 400);
  EXPECT_EQ(ErrorCode(bad_n), "PAGINATION_NUMBER_INVALID");
  auto unknown = client_->Get("/v2/never/pushed/tags/list");
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(ErrorCode(unknown), "NAME_UNKNOWN");

  auto catalog = client_->Get("/v2/_catalog");
  EXPECT_EQ(catalog->body, R"({"repositories":["p/one","p/two"]})");
  auto first = client_->Get("/v2/_catalog?n=1");
  EXPECT_EQ(first->body, R"({"repositories":["p/one"]})");
  EXPECT_EQ(first->get_header_value("Link"),
            // The gateway sends %2F; httplib's client decodes it.
            "</v2/_catalog?last=p/one&n=1>; rel=\"next\"");
  EXPECT_EQ(client_->Get("/v2/_catalog?n=1&last=p%2Fone")->body,
            R"({"repositories":["p/two"]})");
}

// Issue 11 (10): bytes that are not UTF-8 reached storaged (405 or 500
// with an empty message); the gateway now refuses them before any call.
TEST_F(HttpApiTest, NamesThatAreNotUtf8AreRefusedInTheGateway) {
  const std::string digest = DigestOf("x").ToString();
  struct {
    const char* method;
    std::string path;
    std::string code;
  } cases[] = {
      {"GET", "/v2/a%ff/tags/list", "NAME_INVALID"},
      {"GET", "/v2/r/manifests/t%ff", "TAG_INVALID"},
      {"HEAD", "/v2/r/manifests/t%c3%28", "TAG_INVALID"},
      {"PUT", "/v2/r/manifests/t%ff", "TAG_INVALID"},
      {"GET", "/v2/r/blobs/sha256:%ff", "DIGEST_INVALID"},
      {"DELETE", "/v2/r/manifests/sha256:%ff", "DIGEST_INVALID"},
      {"PATCH", "/v2/r/blobs/uploads/%ff", "BLOB_UPLOAD_INVALID"},
      {"GET", "/v2/r/blobs/uploads/%ff", "BLOB_UPLOAD_INVALID"},
      {"GET", "/v2/r/tags/list?last=%ff", "TAG_INVALID"},
      {"GET", "/v2/_catalog?last=%ff", "NAME_INVALID"},
      {"GET", "/v2/r/referrers/" + digest + "?artifactType=%ff", "UNSUPPORTED"},
      {"POST", "/v2/r/blobs/uploads/?digest=sha256:%ff", "DIGEST_INVALID"},
      {"POST", "/v2/r/blobs/uploads/?mount=%ff&from=r", "DIGEST_INVALID"},
      {"POST", "/v2/r/blobs/uploads/?mount=" + digest + "&from=%ff",
       "NAME_INVALID"},
  };
  for (const auto& c : cases) {
    httplib::Request request;
    request.method = c.method;
    request.path = c.path;
    if (request.method == "PUT" || request.method == "PATCH" ||
        request.method == "POST") {
      request.body = "{}";
      request.set_header("Content-Type", "application/octet-stream");
    }
    auto response = client_->send(request);
    ASSERT_TRUE(response) << c.method << " " << c.path;
    EXPECT_EQ(response->status, 400) << c.method << " " << c.path;
    if (request.method != "HEAD") {
      EXPECT_EQ(ErrorCode(response), c.code) << c.method << " " << c.path;
      Json body = Json::parse(response->body, nullptr, false);
      ASSERT_FALSE(body.is_discarded()) << response->body;
      EXPECT_FALSE(body["errors"][0]["message"].get<std::string>().empty());
    }
  }
  EXPECT_EQ(client_->Get("/v2/_catalog")->body, R"({"repositories":[]})");
}

// Issue 11 (11): a reference that is neither a tag nor a digest names no
// manifest (404, as the spec and docker-registry answer); a PUT to it is
// still a bad tag.
TEST_F(HttpApiTest, AnInvalidReferenceIsAnUnknownManifest) {
  for (const char* method : {"GET", "HEAD", "DELETE"}) {
    httplib::Request request;
    request.method = method;
    request.path = "/v2/r/manifests/.INVALID_MANIFEST_NAME";
    auto response = client_->send(request);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 404) << method;
    if (std::string(method) != "HEAD") {
      EXPECT_EQ(ErrorCode(response), "MANIFEST_UNKNOWN") << method;
    }
  }
  auto put = PutManifest("r", ".INVALID_MANIFEST_NAME", "{}");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 400);
  EXPECT_EQ(ErrorCode(put), "TAG_INVALID");
}

// Issue 11 (12): what no route takes gets a code that says so.
TEST_F(HttpApiTest, RequestsNoRouteTakesSayWhy) {
  auto path = client_->Get("/v2/r/not-a-route");
  ASSERT_TRUE(path);
  EXPECT_EQ(path->status, 404);
  EXPECT_EQ(ErrorCode(path), "NAME_UNKNOWN");
  EXPECT_THAT(path->body, HasSubstr("not an API route"));
  auto outside = client_->Get("/elsewhere");
  ASSERT_TRUE(outside);
  EXPECT_EQ(outside->status, 404);
  EXPECT_THAT(outside->body, HasSubstr("not an API route"));
  auto method = client_->Patch("/v2/r/manifests/t", "{}", "application/json");
  ASSERT_TRUE(method);
  EXPECT_EQ(method->status, 405);
  EXPECT_EQ(ErrorCode(method), "UNSUPPORTED");
  EXPECT_THAT(method->body, HasSubstr("PATCH"));
}

}  // namespace
}  // namespace registry::testing
