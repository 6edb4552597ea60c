// Writes an OCI image layout directory (oci-layout, index.json, blobs/) with
// real tar+gzip layers of any size, generated as a stream so that large
// layers never sit in memory. For tests that drive skopeo. Not thread-safe.
#ifndef REGISTRY_TESTS_TESTING_OCI_LAYOUT_H_
#define REGISTRY_TESTS_TESTING_OCI_LAYOUT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace registry::testing {

struct OciDescriptor {
  std::string media_type;
  std::string digest;
  int64_t size = 0;
  std::string platform_arch;  // For index entries; may be empty.
};

class OciLayout {
 public:
  // Creates `dir` with oci-layout and blobs/sha256.
  explicit OciLayout(std::string dir);

  // A gzip-compressed tar holding one file of `bytes` pseudo-random bytes.
  // Sets `*diff_id` to the digest of the uncompressed tar.
  absl::StatusOr<OciDescriptor> AddLayer(int64_t bytes, uint64_t seed,
                                         std::string* diff_id);

  // Stores `content` as a blob.
  absl::StatusOr<OciDescriptor> AddBlob(const std::string& content,
                                        const std::string& media_type);

  // An image of `layer_sizes` layers for `arch`, in OCI or Docker schema2
  // media types.
  absl::StatusOr<OciDescriptor> AddImage(
      const std::vector<int64_t>& layer_sizes, const std::string& arch,
      uint64_t seed, bool docker = false);

  // An OCI index over `manifests`.
  absl::StatusOr<OciDescriptor> AddIndex(
      const std::vector<OciDescriptor>& manifests);

  // Names `descriptor` `tag` in index.json (written by Finish()).
  void Tag(const std::string& tag, const OciDescriptor& descriptor);

  absl::Status Finish();

  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::vector<std::pair<std::string, OciDescriptor>> tags_;
};

// Digests (hex) of every blob in the layout at `dir`.
std::vector<std::string> LayoutBlobs(const std::string& dir);

}  // namespace registry::testing

#endif  // REGISTRY_TESTS_TESTING_OCI_LAYOUT_H_
