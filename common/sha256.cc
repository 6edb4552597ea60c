// The low-level SHA256_* functions are deprecated in OpenSSL 3 but are the
// only way to save and restore a midstate; see sha256.h.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "common/sha256.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace registry {
namespace {

constexpr absl::string_view kMagic("sha\x03", 4);
constexpr size_t kBlock = 64;
constexpr size_t kStateSize = 4 + 8 * 4 + kBlock + 8;

void PutBigEndian(std::string* out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) {
    out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  }
}

uint64_t GetBigEndian(const char* in, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) {
    value = (value << 8) | static_cast<unsigned char>(in[i]);
  }
  return value;
}

}  // namespace

Sha256Hasher::Sha256Hasher() { SHA256_Init(&ctx_); }

absl::StatusOr<Sha256Hasher> Sha256Hasher::FromState(absl::string_view state) {
  if (state.size() != kStateSize || state.substr(0, 4) != kMagic) {
    return absl::InvalidArgumentError(
        absl::StrCat("sha256 state: expected ", kStateSize,
                     " bytes with the sha\\x03 magic, got ", state.size()));
  }
  Sha256Hasher hasher;
  const char* p = state.data() + 4;
  for (int i = 0; i < 8; ++i, p += 4) {
    hasher.ctx_.h[i] = static_cast<SHA_LONG>(GetBigEndian(p, 4));
  }
  const char* block = p;
  uint64_t length = GetBigEndian(p + kBlock, 8);
  uint64_t bits = length * 8;
  hasher.ctx_.Nl = static_cast<SHA_LONG>(bits & 0xffffffffu);
  hasher.ctx_.Nh = static_cast<SHA_LONG>(bits >> 32);
  hasher.ctx_.num = static_cast<unsigned int>(length % kBlock);
  std::memcpy(hasher.ctx_.data, block, hasher.ctx_.num);
  return hasher;
}

void Sha256Hasher::Update(absl::string_view data) {
  SHA256_Update(&ctx_, data.data(), data.size());
}

Digest Sha256Hasher::Finish() const {
  SHA256_CTX copy = ctx_;
  unsigned char raw[SHA256_DIGEST_LENGTH];
  SHA256_Final(raw, &copy);
  return Digest::FromSha256(raw);
}

uint64_t Sha256Hasher::bytes() const {
  return ((static_cast<uint64_t>(ctx_.Nh) << 32) | ctx_.Nl) / 8;
}

std::string Sha256Hasher::SaveState() const {
  std::string out(kMagic);
  out.reserve(kStateSize);
  for (int i = 0; i < 8; ++i) PutBigEndian(&out, ctx_.h[i], 4);
  std::string block(kBlock, '\0');
  std::memcpy(block.data(), ctx_.data, ctx_.num);
  out += block;
  PutBigEndian(&out, bytes(), 8);
  return out;
}

}  // namespace registry
