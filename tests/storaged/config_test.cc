// storaged's configuration: the YAML file with Distribution's keys, flag
// overrides, and clear errors (key and line) for bad files, including from
// the real binary, which must exit before listening.
#include "storaged/config.h"

#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/command_line.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace registry {
namespace {

using ::registry::testing::NewTempDir;
using ::registry::testing::RunCommand;
using ::registry::testing::RunfilePath;
using ::registry::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

std::string Write(const std::string& yaml) {
  static int counter = 0;
  std::string path =
      absl::StrCat(NewTempDir("config"), "/storaged-", ++counter, ".yml");
  std::ofstream(path) << yaml;
  return path;
}

TEST(StoragedConfigTest, ReadsTheS3SectionWithDistributionsKeys) {
  absl::StatusOr<StoragedConfig> config =
      LoadStoragedConfig(Write("version: 0.1\n"
                               "log:\n  level: debug\n"
                               "grpc:\n  addr: 0.0.0.0:7000\n"
                               "storage:\n"
                               "  redirect:\n    disable: true\n"
                               "  s3:\n"
                               "    bucket: images\n"
                               "    region: eu-west-1\n"
                               "    regionendpoint: http://rgw:7480\n"
                               "    forcepathstyle: true\n"
                               "    chunksize: 10485760\n"),
                         {});
  ASSERT_OK(config);
  EXPECT_EQ(config->driver, "s3");
  EXPECT_EQ(config->listen, "0.0.0.0:7000");
  EXPECT_EQ(config->log_level, "debug");
  EXPECT_FALSE(config->redirect);
  EXPECT_EQ(config->driver_params.at("bucket"), "images");
  EXPECT_EQ(config->driver_params.at("regionendpoint"), "http://rgw:7480");
  EXPECT_EQ(config->driver_params.at("chunksize"), "10485760");
  EXPECT_EQ(config->driver_params.size(), 5u);
}

TEST(StoragedConfigTest, DefaultsAndFlagOverrides) {
  absl::StatusOr<StoragedConfig> config = LoadStoragedConfig("", {});
  ASSERT_OK(config);
  EXPECT_EQ(config->driver, "filesystem");
  EXPECT_TRUE(config->redirect);
  EXPECT_EQ(config->listen, "127.0.0.1:50051");
  EXPECT_THAT(config->driver_params.at("rootdirectory"),
              ::testing::EndsWith("/registry-data"));
  EXPECT_EQ(config->driver_params.at("rootdirectory")[0], '/');

  std::string file = Write(
      "grpc:\n  addr: 0.0.0.0:7000\n"
      "storage:\n  filesystem:\n    rootdirectory: /from/file\n");
  config = LoadStoragedConfig(file, {});
  ASSERT_OK(config);
  EXPECT_EQ(config->driver_params.at("rootdirectory"), "/from/file");
  config = LoadStoragedConfig(
      file, {{kListenKey, "127.0.0.1:1"}, {kRootKey, "/from/flag"}});
  ASSERT_OK(config);
  EXPECT_EQ(config->listen, "127.0.0.1:1");
  EXPECT_EQ(config->driver_params.at("rootdirectory"), "/from/flag");
  config = LoadStoragedConfig(file, {{kDriverKey, "inmemory"}});
  ASSERT_OK(config);
  EXPECT_EQ(config->driver, "inmemory");
  EXPECT_TRUE(config->driver_params.empty());
}

TEST(StoragedConfigTest, LifecycleKeys) {
  absl::StatusOr<StoragedConfig> config = LoadStoragedConfig(
      Write("storage:\n"
            "  delete:\n    enabled: false\n"
            "  maintenance:\n"
            "    readonly:\n      enabled: true\n"
            "    uploadpurging:\n"
            "      enabled: false\n      age: 72h\n      interval: 30m\n"
            "      dryrun: true\n"),
      {});
  ASSERT_OK(config);
  EXPECT_FALSE(config->policy.delete_enabled);
  EXPECT_TRUE(config->policy.read_only);
  EXPECT_FALSE(config->purging.enabled);
  EXPECT_EQ(config->purging.age, absl::Hours(72));
  EXPECT_EQ(config->purging.interval, absl::Minutes(30));
  EXPECT_TRUE(config->purging.dry_run);

  config = LoadStoragedConfig("", {});  // Distribution's defaults.
  ASSERT_OK(config);
  EXPECT_TRUE(config->purging.enabled);
  EXPECT_EQ(config->purging.age, absl::Hours(168));
  EXPECT_EQ(config->purging.interval, absl::Hours(24));
  EXPECT_FALSE(config->policy.read_only);
}

TEST(StoragedConfigTest, GcAndRetentionKeys) {
  absl::StatusOr<StoragedConfig> config = LoadStoragedConfig(
      Write("storage:\n"
            "  maintenance:\n"
            "    gc:\n"
            "      enabled: true\n      interval: 2h\n      delay: 10m\n"
            "      deleteuntagged: true\n      dryrun: true\n"
            "    retention:\n"
            "      policies:\n"
            "        - repositories: [\"team/*\", \"infra/**\"]\n"
            "          deleteuntagged: false\n"
            "          deletereferrers: true\n"
            "          keeptags:\n"
            "            patterns: [\"^v[0-9]+$\", latest]\n"
            "            mostrecent: 3\n"
            "            pushedwithin: 720h\n"
            "        - repositories: \"**\"\n"),
      {});
  ASSERT_OK(config);
  EXPECT_TRUE(config->gc.enabled);
  EXPECT_EQ(config->gc.interval, absl::Hours(2));
  EXPECT_EQ(config->gc.delay, absl::Minutes(10));
  EXPECT_TRUE(config->gc.delete_untagged);
  EXPECT_TRUE(config->gc.dry_run);
  ASSERT_EQ(config->retention.size(), 2u);
  const gc::RetentionPolicy& first = config->retention[0];
  ASSERT_EQ(first.repositories.size(), 2u);
  EXPECT_EQ(first.repositories[1].text(), "infra/**");
  EXPECT_EQ(first.patterns, (std::vector<std::string>{"^v[0-9]+$", "latest"}));
  EXPECT_EQ(first.most_recent, 3);
  EXPECT_EQ(first.pushed_within, absl::Hours(720));
  EXPECT_EQ(first.delete_untagged, false);
  EXPECT_TRUE(first.delete_referrers);
  EXPECT_FALSE(config->retention[1].HasTagRules());
  EXPECT_EQ(config->retention[1].delete_untagged, absl::nullopt);

  config = LoadStoragedConfig("", {});
  ASSERT_OK(config);
  EXPECT_FALSE(config->gc.enabled);
  EXPECT_EQ(config->gc.delay, absl::Hours(1));
  EXPECT_TRUE(config->retention.empty());
}

TEST(StoragedConfigTest, BadRetentionIsRefusedWithItsLine) {
  auto error = [](const std::string& policy) {
    absl::StatusOr<StoragedConfig> config = LoadStoragedConfig(
        Write(absl::StrCat("storage:\n  maintenance:\n    retention:\n"
                           "      policies:\n",
                           policy)),
        {});
    EXPECT_FALSE(config.ok()) << policy;
    return std::string(config.status().message());
  };
  EXPECT_THAT(
      error("        - repositories: [a]\n          keeptag: {}\n"),
      HasSubstr(".yml:6: unknown key "
                "\"storage.maintenance.retention.policies.0.keeptag\""));
  EXPECT_THAT(error("        - repositories: [\"team/[ab]\"]\n"),
              HasSubstr(".yml:5: repository glob \"team/[ab]\" holds '['"));
  EXPECT_THAT(error("        - repositories: [a]\n          keeptags:\n"
                    "            patterns: [\"v(\"]\n"),
              HasSubstr(".yml:7: tag pattern \"v(\" is not a regular"));
  EXPECT_THAT(error("        - repositories: [a]\n          keeptags:\n"
                    "            mostrecent: -1\n"),
              HasSubstr(".yml:7: key \"storage.maintenance.retention.policies."
                        "0.keeptags.mostrecent\" must be a count"));
  EXPECT_THAT(error("        - repositories: [a]\n          keeptags:\n"
                    "            pushedwithin: -24h\n"),
              HasSubstr(".yml:7: key \"storage.maintenance.retention.policies."
                        "0.keeptags.pushedwithin\" must be a duration"));
  EXPECT_THAT(error("        - deleteuntagged: true\n"),
              HasSubstr(".yml:5: policy 0 needs repositories"));
  EXPECT_THAT(
      error("        - just a string\n"),
      HasSubstr(".yml:5: key \"storage.maintenance.retention.policies\" "
                "takes a list of mappings"));
  absl::StatusOr<StoragedConfig> config = LoadStoragedConfig(
      Write("storage:\n  maintenance:\n    gc:\n      delay: -1h\n"), {});
  EXPECT_THAT(config.status().message(),
              HasSubstr(".yml:4: key \"storage.maintenance.gc.delay\" must be "
                        "a duration"));
}

TEST(StoragedConfigTest, ProxyRegistriesAndTheWholeRegistryForm) {
  std::string credentials = Write("username: bot\npassword: 's3cret'\n");
  absl::StatusOr<StoragedConfig> config = LoadStoragedConfig(
      Write(absl::StrCat("proxy:\n  registries:\n"
                         "    - prefix: hub\n"
                         "      remoteurl: https://registry-1.docker.io/\n"
                         "      username: u\n      password: p\n"
                         "      ttl: 1h\n"
                         "    - prefix: ghcr/\n"
                         "      remoteurl: http://127.0.0.1:5000\n"
                         "      credentialsfile: ",
                         credentials,
                         "\n      tls:\n        ca: /ca.pem\n"
                         "        insecureskipverify: true\n")),
      {});
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->upstreams.size(), 2u);
  EXPECT_EQ(config->upstreams[0].prefix, "hub/");
  EXPECT_EQ(config->upstreams[0].remote_url, "https://registry-1.docker.io");
  EXPECT_EQ(config->upstreams[0].username, "u");
  EXPECT_EQ(config->upstreams[0].ttl, absl::Hours(1));
  EXPECT_EQ(config->upstreams[1].prefix, "ghcr/");
  EXPECT_EQ(config->upstreams[1].username, "bot");
  EXPECT_EQ(config->upstreams[1].password, "s3cret");
  EXPECT_EQ(config->upstreams[1].ttl, absl::Minutes(10));  // The default.
  EXPECT_EQ(config->upstreams[1].ca_file, "/ca.pem");
  EXPECT_TRUE(config->upstreams[1].insecure_skip_verify);

