// libFuzzer target: Range and Content-Range headers. A satisfiable range
// always lies inside the blob.
#include <cstdint>
#include <cstring>

#include "gateway/http_util.h"

using registry::gateway::ByteRange;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 8) return 0;
  int64_t blob_size;
  memcpy(&blob_size, data, 8);
  if (blob_size < 0) blob_size = -(blob_size + 1);
  absl::string_view header(reinterpret_cast<const char*>(data) + 8, size - 8);
  auto range = registry::gateway::ParseRange(header, blob_size);
  if (range.ok() && range->has_value()) {
    const ByteRange& r = **range;
    if (r.offset < 0 || r.length <= 0 || r.offset > blob_size ||
        r.length > blob_size - r.offset) {
      __builtin_trap();
    }
  }
  auto content = registry::gateway::ParseContentRange(header);
  if (content.ok() && content->has_value()) {
    const ByteRange& r = **content;
    if (r.offset < 0 || r.length < 0) __builtin_trap();
  }
  return 0;
}
