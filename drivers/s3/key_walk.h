// StorageDriver::Walk over an S3 key prefix, streamed page by page: memory
// stays bounded by one ListObjectsV2 page and the depth of the tree, not by
// the size of the subtree. Keys arrive in byte order, which is the walk's
// key order (a directory sorts as its name followed by '/'); directories are
// visited when their first key arrives. A skipped directory whose keys run
// past the end of a page is left by listing again after it (StartAfter),
// so skipping large directories saves requests. An unfinished file (a
// writer's pending object, pending_file.h) is visited where its pending
// object sorts, unless its finished object exists too.
#ifndef REGISTRY_DRIVERS_S3_KEY_WALK_H_
#define REGISTRY_DRIVERS_S3_KEY_WALK_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "drivers/driver.h"
#include "drivers/s3/object_store.h"

namespace registry::drivers::s3 {

// Visits every path below `path`, whose objects are the keys that start
// with `prefix`, listing `page_size` keys per request. NotFound when no key
// starts with `prefix` (unless `path` is the root).
absl::Status WalkKeys(ObjectStore& store, absl::string_view path,
                      const std::string& prefix, int page_size,
                      const WalkFn& fn);

}  // namespace registry::drivers::s3

#endif  // REGISTRY_DRIVERS_S3_KEY_WALK_H_