  config = LoadStoragedConfig(
      Write("proxy:\n  remoteurl: https://mirror.example\n  ttl: 5m\n"), {});
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->upstreams.size(), 1u);
  EXPECT_EQ(config->upstreams[0].prefix, "");
  EXPECT_EQ(config->upstreams[0].ttl, absl::Minutes(5));
  EXPECT_TRUE(
      LoadStoragedConfig(Write("version: 0.1\n"), {})->upstreams.empty());
}

TEST(StoragedConfigTest, MirroredNamesUpstream) {
  proxy::UpstreamConfig hub;
  hub.prefix = "hub/";
  hub.remote_url = "https://registry-1.docker.io";
  EXPECT_EQ(proxy::RemoteName(hub, "hub/alpine"), "library/alpine");
  EXPECT_EQ(proxy::RemoteName(hub, "hub/bitnami/redis"), "bitnami/redis");
  proxy::UpstreamConfig ghcr;
  ghcr.prefix = "ghcr/";
  ghcr.remote_url = "https://ghcr.io";
  EXPECT_EQ(proxy::RemoteName(ghcr, "ghcr/tool"), "tool");
  proxy::UpstreamConfig whole;  // Every repository: no prefix.
  whole.remote_url = "https://index.docker.io";
  EXPECT_EQ(proxy::RemoteName(whole, "library/ubuntu"), "library/ubuntu");
  EXPECT_EQ(proxy::RemoteName(whole, "ubuntu"), "library/ubuntu");
}

