#include "gateway/edge/body_tracker.h"

#include <algorithm>

#include "absl/strings/ascii.h"

namespace registry::gateway {
namespace {

// Chunk sizes up to 15 hex digits: below 2^60, no overflow.
constexpr int kMaxSizeDigits = 15;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = absl::ascii_tolower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

BodyTracker::BodyTracker(int64_t length)
    : state_(length < 0    ? State::kSize
             : length == 0 ? State::kDone
                           : State::kLength),
      remaining_(std::max<int64_t>(length, 0)) {}

void BodyTracker::Feed(absl::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size() && state_ != State::kDone &&
         state_ != State::kBroken) {
    if (state_ == State::kLength || state_ == State::kData) {
      int64_t take =
          std::min<int64_t>(remaining_, static_cast<int64_t>(bytes.size() - i));
      remaining_ -= take;
      i += static_cast<size_t>(take);
      if (remaining_ == 0) {
        state_ = state_ == State::kLength ? State::kDone : State::kDataCr;
      }
      continue;
    }
    Step(bytes[i++]);
  }
}

void BodyTracker::Step(char c) {
  switch (state_) {
    case State::kSize: {
      int value = HexValue(c);
      if (value >= 0 && size_digits_ < kMaxSizeDigits) {
        remaining_ = remaining_ * 16 + value;
        ++size_digits_;
      } else if (size_digits_ > 0 && (c == ';' || c == ' ' || c == '\t')) {
        state_ = State::kExtension;
      } else if (size_digits_ > 0 && c == '\r') {
        state_ = State::kSizeLf;
      } else {
        state_ = State::kBroken;
      }
      break;
    }
    case State::kExtension:
      if (c == '\r') state_ = State::kSizeLf;
      if (c == '\n') state_ = State::kBroken;
      break;
    case State::kSizeLf:
      if (c != '\n') {
        state_ = State::kBroken;
      } else if (remaining_ == 0) {
        state_ = State::kTrailerStart;
      } else {
        state_ = State::kData;
      }
      size_digits_ = 0;
      break;
    case State::kDataCr:
      state_ = c == '\r' ? State::kDataLf : State::kBroken;
      break;
    case State::kDataLf:
      state_ = c == '\n' ? State::kSize : State::kBroken;
      remaining_ = 0;
      break;
    case State::kTrailerStart:
      state_ = c == '\r' ? State::kLastLf : State::kTrailer;
      break;
    case State::kTrailer:
      if (c == '\r') state_ = State::kTrailerLf;
      break;
    case State::kTrailerLf:
      state_ = c == '\n' ? State::kTrailerStart : State::kBroken;
      break;
    case State::kLastLf:
      state_ = c == '\n' ? State::kDone : State::kBroken;
      break;
    default:
      break;
  }
}

}  // namespace registry::gateway
