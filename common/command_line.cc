#include "common/command_line.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace registry {

bool FlagOnCommandLine(int argc, char** argv, absl::string_view name) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") return false;
    if (!absl::ConsumePrefix(&arg, "--")) {
      if (!absl::ConsumePrefix(&arg, "-")) continue;
    }
    arg = arg.substr(0, arg.find('='));
    if (arg == name || arg == absl::StrCat("no", name)) return true;
  }
  return false;
}

void HandleHelpRequest(int argc, char** argv) {
  bool asked = false;
  for (int i = 1; i < argc && !asked; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    asked = arg == "--help" || arg == "-help" || arg == "-h" || arg == "help";
  }
  if (!asked) return;
  std::vector<absl::CommandLineFlag*> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (!absl::StrContains(flag->Filename(), "absl/")) flags.push_back(flag);
  }
  std::sort(flags.begin(), flags.end(),
            [](const auto* a, const auto* b) { return a->Name() < b->Name(); });
  std::printf("%s\n\nFlags:\n",
              std::string(absl::ProgramUsageMessage()).c_str());
  for (const absl::CommandLineFlag* flag : flags) {
    std::printf("  --%s (default \"%s\")\n      %s\n",
                std::string(flag->Name()).c_str(), flag->DefaultValue().c_str(),
                flag->Help().c_str());
  }
  std::fflush(stdout);
  std::exit(0);
}

void AcceptDashedFlags(int argc, char** argv,
                       std::initializer_list<absl::string_view> dashed) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") return;
    for (absl::string_view name : dashed) {
      for (absl::string_view prefix : {"--", "-"}) {
        if (!absl::StartsWith(arg, prefix)) continue;
        absl::string_view rest = arg.substr(prefix.size());
        if (!absl::StartsWith(rest, name)) continue;
        if (rest.size() > name.size() && rest[name.size()] != '=') continue;
        for (size_t j = 0; j < name.size(); ++j) {
          char& c = argv[i][prefix.size() + j];
          if (c == '-') c = '_';
        }
        break;
      }
    }
  }
}

}  // namespace registry