TEST(StoragedConfigTest, BadProxyConfigIsRefusedWithItsLine) {
  auto error = [](const std::string& yaml) {
    absl::StatusOr<StoragedConfig> config =
        LoadStoragedConfig(Write("proxy:\n" + yaml), {});
    EXPECT_FALSE(config.ok()) << yaml;
    return std::string(config.status().message());
  };
  const std::string list = "  registries:\n";
  EXPECT_THAT(error(list + "    - prefix: hub/\n      ttl: 1m\n"),
              HasSubstr(".yml:3: a proxied registry needs remoteurl"));
  EXPECT_THAT(error(list + "    - remoteurl: https://a\n"),
              HasSubstr(".yml:3: a proxied registry needs a prefix"));
  for (const char* url : {"ftp://a", "https://", "https://a/v2/x",
                          "https://a:0", "https://u@a"}) {
    EXPECT_THAT(error(absl::StrCat(
                    list, "    - prefix: hub/\n      remoteurl: ", url, "\n")),
                HasSubstr(".yml:4: remoteurl"))
        << url;
  }
  EXPECT_THAT(error(list + "    - prefix: hub/\n      remoteurl: https://a\n"
                           "    - prefix: hub\n      remoteurl: https://b\n"),
              HasSubstr(".yml:5: prefix \"hub/\" is given twice"));
  EXPECT_THAT(error(list + "    - prefix: Hub/\n      remoteurl: https://a\n"),
              HasSubstr(".yml:3: prefix \"Hub\" is not a repository name"));
  EXPECT_THAT(error(list + "    - prefix: hub/\n      remoteurl: https://a\n"
                           "      ttl: -1m\n"),
              HasSubstr(".yml:5: key \"proxy.registries.0.ttl\" must be a "
                        "duration"));
  EXPECT_THAT(error(list + "    - prefix: hub/\n      remoteurl: https://a\n"
                           "      username: u\n"),
              HasSubstr(".yml:5: username and password go together"));
  EXPECT_THAT(
      error(list + "    - prefix: hub/\n      remoteurl: https://a\n"
                   "      credentialsfile: /no/such/file\n"),
      HasSubstr(".yml:5: credentialsfile /no/such/file cannot be read"));
  EXPECT_THAT(error(list + "    - prefix: hub/\n      remoteurl: https://a\n"
                           "      remote: https://b\n"),
              HasSubstr(".yml:5: unknown key \"proxy.registries.0.remote\""));
  EXPECT_THAT(error("  remoteurl: https://a\n" + list +
                    "    - prefix: hub/\n      remoteurl: https://b\n"),
              HasSubstr(".yml:2: give proxy.remoteurl"));
}

