// Every route of the Distribution API, as regexes over the whole path.
// Repository names contain '/', so `:param` segments cannot be used; the
// name group is permissive and storaged validates it (NAME_INVALID).
#ifndef REGISTRY_GATEWAY_ROUTES_H_
#define REGISTRY_GATEWAY_ROUTES_H_

namespace registry::gateway::routes {

// GET /v2/ -- API version check.
inline constexpr char kBase[] = R"(/v2/?)";
inline constexpr char kHealthz[] = R"(/healthz)";
inline constexpr char kReadyz[] = R"(/readyz)";
inline constexpr char kMetrics[] = R"(/metrics)";
// GET /v2/_catalog
inline constexpr char kCatalog[] = R"(/v2/_catalog)";
// GET /v2/<name>/tags/list
inline constexpr char kTags[] = R"(/v2/(.+)/tags/list)";
// GET|HEAD|PUT|DELETE /v2/<name>/manifests/<reference>
inline constexpr char kManifest[] = R"(/v2/(.+)/manifests/([^/]+))";
// GET|HEAD|DELETE /v2/<name>/blobs/<digest>
inline constexpr char kBlob[] = R"(/v2/(.+)/blobs/([^/]+))";
// POST /v2/<name>/blobs/uploads/
inline constexpr char kUploads[] = R"(/v2/(.+)/blobs/uploads/?)";
// GET|PATCH|PUT|DELETE /v2/<name>/blobs/uploads/<id>
inline constexpr char kUpload[] = R"(/v2/(.+)/blobs/uploads/([^/]+))";
// GET /v2/<name>/referrers/<digest>
inline constexpr char kReferrers[] = R"(/v2/(.+)/referrers/([^/]+))";

}  // namespace registry::gateway::routes

#endif  // REGISTRY_GATEWAY_ROUTES_H_
