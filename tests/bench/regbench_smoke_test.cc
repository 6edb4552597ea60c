// A seconds-long run of //bench:regbench against the real registry (HTTP)
// and against storaged (gRPC), so the benchmark tool cannot rot. Checks that
// every workload ran without error and the table came out; not a number.
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/gateway_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace registry::testing {
namespace {

using ::testing::HasSubstr;

TEST(RegbenchSmokeTest, QuickRunOverHttpAndGrpc) {
  absl::StatusOr<Registry> registry = StartRegistry(NewTempDir("root"));
  ASSERT_OK(registry);
  for (const std::string& target :
       {absl::StrCat("ours=http://", registry->gateway.host),
        absl::StrCat("grpc=grpc://", registry->storaged.address)}) {
    absl::StatusOr<std::string> output = RunCommand(
        {RunfilePath("bench/regbench"), "--quick", "--targets=" + target,
         absl::StrCat("--pids=ours=", registry->storaged.process->pid(), "+",
                      registry->gateway.process->pid())},
        absl::Minutes(2));
    ASSERT_OK(output);
    EXPECT_THAT(*output, HasSubstr("manifest GET by tag"));
    EXPECT_THAT(*output, HasSubstr("push chunked 1 MiB"));
    EXPECT_THAT(*output, ::testing::Not(HasSubstr("error:")));
  }
}

}  // namespace
}  // namespace registry::testing
