// libFuzzer target: the manifest parser (image manifests, indexes, their
// descriptors, subjects and artifact types), with and without a declared
// media type.
#include <cstdint>
#include <string>

#include "storaged/manifest_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const char* const kDeclared[] = {
      "",
      "application/vnd.oci.image.manifest.v1+json",
      "application/vnd.oci.image.index.v1+json",
      "application/vnd.docker.distribution.manifest.v2+json",
      "application/vnd.docker.distribution.manifest.list.v2+json",
  };
  const char* declared = kDeclared[data[0] % 5];
  absl::string_view content(reinterpret_cast<const char*>(data) + 1, size - 1);
  registry::ParseManifest(content, declared).IgnoreError();
  return 0;
}
