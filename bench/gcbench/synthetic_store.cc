#include "bench/gcbench/synthetic_store.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/digest.h"
#include "common/names.h"
#include "storaged/paths.h"

namespace registry::bench {
namespace {

constexpr int64_t kBaseLayers = 100;

std::string BlobContent(int64_t index, int64_t bytes) {
  std::string out = absl::StrCat("synthetic blob ", index, " ");
  while (static_cast<int64_t>(out.size()) < bytes) out += out;
  out.resize(bytes);
  return out;
}

class Writer {
 public:
  Writer(drivers::StorageDriver& driver, const StoreShape& shape)
      : driver_(driver), shape_(shape) {}

  // Blob index of manifest j's config and layers.
  int64_t Config(int64_t j) const { return kBaseLayers + j; }
  int64_t Layer(int64_t j, int64_t k) const {
    if (k == 0) return j % kBaseLayers;
    return kBaseLayers + shape_.manifests +
           j * (shape_.layers_per_manifest - 1) + (k - 1);
  }
  int64_t FirstOrphan() const { return Layer(shape_.manifests, 1); }

  Digest BlobDigest(int64_t index) const {
    return DigestOf(BlobContent(index, shape_.blob_bytes));
  }

  // Everything of repository r: its manifests, their blobs and links, and
  // its share of the orphans.
  absl::Status WriteRepository(int64_t r) {
    RepositoryName name =
        *RepositoryName::Parse(absl::StrCat("synthetic/repo-", r));
    const int64_t per_repo = shape_.manifests / shape_.repositories;
    for (int64_t j = r * per_repo; j < (r + 1) * per_repo; ++j) {
      std::vector<int64_t> blobs = {Config(j)};
      for (int64_t k = 0; k < shape_.layers_per_manifest; ++k) {
        blobs.push_back(Layer(j, k));
      }
      std::string manifest = absl::StrCat(
          R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)",
          R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")",
          BlobDigest(blobs[0]).ToString(), R"(","size":)", shape_.blob_bytes,
          R"(},"layers":[)");
      for (size_t i = 1; i < blobs.size(); ++i) {
        absl::StrAppend(
            &manifest, i > 1 ? "," : "",
            R"({"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":")",
            BlobDigest(blobs[i]).ToString(), R"(","size":)", shape_.blob_bytes,
            "}");
      }
      absl::StrAppend(&manifest, "]}");
      for (int64_t index : blobs) {
        // Base layers are written by their first user only.
        if (index >= kBaseLayers || j == index) {
          absl::Status put = Put(paths::BlobDataPath(BlobDigest(index)),
                                 BlobContent(index, shape_.blob_bytes));
          if (!put.ok()) return put;
        }
        Digest digest = BlobDigest(index);
        absl::Status linked =
            Put(paths::LayerLinkPath(name, digest), digest.ToString());
        if (!linked.ok()) return linked;
      }
      Digest digest = DigestOf(manifest);
      for (const auto& [path, content] :
           std::vector<std::pair<std::string, std::string>>{
               {paths::BlobDataPath(digest), manifest},
               {paths::ManifestRevisionLinkPath(name, digest),
                digest.ToString()}}) {
        absl::Status put = Put(path, content);
        if (!put.ok()) return put;
      }
      if (j % 10 < 7) {
        Tag tag = *Tag::Parse(absl::StrCat("t", j));
        for (const std::string& path :
             {paths::TagCurrentLinkPath(name, tag),
              paths::TagIndexLinkPath(name, tag, digest)}) {
          absl::Status put = Put(path, digest.ToString());
          if (!put.ok()) return put;
        }
      }
    }
    for (int64_t o = FirstOrphan() + r; o < shape_.blobs;
         o += shape_.repositories) {
      Digest digest = BlobDigest(o);
      absl::Status put =
          Put(paths::BlobDataPath(digest), BlobContent(o, shape_.blob_bytes));
      if (put.ok()) {
        put = Put(paths::LayerLinkPath(name, digest), digest.ToString());
      }
      if (!put.ok()) return put;
    }
    return absl::OkStatus();
  }

  int64_t files() const { return files_.load(); }

 private:
  absl::Status Put(const std::string& path, const std::string& content) {
    ++files_;
    return driver_.PutContentVolatile(path, content);
  }

  drivers::StorageDriver& driver_;
  const StoreShape shape_;
  std::atomic<int64_t> files_{0};
};

}  // namespace

absl::Status WriteSyntheticStore(
    drivers::StorageDriver& driver, const StoreShape& shape,
    const std::function<void(const std::string&)>& progress) {
  Writer writer(driver, shape);
  if (writer.FirstOrphan() > shape.blobs) {
    return absl::InvalidArgumentError(
        absl::StrCat("the manifests name ", writer.FirstOrphan(),
                     " blobs, more than --blobs"));
  }
  std::atomic<int64_t> next{0};
  absl::Mutex mu;
  absl::Status failed;
  std::vector<std::thread> threads;
  for (int t = 0; t < shape.threads; ++t) {
    threads.emplace_back([&] {
      for (int64_t r = next++; r < shape.repositories; r = next++) {
        absl::Status status = writer.WriteRepository(r);
        absl::MutexLock lock(&mu);
        if (!status.ok()) failed.Update(status);
        if ((r + 1) % 100 == 0) {
          progress(absl::StrCat("wrote ", r + 1, " of ", shape.repositories,
                                " repositories (", writer.files(), " files)"));
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  return failed;
}

}  // namespace registry::bench
