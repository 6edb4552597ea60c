// Incremental SHA-256 whose state can be saved and restored, so an upload's
// hash survives a restart and another process can continue it. The saved
// state is Go's crypto/sha256 MarshalBinary format, the one CNCF
// Distribution writes to _uploads/<id>/hashstates/sha256/<offset>, so
// uploads interoperate with docker-registry. Thread-compatible.
#ifndef REGISTRY_COMMON_SHA256_H_
#define REGISTRY_COMMON_SHA256_H_

#include <openssl/sha.h>

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/digest.h"

namespace registry {

class Sha256Hasher {
 public:
  Sha256Hasher();

  // Restores a state written by SaveState(). InvalidArgument if malformed.
  static absl::StatusOr<Sha256Hasher> FromState(absl::string_view state);

  // Hashes `data` after the bytes seen so far.
  void Update(absl::string_view data);

  // The digest of the bytes seen so far; the hasher can continue.
  Digest Finish() const;

  // Bytes hashed so far.
  uint64_t bytes() const;

  // The state in Go's sha256 binary marshal format (108 bytes).
  std::string SaveState() const;

 private:
  // OpenSSL 3's EVP interface cannot export a digest's midstate, so this
  // module alone uses the low-level SHA256_CTX (same SHA-NI code path).
  SHA256_CTX ctx_;
};

}  // namespace registry

#endif  // REGISTRY_COMMON_SHA256_H_
