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
using ::testing::Not;

// Both kinds of target in one run of two rounds: every workload runs on each
// target once per round, the second round in the other order.
TEST(RegbenchSmokeTest, QuickRunOverHttpAndGrpcInTwoRounds) {
  absl::StatusOr<Registry> registry = StartRegistry(NewTempDir("root"));
  ASSERT_OK(registry);
  absl::StatusOr<std::string> output = RunCommand(
      {RunfilePath("bench/regbench"), "--quick", "--rounds=2",
       absl::StrCat("--targets=ours=http://", registry->gateway.host,
                    ",grpc=grpc://", registry->storaged.address),
       absl::StrCat("--pids=ours=", registry->storaged.process->pid(), "+",
                    registry->gateway.process->pid())},
      absl::Minutes(3));
  ASSERT_OK(output);
  EXPECT_THAT(*output, HasSubstr("manifest GET by tag"));
  EXPECT_THAT(*output, Not(HasSubstr("error:")));
  // Progress lines, in the order they ran.
  const std::string ours = "[ours] push chunked 1 MiB c=4";
  const std::string grpc = "[grpc] push chunked 1 MiB c=4";
  size_t ours1 = output->find(ours), grpc1 = output->find(grpc);
  ASSERT_NE(ours1, std::string::npos) << *output;
  ASSERT_NE(grpc1, std::string::npos) << *output;
  size_t grpc2 = output->find(grpc, grpc1 + 1);
  size_t ours2 = output->find(ours, ours1 + 1);
  ASSERT_NE(grpc2, std::string::npos) << *output;
  ASSERT_NE(ours2, std::string::npos) << *output;
  EXPECT_LT(ours1, grpc1);
  EXPECT_LT(grpc1, grpc2);
  EXPECT_LT(grpc2, ours2);
  EXPECT_EQ(output->find(ours, ours2 + 1), std::string::npos);
  // The table has one row per workload, not one per round.
  const std::string row = "| push chunked 1 MiB ";
  size_t first_row = output->find(row);
  ASSERT_NE(first_row, std::string::npos) << *output;
  EXPECT_EQ(output->find(row, first_row + 1), std::string::npos) << *output;
}

}  // namespace
}  // namespace registry::testing
