#include "bench/report.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace registry::bench {
namespace {

double Value(const Row& row, const Result& result) {
  return row.unit == Unit::kMegabytesPerSecond ? result.megabytes_per_second()
                                               : result.ops_per_second();
}

std::string Ratio(double first, double last) {
  if (first <= 0) return "-";
  return absl::StrFormat("%.2fx", last / first);
}

}  // namespace

void PrintReport(std::ostream& out, const std::vector<std::string>& targets,
                 const std::vector<Row>& rows,
                 const std::vector<int64_t>& peak_rss_bytes,
                 const std::vector<Limit>& limits) {
  const bool compare = targets.size() >= 2;
  std::string header =
      absl::StrFormat("| %-38s | %3s | %-5s |", "workload", "c", "unit");
  for (const std::string& t : targets) {
    absl::StrAppend(&header, absl::StrFormat(" %10s |", t));
  }
  if (compare) {
    absl::StrAppend(
        &header,
        absl::StrFormat(
            " %7s |",
            absl::StrCat(targets.back(), "/", targets.front()).substr(0, 7)));
  }
  absl::StrAppend(&header, absl::StrFormat(" %-24s | %-24s | errors |",
                                           "p50 ms", "p99 ms"));
  out << header << "\n|" << std::string(header.size() - 2, '-') << "|\n";
  for (const Row& row : rows) {
    std::string line = absl::StrFormat(
        "| %-38s | %3d | %-5s |", row.workload, row.concurrency,
        row.unit == Unit::kMegabytesPerSecond ? "MB/s" : "req/s");
    std::vector<std::string> p50, p99;
    int64_t errors = 0;
    for (const Result& r : row.results) {
      absl::StrAppend(&line, absl::StrFormat(" %10.1f |", Value(row, r)));
      p50.push_back(absl::StrFormat("%.2f", r.p50_ms));
      p99.push_back(absl::StrFormat("%.2f", r.p99_ms));
      errors += r.errors;
    }
    if (compare) {
      absl::StrAppend(
          &line,
          absl::StrFormat(" %7s |", Ratio(Value(row, row.results.front()),
                                          Value(row, row.results.back()))));
    }
    absl::StrAppend(&line, absl::StrFormat(" %-24s | %-24s | %6d |",
                                           absl::StrJoin(p50, " / "),
                                           absl::StrJoin(p99, " / "), errors));
    out << line << "\n";
  }
  if (!peak_rss_bytes.empty()) {
    std::string line = absl::StrFormat("| %-38s | %3s | %-5s |",
                                       "peak RSS, all processes", "", "MiB");
    for (int64_t bytes : peak_rss_bytes) {
      absl::StrAppend(&line, absl::StrFormat(" %10.1f |", bytes / 1048576.0));
    }
    if (compare) {
      absl::StrAppend(
          &line,
          absl::StrFormat(" %7s |",
                          Ratio(static_cast<double>(peak_rss_bytes.front()),
                                static_cast<double>(peak_rss_bytes.back()))));
    }
    out << line << "\n";
  }
  for (const Limit& limit : limits) {
    out << absl::StrFormat("| limit: %-31s | %3s | %-5s | %10.1f |\n",
                           limit.name, "", "MB/s", limit.megabytes_per_second);
  }
  for (const Row& row : rows) {
    for (size_t t = 0; t < row.results.size(); ++t) {
      if (!row.results[t].first_error.empty()) {
        out << "error: " << targets[t] << " " << row.workload << ": "
            << row.results[t].first_error << "\n";
      }
    }
  }
}

}  // namespace registry::bench
