#include "tests/testing/token_server.h"

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace registry::testing {
namespace {

std::string Base64Url(absl::string_view data) {
  return absl::WebSafeBase64Escape(data);
}

// DER ECDSA signature -> JWS r||s.
std::string DerToRaw(const std::string& der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr) return "";
  unsigned char raw[64];
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw, 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw + 32, 32);
  ECDSA_SIG_free(sig);
  return std::string(reinterpret_cast<char*>(raw), 64);
}

}  // namespace

absl::StatusOr<std::string> SignJwt(const nlohmann::json& claims,
                                    const std::string& key_path) {
  FILE* file = fopen(key_path.c_str(), "r");
  if (file == nullptr) return absl::NotFoundError("no key " + key_path);
  EVP_PKEY* key = PEM_read_PrivateKey(file, nullptr, nullptr, nullptr);
  fclose(file);
  if (key == nullptr) return absl::InvalidArgumentError("bad key " + key_path);
  bool ec = EVP_PKEY_base_id(key) == EVP_PKEY_EC;
  nlohmann::json header = {{"alg", ec ? "ES256" : "RS256"}, {"typ", "JWT"}};
  std::string signed_part =
      absl::StrCat(Base64Url(header.dump()), ".", Base64Url(claims.dump()));
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t len = 0;
  std::string signature;
  if (EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestSign(ctx, nullptr, &len,
                     reinterpret_cast<const unsigned char*>(signed_part.data()),
                     signed_part.size()) == 1) {
    signature.resize(len);
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()),
                   &len,
                   reinterpret_cast<const unsigned char*>(signed_part.data()),
                   signed_part.size());
    signature.resize(len);
  }
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  if (signature.empty()) return absl::InternalError("signing failed");
  if (ec) signature = DerToRaw(signature);
  return absl::StrCat(signed_part, ".", Base64Url(signature));
}

absl::StatusOr<std::unique_ptr<TokenServer>> TokenServer::Start(
    std::string key_path, std::string issuer, std::string service,
    std::map<std::string, TokenPolicy> users) {
  auto server = std::unique_ptr<TokenServer>(new TokenServer);
  server->key_path_ = std::move(key_path);
  server->issuer_ = std::move(issuer);
  server->service_ = std::move(service);
  server->users_ = std::move(users);
  TokenServer* raw = server.get();
  server->http_.Get("/token",
                    [raw](const httplib::Request& req, httplib::Response& res) {
                      raw->Handle(req, res);
                    });
  server->port_ = server->http_.bind_to_any_port("127.0.0.1");
  if (server->port_ <= 0) return absl::UnavailableError("token server: bind");
  server->thread_ = std::thread([raw] { raw->http_.listen_after_bind(); });
  return server;
}

TokenServer::~TokenServer() {
  http_.stop();
  if (thread_.joinable()) thread_.join();
}

std::string TokenServer::realm() const {
  return absl::StrCat("http://127.0.0.1:", port_, "/token");
}

void TokenServer::Handle(const httplib::Request& req, httplib::Response& res) {
  ++requests_;
  std::string user;
  std::string header = req.get_header_value("Authorization");
  absl::string_view basic = header;
  if (absl::ConsumePrefix(&basic, "Basic ")) {
    std::string decoded;
    absl::Base64Unescape(basic, &decoded);
    std::pair<std::string, std::string> pair = absl::StrSplit(decoded, ':');
    auto it = users_.find(pair.first);
    if (it == users_.end() || it->second.password != pair.second) {
      res.status = 401;
      return;
    }
    user = pair.first;
  }
  auto policy = users_.find(user);
  if (policy == users_.end() || req.get_param_value("service") != service_) {
    res.status = 401;
    return;
  }
  nlohmann::json access = nlohmann::json::array();
  size_t scopes = req.get_param_value_count("scope");
  for (size_t i = 0; i < scopes; ++i) {
    for (absl::string_view scope :
         absl::StrSplit(req.get_param_value("scope", i), ' ')) {
      std::vector<std::string> parts = absl::StrSplit(scope, ':');
      if (parts.size() != 3) continue;
      std::vector<std::string> granted;
      if (parts[0] == "registry" &&
          policy->second.grants.count("registry:catalog") > 0) {
        granted = {"*"};
      } else if (parts[0] == "repository") {
        for (const char* name : {parts[1].c_str(), "*"}) {
          auto grant = policy->second.grants.find(name);
          if (grant == policy->second.grants.end()) continue;
          for (absl::string_view wanted : absl::StrSplit(parts[2], ',')) {
            for (const std::string& have : grant->second) {
              if (have == wanted || have == "*") {
                granted.emplace_back(wanted);
                break;
              }
            }
          }
        }
      }
      access.push_back(
          {{"type", parts[0]}, {"name", parts[1]}, {"actions", granted}});
    }
  }
  int64_t now = absl::ToUnixSeconds(absl::Now());
  absl::StatusOr<std::string> token =
      SignJwt({{"iss", issuer_},
               {"sub", user},
               {"aud", service_},
               {"exp", now + 300},
               {"nbf", now - 10},
               {"iat", now},
               {"jti", absl::StrCat(now, "-", scopes)},
               {"access", access}},
              key_path_);
  if (!token.ok()) {
    res.status = 500;
    return;
  }
  nlohmann::json body = {
      {"token", *token}, {"access_token", *token}, {"expires_in", 300}};
  res.set_content(body.dump(), "application/json");
}

}  // namespace registry::testing
