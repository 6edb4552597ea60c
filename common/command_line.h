// Which flags a command line gives explicitly, so that they can override a
// configuration file (Abseil 20220623 keeps that knowledge private), and
// --help that lists them (Abseil's matches no flag of ours: it looks for
// files named after the program).
#ifndef REGISTRY_COMMON_COMMAND_LINE_H_
#define REGISTRY_COMMON_COMMAND_LINE_H_

#include <initializer_list>

#include "absl/strings/string_view.h"

namespace registry {

// Whether argv[1..argc) sets flag `name` ("--name", "--name=V", "-name",
// "-name=V" or "--noname"), before any "--" that ends the flags.
bool FlagOnCommandLine(int argc, char** argv, absl::string_view name);

// Rewrites, in place, "--a-b" and "--a-b=V" to "--a_b..." for each
// `dashed` name "a-b" (Abseil flag names cannot hold dashes), before any
// "--" that ends the flags.
void AcceptDashedFlags(int argc, char** argv,
                       std::initializer_list<absl::string_view> dashed);

// When argv asks for help ("--help", "-help", "-h" or "help"), prints the
// program's usage message and every flag the project defines (name,
// default, help; Abseil's own flags left out) to stdout and exits 0.
// Call before absl::ParseCommandLine.
void HandleHelpRequest(int argc, char** argv);

}  // namespace registry

#endif  // REGISTRY_COMMON_COMMAND_LINE_H_
