#include "storaged/gc_command.h"

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"

namespace registry {

int RunGcCommand(drivers::StorageDriver& driver, gc::Options options) {
  const char* verb = options.dry_run ? "would delete" : "deleted";
  options.progress = [](const std::string& line) {
    std::fprintf(stderr, "%s\n", line.c_str());
  };
  options.on_delete = [verb](const gc::Deletion& deletion) {
    std::printf("%s %s %s%s\n", verb, deletion.kind.c_str(),
                deletion.subject.c_str(),
                deletion.kind == "blob"
                    ? absl::StrCat(" (", deletion.size, " bytes)").c_str()
                    : "");
  };
  std::fprintf(stderr,
               "gc: collecting%s: blobs no manifest reaches and unused for "
               "%s%s\n",
               options.dry_run ? " (dry run: nothing is deleted)" : "",
               absl::FormatDuration(options.delay).c_str(),
               options.delete_untagged ? ", and untagged manifests" : "");
  absl::StatusOr<gc::Report> report = gc::Collect(driver, options);
  if (!report.ok()) {
    std::fprintf(stderr, "gc failed: %s\n",
                 std::string(report.status().message()).c_str());
    return 1;
  }
  std::printf("%s\n", report->Summary().c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace registry
