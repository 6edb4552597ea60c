// How regbench orders targets over rounds and combines a target's rounds.
#include "bench/rounds.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace registry::bench {
namespace {

using ::testing::ElementsAre;

TEST(RoundsTest, EachRoundRotatesTheOrderSoEveryTargetGoesFirstOnce) {
  EXPECT_THAT(RoundOrder(3, 0), ElementsAre(0, 1, 2));
  EXPECT_THAT(RoundOrder(3, 1), ElementsAre(1, 2, 0));
  EXPECT_THAT(RoundOrder(3, 2), ElementsAre(2, 0, 1));
  EXPECT_THAT(RoundOrder(3, 3), ElementsAre(0, 1, 2));
  EXPECT_THAT(RoundOrder(1, 5), ElementsAre(0));
}

TEST(RoundsTest, EachRoundRunsAShareOfTheOperationsAndTime) {
  Workload workload;
  workload.ops = 200;
  workload.max_time = absl::Minutes(5);
  Workload share = ForRound(workload, 3);
  EXPECT_EQ(share.ops, 67);
  EXPECT_EQ(share.max_time, absl::Minutes(5) / 3);
  EXPECT_EQ(ForRound(workload, 1).ops, 200);
  workload.ops = 2;
  EXPECT_EQ(ForRound(workload, 5).ops, 1);
}

Result Round(int64_t ops, double seconds, double p50, double p99,
             std::string error = "") {
  Result r;
  r.ops = ops;
  r.bytes = ops * 1000;
  r.seconds = seconds;
  r.p50_ms = p50;
  r.p99_ms = p99;
  r.errors = error.empty() ? 0 : 1;
  r.first_error = std::move(error);
  return r;
}

TEST(RoundsTest, OneSlowRoundDoesNotMoveTheMedians) {
  Result combined =
      CombineRounds({Round(10, 1.0, 7.0, 9.0), Round(10, 3.0, 30.0, 90.0),
                     Round(10, 1.0, 8.0, 10.0)});
  EXPECT_DOUBLE_EQ(combined.p50_ms, 8.0);
  EXPECT_DOUBLE_EQ(combined.p99_ms, 10.0);
  EXPECT_EQ(combined.ops, 30);
  EXPECT_EQ(combined.bytes, 30000);
  EXPECT_DOUBLE_EQ(combined.seconds, 5.0);
  EXPECT_DOUBLE_EQ(combined.ops_per_second(), 6.0);
}

TEST(RoundsTest, EvenRoundsTakeTheMiddlePairsMeanAndKeepTheFirstError) {
  Result combined =
      CombineRounds({Round(1, 1, 4, 40), Round(1, 1, 2, 20, "first"),
                     Round(1, 1, 8, 80, "second"), Round(1, 1, 6, 60)});
  EXPECT_DOUBLE_EQ(combined.p50_ms, 5.0);
  EXPECT_DOUBLE_EQ(combined.p99_ms, 50.0);
  EXPECT_EQ(combined.errors, 2);
  EXPECT_EQ(combined.first_error, "first");
}

TEST(RoundsTest, NoRoundsIsAnEmptyResult) {
  Result combined = CombineRounds({});
  EXPECT_EQ(combined.ops, 0);
  EXPECT_DOUBLE_EQ(combined.p50_ms, 0);
}

}  // namespace
}  // namespace registry::bench
