// A synthetic registry store for garbage-collection benchmarks, written
// straight into the layout through a driver: `blobs` blobs and `manifests`
// image manifests over `repositories` repositories. Deterministic: the
// same shape writes the same store. Thread-safe.
//
// Per manifest j: a config, one of 100 base layers shared by all, and
// layer_count - 1 layers of its own. 70% of manifests are tagged. The blobs
// no manifest names are linked into repositories as orphans. So a
// collection with untagged manifests deleted frees about 30% of the
// manifests' blobs and every orphan.
#ifndef REGISTRY_BENCH_GCBENCH_SYNTHETIC_STORE_H_
#define REGISTRY_BENCH_GCBENCH_SYNTHETIC_STORE_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "drivers/driver.h"

namespace registry::bench {

struct StoreShape {
  int64_t blobs = 100000;
  int64_t manifests = 10000;
  int64_t repositories = 1000;
  int64_t layers_per_manifest = 8;  // Including the shared base layer.
  int64_t blob_bytes = 512;
  int threads = 16;
};

// Writes the store (not durably: a benchmark fixture). Calls `progress`
// now and then.
absl::Status WriteSyntheticStore(
    drivers::StorageDriver& driver, const StoreShape& shape,
    const std::function<void(const std::string&)>& progress);

}  // namespace registry::bench

#endif  // REGISTRY_BENCH_GCBENCH_SYNTHETIC_STORE_H_