TEST(StoragedConfigTest, NotificationsTakeDistributionsKeysAndDefaults) {
  absl::StatusOr<StoragedConfig> config = LoadStoragedConfig(
      Write("notifications:\n"
            "  events:\n"
            "    includereferences: true\n"
            "  endpoints:\n"
            "    - name: ci\n"
            "      url: https://hooks.example:8443/registry\n"
            "      headers:\n"
            "        Authorization: [Bearer t]\n"
            "        X-Many: [a, b]\n"
            "      timeout: 3s\n"
            "      threshold: 4\n"
            "      backoff: 2s\n"
            "      ignoredmediatypes: [application/octet-stream]\n"
            "      ignore:\n"
            "        mediatypes: [application/x-a]\n"
            "        actions: [pull]\n"
            "      queue:\n"
            "        maxbytes: 1048576\n"
            "    - name: plain\n"
            "      url: http://127.0.0.1:9000/events\n"
            "    - name: off\n"
            "      url: http://127.0.0.1:9001/\n"
            "      disabled: true\n"),
      {});
  ASSERT_OK(config);
  const events::NotificationsConfig& n = config->notifications;
  EXPECT_TRUE(n.include_references);
  ASSERT_EQ(n.endpoints.size(), 2u);  // The disabled one is left out.
  const events::EndpointConfig& ci = n.endpoints[0];
  EXPECT_EQ(ci.name, "ci");
  EXPECT_EQ(ci.url, "https://hooks.example:8443/registry");
  EXPECT_THAT(ci.headers,
              ElementsAre(Pair("Authorization", "Bearer t"),
                          Pair("X-Many", "a"), Pair("X-Many", "b")));
  EXPECT_EQ(ci.timeout, absl::Seconds(3));
  EXPECT_EQ(ci.threshold, 4);
  EXPECT_EQ(ci.backoff, absl::Seconds(2));
  EXPECT_THAT(ci.ignored_media_types,
              ElementsAre("application/octet-stream", "application/x-a"));
  EXPECT_THAT(ci.ignored_actions, ElementsAre("pull"));
  EXPECT_EQ(ci.queue_max_bytes, 1048576);
  const events::EndpointConfig& plain = n.endpoints[1];
  EXPECT_EQ(plain.timeout, absl::Seconds(1));  // Distribution's defaults.
  EXPECT_EQ(plain.threshold, 10);
  EXPECT_EQ(plain.backoff, absl::Seconds(1));
  EXPECT_EQ(plain.queue_max_bytes, int64_t{256} << 20);
  EXPECT_TRUE(plain.headers.empty());
  ASSERT_OK(LoadStoragedConfig(Write("version: 0.1\n"), {}));
  EXPECT_TRUE(LoadStoragedConfig(Write("version: 0.1\n"), {})
                  ->notifications.endpoints.empty());
}

