#include "gateway/request_info.h"

#include <regex>
#include <vector>

#include "gateway/routes.h"

namespace registry::gateway {
namespace {

struct Route {
  const char* name;
  std::regex pattern;
  bool has_repository;
};

// Most specific first: an upload path also matches the blob pattern.
const std::vector<Route>& Routes() {
  static const auto* routes = new std::vector<Route>{
      {"healthz", std::regex(routes::kHealthz), false},
      {"readyz", std::regex(routes::kReadyz), false},
      {"metrics", std::regex(routes::kMetrics), false},
      {"base", std::regex(routes::kBase), false},
      {"catalog", std::regex(routes::kCatalog), false},
      {"tags", std::regex(routes::kTags), true},
      {"manifest", std::regex(routes::kManifest), true},
      {"uploads", std::regex(routes::kUploads), true},
      {"upload", std::regex(routes::kUpload), true},
      {"blob", std::regex(routes::kBlob), true},
      {"referrers", std::regex(routes::kReferrers), true},
  };
  return *routes;
}

std::string ActionOf(absl::string_view method) {
  if (method == "GET" || method == "HEAD") return "pull";
  if (method == "DELETE") return "delete";
  return "push";
}

}  // namespace

RequestInfo ClassifyRequest(absl::string_view method, absl::string_view path) {
  std::string subject(path);
  std::smatch match;
  for (const Route& route : Routes()) {
    if (!std::regex_match(subject, match, route.pattern)) continue;
    RequestInfo info{route.name, "", ""};
    if (route.has_repository) {
      info.repository = match[1];
      info.action = ActionOf(method);
      // Cancelling an upload is part of pushing, not a delete.
      if (info.route == "upload" && method == "DELETE") info.action = "push";
    }
    return info;
  }
  return {"unknown", "", ""};
}

}  // namespace registry::gateway
