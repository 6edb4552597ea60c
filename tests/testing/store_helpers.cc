#include "tests/testing/store_helpers.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "storaged/manifest_parser.h"

namespace registry::testing {

absl::StatusOr<Digest> UploadBlob(Storage& storage, const RepositoryName& repo,
                                  const std::string& content) {
  ASSIGN_OR_RETURN(UploadState upload, storage.uploads.Start(repo));
  {
    ASSIGN_OR_RETURN(auto writer,
                     storage.uploads.OpenWriter(repo, upload.id, 0));
    RETURN_IF_ERROR(writer->Append(content));
    RETURN_IF_ERROR(writer->Finish());
  }  // The writer releases the upload's lock.
  Digest digest = DigestOf(content);
  RETURN_IF_ERROR(
      storage.uploads
          .Commit(repo, upload.id, digest, absl::nullopt, "", absl::nullopt)
          .status());
  return digest;
}

std::string ImageManifestJson(const Digest& config,
                              const std::vector<Digest>& layers,
                              const std::string& extra) {
  std::string out = absl::StrCat(
      R"({"schemaVersion":2,"mediaType":")", kOciManifest,
      R"(","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")",
      config.ToString(), R"(","size":2},"layers":[)");
  for (size_t i = 0; i < layers.size(); ++i) {
    absl::StrAppend(
        &out, i ? "," : "",
        R"({"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":")",
        layers[i].ToString(), R"(","size":5})");
  }
  absl::StrAppend(&out, "]", extra, "}");
  return out;
}

std::string IndexJson(const std::vector<Digest>& manifests) {
  std::string out = absl::StrCat(R"({"schemaVersion":2,"mediaType":")",
                                 kOciIndex, R"(","manifests":[)");
  for (size_t i = 0; i < manifests.size(); ++i) {
    absl::StrAppend(&out, i ? "," : "", R"({"mediaType":")", kOciManifest,
                    R"(","digest":")", manifests[i].ToString(),
                    R"(","size":10})");
  }
  absl::StrAppend(&out, "]}");
  return out;
}

}  // namespace registry::testing
