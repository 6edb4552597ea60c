// Raw HTTP/1.1 over one loopback connection, for tests of what a client
// library would hide: what the server does with the bytes of a connection.
#ifndef REGISTRY_TESTS_TESTING_RAW_HTTP_H_
#define REGISTRY_TESTS_TESTING_RAW_HTTP_H_

#include <string>
#include <vector>

namespace registry::testing {

// Sends each request on one connection to `port`, reading its answer (what
// arrives until 300 ms pass without a byte) before the next, as clients do;
// returns the answers concatenated.
std::string Exchange(int port, const std::vector<std::string>& requests);

}  // namespace registry::testing

#endif  // REGISTRY_TESTS_TESTING_RAW_HTTP_H_
