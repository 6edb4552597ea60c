// libFuzzer target: the gateway's configuration reader (YAML, dotted keys,
// typed values, the checks between settings), on a file holding the input.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "gateway/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = [] {
    char name[] = "/tmp/config-fuzz-XXXXXX";
    int fd = mkstemp(name);
    close(fd);
    return std::string(name);
  }();
  FILE* file = fopen(path.c_str(), "wb");
  if (file == nullptr) return 0;
  fwrite(data, 1, size, file);
  fclose(file);
  registry::gateway::LoadGatewayConfig(path, {}).IgnoreError();
  registry::gateway::LoadGatewayConfig(path, {{"log.level", "debug"}})
      .IgnoreError();
  return 0;
}
