// gcbench: fixtures and measurements for garbage-collection benchmarks
// (scripts/gc-bench.sh runs them beside docker-registry garbage-collect).
//   gcbench generate (--root=DIR | --config=STORAGED_YML) [--blobs=N
//       --manifests=N --repositories=N --threads=N]
//   gcbench list-blobs (--root=DIR | --config=STORAGED_YML)
//       prints the digest (hex) of every blob data file, sorted.
//   gcbench measure -- COMMAND [ARGS...]
//       runs COMMAND (its output to stderr) and prints
//       "seconds=S max_rss_kib=K exit=E" on stdout.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/clock.h"
#include "bench/gcbench/synthetic_store.h"
#include "drivers/builtin.h"
#include "drivers/factory.h"
#include "storaged/config.h"
#include "storaged/paths.h"

ABSL_FLAG(std::string, root, "", "filesystem root to write");
ABSL_FLAG(std::string, config, "", "storaged configuration naming the store");
ABSL_FLAG(int64_t, blobs, 100000, "blobs (layers and configs)");
ABSL_FLAG(int64_t, manifests, 10000, "image manifests");
ABSL_FLAG(int64_t, repositories, 1000, "repositories");
ABSL_FLAG(int32_t, threads, 16, "writers");

namespace {

// The store the flags name.
absl::StatusOr<registry::drivers::StorageDriverPtr> OpenStore() {
  std::map<std::string, std::string> overrides;
  if (!absl::GetFlag(FLAGS_root).empty()) {
    overrides[registry::kRootKey] = absl::GetFlag(FLAGS_root);
  }
  absl::StatusOr<registry::StoragedConfig> config =
      registry::LoadStoragedConfig(absl::GetFlag(FLAGS_config), overrides);
  if (!config.ok()) return config.status();
  absl::Status registered = registry::drivers::RegisterBuiltinDrivers();
  if (!registered.ok()) return registered;
  return registry::drivers::CreateDriver(config->driver, config->driver_params);
}

int ListBlobs() {
  absl::StatusOr<registry::drivers::StorageDriverPtr> driver = OpenStore();
  std::vector<std::string> hexes;
  absl::Status walked =
      driver.ok() ? (*driver)->Walk(
                        registry::paths::BlobsRoot(),
                        [&](const registry::drivers::FileInfo& info) {
                          const std::string& path = info.path;
                          if (path.size() > 70 &&
                              path.compare(path.size() - 5, 5, "/data") == 0) {
                            hexes.push_back(path.substr(path.size() - 69, 64));
                          }
                          return registry::drivers::WalkAction::kContinue;
                        })
                  : driver.status();
  if (!walked.ok()) {
    std::fprintf(stderr, "gcbench: %s\n", walked.ToString().c_str());
    return 1;
  }
  std::sort(hexes.begin(), hexes.end());
  for (const std::string& hex : hexes) std::printf("%s\n", hex.c_str());
  return 0;
}

int Generate() {
  absl::StatusOr<registry::drivers::StorageDriverPtr> driver = OpenStore();
  if (!driver.ok()) {
    std::fprintf(stderr, "gcbench: %s\n", driver.status().ToString().c_str());
    return 1;
  }
  registry::bench::StoreShape shape;
  shape.blobs = absl::GetFlag(FLAGS_blobs);
  shape.manifests = absl::GetFlag(FLAGS_manifests);
  shape.repositories = absl::GetFlag(FLAGS_repositories);
  shape.threads = absl::GetFlag(FLAGS_threads);
  absl::Time start = absl::Now();
  absl::Status written = registry::bench::WriteSyntheticStore(
      **driver, shape, [](const std::string& line) {
        std::fprintf(stderr, "gcbench: %s\n", line.c_str());
      });
  if (!written.ok()) {
    std::fprintf(stderr, "gcbench: %s\n", written.ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "gcbench: store written in %s\n",
               absl::FormatDuration(absl::Now() - start).c_str());
  return 0;
}

int Measure(std::vector<char*> command) {
  command.push_back(nullptr);
  absl::Time start = absl::Now();
  pid_t pid = fork();
  if (pid == 0) {
    dup2(STDERR_FILENO, STDOUT_FILENO);
    execvp(command[0], command.data());
    std::perror("gcbench: exec");
    _exit(127);
  }
  int status = 0;
  struct rusage usage;
  if (pid < 0 || wait4(pid, &status, 0, &usage) != pid) {
    std::perror("gcbench");
    return 1;
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::printf("seconds=%.2f max_rss_kib=%ld exit=%d\n",
              absl::ToDoubleSeconds(absl::Now() - start), usage.ru_maxrss,
              code);
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() >= 2 && std::strcmp(args[1], "generate") == 0) {
    return Generate();
  }
  if (args.size() >= 2 && std::strcmp(args[1], "list-blobs") == 0) {
    return ListBlobs();
  }
  if (args.size() >= 3 && std::strcmp(args[1], "measure") == 0) {
    return Measure(std::vector<char*>(args.begin() + 2, args.end()));
  }
  std::fprintf(stderr,
               "usage: gcbench generate (--root=DIR | --config=FILE) ...\n"
               "       gcbench list-blobs (--root=DIR | --config=FILE)\n"
               "       gcbench measure -- COMMAND [ARGS...]\n");
  return 2;
}
