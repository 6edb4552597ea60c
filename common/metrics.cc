#include "common/metrics.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace registry {
namespace {

std::string Escape(absl::string_view value) {
  if (value.find_first_of("\\\"\n") == absl::string_view::npos) {
    return std::string(value);
  }
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

// `{a="x",b="y"}`, or "" without labels, in a buffer of this thread's.
const std::string& RenderLabels(MetricLabels labels) {
  static thread_local std::string rendered;
  rendered.clear();
  if (labels.size() == 0) return rendered;
  rendered.push_back('{');
  for (const auto& [name, value] : labels) {
    if (rendered.size() > 1) rendered.push_back(',');
    absl::StrAppend(&rendered, name, "=\"", Escape(value), "\"");
  }
  rendered.push_back('}');
  return rendered;
}

// Adds `le` to rendered labels.
std::string WithLe(const std::string& labels, const std::string& le) {
  std::string bound = absl::StrCat("le=\"", le, "\"");
  if (labels.empty()) return absl::StrCat("{", bound, "}");
  return absl::StrCat(labels.substr(0, labels.size() - 1), ",", bound, "}");
}

std::string Number(double value) { return absl::StrCat(value); }

}  // namespace

Metrics& Metrics::Global() {
  static Metrics* metrics = new Metrics;
  return *metrics;
}

const std::vector<double>& Metrics::DurationBuckets() {
  static const auto* buckets = new std::vector<double>{
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
      0.5,   1,      2.5,   5,    10,    30,   60};
  return *buckets;
}

void Metrics::Declare(absl::string_view name, absl::string_view type,
                      absl::string_view help) {
  absl::MutexLock lock(&mu_);
  Family& family = families_[std::string(name)];
  family.type = std::string(type);
  family.help = std::string(help);
}

void Metrics::Add(absl::string_view name, MetricLabels labels, double delta) {
  const std::string& key = RenderLabels(labels);
  absl::MutexLock lock(&mu_);
  auto it = families_.find(name);
  if (it == families_.end()) return;  // Undeclared: a programming error.
  auto series = it->second.values.find(key);
  if (series == it->second.values.end()) {
    series = it->second.values.emplace(key, 0).first;
  }
  series->second += delta;
}

void Metrics::Set(absl::string_view name, MetricLabels labels, double value) {
  const std::string& key = RenderLabels(labels);
  absl::MutexLock lock(&mu_);
  auto it = families_.find(name);
  if (it == families_.end()) return;
  it->second.values[key] = value;
}

void Metrics::Observe(absl::string_view name, MetricLabels labels,
                      double value) {
  const std::string& key = RenderLabels(labels);
  const std::vector<double>& bounds = DurationBuckets();
  size_t bucket =
      std::lower_bound(bounds.begin(), bounds.end(), value) - bounds.begin();
  absl::MutexLock lock(&mu_);
  auto it = families_.find(name);
  if (it == families_.end()) return;
  auto series = it->second.histograms.find(key);
  if (series == it->second.histograms.end()) {
    series = it->second.histograms.emplace(key, Histogram{}).first;
  }
  Histogram& histogram = series->second;
  if (histogram.counts.empty()) histogram.counts.resize(bounds.size() + 1);
  ++histogram.counts[bucket];
  ++histogram.count;
  histogram.sum += value;
}

std::string Metrics::Render() const {
  const std::vector<double>& bounds = DurationBuckets();
  std::string out;
  absl::MutexLock lock(&mu_);
  for (const auto& [name, family] : families_) {
    absl::StrAppend(&out, "# HELP ", name, " ", family.help, "\n# TYPE ", name,
                    " ", family.type, "\n");
    for (const auto& [labels, value] : family.values) {
      absl::StrAppend(&out, name, labels, " ", Number(value), "\n");
    }
    for (const auto& [labels, histogram] : family.histograms) {
      uint64_t cumulative = 0;
      for (size_t i = 0; i < bounds.size(); ++i) {
        cumulative += histogram.counts[i];
        absl::StrAppend(&out, name, "_bucket",
                        WithLe(labels, Number(bounds[i])), " ", cumulative,
                        "\n");
      }
      absl::StrAppend(&out, name, "_bucket", WithLe(labels, "+Inf"), " ",
                      histogram.count, "\n", name, "_sum", labels, " ",
                      Number(histogram.sum), "\n", name, "_count", labels, " ",
                      histogram.count, "\n");
    }
  }
  return out;
}

}  // namespace registry
