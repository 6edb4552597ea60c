#include "storaged/scrub_command.h"

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"

namespace registry {

int RunScrubCommand(drivers::StorageDriver& driver, ScrubOptions options) {
  options.progress = [](const std::string& line) {
    std::fprintf(stderr, "%s\n", line.c_str());
  };
  std::fprintf(stderr, "scrub: hashing every blob and checking every link%s\n",
               options.repair ? " (repairing)" : "");
  absl::StatusOr<ScrubReport> report = Scrub(driver, options);
  if (!report.ok()) {
    std::fprintf(stderr, "scrub failed: %s\n",
                 std::string(report.status().message()).c_str());
    return 1;
  }
  for (const ScrubFinding& finding : report->findings) {
    std::printf("%s %s: %s%s\n", finding.kind.c_str(), finding.subject.c_str(),
                finding.detail.c_str(), finding.repaired ? " (repaired)" : "");
  }
  std::printf("%s\n", report->Summary().c_str());
  std::fflush(stdout);
  return report->Unrepaired() == 0 ? 0 : 2;
}

}  // namespace registry
