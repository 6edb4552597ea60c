// GET /v2/ and the response parts every handler shares.
#include "gateway/errors.h"
#include "gateway/handlers/handler_context.h"
#include "gateway/routes.h"

namespace registry::gateway {

void Respond(httplib::Response& response,
             const std::function<absl::Status()>& handle) {
  absl::Status status = handle();
  if (!status.ok()) {
    response.headers.erase("Location");
    WriteOciError(status, response);
  }
}

void RegisterBaseRoutes(httplib::Server& server, const HandlerContext&) {
  server.Get(routes::kBase,
             [](const httplib::Request&, httplib::Response& response) {
               response.set_content("{}", "application/json");
             });
}

}  // namespace registry::gateway
