#include "tests/testing/subprocess.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace registry::testing {

std::string RunfilePath(const std::string& relative) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  return absl::StrCat(srcdir ? srcdir : ".", "/",
                      workspace ? workspace : "registry", "/", relative);
}

namespace {

// Binds `port` on loopback (0: any) and returns the port bound, or 0.
int TryBind(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  socklen_t len = sizeof(addr);
  int bound = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    bound = ntohs(addr.sin_port);
  }
  close(fd);
  return bound;
}

}  // namespace

int FreePort() { return TryBind(0); }

int FreePortRange(int count) {
  std::minstd_rand random(static_cast<unsigned>(getpid()) ^
                          static_cast<unsigned>(time(nullptr)));
  for (int attempt = 0; attempt < 100; ++attempt) {
    int first = 20000 + static_cast<int>(random() % 30000);
    int port = first;
    while (port < first + count && TryBind(port) == port) ++port;
    if (port == first + count) return first;
  }
  return 0;
}

namespace {

// Directories made by NewTempDir, removed when the test binary exits: Bazel
// 4 leaves TEST_TMPDIR behind in its sandboxes, and these tests write GiBs.
std::vector<std::string>& TempDirs() {
  static auto* dirs = new std::vector<std::string>();
  return *dirs;
}

void RemoveTempDirs() {
  if (std::getenv("KEEP_TEST_DATA") != nullptr) return;
  for (const std::string& dir : TempDirs()) {
    std::error_code ignored;  // Best effort at exit: nothing to report to.
    std::filesystem::remove_all(dir, ignored);
  }
}

}  // namespace

std::string NewTempDir(const std::string& prefix) {
  static std::atomic<int> counter{0};
  static const bool registered = [] {
    return std::atexit(RemoveTempDirs) == 0;
  }();
  (void)registered;
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir = absl::StrCat(tmp ? tmp : "/tmp", "/", prefix, "-", getpid(),
                                 "-", counter.fetch_add(1));
  mkdir(dir.c_str(), 0755);
  TempDirs().push_back(dir);
  return dir;
}

absl::StatusOr<std::unique_ptr<Subprocess>> Subprocess::Start(
    const std::vector<std::string>& argv, const std::string& log_path) {
  int log =
      open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) return absl::InternalError("cannot open " + log_path);
  pid_t pid = fork();
  if (pid < 0) {
    close(log);
    return absl::InternalError("fork failed");
  }
  if (pid == 0) {
    dup2(log, 1);
    dup2(log, 2);
    std::vector<char*> args;
    for (const std::string& arg : argv)
      args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(log);
  return std::unique_ptr<Subprocess>(new Subprocess(pid, log_path));
}

Subprocess::~Subprocess() {
  if (!reaped_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

absl::StatusOr<std::string> Subprocess::WaitForLog(const std::string& needle,
                                                   absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (true) {
    std::ifstream in(log_path_);
    std::string line;
    while (std::getline(in, line)) {
      if (line.find(needle) != std::string::npos) return line;
    }
    if (!reaped_ && waitpid(pid_, nullptr, WNOHANG) == pid_) {
      reaped_ = true;
      return absl::AbortedError(
          absl::StrCat("process exited; log: ", log_path_));
    }
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("no \"", needle, "\" in ", log_path_));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
}

void Subprocess::Signal(int signal) {
  if (!reaped_) kill(pid_, signal);
}

absl::StatusOr<int> Subprocess::Wait(absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (!reaped_) {
    int status = 0;
    pid_t got = waitpid(pid_, &status, WNOHANG);
    if (got == pid_) {
      reaped_ = true;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return 128 + WTERMSIG(status);
    }
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError("process still running");
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::FailedPreconditionError("already reaped");
}

}  // namespace registry::testing

namespace registry::testing {

absl::StatusOr<std::string> Skopeo(std::vector<std::string> args) {
  args.insert(args.begin(), {"skopeo", "--insecure-policy"});
  return RunCommand(args, absl::Minutes(5));
}

absl::StatusOr<std::string> RunCommand(const std::vector<std::string>& argv,
                                       absl::Duration timeout) {
  static std::atomic<int> counter{0};
  std::string log =
      absl::StrCat(NewTempDir("cmd"), "/out-", counter.fetch_add(1), ".log");
  auto process = Subprocess::Start(argv, log);
  if (!process.ok()) return process.status();
  absl::StatusOr<int> code = (*process)->Wait(timeout);
  std::ifstream in(log);
  std::string output((std::istreambuf_iterator<char>(in)), {});
  if (!code.ok()) return absl::DeadlineExceededError(argv[0] + ": " + output);
  if (*code != 0) {
    return absl::InternalError(
        absl::StrCat(argv[0], " exited ", *code, ": ", output));
  }
  return output;
}

}  // namespace registry::testing
