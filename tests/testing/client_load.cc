#include "tests/testing/client_load.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/digest.h"
#include "tests/testing/test_data.h"

namespace registry::testing {
namespace {

constexpr char kManifestType[] = "application/vnd.oci.image.manifest.v1+json";

// "" when `result` is `want`, else what went wrong with `what`.
std::string Check(const httplib::Result& result, int want,
                  const std::string& what) {
  if (!result)
    return absl::StrCat(what, ": ", httplib::to_string(result.error()));
  if (result->status != want) {
    return absl::StrCat(what, ": ", result->status, " ", result->body);
  }
  return "";
}

}  // namespace

ClientLoad::ClientLoad(int port, int clients, std::string repository)
    : repository_(std::move(repository)) {
  for (int c = 0; c < clients; ++c) {
    threads_.emplace_back([this, port, c] { Run(port, c); });
  }
}

void ClientLoad::Stop() {
  stop_ = true;
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

std::vector<std::string> ClientLoad::failures() {
  absl::MutexLock lock(&mu_);
  return failures_;
}

void ClientLoad::Run(int port, int client) {
  httplib::Client http("127.0.0.1", port);
  http.set_read_timeout(60);
  for (uint64_t round = 0; !stop_; ++round) {
    std::string failure = Round(http, client, round);
    if (failure.empty()) {
      ++ok_;
      continue;
    }
    absl::MutexLock lock(&mu_);
    failures_.push_back(std::move(failure));
  }
}

std::string ClientLoad::Round(httplib::Client& http, int client,
                              uint64_t round) {
  const std::string name = absl::StrCat(repository_, "/c", client);
  const std::string blobs = absl::StrCat("/v2/", name, "/blobs/");
  const std::string blob = Chunk(client * 1000000 + round, 16 << 10);
  const std::string digest = DigestOf(blob).ToString();
  std::string failure;
  if (round % 3 != 2) {
    failure =
        Check(http.Post(absl::StrCat(blobs, "uploads/?digest=", digest).c_str(),
                        blob, "application/octet-stream"),
              201, "monolithic push");
  } else {
    auto start = http.Post((blobs + "uploads/").c_str(), "", "");
    failure = Check(start, 202, "POST upload");
    if (!failure.empty()) return failure;
    auto patch = http.Patch(start->get_header_value("Location").c_str(), blob,
                            "application/octet-stream");
    failure = Check(patch, 202, "PATCH upload");
    if (!failure.empty()) return failure;
    const std::string location = patch->get_header_value("Location");
    failure = Check(
        http.Put(
            absl::StrCat(location,
                         location.find('?') == std::string::npos ? "?" : "&",
                         "digest=", digest)
                .c_str(),
            "", "application/octet-stream"),
        201, "PUT upload");
  }
  if (!failure.empty()) return failure;
  auto pulled = http.Get((blobs + digest).c_str());
  failure = Check(pulled, 200, "pull");
  if (!failure.empty()) return failure;
  if (pulled->body != blob) return "pull: wrong bytes";
  if (round % 5 != 4) return "";
  const std::string manifest = absl::StrCat(
      R"({"schemaVersion":2,"mediaType":")", kManifestType,
      R"(","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")",
      digest, R"(","size":)", blob.size(), R"(},"layers":[]})");
  const std::string tag = absl::StrCat("/v2/", name, "/manifests/r", round);
  failure = Check(http.Put(tag.c_str(), manifest, kManifestType), 201,
                  "manifest PUT");
  if (!failure.empty()) return failure;
  auto got = http.Get(tag.c_str(), {{"Accept", kManifestType}});
  failure = Check(got, 200, "manifest GET");
  if (failure.empty() && got->body != manifest)
    failure = "manifest: wrong bytes";
  return failure;
}

}  // namespace registry::testing
