#include "storaged/call_observer.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/metrics.h"

namespace registry {
namespace {

using grpc::experimental::InterceptionHookPoints;

constexpr char kCalls[] = "registry_rpc_requests_total";
constexpr char kSeconds[] = "registry_rpc_seconds";

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

class CallObserver final : public grpc::experimental::Interceptor {
 public:
  explicit CallObserver(grpc::experimental::ServerRpcInfo* info)
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
      double seconds = absl::ToDoubleSeconds(absl::Now() - start_);
      Metrics& metrics = Metrics::Global();
      metrics.Add(
          kCalls,
          {{"method", method_},
           {"code", absl::StrCat(static_cast<int>(status.error_code()))}},
          1);
      metrics.Observe(kSeconds, {{"method", method_}}, seconds);
      // A health watch ends when its client goes away ("OnCancel()").
      bool watch = absl::EndsWith(method_, "Health/Watch");
      LogLevel level = ServersFault(status.error_code()) && !watch
                           ? LogLevel::kError
                           : LogLevel::kDebug;
      if (LogEnabled(level)) {
        Log(level, "rpc", status.ok() ? "ok" : status.error_message(),
            {{"request_id", request_id_},
             {"method", method_},
             {"code", static_cast<int>(status.error_code())},
             {"duration_ms", seconds * 1000}});
      }
    }
    methods->Proceed();
  }

 private:
  const std::string method_;
  const absl::Time start_;
  std::string request_id_;
};

class CallObserverFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new CallObserver(info);
  }
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewCallObserverFactory() {
  return std::make_unique<CallObserverFactory>();
}

void DeclareRpcMetrics() {
  Metrics& metrics = Metrics::Global();
  metrics.Declare(kCalls, "counter", "storaged RPCs by method and gRPC code.");
  metrics.Declare(kSeconds, "histogram", "storaged RPC latency by method.");
}

}  // namespace registry
