#include "common/grpc_status.h"

#include <string>

#include "common/errors.h"
#include "proto/errors.pb.h"

namespace registry {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  v1::RpcStatus rpc;
  rpc.set_code(static_cast<int>(status.code()));
  rpc.set_message(std::string(status.message()));
  v1::ErrorDetail detail;
  detail.set_reason(ReasonOf(status));
  detail.set_subject(SubjectOf(status));
  rpc.add_details()->PackFrom(detail);
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()), rpc.SerializeAsString());
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status result(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
  v1::RpcStatus rpc;
  if (status.error_details().empty() ||
      !rpc.ParseFromString(status.error_details())) {
    return result;
  }
  for (const auto& any : rpc.details()) {
    v1::ErrorDetail detail;
    if (any.UnpackTo(&detail)) {
      return WithReason(result, detail.reason(), detail.subject());
    }
  }
  return result;
}

}  // namespace registry
