// Process metrics in Prometheus' text exposition format (0.0.4), written by
// hand (Debian has no Prometheus client library for C++): counters, gauges
// and histograms, each series named by its labels. One registry per
// process. Thread-safe.
#ifndef REGISTRY_COMMON_METRICS_H_
#define REGISTRY_COMMON_METRICS_H_

#include <initializer_list>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace registry {

// Label names and values; rendered into a reused buffer, so recording into
// an existing series allocates nothing.
using MetricLabels =
    std::initializer_list<std::pair<absl::string_view, absl::string_view>>;

class Metrics {
 public:
  // The process's registry.
  static Metrics& Global();

  // Adds `delta` to a counter (or a gauge) series.
  void Add(absl::string_view name, MetricLabels labels, double delta);
  // Sets a gauge series to `value`.
  void Set(absl::string_view name, MetricLabels labels, double value);
  // Records `value` in a histogram series (buckets: DurationBuckets()).
  void Observe(absl::string_view name, MetricLabels labels, double value);
  // Declares a family: its type ("counter", "gauge", "histogram") and help.
  // Families must be declared before they are used.
  void Declare(absl::string_view name, absl::string_view type,
               absl::string_view help);

  // The exposition text of every family.
  std::string Render() const;

  // Upper bounds in seconds: 1 ms to 60 s.
  static const std::vector<double>& DurationBuckets();

 private:
  struct Histogram {
    std::vector<uint64_t> counts;  // Per bucket, not cumulative.
    uint64_t count = 0;
    double sum = 0;
  };
  struct Family {
    std::string type;
    std::string help;
    // By rendered labels.
    std::map<std::string, double, std::less<>> values;
    std::map<std::string, Histogram, std::less<>> histograms;
  };

  mutable absl::Mutex mu_;
  std::map<std::string, Family, std::less<>> families_ ABSL_GUARDED_BY(mu_);
};

}  // namespace registry

#endif  // REGISTRY_COMMON_METRICS_H_
