#include "common/stop_signals.h"

#include <signal.h>

namespace registry {
namespace {

sigset_t StopSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void BlockStopSignals() {
  sigset_t set = StopSet();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

std::thread OnStopSignal(std::function<void(int)> on_stop) {
  return std::thread([on_stop = std::move(on_stop)] {
    sigset_t set = StopSet();
    int signal = 0;
    sigwait(&set, &signal);
    on_stop(signal);
  });
}

}  // namespace registry
