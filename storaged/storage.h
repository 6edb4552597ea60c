// The registry's stores on one driver, wired together. Thread-safe.
#ifndef REGISTRY_STORAGED_STORAGE_H_
#define REGISTRY_STORAGED_STORAGE_H_

#include "drivers/driver.h"
#include "storaged/blob_store.h"
#include "storaged/manifest_store.h"
#include "storaged/policy.h"
#include "storaged/tag_store.h"
#include "storaged/upload_store.h"

namespace registry {

struct Storage {
  // Takes ownership of `driver_in`.
  Storage(drivers::StorageDriverPtr driver_in, ManifestStoreOptions options,
          WritePolicy policy_in = {})
      : policy(policy_in),
        driver(std::move(driver_in)),
        blobs(driver.get(), /*touch=*/!policy.read_only),
        uploads(driver.get(), &blobs),
        tags(driver.get()),
        manifests(driver.get(), &blobs, &tags, options) {}

  const WritePolicy policy;
  drivers::StorageDriverPtr driver;
  BlobStore blobs;
  UploadStore uploads;
  TagStore tags;
  ManifestStore manifests;
};

}  // namespace registry

#endif  // REGISTRY_STORAGED_STORAGE_H_
