// Reads the head of an HTTP/1.1 request (request line and header fields)
// from the bytes a connection has delivered so far, enforcing the limits
// and the framing rules of RFC 9112 before any handler sees the request:
// a head is complete, needs more bytes, or is refused with the status to
// answer. Pure; thread-safe.
#ifndef REGISTRY_GATEWAY_EDGE_HEAD_PARSER_H_
#define REGISTRY_GATEWAY_EDGE_HEAD_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "gateway/errors.h"

namespace registry::gateway {

struct HeadLimits {
  size_t max_line_bytes = 8192;     // Request line (414) or field (431).
  size_t max_head_bytes = 1 << 20;  // Whole head (431).
  size_t max_fields = 100;          // Header fields (431).
};

struct RequestHead {
  enum class State { kIncomplete, kComplete, kRefused };
  State state = State::kIncomplete;

  // kRefused: what to answer (the connection is closed after it).
  HttpRefusal refusal = HttpRefusal::kMalformed;
  std::string message;

  // kComplete:
  size_t size = 0;  // Bytes of the head in the input, blank line included.
  std::string method;
  std::string target;  // As sent (still percent-encoded).
  bool http10 = false;
  bool chunked = false;
  // The body's length: from Content-Length, 0 when a request has neither
  // Content-Length nor Transfer-Encoding (RFC 9112 section 6.3); -1 when
  // chunked.
  int64_t content_length = 0;
  // When not empty, the head to hand on instead of the input's: the same
  // fields with one canonical Content-Length (duplicates collapsed, or
  // "Content-Length: 0" added where the body is empty by rule).
  std::string rewritten;
};

// Parses the head at the start of `input`. Leading empty lines are skipped
// (RFC 9112 section 2.2). Refusals: 414 for a long request line, 431 for a
// long field, too many fields or too large a head, 405 for an unknown
// method, 505 for a version other than HTTP/1.0 or 1.1, and 400 for
// anything malformed, including every Content-Length or Transfer-Encoding
// that could frame the body in two ways.
RequestHead ParseRequestHead(absl::string_view input, const HeadLimits& limits);

}  // namespace registry::gateway

#endif  // REGISTRY_GATEWAY_EDGE_HEAD_PARSER_H_
