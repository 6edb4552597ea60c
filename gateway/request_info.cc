#include "gateway/request_info.h"

#include "absl/strings/match.h"
#include "absl/strings/strip.h"

namespace registry::gateway {
namespace {

std::string ActionOf(absl::string_view method) {
  if (method == "GET" || method == "HEAD") return "pull";
  if (method == "DELETE") return "delete";
  return "push";
}

// With `rest` = "<name><marker><last>", where <last> is one non-empty path
// segment and `marker` its last occurrence, sets `name`; as the routes'
// greedy "(.+)<marker>([^/]+)" patterns match; `target` to <last>.
bool SplitAt(absl::string_view rest, absl::string_view marker,
             absl::string_view* name, absl::string_view* target) {
  size_t at = rest.rfind(marker);
  if (at == absl::string_view::npos || at == 0) return false;
  absl::string_view last = rest.substr(at + marker.size());
  if (last.empty() || absl::StrContains(last, '/')) return false;
  *name = rest.substr(0, at);
  *target = last;
  return true;
}

}  // namespace

// Plain string matching, equivalent to the patterns of routes.h (which
// cpp-httplib matches); this runs for every request, regexes would cost.
RequestInfo ClassifyRequest(absl::string_view method, absl::string_view path) {
  if (path == "/healthz") return {"healthz"};
  if (path == "/readyz") return {"readyz"};
  if (path == "/metrics") return {"metrics"};
  if (path == "/v2" || path == "/v2/") return {"base"};
  if (path == "/v2/_catalog") return {"catalog"};
  absl::string_view rest = path;
  if (!absl::ConsumePrefix(&rest, "/v2/")) return {"unknown"};
  absl::string_view name;
  absl::string_view target;
  std::string route;
  if (absl::EndsWith(rest, "/tags/list") &&
      rest.size() > sizeof("/tags/list") - 1) {
    name = rest.substr(0, rest.size() - (sizeof("/tags/list") - 1));
    route = "tags";
  } else if (SplitAt(rest, "/manifests/", &name, &target)) {
    route = "manifest";
  } else if (absl::EndsWith(rest, "/blobs/uploads") ||
             absl::EndsWith(rest, "/blobs/uploads/")) {
    name = rest.substr(0, rest.rfind("/blobs/uploads"));
    route = name.empty() ? "" : "uploads";
  } else if (SplitAt(rest, "/blobs/uploads/", &name, &target)) {
    route = "upload";
  } else if (SplitAt(rest, "/blobs/", &name, &target)) {
    route = "blob";
  } else if (SplitAt(rest, "/referrers/", &name, &target)) {
    route = "referrers";
  }
  if (route.empty()) return {"unknown"};
  RequestInfo info{route, std::string(name), std::string(target),
                   ActionOf(method)};
  // Cancelling an upload is part of pushing, not a delete.
  if (route == "upload" && method == "DELETE") info.action = "push";
  return info;
}

}  // namespace registry::gateway
