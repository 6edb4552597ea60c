// The machine's physical limits, measured the same way each run, to put the
// benchmark's numbers in context: SHA-256 on one core, a TCP copy over
// loopback, and durable sequential writes to the data disk.
#ifndef REGISTRY_BENCH_PHYSICAL_H_
#define REGISTRY_BENCH_PHYSICAL_H_

#include <string>
#include <vector>

namespace registry::bench {

struct Limit {
  std::string name;
  double megabytes_per_second = 0;
};

// Measures the limits; disk writes go to a temporary file in `disk_dir`.
std::vector<Limit> MeasureLimits(const std::string& disk_dir);

}  // namespace registry::bench

#endif  // REGISTRY_BENCH_PHYSICAL_H_
