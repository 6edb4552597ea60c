#include "tests/testing/s3_server.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tests/testing/subprocess.h"

namespace registry::testing {

absl::StatusOr<std::unique_ptr<S3Server>> S3Server::Start(
    const std::string& bucket) {
  auto server = std::unique_ptr<S3Server>(new S3Server);
  server->dir_ = NewTempDir("s3-server");
  server->bucket_ = bucket;
  int mon_port = FreePortRange(2);
  int osd_ports = FreePortRange(20);
  int s3_port = FreePort();
  if (mon_port == 0 || osd_ports == 0 || s3_port == 0) {
    return absl::UnavailableError("no free loopback ports for the S3 server");
  }
  server->env_ = {
      absl::StrCat("S3_DIR=", server->dir_, "/ceph"),
      absl::StrCat("S3_BUCKET=", bucket),
      absl::StrCat("S3_PORT=", s3_port),
      absl::StrCat("S3_MON_PORT=", mon_port),
      absl::StrCat("S3_OSD_PORTS=", osd_ports, "-", osd_ports + 19),
  };
  std::vector<std::string> argv = {"/usr/bin/env"};
  argv.insert(argv.end(), server->env_.begin(), server->env_.end());
  argv.insert(argv.end(),
              {"bash", RunfilePath("scripts/s3-server.sh"), "start"});
  absl::StatusOr<std::string> started = RunCommand(argv, absl::Minutes(2));
  if (!started.ok()) return started.status();

  std::ifstream env(server->dir_ + "/ceph/env");
  std::string line;
  while (std::getline(env, line)) {
    std::pair<std::string, std::string> kv =
        absl::StrSplit(absl::StripPrefix(line, "export "), '=');
    if (kv.first == "S3_ENDPOINT") server->endpoint_ = kv.second;
    if (kv.first == "AWS_ACCESS_KEY_ID") server->access_key_ = kv.second;
    if (kv.first == "AWS_SECRET_ACCESS_KEY") server->secret_key_ = kv.second;
  }
  if (server->endpoint_.empty()) {
    return absl::InternalError("s3-server.sh wrote no endpoint");
  }
  return server;
}

S3Server::~S3Server() {
  std::vector<std::string> argv = {"/usr/bin/env"};
  argv.insert(argv.end(), env_.begin(), env_.end());
  argv.insert(argv.end(),
              {"bash", RunfilePath("scripts/s3-server.sh"), "stop"});
  RunCommand(argv, absl::Minutes(1)).IgnoreError();
}

std::map<std::string, std::string> S3Server::DriverParams(
    const std::string& rootdirectory) const {
  return {
      {"bucket", bucket_},
      {"regionendpoint", endpoint_},
      {"region", "us-east-1"},
      {"forcepathstyle", "true"},
      {"accesskey", access_key_},
      {"secretkey", secret_key_},
      {"rootdirectory", rootdirectory},
      {"chunksize", absl::StrCat(5 << 20)},
  };
}

std::string S3Server::WriteStoragedConfig(const std::string& rootdirectory,
                                          bool redirect,
                                          const std::string& extra) const {
  std::string path = absl::StrCat(NewTempDir("config"), "/storaged.yml");
  std::ofstream out(path);
  out << "version: 0.1\n"
      << "log:\n  level: info\n"
      << "storage:\n"
      << "  redirect:\n    disable: " << (redirect ? "false" : "true") << "\n"
      << "  s3:\n"
      << "    region: us-east-1\n"
      << "    regionendpoint: " << endpoint_ << "\n"
      << "    bucket: " << bucket_ << "\n"
      << "    accesskey: " << access_key_ << "\n"
      << "    secretkey: " << secret_key_ << "\n"
      << "    rootdirectory: /" << rootdirectory << "\n"
      << "    chunksize: " << (5 << 20) << "\n"
      << "    forcepathstyle: true\n"
      << extra;
  return path;
}

S3Server& SharedS3Server() {
  static S3Server* server = [] {
    absl::StatusOr<std::unique_ptr<S3Server>> started =
        S3Server::Start("registry");
    if (!started.ok()) {
      fprintf(stderr, "cannot start the S3 server: %s\n",
              started.status().ToString().c_str());
      abort();
    }
    S3Server* raw = started->release();
    atexit([] { delete &SharedS3Server(); });
    return raw;
  }();
  return *server;
}

}  // namespace registry::testing