TEST(StoragedConfigTest, BadNotificationsAreRefusedWithTheirLine) {
  auto error = [](const std::string& endpoints) {
    absl::StatusOr<StoragedConfig> config = LoadStoragedConfig(
        Write("notifications:\n  endpoints:\n" + endpoints), {});
    EXPECT_FALSE(config.ok()) << endpoints;
    return std::string(config.status().message());
  };
  EXPECT_THAT(error("    - url: http://a/\n"),
              HasSubstr(".yml:3: a notifications endpoint needs a name"));
  EXPECT_THAT(error("    - name: a\n"),
              HasSubstr(".yml:3: endpoint a needs a url"));
  EXPECT_THAT(error("    - name: a\n      url: ftp://a/\n"),
              HasSubstr(".yml:4: endpoint a: url \"ftp://a/\" must be"));
  EXPECT_THAT(error("    - name: a\n      url: http://a/\n"
                    "    - name: a\n      url: http://b/\n"),
              HasSubstr(".yml:5: endpoint name \"a\" is given twice"));
  EXPECT_THAT(error("    - name: a\n      url: http://a/\n"
                    "      ignore:\n        actions: [pul]\n"),
              HasSubstr(".yml:6: unknown action \"pul\""));
  EXPECT_THAT(error("    - name: a\n      url: http://a/\n"
                    "      timeout: soon\n"),
              HasSubstr(".yml:5: key \"notifications.endpoints.0.timeout\""));
  EXPECT_THAT(error("    - name: a\n      url: http://a/\n"
                    "      threshold: -1\n"),
              HasSubstr(".yml:5:"));
  EXPECT_THAT(error("    - name: a\n      url: http://a/\n"
                    "      queue:\n        maxbytes: 0\n"),
              HasSubstr(".yml:6: queue.maxbytes must be more than 0"));
  EXPECT_THAT(error("    - name: a\n      url: http://a/\n"
                    "      retries: 3\n"),
              HasSubstr(".yml:5: unknown key "
                        "\"notifications.endpoints.0.retries\""));
}

