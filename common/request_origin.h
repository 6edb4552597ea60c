// Who made a client request, as the gateway passes it to storaged in gRPC
// metadata beside "x-request-id" (for events, issue 14): the client's
// address, the Host it asked, the HTTP method, its User-Agent, the
// authenticated user and the scheme it used.
#ifndef REGISTRY_COMMON_REQUEST_ORIGIN_H_
#define REGISTRY_COMMON_REQUEST_ORIGIN_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace registry {

struct RequestOrigin {
  std::string addr;        // "ip:port" of the client.
  std::string host;        // The Host header.
  std::string method;      // "PUT".
  std::string user_agent;  // The User-Agent header.
  std::string actor;       // The authenticated user; empty: anonymous.
  std::string scheme;      // "http" or "https".
};

// The metadata pairs carrying `origin` (empty fields left out), each value
// made printable ASCII and at most 512 bytes, as gRPC metadata must be.
std::vector<std::pair<std::string, std::string>> OriginMetadata(
    const RequestOrigin& origin);

// The origin from metadata pairs (unknown keys ignored).
RequestOrigin OriginFromMetadata(
    const std::vector<std::pair<absl::string_view, absl::string_view>>&
        metadata);

}  // namespace registry

#endif  // REGISTRY_COMMON_REQUEST_ORIGIN_H_
