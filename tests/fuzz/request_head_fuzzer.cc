// libFuzzer target: request heads as the edge server reads them, and the
// body framing that follows. Checks that a complete head is consistent and
// that its rewritten form parses back to the same framing.
#include <cstdint>
#include <string>

#include "gateway/edge/body_tracker.h"
#include "gateway/edge/head_parser.h"

using registry::gateway::BodyTracker;
using registry::gateway::HeadLimits;
using registry::gateway::ParseRequestHead;
using registry::gateway::RequestHead;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  HeadLimits limits;
  limits.max_line_bytes = 512;
  limits.max_head_bytes = 4096;
  limits.max_fields = 20;
  RequestHead head = ParseRequestHead(input, limits);
  if (head.state != RequestHead::State::kComplete) return 0;
  if (head.size > size || head.method.empty() || head.target.empty()) {
    __builtin_trap();
  }
  if (head.chunked != (head.content_length < 0)) __builtin_trap();
  if (!head.rewritten.empty()) {
    // The rewrite may add a field and line ending bytes beyond the limits.
    HeadLimits relaxed = limits;
    relaxed.max_fields += 1;
    relaxed.max_head_bytes *= 2;
    RequestHead again = ParseRequestHead(head.rewritten, relaxed);
    if (again.state != RequestHead::State::kComplete ||
        again.size != head.rewritten.size() ||
        again.content_length != head.content_length ||
        again.chunked != head.chunked || again.method != head.method ||
        again.target != head.target || !again.rewritten.empty()) {
      __builtin_trap();
    }
  }
  BodyTracker body(head.content_length);
  body.Feed(input.substr(head.size));
  if (body.done() && body.broken()) __builtin_trap();
  return 0;
}
