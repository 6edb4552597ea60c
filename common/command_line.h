// Which flags a command line gives explicitly, so that they can override a
// configuration file (Abseil 20220623 keeps that knowledge private).
#ifndef REGISTRY_COMMON_COMMAND_LINE_H_
#define REGISTRY_COMMON_COMMAND_LINE_H_

#include "absl/strings/string_view.h"

namespace registry {

// Whether argv[1..argc) sets flag `name` ("--name", "--name=V", "-name",
// "-name=V" or "--noname"), before any "--" that ends the flags.
bool FlagOnCommandLine(int argc, char** argv, absl::string_view name);

}  // namespace registry

#endif  // REGISTRY_COMMON_COMMAND_LINE_H_
