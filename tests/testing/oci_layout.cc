#include "tests/testing/oci_layout.h"

#include <dirent.h>
#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/digest.h"
#include "common/sha256.h"
#include "tests/testing/test_data.h"

namespace registry::testing {
namespace {

using Json = nlohmann::json;

constexpr char kOciManifest[] = "application/vnd.oci.image.manifest.v1+json";
constexpr char kOciIndex[] = "application/vnd.oci.image.index.v1+json";
constexpr char kOciConfig[] = "application/vnd.oci.image.config.v1+json";
constexpr char kOciLayer[] = "application/vnd.oci.image.layer.v1.tar+gzip";
constexpr char kDockerManifest[] =
    "application/vnd.docker.distribution.manifest.v2+json";
constexpr char kDockerConfig[] =
    "application/vnd.docker.container.image.v1+json";
constexpr char kDockerLayer[] =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";

// A ustar header for one regular file.
std::string TarHeader(const std::string& name, int64_t size) {
  std::string h(512, '\0');
  std::memcpy(&h[0], name.data(), std::min<size_t>(name.size(), 99));
  std::snprintf(&h[100], 8, "%07o", 0644);
  std::snprintf(&h[108], 8, "%07o", 0);
  std::snprintf(&h[116], 8, "%07o", 0);
  std::snprintf(&h[124], 12, "%011llo", static_cast<unsigned long long>(size));
  std::snprintf(&h[136], 12, "%011o", 0);
  h[156] = '0';
  std::memcpy(&h[257], "ustar", 6);
  std::memcpy(&h[263], "00", 2);
  std::memset(&h[148], ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  std::snprintf(&h[148], 8, "%06o", sum);
  h[155] = ' ';
  return h;
}

// Gzip (stored blocks: fast for random data) into a file while hashing
// both the input and the output.
class GzipFile {
 public:
  explicit GzipFile(const std::string& path) : out_(path, std::ios::binary) {
    std::memset(&z_, 0, sizeof(z_));
    deflateInit2(&z_, Z_NO_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
  }
  void Write(const std::string& data, int flush = Z_NO_FLUSH) {
    raw_.Update(data);
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z_.avail_in = static_cast<uInt>(data.size());
    char buf[1 << 16];
    do {
      z_.next_out = reinterpret_cast<Bytef*>(buf);
      z_.avail_out = sizeof(buf);
      deflate(&z_, flush);
      size_t n = sizeof(buf) - z_.avail_out;
      out_.write(buf, static_cast<std::streamsize>(n));
      packed_.Update(absl::string_view(buf, n));
      size_ += static_cast<int64_t>(n);
    } while (z_.avail_out == 0);
  }
  void Close() {
    Write("", Z_FINISH);
    deflateEnd(&z_);
    out_.close();
  }
  bool ok() const { return out_.good() || !out_.is_open(); }
  Sha256Hasher raw_;
  Sha256Hasher packed_;
  int64_t size_ = 0;

 private:
  z_stream z_;
  std::ofstream out_;
};

Json DescriptorJson(const OciDescriptor& d) {
  Json j = {
      {"mediaType", d.media_type}, {"digest", d.digest}, {"size", d.size}};
  if (!d.platform_arch.empty()) {
    j["platform"] = {{"architecture", d.platform_arch}, {"os", "linux"}};
  }
  return j;
}

}  // namespace

OciLayout::OciLayout(std::string dir) : dir_(std::move(dir)) {
  mkdir(dir_.c_str(), 0755);
  mkdir((dir_ + "/blobs").c_str(), 0755);
  mkdir((dir_ + "/blobs/sha256").c_str(), 0755);
  std::ofstream(dir_ + "/oci-layout") << R"({"imageLayoutVersion":"1.0.0"})";
}

absl::StatusOr<OciDescriptor> OciLayout::AddLayer(int64_t bytes, uint64_t seed,
                                                  std::string* diff_id) {
  std::string temp = absl::StrCat(dir_, "/blobs/layer.tmp");
  GzipFile gz(temp);
  gz.Write(TarHeader(absl::StrCat("file-", seed), bytes));
  const size_t chunk = 1 << 20;
  for (int64_t done = 0, i = 0; done < bytes; ++i) {
    size_t n = static_cast<size_t>(std::min<int64_t>(chunk, bytes - done));
    gz.Write(Chunk(seed * 100000 + i, n));
    done += static_cast<int64_t>(n);
  }
  gz.Write(std::string((512 - bytes % 512) % 512 + 1024, '\0'));
  gz.Close();
  *diff_id = gz.raw_.Finish().ToString();
  Digest digest = gz.packed_.Finish();
  std::string path = absl::StrCat(dir_, "/blobs/sha256/", digest.hex());
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    return absl::InternalError("cannot write " + path);
  }
  return OciDescriptor{kOciLayer, digest.ToString(), gz.size_, ""};
}

absl::StatusOr<OciDescriptor> OciLayout::AddBlob(
    const std::string& content, const std::string& media_type) {
  Digest digest = DigestOf(content);
  std::ofstream out(absl::StrCat(dir_, "/blobs/sha256/", digest.hex()),
                    std::ios::binary);
  out << content;
  if (!out.good()) return absl::InternalError("cannot write blob");
  return OciDescriptor{media_type, digest.ToString(),
                       static_cast<int64_t>(content.size()), ""};
}

absl::StatusOr<OciDescriptor> OciLayout::AddImage(
    const std::vector<int64_t>& layer_sizes, const std::string& arch,
    uint64_t seed, bool docker) {
  Json layers = Json::array();
  Json diff_ids = Json::array();
  for (size_t i = 0; i < layer_sizes.size(); ++i) {
    std::string diff_id;
    absl::StatusOr<OciDescriptor> layer =
        AddLayer(layer_sizes[i], seed * 100 + i, &diff_id);
    if (!layer.ok()) return layer.status();
    if (docker) layer->media_type = kDockerLayer;
    layers.push_back(DescriptorJson(*layer));
    diff_ids.push_back(diff_id);
  }
  Json config = {{"architecture", arch},
                 {"os", "linux"},
                 {"config", Json::object()},
                 {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}};
  absl::StatusOr<OciDescriptor> config_blob =
      AddBlob(config.dump(), docker ? kDockerConfig : kOciConfig);
  if (!config_blob.ok()) return config_blob.status();
  Json manifest = {{"schemaVersion", 2},
                   {"mediaType", docker ? kDockerManifest : kOciManifest},
                   {"config", DescriptorJson(*config_blob)},
                   {"layers", layers}};
  absl::StatusOr<OciDescriptor> result =
      AddBlob(manifest.dump(), docker ? kDockerManifest : kOciManifest);
  if (result.ok()) result->platform_arch = arch;
  return result;
}

absl::StatusOr<OciDescriptor> OciLayout::AddIndex(
    const std::vector<OciDescriptor>& manifests) {
  Json list = Json::array();
  for (const OciDescriptor& d : manifests) list.push_back(DescriptorJson(d));
  Json index = {
      {"schemaVersion", 2}, {"mediaType", kOciIndex}, {"manifests", list}};
  return AddBlob(index.dump(), kOciIndex);
}

void OciLayout::Tag(const std::string& tag, const OciDescriptor& descriptor) {
  tags_.emplace_back(tag, descriptor);
}

absl::Status OciLayout::Finish() {
  Json manifests = Json::array();
  for (const auto& [tag, d] : tags_) {
    OciDescriptor plain = d;
    plain.platform_arch.clear();
    Json entry = DescriptorJson(plain);
    entry["annotations"] = {{"org.opencontainers.image.ref.name", tag}};
    manifests.push_back(entry);
  }
  std::ofstream out(dir_ + "/index.json");
  out << Json{{"schemaVersion", 2}, {"manifests", manifests}}.dump();
  return out.good() ? absl::OkStatus()
                    : absl::InternalError("cannot write index.json");
}

std::vector<std::string> LayoutBlobs(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = opendir((dir + "/blobs/sha256").c_str());
  if (d == nullptr) return names;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') names.emplace_back(e->d_name);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace registry::testing
