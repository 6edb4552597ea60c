// deploy/ agrees with itself and with the binaries: every Kubernetes
// manifest parses; selectors, Service ports, probes, config paths and
// ConfigMaps line up; the shipped configs load in the binaries' own config
// readers and listen where the containers and Services expect; the
// Dockerfile exposes the same ports and runs the same config paths as a
// non-root user.
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "gateway/config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storaged/config.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace registry::testing {
namespace {

using ::testing::Contains;

std::string Deploy(const std::string& relative) {
  return RunfilePath("deploy/" + relative);
}

int PortOf(const std::string& address) {
  int port = 0;
  absl::SimpleAtoi(address.substr(address.rfind(':') + 1), &port);
  return port;
}

std::map<std::string, std::string> Labels(const YAML::Node& node) {
  std::map<std::string, std::string> labels;
  if (!node) return labels;
  for (const auto& entry : node) {
    labels[entry.first.as<std::string>()] = entry.second.as<std::string>();
  }
  return labels;
}

bool Subset(const std::map<std::string, std::string>& small,
            const std::map<std::string, std::string>& big) {
  for (const auto& [key, value] : small) {
    auto it = big.find(key);
    if (it == big.end() || it->second != value) return false;
  }
  return !small.empty();
}

// The one config file a manifest set deploys for `configmap`, per
// kustomization.yaml (or the file a variant names).
std::map<std::string, std::string> ConfigMapFiles() {
  YAML::Node kustomization = YAML::LoadFile(Deploy("kustomization.yaml"));
  std::map<std::string, std::string> files;  // "name/key" -> path
  for (const auto& generator : kustomization["configMapGenerator"]) {
    for (const auto& file : generator["files"]) {
      std::pair<std::string, std::string> kv =
          absl::StrSplit(file.as<std::string>(), '=');
      files[generator["name"].as<std::string>() + "/" + kv.first] = kv.second;
    }
  }
  return files;
}

struct Container {
  std::string workload;
  std::map<std::string, std::string> labels;
  std::map<std::string, int> ports;  // name -> containerPort
  std::string config_path;           // From --config=.
  std::string config_map;            // The ConfigMap mounted at its dir.
  absl::Duration drain_notice;       // --drain_notice, or the default.
  YAML::Node node;
};

std::vector<Container> Containers(const std::vector<YAML::Node>& docs) {
  std::vector<Container> out;
  for (const YAML::Node& doc : docs) {
    std::string kind = doc["kind"].as<std::string>();
    if (kind != "Deployment" && kind != "StatefulSet") continue;
    const YAML::Node& spec = doc["spec"];
    EXPECT_TRUE(Subset(Labels(spec["selector"]["matchLabels"]),
                       Labels(spec["template"]["metadata"]["labels"])))
        << doc["metadata"]["name"] << ": selector does not select its pods";
    std::map<std::string, std::string> volume_config_maps;
    for (const auto& volume : spec["template"]["spec"]["volumes"]) {
      if (volume["configMap"]) {
        volume_config_maps[volume["name"].as<std::string>()] =
            volume["configMap"]["name"].as<std::string>();
      }
    }
    for (const auto& c : spec["template"]["spec"]["containers"]) {
      Container container;
      container.workload = doc["metadata"]["name"].as<std::string>();
      container.labels = Labels(spec["template"]["metadata"]["labels"]);
      container.node = static_cast<const YAML::Node&>(c);
      for (const auto& port : c["ports"]) {
        container.ports[port["name"].as<std::string>()] =
            port["containerPort"].as<int>();
      }
      for (const auto& arg : c["args"]) {
        absl::string_view text = arg.Scalar();
        if (absl::ConsumePrefix(&text, "--config=")) {
          container.config_path = std::string(text);
        }
      }
      std::string dir =
          container.config_path.substr(0, container.config_path.rfind('/'));
      for (const auto& mount : c["volumeMounts"]) {
        if (mount["mountPath"].as<std::string>() == dir) {
          container.config_map =
              volume_config_maps[mount["name"].as<std::string>()];
        }
      }
      EXPECT_FALSE(container.config_map.empty())
          << container.workload << ": no ConfigMap mounted at " << dir;
      // Probes name ports the container has.
      for (const char* probe : {"readinessProbe", "livenessProbe"}) {
        const YAML::Node& p = c[probe];
        EXPECT_TRUE(p.IsDefined()) << container.workload << " has no " << probe;
        YAML::Node port =
            p["httpGet"] ? p["httpGet"]["port"] : p["grpc"]["port"];
        bool known = false;
        for (const auto& [name, number] : container.ports) {
          known |=
              port.Scalar() == name || port.Scalar() == absl::StrCat(number);
        }
        EXPECT_TRUE(known) << container.workload << " " << probe << " port "
                           << port.Scalar();
      }
      // The images' user and group (deploy/Dockerfile: 65532:65532).
      const YAML::Node& security = spec["template"]["spec"]["securityContext"];
      EXPECT_TRUE(security["runAsNonRoot"].as<bool>());
      for (const char* id : {"runAsUser", "runAsGroup", "fsGroup"}) {
        EXPECT_TRUE(security[id] && security[id].as<int>() == 65532)
            << container.workload << " " << id;
      }
      // Kubernetes waits terminationGracePeriodSeconds after SIGTERM before
      // SIGKILL: the drain notice (2s unless set) and the grace for
      // requests in flight must fit in it.
      absl::Duration drain = absl::Seconds(2);
      absl::Duration grace = absl::Seconds(10);
      for (const auto& arg : c["args"]) {
        absl::string_view text = arg.Scalar();
        if (absl::ConsumePrefix(&text, "--shutdown_grace=")) {
          EXPECT_TRUE(absl::ParseDuration(text, &grace)) << text;
        }
        if (absl::ConsumePrefix(&text, "--drain_notice=")) {
          EXPECT_TRUE(absl::ParseDuration(text, &drain)) << text;
        }
      }
      EXPECT_LT(drain + grace,
                absl::Seconds(
                    spec["template"]["spec"]["terminationGracePeriodSeconds"]
                        .as<int>()))
          << container.workload;
      container.drain_notice = drain;
      out.push_back(container);
    }
  }
  return out;
}

// Services select a workload in the same file and target its named ports
// with the same numbers.
void CheckServices(const std::vector<YAML::Node>& docs,
                   const std::vector<Container>& containers) {
  for (const YAML::Node& doc : docs) {
    if (doc["kind"].as<std::string>() != "Service") continue;
    std::string name = doc["metadata"]["name"].as<std::string>();
    const Container* target = nullptr;
    for (const Container& c : containers) {
      if (Subset(Labels(doc["spec"]["selector"]), c.labels)) target = &c;
    }
    ASSERT_NE(target, nullptr) << "Service " << name << " selects nothing";
    for (const auto& port : doc["spec"]["ports"]) {
      std::string target_port = port["targetPort"].as<std::string>();
      ASSERT_EQ(target->ports.count(target_port), 1u)
          << "Service " << name << " targets unknown port " << target_port;
      EXPECT_EQ(target->ports.at(target_port), port["port"].as<int>());
    }
  }
}

std::vector<YAML::Node> Load(const std::string& file) {
  std::vector<YAML::Node> docs = YAML::LoadAllFromFile(Deploy(file));
  for (const YAML::Node& doc : docs) {
    EXPECT_TRUE(doc["apiVersion"] && doc["kind"] && doc["metadata"]["name"])
        << file;
  }
  return docs;
}

// A Kubernetes quantity with a binary suffix ("10Gi", "512Mi") in bytes;
// 0 when it has none.
int64_t BinaryQuantity(absl::string_view text) {
  int64_t number = 0;
  for (const auto& [suffix, shift] :
       std::vector<std::pair<absl::string_view, int>>{
           {"Ki", 10}, {"Mi", 20}, {"Gi", 30}, {"Ti", 40}}) {
    absl::string_view digits = text;
    if (absl::ConsumeSuffix(&digits, suffix) &&
        absl::SimpleAtoi(digits, &number)) {
      return number << shift;
    }
  }
  return 0;
}

TEST(DeployTest, GatewayManifests) {
  std::vector<YAML::Node> docs = Load("kubernetes/gateway.yaml");
  std::vector<Container> containers = Containers(docs);
  ASSERT_EQ(containers.size(), 1u);
  const Container& gateway = containers[0];
  CheckServices(docs, containers);
  for (const YAML::Node& doc : docs) {
    std::string kind = doc["kind"].as<std::string>();
    if (kind == "HorizontalPodAutoscaler") {
      EXPECT_EQ(doc["spec"]["scaleTargetRef"]["name"].as<std::string>(),
                gateway.workload);
    }
    if (kind == "PodDisruptionBudget") {
      EXPECT_TRUE(Subset(Labels(doc["spec"]["selector"]["matchLabels"]),
                         gateway.labels));
    }
    if (kind == "Deployment") {
      EXPECT_FALSE(doc["spec"]["volumeClaimTemplates"]);  // Stateless.
    }
  }
  EXPECT_EQ(gateway.node["readinessProbe"]["httpGet"]["path"].as<std::string>(),
            "/readyz");
  EXPECT_EQ(gateway.node["livenessProbe"]["httpGet"]["path"].as<std::string>(),
            "/healthz");
  // The readiness probe sees the drain notice's 503 before the gateway stops
  // accepting: periodSeconds x failureThreshold (default 3) within it.
  const YAML::Node& ready = gateway.node["readinessProbe"];
  const int period =
      ready["periodSeconds"] ? ready["periodSeconds"].as<int>() : 10;
  const int failures =
      ready["failureThreshold"] ? ready["failureThreshold"].as<int>() : 3;
  EXPECT_LE(absl::Seconds(period * failures), gateway.drain_notice);

  std::string key =
      gateway.config_path.substr(gateway.config_path.rfind('/') + 1);
  std::string file = ConfigMapFiles()[gateway.config_map + "/" + key];
  ASSERT_FALSE(file.empty()) << "kustomization has no " << gateway.config_map;
  absl::StatusOr<gateway::GatewayConfig> config =
      gateway::LoadGatewayConfig(Deploy(file), {});
  ASSERT_OK(config);
  EXPECT_EQ(PortOf(config->listen), gateway.ports.at("http"));
  EXPECT_EQ(PortOf(gateway::GatewayConfig{}.listen), gateway.ports.at("http"));
  // The gateway reaches storaged through its headless Service.
  EXPECT_EQ(config->storaged_target, "dns:///storaged:50051");

  // The blob cache lives on an emptyDir whose sizeLimit holds maxbytes.
  ASSERT_FALSE(config->blob_cache_path.empty());
  std::string cache_volume;
  for (const auto& mount : gateway.node["volumeMounts"]) {
    if (absl::StartsWith(config->blob_cache_path,
                         mount["mountPath"].as<std::string>() + "/")) {
      cache_volume = mount["name"].as<std::string>();
    }
  }
  ASSERT_FALSE(cache_volume.empty()) << config->blob_cache_path;
  int64_t size_limit = 0;
  for (const YAML::Node& doc : docs) {
    if (doc["kind"].as<std::string>() != "Deployment") continue;
    for (const auto& volume : doc["spec"]["template"]["spec"]["volumes"]) {
      if (volume["name"].as<std::string>() != cache_volume) continue;
      ASSERT_TRUE(volume["emptyDir"]) << cache_volume;
      size_limit = BinaryQuantity(volume["emptyDir"]["sizeLimit"].Scalar());
    }
  }
  EXPECT_GT(config->blob_cache_max_bytes, 0);
  EXPECT_LT(config->blob_cache_max_bytes, size_limit);
}

void CheckStoraged(const std::string& manifest, const std::string& config_file,
                   const std::string& driver) {
  SCOPED_TRACE(manifest);
  std::vector<YAML::Node> docs = Load(manifest);
  std::vector<Container> containers = Containers(docs);
  ASSERT_EQ(containers.size(), 1u);
  const Container& storaged = containers[0];
  CheckServices(docs, containers);
  for (const YAML::Node& doc : docs) {
    if (doc["kind"].as<std::string>() == "Service") {
      EXPECT_EQ(doc["metadata"]["name"].as<std::string>(), "storaged");
      EXPECT_EQ(doc["spec"]["clusterIP"].as<std::string>(), "None");
    }
  }
  EXPECT_EQ(storaged.node["readinessProbe"]["grpc"]["port"].as<int>(),
            storaged.ports.at("grpc"));
  absl::StatusOr<StoragedConfig> config =
      LoadStoragedConfig(Deploy(config_file), {});
  ASSERT_OK(config);
  EXPECT_EQ(config->driver, driver);
  EXPECT_EQ(PortOf(config->listen), storaged.ports.at("grpc"));
  EXPECT_EQ(PortOf(StoragedConfig{}.listen), storaged.ports.at("grpc"));
  EXPECT_EQ(PortOf(config->metrics_listen), storaged.ports.at("metrics"));
  if (driver == "filesystem") {
    std::set<std::string> mounts;
    for (const auto& mount : storaged.node["volumeMounts"]) {
      mounts.insert(mount["mountPath"].as<std::string>());
    }
    EXPECT_THAT(mounts, Contains(config->driver_params.at("rootdirectory")));
  } else {
    // On S3 nothing is kept on the pod: the only volumes are config/secrets.
    for (const YAML::Node& doc : docs) {
      if (doc["kind"].as<std::string>() == "Deployment") {
        for (const auto& volume : doc["spec"]["template"]["spec"]["volumes"]) {
          EXPECT_TRUE(volume["configMap"] || volume["secret"]);
        }
      }
    }
  }
}

TEST(DeployTest, StoragedOnTheFilesystem) {
  std::map<std::string, std::string> files = ConfigMapFiles();
  EXPECT_EQ(files["storaged-config/storaged.yml"], "config/storaged.yml");
  CheckStoraged("kubernetes/storaged.yaml", "config/storaged.yml",
                "filesystem");
}

TEST(DeployTest, StoragedOnS3) {
  CheckStoraged("kubernetes/storaged-s3.yaml", "config/storaged-s3.yml", "s3");
}

TEST(DeployTest, KustomizationResourcesExist) {
  YAML::Node kustomization = YAML::LoadFile(Deploy("kustomization.yaml"));
  for (const auto& resource : kustomization["resources"]) {
    EXPECT_TRUE(std::ifstream(Deploy(resource.as<std::string>())).good())
        << resource;
  }
  for (const auto& [key, file] : ConfigMapFiles()) {
    EXPECT_TRUE(std::ifstream(Deploy(file)).good()) << file;
  }
}

TEST(DeployTest, DockerfileMatchesTheManifests) {
  std::ifstream in(Deploy("Dockerfile"));
  std::string line, stage;
  std::map<std::string, std::string> exposed, commands;
  std::map<std::string, std::string> workdirs;
  std::set<std::string> users, bases;
  while (std::getline(in, line)) {
    std::vector<std::string> words =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (words.empty()) continue;
    if (words[0] == "FROM") {
      bases.insert(words[1]);
      stage = words.size() >= 4 ? words[3] : "";
    }
    if (words[0] == "EXPOSE") exposed[stage] = line;
    if (words[0] == "CMD") commands[stage] = line;
    if (words[0] == "USER") users.insert(words[1]);
    if (words[0] == "WORKDIR") workdirs[stage] = words[1];
  }
  // Without a working directory, storaged's relative default root resolves
  // under / (not writable by the user).
  EXPECT_EQ(workdirs["runtime"], "/var/lib/registry");
  EXPECT_THAT(exposed["gateway"], ::testing::HasSubstr("5000"));
  EXPECT_THAT(exposed["storaged"], ::testing::HasSubstr("50051"));
  EXPECT_THAT(exposed["storaged"], ::testing::HasSubstr("9090"));
  EXPECT_THAT(commands["gateway"],
              ::testing::HasSubstr(
                  Containers(Load("kubernetes/gateway.yaml"))[0].config_path));
  EXPECT_THAT(commands["storaged"],
              ::testing::HasSubstr(
                  Containers(Load("kubernetes/storaged.yaml"))[0].config_path));
  EXPECT_EQ(users, std::set<std::string>{"65532:65532"});
  for (const std::string& base : bases) {
    EXPECT_TRUE(absl::StartsWith(base, "debian:bookworm") || base == "runtime")
        << base;
  }
}

// The build context is the repository root: Bazel's output links and .git
// stay out of it.
TEST(DeployTest, DockerignoreKeepsBazelOutputAndGitOut) {
  std::ifstream in(RunfilePath(".dockerignore"));
  ASSERT_TRUE(in.good());
  std::set<std::string> patterns;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '#') patterns.insert(line);
  }
  EXPECT_THAT(patterns, Contains(".git"));
  EXPECT_THAT(patterns, Contains("bazel-*"));
}

}  // namespace
}  // namespace registry::testing
