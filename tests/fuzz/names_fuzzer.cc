// libFuzzer target: repository names, tags, references, digests, upload
// ids, media types and the quoting of client text in messages. Whatever
// parses is valid UTF-8 and within the grammar's bounds; quoted text is
// always printable ASCII.
#include <cstdint>
#include <string>

#include "common/digest.h"
#include "common/errors.h"
#include "common/names.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view text(reinterpret_cast<const char*>(data), size);
  auto name = registry::RepositoryName::Parse(text);
  if (name.ok() && (name->str().size() > registry::kMaxNameLength ||
                    !registry::IsUtf8(name->str()))) {
    __builtin_trap();
  }
  auto tag = registry::Tag::Parse(text);
  if (tag.ok() && (tag->str().size() > 128 || !registry::IsUtf8(tag->str()))) {
    __builtin_trap();
  }
  auto reference = registry::Reference::Parse(text);
  if (reference.ok() &&
      reference->tag.has_value() == reference->digest.has_value()) {
    __builtin_trap();
  }
  auto digest = registry::Digest::Parse(text);
  if (digest.ok() && digest->ToString() != text) __builtin_trap();
  if (registry::IsUploadId(text) && text.size() != 36) __builtin_trap();
  registry::IsMediaType(text);
  for (const absl::Status& status :
       {name.status(), tag.status(), reference.status(), digest.status()}) {
    if (!registry::IsUtf8(status.message()) ||
        !registry::IsUtf8(registry::SubjectOf(status))) {
      __builtin_trap();
    }
  }
  for (unsigned char c : registry::Printable(text, 300)) {
    if (c < 0x20 || c >= 0x7f) __builtin_trap();
  }
  return 0;
}
