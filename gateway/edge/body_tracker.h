// Follows the framing of a request body as its bytes pass by (a length,
// or chunked coding up to the last chunk and trailers), so that after a
// handler returns the server knows whether the body was read to its end:
// if not, the next bytes are not a request and the connection must close.
// Not thread-safe.
#ifndef REGISTRY_GATEWAY_EDGE_BODY_TRACKER_H_
#define REGISTRY_GATEWAY_EDGE_BODY_TRACKER_H_

#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"

namespace registry::gateway {

class BodyTracker {
 public:
  // A body of `length` bytes, or chunked when `length` < 0.
  explicit BodyTracker(int64_t length);

  // Takes the next bytes of the body (and possibly beyond it: bytes past
  // the end are ignored).
  void Feed(absl::string_view bytes);

  // Whether the whole body has passed.
  bool done() const { return state_ == State::kDone; }
  // Whether the chunked coding was malformed (it can then never be done).
  bool broken() const { return state_ == State::kBroken; }

 private:
  enum class State {
    kLength,
    kSize,
    kExtension,
    kSizeLf,
    kData,
    kDataCr,
    kDataLf,
    kTrailerStart,
    kTrailer,
    kTrailerLf,
    kLastLf,
    kDone,
    kBroken
  };
  void Step(char c);

  State state_;
  int64_t remaining_ = 0;
  int size_digits_ = 0;
};

}  // namespace registry::gateway

#endif  // REGISTRY_GATEWAY_EDGE_BODY_TRACKER_H_
