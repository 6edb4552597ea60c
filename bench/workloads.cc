#include "bench/workloads.h"

#include <atomic>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/digest.h"

namespace registry::bench {
namespace {

constexpr int64_t kKiB = 1 << 10;
constexpr int64_t kMiB = 1 << 20;
constexpr int64_t kGiB = int64_t{1} << 30;

// Blob ids unique to this run, so that no push finds its blob present.
uint64_t NextBlobId() {
  static std::atomic<uint64_t> counter{
      static_cast<uint64_t>(absl::ToUnixNanos(absl::Now()))};
  return counter.fetch_add(1);
}

std::string SizeName(int64_t bytes) {
  if (bytes >= kGiB) return absl::StrCat(bytes / kGiB, " GiB");
  if (bytes >= kMiB) return absl::StrCat(bytes / kMiB, " MiB");
  return absl::StrCat(bytes / kKiB, " KiB");
}

// Distinct blobs for `ops` pushes, digests computed before the clock runs.
std::shared_ptr<std::vector<BlobSource>> FreshBlobs(int64_t ops, int64_t size) {
  auto blobs = std::make_shared<std::vector<BlobSource>>();
  blobs->reserve(static_cast<size_t>(ops));
  for (int64_t i = 0; i < ops; ++i) blobs->emplace_back(NextBlobId(), size);
  return blobs;
}

Workload Push(const std::string& label, int64_t size, int64_t chunk, int c,
              int64_t ops, absl::Duration max_time) {
  Workload w;
  w.name = absl::StrCat(label, " ", SizeName(size));
  w.concurrency = c;
  w.unit = Unit::kMegabytesPerSecond;
  w.ops = ops;
  w.max_time = max_time;
  w.prepare = [size, chunk, ops](Target&) -> absl::StatusOr<Op> {
    auto blobs = FreshBlobs(ops, size);
    return Op([blobs, chunk](Session& s, int64_t i) -> absl::StatusOr<int64_t> {
      const BlobSource& blob = (*blobs)[static_cast<size_t>(i)];
      absl::Status status = chunk > 0 ? s.PushChunked("bench/push", blob, chunk)
                                      : s.PushMonolithic("bench/push", blob);
      if (!status.ok()) return status;
      return blob.size();
    });
  };
  return w;
}

// Pushes one blob of `size` for reads; returns its digest.
absl::StatusOr<std::string> Seed(Target& target, const std::string& repo,
                                 int64_t size) {
  BlobSource blob(NextBlobId(), size);
  absl::Status status = target.NewSession()->PushChunked(repo, blob, 64 * kMiB);
  if (!status.ok()) return status;
  return blob.digest();
}

Workload Pull(int64_t size, int64_t range, int c, int64_t ops,
              absl::Duration max_time) {
  Workload w;
  w.name = range > 0 ? absl::StrCat("pull Range ", SizeName(range), " of ",
                                    SizeName(size))
                     : absl::StrCat("pull ", SizeName(size));
  w.concurrency = c;
  w.unit = Unit::kMegabytesPerSecond;
  w.ops = ops;
  w.max_time = max_time;
  w.prepare = [size, range](Target& target) -> absl::StatusOr<Op> {
    absl::StatusOr<std::string> digest = Seed(target, "bench/pull", size);
    if (!digest.ok()) return digest.status();
    // One untimed pull first, so every op reads warm caches (the page
    // cache; a gateway's blob cache when it has one).
    absl::StatusOr<int64_t> warm =
        target.NewSession()->Pull("bench/pull", *digest, 0, 0);
    if (!warm.ok()) return warm.status();
    return Op([digest = *digest, size, range](Session& s, int64_t i) {
      int64_t offset = range > 0 ? (i * 7919 * range) % (size - range + 1) : 0;
      return s.Pull("bench/pull", digest, offset, range);
    });
  };
  return w;
}

struct SeededManifest {
  std::string layer_digest;
  std::string manifest_digest;
};

// A manifest tagged "latest" (and v0..v19) in bench/meta, with its blobs.
absl::StatusOr<SeededManifest> SeedManifest(Target& target) {
  BlobSource config(NextBlobId(), 2 * kKiB);
  BlobSource layer(NextBlobId(), 64 * kKiB);
  auto session = target.NewSession();
  for (const BlobSource* blob : {&config, &layer}) {
    absl::Status status = session->PushMonolithic("bench/meta", *blob);
    if (!status.ok()) return status;
  }
  std::string manifest = absl::StrCat(
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)",
      R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")",
      config.digest(), R"(","size":)", config.size(),
      R"(},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":")",
      layer.digest(), R"(","size":)", layer.size(), "}]}");
  for (int t = 0; t < 20; ++t) {
    absl::Status status =
        session->PutManifest("bench/meta", absl::StrCat("v", t), manifest);
    if (!status.ok()) return status;
  }
  absl::Status status = session->PutManifest("bench/meta", "latest", manifest);
  if (!status.ok()) return status;
  return SeededManifest{layer.digest(), DigestOf(manifest).ToString()};
}

