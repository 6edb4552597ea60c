#include "storaged/call_log.h"

#include <string>

#include "absl/time/clock.h"
#include "common/log.h"

namespace registry {
namespace {

using grpc::experimental::InterceptionHookPoints;

bool ServersFault(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DATA_LOSS:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return true;
    default:
      return false;
  }
}

class CallLog final : public grpc::experimental::Interceptor {
 public:
  explicit CallLog(grpc::experimental::ServerRpcInfo* info)
      : method_(info->method()), start_(absl::Now()) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      auto* metadata = methods->GetRecvInitialMetadata();
      auto it = metadata->find("x-request-id");
      if (it != metadata->end()) {
        request_id_.assign(it->second.data(), it->second.size());
      }
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      grpc::Status status = methods->GetSendStatus();
      LogLevel level = ServersFault(status.error_code()) ? LogLevel::kError
                                                         : LogLevel::kDebug;
      Log(level, "rpc", status.ok() ? "ok" : status.error_message(),
          {{"request_id", request_id_},
           {"method", method_},
           {"code", static_cast<int>(status.error_code())},
           {"duration_ms", absl::ToDoubleMilliseconds(absl::Now() - start_)}});
    }
    methods->Proceed();
  }

 private:
  const std::string method_;
  const absl::Time start_;
  std::string request_id_;
};

class CallLogFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new CallLog(info);
  }
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewCallLogInterceptorFactory() {
  return std::make_unique<CallLogFactory>();
}

}  // namespace registry
