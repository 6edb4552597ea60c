#include "tests/testing/storaged_process.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace registry::testing {

absl::StatusOr<StoragedProcess> StartStoraged(
    const std::string& root, const std::vector<std::string>& extra_flags) {
  static int counter = 0;
  std::vector<std::string> argv = {RunfilePath("storaged/storaged"),
                                   "--listen=127.0.0.1:0",
                                   "--driver=filesystem", "--root=" + root};
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  std::string log =
      absl::StrCat(NewTempDir("logs"), "/storaged-", ++counter, ".log");
  StoragedProcess result;
  auto process = Subprocess::Start(argv, log);
  if (!process.ok()) return process.status();
  result.process = *std::move(process);
  auto line = result.process->WaitForLog("listening on ", absl::Seconds(20));
  if (!line.ok()) return line.status();
  size_t at = line->find("listening on ") + 13;
  size_t colon = line->find(':', at);
  size_t end = line->find_first_not_of("0123456789", colon + 1);
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(line->substr(colon + 1, end - colon - 1),
                        &result.port)) {
    return absl::InternalError("no port in: " + *line);
  }
  result.address = absl::StrCat(line->substr(at, colon - at), ":", result.port);
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  result.channel = grpc::CreateCustomChannel(
      result.address, grpc::InsecureChannelCredentials(), args);
  return result;
}

}  // namespace registry::testing
