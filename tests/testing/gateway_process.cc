#include "tests/testing/gateway_process.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace registry::testing {

absl::StatusOr<GatewayProcess> StartGateway(
    const std::string& storaged_target,
    const std::vector<std::string>& extra_flags) {
  static int counter = 0;
  std::vector<std::string> argv = {RunfilePath("gateway/gateway"),
                                   "--listen=127.0.0.1:0",
                                   "--storaged=" + storaged_target};
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  std::string log =
      absl::StrCat(NewTempDir("logs"), "/gateway-", ++counter, ".log");
  GatewayProcess result;
  auto process = Subprocess::Start(argv, log);
  if (!process.ok()) return process.status();
  result.process = *std::move(process);
  auto line =
      result.process->WaitForLog("listening on 127.0.0.1:", absl::Seconds(20));
  if (!line.ok()) return line.status();
  size_t at = line->find("listening on 127.0.0.1:") + 23;
  size_t end = line->find_first_not_of("0123456789", at);
  if (!absl::SimpleAtoi(line->substr(at, end - at), &result.port)) {
    return absl::InternalError("no port in: " + *line);
  }
  result.host = absl::StrCat("127.0.0.1:", result.port);
  return result;
}

absl::StatusOr<Registry> StartRegistry(const std::string& root) {
  Registry registry;
  auto storaged = StartStoraged(root);
  if (!storaged.ok()) return storaged.status();
  registry.storaged = *std::move(storaged);
  auto gateway = StartGateway(registry.storaged.address);
  if (!gateway.ok()) return gateway.status();
  registry.gateway = *std::move(gateway);
  return registry;
}

}  // namespace registry::testing
