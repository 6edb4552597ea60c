// `storaged scrub`: runs Scrub on the configured store, progress on
// stderr, one line per problem and the summary last on stdout.
#ifndef REGISTRY_STORAGED_SCRUB_COMMAND_H_
#define REGISTRY_STORAGED_SCRUB_COMMAND_H_

#include "drivers/driver.h"
#include "storaged/scrub.h"

namespace registry {

// The exit status: 0 when no problem is left (none found, or all
// repaired), 2 when problems remain, 1 when the scrub could not finish.
int RunScrubCommand(drivers::StorageDriver& driver, ScrubOptions options);

}  // namespace registry

#endif  // REGISTRY_STORAGED_SCRUB_COMMAND_H_
