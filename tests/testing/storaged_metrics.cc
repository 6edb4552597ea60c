#include "tests/testing/storaged_metrics.h"

#include <httplib.h>

#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "tests/testing/subprocess.h"

namespace registry::testing {

absl::StatusOr<MeteredStoraged> StartMeteredStoraged(
    const std::string& root, const std::string& ip, int port,
    const std::vector<std::string>& extra_flags) {
  std::string config = absl::StrCat(NewTempDir("config"), "/storaged.yml");
  std::ofstream(config) << "metrics:\n  addr: " << ip << ":0\n";
  std::vector<std::string> flags = {absl::StrCat("--listen=", ip, ":", port),
                                    "--config=" + config};
  flags.insert(flags.end(), extra_flags.begin(), extra_flags.end());
  absl::StatusOr<StoragedProcess> storaged = StartStoraged(root, flags);
  if (!storaged.ok()) return storaged.status();
  MeteredStoraged metered{*std::move(storaged), ip, 0};
  const std::string needle = absl::StrCat("metrics on ", ip, ":");
  absl::StatusOr<std::string> line =
      metered.storaged.process->WaitForLog(needle, absl::Seconds(10));
  if (!line.ok()) return line.status();
  size_t at = line->find(needle) + needle.size();
  size_t end = line->find_first_not_of("0123456789", at);
  if (!absl::SimpleAtoi(line->substr(at, end - at), &metered.metrics_port)) {
    return absl::InternalError("no metrics port in: " + *line);
  }
  return metered;
}

double ScrapeSum(const MeteredStoraged& storaged, absl::string_view prefix) {
  httplib::Client client(storaged.ip, storaged.metrics_port);
  auto response = client.Get("/metrics");
  if (!response || response->status != 200) return -1;
  double total = 0;
  for (absl::string_view line : absl::StrSplit(response->body, '\n')) {
    if (!absl::StartsWith(line, prefix)) continue;
    double value = 0;
    if (absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &value)) {
      total += value;
    }
  }
  return total;
}

}  // namespace registry::testing
