#include "storaged/proxy/pull_through.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/status_macros.h"
#include "storaged/manifest_parser.h"
#include "storaged/paths.h"

namespace registry::proxy {
namespace {

constexpr char kHits[] = "registry_proxy_cache_hits_total";
constexpr char kMisses[] = "registry_proxy_cache_misses_total";
constexpr char kStale[] = "registry_proxy_stale_served_total";
// Answers kept by CachedGet before expired ones are dropped.
constexpr size_t kMaxAnswers = 4096;

void Count(const char* family, const std::string& registry,
           absl::string_view kind) {
  Metrics::Global().Add(family, {{"registry", registry}, {"kind", kind}}, 1);
}

void DeclareMetrics() {
  Metrics& metrics = Metrics::Global();
  metrics.Declare(kHits, "counter",
                  "Mirrored content served from the store, by upstream and "
                  "kind (manifest, blob, tags, referrers).");
  metrics.Declare(kMisses, "counter",
                  "Mirrored content fetched from the upstream, by upstream "
                  "and kind.");
  metrics.Declare(kStale, "counter",
                  "Cached content served because the upstream failed.");
  metrics.Declare(kUpstreamRequests, "counter",
                  "Requests to upstream registries, by upstream and HTTP "
                  "status (\"error\" when unreachable).");
  metrics.Declare(kUpstreamBytes, "counter",
                  "Body bytes received from upstream registries.");
}

// The manifest types the cache asks for, most wanted first.
httplib::Headers ManifestAccept() {
  return {{"Accept", absl::StrJoin({kOciIndex, kOciManifest,
                                    kDockerManifestList, kDockerManifest},
                                   ", ")}};
}

std::string MediaType(const std::string& content_type) {
  return content_type.substr(0, content_type.find(';'));
}

}  // namespace

PullThroughCache::PullThroughCache(Storage* storage,
                                   const std::vector<UpstreamConfig>& upstreams,
                                   std::string spool_dir)
    : storage_(storage), fetcher_(&storage->uploads, std::move(spool_dir)) {
  DeclareMetrics();
  for (const UpstreamConfig& config : upstreams) {
    upstreams_.push_back(std::make_unique<Upstream>(
        Upstream{config, std::make_unique<UpstreamClient>(config)}));
  }
  std::stable_sort(upstreams_.begin(), upstreams_.end(),
                   [](const auto& a, const auto& b) {
                     return a->config.prefix.size() > b->config.prefix.size();
                   });
}

PullThroughCache::~PullThroughCache() = default;

absl::optional<PullThroughCache::Route> PullThroughCache::Find(
    const RepositoryName& name) const {
  for (const auto& upstream : upstreams_) {
    const std::string& prefix = upstream->config.prefix;
    if (name.str().size() > prefix.size() &&
        absl::StartsWith(name.str(), prefix)) {
      return Route{upstream.get(), RemoteName(upstream->config, name.str())};
    }
  }
  return absl::nullopt;
}

bool PullThroughCache::Mirrors(const RepositoryName& name) const {
  return Find(name).has_value();
}

absl::Status PullThroughCache::CheckWrite(const RepositoryName& name,
                                          absl::string_view what) const {
  absl::optional<Route> route = Find(name);
  if (!route.has_value()) return absl::OkStatus();
  const UpstreamConfig& config = route->upstream->config;
  return Error(
      absl::StatusCode::kFailedPrecondition, v1::UNSUPPORTED,
      config.prefix.empty()
          ? absl::StrCat("this registry mirrors ", config.remote_url, ": ",
                         what, " is refused")
          : absl::StrCat("repositories under ", config.prefix, " mirror ",
                         config.remote_url, ": ", what, " to ", name.str(),
                         " is refused; use a name outside ", config.prefix),
      name.str());
}

namespace {

// Why an upstream answer is not usable, as the client should see it.
absl::Status UpstreamFailure(const std::string& url,
                             const absl::StatusOr<UpstreamResponse>& response,
                             absl::string_view what) {
  if (!response.ok()) {
    return Error(absl::StatusCode::kUnavailable, v1::UPSTREAM_UNAVAILABLE,
                 absl::StrCat(what, ": upstream ", url,
                              " failed: ", response.status().message()),
                 url);
  }
  if (response->status == 429) {
    return Error(absl::StatusCode::kResourceExhausted,
                 v1::UPSTREAM_RATE_LIMITED,
                 absl::StrCat(what, ": upstream ", url,
                              " is rate-limiting this cache (429)"),
                 url);
  }
  return Error(
      absl::StatusCode::kUnavailable, v1::UPSTREAM_UNAVAILABLE,
      absl::StrCat(what, ": upstream ", url, " answered ", response->status),
      url);
}

}  // namespace

bool PullThroughCache::Fresh(const Route& route, const RepositoryName& name,
                             const Tag& tag) {
  absl::StatusOr<std::string> text =
      storage_->driver->GetContent(paths::TagCheckedPath(name, tag));
  int64_t nanos = 0;
  if (!text.ok() || !absl::SimpleAtoi(*text, &nanos)) return false;
  return absl::Now() - absl::FromUnixNanos(nanos) < route.upstream->config.ttl;
}

void PullThroughCache::MarkChecked(const RepositoryName& name, const Tag& tag) {
  absl::Status marked = storage_->driver->PutContentVolatile(
      paths::TagCheckedPath(name, tag),
      absl::StrCat(absl::ToUnixNanos(absl::Now())));
  if (!marked.ok()) {
    Log(LogLevel::kWarn, "proxy", "cannot record a tag's upstream check",
        {{"repository", name.str()},
         {"tag", tag.str()},
         {"error", marked.message()}});
  }
}

absl::StatusOr<Digest> PullThroughCache::FetchManifest(
    const Route& route, const RepositoryName& name,
    const std::string& reference, const absl::optional<Tag>& tag) {
  UpstreamClient& client = *route.upstream->client;
  const std::string what =
      absl::StrCat("manifest ", reference, " of ", route.remote);
  absl::StatusOr<UpstreamResponse> response =
      client.Send("GET", route.remote,
                  absl::StrCat("/v2/", route.remote, "/manifests/", reference),
                  ManifestAccept());
  if (response.ok() && response->status == 404) {
    return Error(absl::StatusCode::kNotFound, v1::MANIFEST_UNKNOWN,
                 absl::StrCat("upstream ", client.url(), " has no ", what),
                 reference);
  }
  if (!response.ok() || response->status != 200) {
    return UpstreamFailure(client.url(), response, what);
  }
  const Digest digest = DigestOf(response->body);
  for (const std::string& claimed :
       {absl::StrContains(reference, ":") ? reference : std::string(),
        response->Header("Docker-Content-Digest")}) {
    if (!claimed.empty() && claimed != digest.ToString()) {
      return Error(absl::StatusCode::kUnavailable, v1::UPSTREAM_UNAVAILABLE,
                   absl::StrCat(what, ": upstream ", client.url(),
                                " sent content hashing to ", digest.ToString(),
                                ", not ", claimed, "; nothing was stored"),
                   client.url());
    }
  }
  Reference stored;
  if (tag.has_value()) {
    stored.tag = tag;
  } else {
    stored.digest = digest;
  }
  absl::optional<Digest> subject;
  RETURN_IF_ERROR(storage_->manifests
                      .Put(name, stored,
                           MediaType(response->Header("Content-Type")),
                           response->body, &subject, References::kLater)
                      .status());
  return digest;
}

absl::StatusOr<StoredManifest> PullThroughCache::GetManifest(
    const RepositoryName& name, const Reference& reference,
    const std::vector<std::string>& accept) {
  const Route route = *Find(name);
  const std::string& registry = route.upstream->config.remote_url;
  ManifestStore& manifests = storage_->manifests;
  absl::StatusOr<Digest> cached = manifests.Resolve(name, reference);
  if (reference.digest.has_value()) {  // Immutable: stored is current.
    if (cached.ok()) {
      Count(kHits, registry, "manifest");
    } else {
      Count(kMisses, registry, "manifest");
      RETURN_IF_ERROR(FetchManifest(route, name, reference.digest->ToString(),
                                    absl::nullopt)
                          .status());
    }
    return manifests.Get(name, reference, accept);
  }
  const Tag& tag = *reference.tag;
  if (cached.ok() && Fresh(route, name, tag)) {
    Count(kHits, registry, "manifest");
    return manifests.Get(name, reference, accept);
  }
  UpstreamClient& client = *route.upstream->client;
  absl::StatusOr<UpstreamResponse> head =
      client.Send("HEAD", route.remote,
                  absl::StrCat("/v2/", route.remote, "/manifests/", tag.str()),
                  ManifestAccept());
  if (head.ok() && head->status == 200) {
    std::string current = head->Header("Docker-Content-Digest");
    if (cached.ok() && current == cached->ToString()) {
      Count(kHits, registry, "manifest");
    } else {
      Count(kMisses, registry, "manifest");
      RETURN_IF_ERROR(
          FetchManifest(route, name, current.empty() ? tag.str() : current, tag)
              .status());
    }
    MarkChecked(name, tag);
    return manifests.Get(name, reference, accept);
  }
  if (head.ok() && head->status == 404) {
    return Error(absl::StatusCode::kNotFound, v1::MANIFEST_UNKNOWN,
                 absl::StrCat("upstream ", registry, " has no tag ", tag.str(),
                              " in ", route.remote),
                 tag.str());
  }
  absl::Status failed = UpstreamFailure(
      registry, head, absl::StrCat("tag ", tag.str(), " of ", route.remote));
  if (!cached.ok()) return failed;
  Count(kStale, registry, "manifest");
  Log(LogLevel::kWarn, "proxy", "serving a cached tag: the upstream failed",
      {{"repository", name.str()},
       {"tag", tag.str()},
       {"error", failed.message()}});
  return manifests.Get(name, reference, accept);
}

absl::StatusOr<BlobDescriptor> PullThroughCache::StatBlob(
    const RepositoryName& name, const Digest& digest) {
  const Route route = *Find(name);
  absl::StatusOr<BlobDescriptor> stored =
      storage_->blobs.StatAndTouch(name, digest);
  if (!absl::IsNotFound(stored.status())) return stored;
  UpstreamClient& client = *route.upstream->client;
  absl::StatusOr<UpstreamResponse> head = client.Send(
      "HEAD", route.remote,
      absl::StrCat("/v2/", route.remote, "/blobs/", digest.ToString()));
  int64_t size = 0;
  if (head.ok() && head->status == 200 &&
      absl::SimpleAtoi(head->Header("Content-Length"), &size)) {
    return BlobDescriptor{digest, size};
  }
  if (head.ok() && head->status == 404) return stored.status();
  return UpstreamFailure(client.url(), head,
                         absl::StrCat("blob ", digest.ToString()));
}

absl::StatusOr<BlobForRead> PullThroughCache::ReadBlob(
    const RepositoryName& name, const Digest& digest) {
  const Route route = *Find(name);
  const std::string& registry = route.upstream->config.remote_url;
  absl::StatusOr<BlobDescriptor> stored = storage_->blobs.Stat(name, digest);
  if (stored.ok()) Count(kHits, registry, "blob");
  if (!absl::IsNotFound(stored.status())) {
    RETURN_IF_ERROR(stored.status());
    return BlobForRead{*stored, nullptr};
  }
  // Stored for another repository: linked here once the upstream shows
  // this repository has it (a digest alone grants no access).
  if (storage_->blobs.StatData(digest).ok()) {
    ASSIGN_OR_RETURN(BlobDescriptor upstream, StatBlob(name, digest));
    ASSIGN_OR_RETURN(BlobDescriptor linked,
                     storage_->blobs.Link(name, upstream.digest));
    Count(kHits, registry, "blob");
    return BlobForRead{linked, nullptr};
  }
  Count(kMisses, registry, "blob");
  UpstreamClient* client = route.upstream->client.get();
  const std::string remote = route.remote;
  BlobSource source =
      [client, remote, digest](
          const std::function<void(int64_t)>& on_size,
          const std::function<absl::Status(const char*, size_t)>& sink)
      -> absl::Status {
    absl::Status sunk;
    absl::StatusOr<UpstreamResponse> response = client->Stream(
        remote, absl::StrCat("/v2/", remote, "/blobs/", digest.ToString()), {},
        [&](const UpstreamResponse& head) {
          int64_t size = -1;
          if (!absl::SimpleAtoi(head.Header("Content-Length"), &size)) {
            size = -1;
          }
          on_size(size);
          return absl::OkStatus();
        },
        [&](const char* data, size_t n) {
          sunk = sink(data, n);
          return sunk.ok();
        });
    RETURN_IF_ERROR(sunk);
    const std::string what = absl::StrCat("blob ", digest.ToString());
    if (response.ok() && response->status == 404) {
      return Error(absl::StatusCode::kNotFound, v1::BLOB_UNKNOWN,
                   absl::StrCat("upstream ", client->url(), " has no ", what,
                                " in ", remote),
                   digest.ToString());
    }
    if (response.ok() && response->status / 100 == 2) return absl::OkStatus();
    return UpstreamFailure(client->url(), response, what);
  };
  ASSIGN_OR_RETURN(std::shared_ptr<BlobFetch> fetch,
                   fetcher_.Fetch(name, digest, std::move(source)));
  ASSIGN_OR_RETURN(int64_t size, fetch->WaitForSize());
  return BlobForRead{BlobDescriptor{digest, size}, std::move(fetch)};
}

absl::StatusOr<std::string> PullThroughCache::CachedGet(
    const Route& route, const std::string& path, absl::string_view what) {
  const UpstreamConfig& config = route.upstream->config;
  const std::string key = config.remote_url + path;
  absl::optional<Answer> kept;
  {
    absl::MutexLock lock(&mu_);
    auto it = answers_.find(key);
    if (it != answers_.end()) kept = it->second;
  }
  if (kept.has_value() && absl::Now() - kept->fetched < config.ttl) {
    Count(kHits, config.remote_url, what);
    return kept->body;
  }
  Count(kMisses, config.remote_url, what);
  absl::StatusOr<UpstreamResponse> response =
      route.upstream->client->Send("GET", route.remote, path);
  if (response.ok() && response->status == 200) {
    absl::MutexLock lock(&mu_);
    if (answers_.size() >= kMaxAnswers) {
      for (auto it = answers_.begin(); it != answers_.end();) {
        it = absl::Now() - it->second.fetched >= config.ttl ? answers_.erase(it)
                                                            : std::next(it);
      }
      if (answers_.size() >= kMaxAnswers) answers_.clear();
    }
    answers_[key] = Answer{response->body, absl::Now()};
    return response->body;
  }
  if (response.ok() && response->status == 404) {
    return absl::NotFoundError(absl::StrCat("upstream ", config.remote_url,
                                            " has no ", what, " for ",
                                            route.remote));
  }
  absl::Status failed = UpstreamFailure(
      config.remote_url, response, absl::StrCat(what, " of ", route.remote));
  if (!kept.has_value()) return failed;
  Count(kStale, config.remote_url, what);
  Log(LogLevel::kWarn, "proxy", "serving a cached answer: the upstream failed",
      {{"repository", route.remote}, {"error", failed.message()}});
  return kept->body;
}

absl::StatusOr<std::vector<std::string>> PullThroughCache::Tags(
    const RepositoryName& name) {
  const Route route = *Find(name);
  absl::StatusOr<std::string> body = CachedGet(
      route, absl::StrCat("/v2/", route.remote, "/tags/list"), "tags");
  if (absl::IsNotFound(body.status())) {
    return Error(absl::StatusCode::kNotFound, v1::NAME_UNKNOWN,
                 body.status().message(), name.str());
  }
  if (!body.ok()) {
    // The tags this cache holds, rather than nothing.
    absl::StatusOr<std::vector<std::string>> local = storage_->tags.All(name);
    return local.ok() ? local : body.status();
  }
  nlohmann::json json = nlohmann::json::parse(*body, nullptr, false);
  std::vector<std::string> tags;
  if (json.is_object() && json.contains("tags") && json["tags"].is_array()) {
    for (const auto& tag : json["tags"]) {
      if (tag.is_string()) tags.push_back(tag.get<std::string>());
    }
  }
  std::sort(tags.begin(), tags.end());
  return tags;
}

absl::StatusOr<std::vector<Referrer>> PullThroughCache::Referrers(
    const RepositoryName& name, const Digest& subject,
    absl::string_view artifact_type) {
  const Route route = *Find(name);
  absl::StatusOr<std::string> body = CachedGet(
      route,
      absl::StrCat("/v2/", route.remote, "/referrers/", subject.ToString()),
      "referrers");
  if (absl::IsNotFound(body.status())) return std::vector<Referrer>{};
  if (!body.ok()) {
    absl::StatusOr<std::vector<Referrer>> local =
        storage_->manifests.Referrers(name, subject, artifact_type);
    return local.ok() ? local : body.status();
  }
  std::vector<Referrer> referrers;
  nlohmann::json json = nlohmann::json::parse(*body, nullptr, false);
  if (!json.is_object() || !json.contains("manifests") ||
      !json["manifests"].is_array()) {
    return referrers;
  }
  for (const auto& entry : json["manifests"]) {
    if (!entry.is_object()) continue;
    absl::StatusOr<Digest> digest =
        Digest::Parse(entry.value("digest", std::string()));
    if (!digest.ok()) continue;
    Referrer referrer{*digest};
    referrer.media_type = entry.value("mediaType", std::string());
    referrer.size = entry.value("size", int64_t{0});
    referrer.artifact_type = entry.value("artifactType", std::string());
    if (entry.contains("annotations") && entry["annotations"].is_object()) {
      for (const auto& [key, value] : entry["annotations"].items()) {
        if (value.is_string())
          referrer.annotations[key] = value.get<std::string>();
      }
    }
    if (!artifact_type.empty() && referrer.artifact_type != artifact_type) {
      continue;
    }
    referrers.push_back(std::move(referrer));
  }
  return referrers;
}

}  // namespace registry::proxy
