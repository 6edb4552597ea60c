// Child processes for tests: start a binary with its output in a log file,
// wait for a line in that log, signal it, reap it. Not thread-safe.
#ifndef REGISTRY_TESTS_TESTING_SUBPROCESS_H_
#define REGISTRY_TESTS_TESTING_SUBPROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace registry::testing {

// The path of a runfile, e.g. "storaged/storaged".
std::string RunfilePath(const std::string& relative);

// A loopback TCP port that was free a moment ago.
int FreePort();

// The first of `count` consecutive loopback TCP ports that were all free a
// moment ago (for servers that bind a range).
int FreePortRange(int count);

// A fresh directory under TEST_TMPDIR, removed with its contents when the
// test binary exits (set KEEP_TEST_DATA to keep it for inspection).
std::string NewTempDir(const std::string& prefix);

// Runs `argv` to completion (at most `timeout`) and returns its output;
// an error with the output when it exits non-zero.
absl::StatusOr<std::string> RunCommand(const std::vector<std::string>& argv,
                                       absl::Duration timeout);

// Runs skopeo (without a signature policy) with `args`, for at most five
// minutes; its output, or an error with the output.
absl::StatusOr<std::string> Skopeo(std::vector<std::string> args);

class Subprocess {
 public:
  // Starts argv[0] (a path) with stdout and stderr appended to `log_path`.
  static absl::StatusOr<std::unique_ptr<Subprocess>> Start(
      const std::vector<std::string>& argv, const std::string& log_path);
  // Kills (SIGKILL) and reaps the child if it still runs.
  ~Subprocess();

  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }

  // The first log line containing `needle`, waiting up to `timeout`.
  // DeadlineExceeded on timeout; Aborted if the child exits first.
  absl::StatusOr<std::string> WaitForLog(const std::string& needle,
                                         absl::Duration timeout);

  void Signal(int signal);

  // Waits up to `timeout` for the child to exit; returns its exit code (128+N
  // for signal N). DeadlineExceeded if it is still running.
  absl::StatusOr<int> Wait(absl::Duration timeout);

 private:
  Subprocess(pid_t pid, std::string log_path)
      : pid_(pid), log_path_(std::move(log_path)) {}

  pid_t pid_;
  std::string log_path_;
  bool reaped_ = false;
};

}  // namespace registry::testing

#endif  // REGISTRY_TESTS_TESTING_SUBPROCESS_H_