TEST(StoragedConfigTest, BadFilesNameTheKeyAndLine) {
  auto error = [](const std::string& yaml) {
    absl::StatusOr<StoragedConfig> config = LoadStoragedConfig(Write(yaml), {});
    EXPECT_FALSE(config.ok()) << yaml;
    return std::string(config.status().message());
  };
  EXPECT_THAT(error("storage:\n  s3:\n    bucket: b\n    buckte: typo\n"),
              HasSubstr(".yml:4: unknown key \"storage.s3.buckte\""));
  EXPECT_THAT(error("storage:\n  redirect:\n    disable: sometimes\n"),
              HasSubstr(".yml:3: key \"storage.redirect.disable\" must be "
                        "true or false"));
  EXPECT_THAT(error("grpc:\n  addr:\n    - a\n    - b\n"),
              HasSubstr("takes one value, not a list"));
  EXPECT_THAT(error("storage:\n  s3:\n    bucket: b\n  filesystem:\n"
                    "    rootdirectory: /x\n"),
              HasSubstr("configure one storage driver, not filesystem and s3"));
  EXPECT_THAT(error("grpc: [unclosed\n"), HasSubstr("malformed YAML"));
  // Found by the config fuzzer: a key that is itself a list or mapping
  // threw out of yaml-cpp and killed the process.
  EXPECT_THAT(error("storage:\n  ? [a, b]\n  : x\n"),
              HasSubstr(".yml:2: keys must be plain names"));
  EXPECT_THAT(error("? {a: 1}\n: x\n"), HasSubstr("keys must be plain names"));
  EXPECT_THAT(error("storage:\n  maintenance:\n    uploadpurging:\n"
                    "      age: a week\n"),
              HasSubstr(".yml:4: key \"storage.maintenance.uploadpurging.age\" "
                        "must be a duration"));
  EXPECT_THAT(LoadStoragedConfig("/no/such/file.yml", {}),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(StoragedConfigTest, TheBinaryRefusesABadFileBeforeListening) {
  std::string port = absl::StrCat(testing::FreePort());
  absl::StatusOr<std::string> run = RunCommand(
      {RunfilePath("storaged/storaged"), "--listen=127.0.0.1:" + port,
       "--config=" +
           Write("storage:\n  inmemory:\n  delete:\n    enabeld: true\n")},
      absl::Seconds(20));
  ASSERT_FALSE(run.ok());
  EXPECT_THAT(run.status().message(), HasSubstr("storage.delete.enabeld"));
  EXPECT_THAT(run.status().message(),
              ::testing::Not(HasSubstr("listening on")));
}

TEST(StoragedConfigTest, TheShippedS3SampleLoads) {
  absl::StatusOr<StoragedConfig> config =
      LoadStoragedConfig(RunfilePath("deploy/config/storaged-s3.yml"), {});
  ASSERT_OK(config);
  EXPECT_EQ(config->driver, "s3");
  EXPECT_EQ(config->listen, "0.0.0.0:50051");
  EXPECT_TRUE(config->redirect);
  EXPECT_EQ(config->driver_params.count("accesskey"), 0u);  // From a Secret.
  EXPECT_EQ(config->driver_params.at("chunksize"), "10485760");
}

TEST(CommandLineTest, FlagOnCommandLine) {
  const char* args[] = {"prog",      "--listen=1", "-root",      "x",
                        "--nodebug", "--",         "--driver=s3"};
  char** argv = const_cast<char**>(args);
  EXPECT_TRUE(FlagOnCommandLine(7, argv, "listen"));
  EXPECT_TRUE(FlagOnCommandLine(7, argv, "root"));
  EXPECT_TRUE(FlagOnCommandLine(7, argv, "debug"));
  EXPECT_FALSE(FlagOnCommandLine(7, argv, "driver"));  // After "--".
  EXPECT_FALSE(FlagOnCommandLine(7, argv, "list"));
}

}  // namespace
}  // namespace registry
