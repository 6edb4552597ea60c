// Session over the Distribution HTTP API, as clients push and pull: a push
// is POST then PUT ?digest= with the body (monolithic) or POST, PATCHes and
// an empty PUT (chunked); both are what docker-registry 2.8 supports.
#include <httplib.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "bench/target.h"

namespace registry::bench {
namespace {

constexpr char kManifestType[] = "application/vnd.oci.image.manifest.v1+json";
constexpr char kAccept[] =
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json";

// The path and query of a Location (docker-registry sends absolute URLs).
std::string PathOf(const std::string& location) {
  size_t scheme = location.find("://");
  if (scheme == std::string::npos) return location;
  return location.substr(location.find('/', scheme + 3));
}

std::string WithParam(const std::string& location, const std::string& param) {
  return absl::StrCat(
      location, location.find('?') == std::string::npos ? "?" : "&", param);
}

absl::Status Expect(const httplib::Result& result, int status,
                    absl::string_view what) {
  if (!result) {
    return absl::UnavailableError(
        absl::StrCat(what, ": ", httplib::to_string(result.error())));
  }
  if (result->status != status) {
    return absl::InternalError(absl::StrCat(what, ": HTTP ", result->status,
                                            " ", result->body.substr(0, 200)));
  }
  return absl::OkStatus();
}

httplib::ContentProvider Provide(const BlobSource& blob, int64_t base) {
  return [&blob, base](size_t offset, size_t length, httplib::DataSink& sink) {
    thread_local std::string buf(1 << 20, '\0');
    size_t n = std::min(length, buf.size());
    blob.Read(base + static_cast<int64_t>(offset), buf.data(), n);
    return sink.write(buf.data(), n);
  };
}

class HttpSession final : public Session {
 public:
  HttpSession(const std::string& host, int port) : client_(host, port) {
    client_.set_keep_alive(true);
    client_.set_tcp_nodelay(true);
    client_.set_read_timeout(600);
    client_.set_write_timeout(600);
  }

  absl::Status PushMonolithic(const std::string& repo,
                              const BlobSource& blob) override {
    std::string location;
    absl::Status started = Start(repo, &location);
    if (!started.ok()) return started;
    return Expect(
        client_.Put(WithParam(location, "digest=" + blob.digest()).c_str(),
                    static_cast<size_t>(blob.size()), Provide(blob, 0),
                    "application/octet-stream"),
        201, "PUT blob");
  }

  absl::Status PushChunked(const std::string& repo, const BlobSource& blob,
                           int64_t chunk) override {
    std::string location;
    absl::Status started = Start(repo, &location);
    if (!started.ok()) return started;
    for (int64_t offset = 0; offset < blob.size(); offset += chunk) {
      int64_t n = std::min(chunk, blob.size() - offset);
      httplib::Headers headers = {
          {"Content-Range", absl::StrCat(offset, "-", offset + n - 1)}};
      auto patch =
          client_.Patch(location.c_str(), headers, static_cast<size_t>(n),
                        Provide(blob, offset), "application/octet-stream");
      absl::Status status = Expect(patch, 202, "PATCH blob");
      if (!status.ok()) return status;
      location = PathOf(patch->get_header_value("Location"));
    }
    return Expect(
        client_.Put(WithParam(location, "digest=" + blob.digest()).c_str(), "",
                    "application/octet-stream"),
        201, "PUT blob");
  }

  absl::StatusOr<int64_t> Pull(const std::string& repo,
                               const std::string& digest, int64_t offset,
                               int64_t length) override {
    httplib::Headers headers;
    if (length > 0) {
      headers.emplace("Range",
                      absl::StrCat("bytes=", offset, "-", offset + length - 1));
    }
    int64_t received = 0;
    auto result =
        client_.Get(absl::StrCat("/v2/", repo, "/blobs/", digest).c_str(),
                    headers, [&](const char*, size_t n) {
                      received += static_cast<int64_t>(n);
                      return true;
                    });
    absl::Status status = Expect(result, length > 0 ? 206 : 200, "GET blob");
    if (!status.ok()) return status;
    return received;
  }

  absl::Status HeadBlob(const std::string& repo,
                        const std::string& digest) override {
    return Expect(
        client_.Head(absl::StrCat("/v2/", repo, "/blobs/", digest).c_str()),
        200, "HEAD blob");
  }

  absl::Status PutManifest(const std::string& repo, const std::string& ref,
                           const std::string& content) override {
    return Expect(
        client_.Put(absl::StrCat("/v2/", repo, "/manifests/", ref).c_str(),
                    content, kManifestType),
        201, "PUT manifest");
  }

  absl::StatusOr<int64_t> GetManifest(const std::string& repo,
                                      const std::string& ref) override {
    auto result =
        client_.Get(absl::StrCat("/v2/", repo, "/manifests/", ref).c_str(),
                    {{"Accept", kAccept}});
    absl::Status status = Expect(result, 200, "GET manifest");
    if (!status.ok()) return status;
    return static_cast<int64_t>(result->body.size());
  }

  absl::Status ListTags(const std::string& repo) override {
    return Expect(client_.Get(absl::StrCat("/v2/", repo, "/tags/list").c_str()),
                  200, "GET tags");
  }

  absl::Status Catalog() override {
    return Expect(client_.Get("/v2/_catalog"), 200, "GET catalog");
  }

 private:
  absl::Status Start(const std::string& repo, std::string* location) {
    auto started =
        client_.Post(absl::StrCat("/v2/", repo, "/blobs/uploads/").c_str(), "",
                     "application/octet-stream");
    absl::Status status = Expect(started, 202, "POST upload");
    if (status.ok()) *location = PathOf(started->get_header_value("Location"));
    return status;
  }

  httplib::Client client_;
};

class HttpTarget final : public Target {
 public:
  HttpTarget(std::string host, int port)
      : host_(std::move(host)), port_(port) {}
  std::unique_ptr<Session> NewSession() override {
    return std::make_unique<HttpSession>(host_, port_);
  }

 private:
  std::string host_;
  int port_;
};

}  // namespace

std::unique_ptr<Target> NewHttpTarget(const std::string& host, int port) {
  return std::make_unique<HttpTarget>(host, port);
}

}  // namespace registry::bench