enum class Meta {
  kManifestByTag,
  kManifestByDigest,
  kHeadBlob,
  kTags,
  kCatalog
};

Workload Metadata(Meta kind, int c, const Scale& scale) {
  static const char* kNames[] = {"manifest GET by tag",
                                 "manifest GET by digest", "HEAD blob",
                                 "tags list", "catalog"};
  Workload w;
  w.name = kNames[static_cast<int>(kind)];
  w.concurrency = c;
  w.unit = Unit::kRequestsPerSecond;
  w.ops = scale.quick ? 50 : 100000000;
  w.max_time = scale.request_time;
  w.prepare = [kind](Target& target) -> absl::StatusOr<Op> {
    absl::StatusOr<SeededManifest> seeded = SeedManifest(target);
    if (!seeded.ok()) return seeded.status();
    return Op([kind, seeded = *seeded](Session& s,
                                       int64_t) -> absl::StatusOr<int64_t> {
      switch (kind) {
        case Meta::kManifestByTag:
          return s.GetManifest("bench/meta", "latest");
        case Meta::kManifestByDigest:
          return s.GetManifest("bench/meta", seeded.manifest_digest);
        case Meta::kHeadBlob: {
          absl::Status status = s.HeadBlob("bench/meta", seeded.layer_digest);
          if (!status.ok()) return status;
          return 0;
        }
        case Meta::kTags: {
          absl::Status status = s.ListTags("bench/meta");
          if (!status.ok()) return status;
          return 0;
        }
        case Meta::kCatalog: {
          absl::Status status = s.Catalog();
          if (!status.ok()) return status;
          return 0;
        }
      }
      return 0;
    });
  };
  return w;
}

}  // namespace

std::vector<Workload> AllWorkloads(const Scale& scale) {
  std::vector<Workload> all;
  const absl::Duration long_time = absl::Minutes(5);
  const std::vector<int> concurrencies = {1, 16, 64};
  if (scale.quick) {
    all.push_back(Push("push monolithic", kMiB, 0, 4, 8, long_time));
    all.push_back(Push("push chunked", kMiB, 256 * kKiB, 4, 8, long_time));
    all.push_back(Pull(4 * kMiB, 0, 4, 20, long_time));
    all.push_back(Pull(4 * kMiB, kMiB, 4, 20, long_time));
    for (Meta m : {Meta::kManifestByTag, Meta::kManifestByDigest,
                   Meta::kHeadBlob, Meta::kTags, Meta::kCatalog}) {
      all.push_back(Metadata(m, 4, scale));
    }
    all.push_back(
        Push("concurrent small pushes", 256 * kKiB, 0, 16, 64, long_time));
    return all;
  }
  for (int64_t size : {kMiB, 64 * kMiB, kGiB}) {
    int64_t ops = size == kMiB ? 200 : size == 64 * kMiB ? 8 : 2;
    all.push_back(Push("push monolithic", size, 0, 1, ops, long_time));
    all.push_back(Push("push chunked", size,
                       std::min<int64_t>(size / 4, 16 * kMiB), 1, ops,
                       long_time));
  }
  for (int c : {16, 64}) {
    all.push_back(Push("push monolithic", kMiB, 0, c, 10 * c, long_time));
    all.push_back(Push("push chunked", kMiB, 256 * kKiB, c, 10 * c, long_time));
  }
  all.push_back(Pull(kGiB, 0, 1, 3, long_time));
  all.push_back(Pull(64 * kMiB, 0, 1, 100000, scale.request_time));
  for (int c : concurrencies) {
    all.push_back(Pull(kMiB, 0, c, 100000000, scale.request_time));
  }
  all.push_back(Pull(kGiB, kMiB, 16, 100000000, scale.request_time));
  for (Meta m : {Meta::kManifestByTag, Meta::kManifestByDigest, Meta::kHeadBlob,
                 Meta::kTags, Meta::kCatalog}) {
    for (int c : concurrencies) all.push_back(Metadata(m, c, scale));
  }
  all.push_back(
      Push("64 concurrent pushes of", 256 * kKiB, 0, 64, 2000, long_time));
  return all;
}

}  // namespace registry::bench
