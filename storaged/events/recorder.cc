#include "storaged/events/recorder.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "absl/time/clock.h"
#include "common/request_origin.h"
#include "storaged/events/endpoint_sink.h"

namespace registry::events {

Recorder::Recorder(EventLog* log, std::function<void()> stored, Options options)
    : log_(log),
      stored_(std::move(stored)),
      options_(std::move(options)),
      source_addr_(options_.source_addr) {}

void Recorder::set_source_addr(std::string addr) {
  absl::MutexLock lock(&mu_);
  source_addr_ = std::move(addr);
}

absl::optional<std::string> Recorder::Build(
    const grpc::ServerContextBase& context, absl::string_view action,
    Target target) const {
  bool wanted = false;
  for (const EndpointConfig& endpoint : options_.endpoints) {
    wanted |= Wants(endpoint, action, target.media_type);
  }
  if (!wanted) return absl::nullopt;
  std::vector<std::pair<absl::string_view, absl::string_view>> metadata;
  Event event;
  for (const auto& [key, value] : context.client_metadata()) {
    absl::string_view k(key.data(), key.size());
    absl::string_view v(value.data(), value.size());
    metadata.emplace_back(k, v);
    if (k == "x-request-id") event.request_id = std::string(v);
  }
  event.origin = OriginFromMetadata(metadata);
  event.id = NewEventId();
  event.timestamp = absl::Now();
  event.action = std::string(action);
  event.target = std::move(target);
  {
    absl::MutexLock lock(&mu_);
    event.source_addr = source_addr_;
  }
  event.instance_id = log_->instance();
  return EventJson(event);
}

absl::Status Recorder::Record(const grpc::ServerContextBase& context,
                              absl::string_view action, Target target) {
  absl::optional<std::string> event = Build(context, action, std::move(target));
  if (!event.has_value()) return absl::OkStatus();
  absl::Status stored = log_->Append({*std::move(event)});
  if (stored.ok()) stored_();
  return stored;
}

void Recorder::RecordThen(const grpc::ServerContextBase& context,
                          absl::string_view action, Target target,
                          EventLog::Done done) {
  absl::optional<std::string> event = Build(context, action, std::move(target));
  if (!event.has_value()) {
    done(absl::OkStatus());
    return;
  }
  log_->AppendThen({*std::move(event)},
                   [this, done = std::move(done)](absl::Status status) {
                     if (status.ok()) stored_();
                     done(std::move(status));
                   });
}

std::vector<Reference> ManifestReferences(absl::string_view content) {
  std::vector<Reference> out;
  nlohmann::json manifest = nlohmann::json::parse(content, nullptr, false);
  if (!manifest.is_object()) return out;
  auto add = [&](const nlohmann::json& descriptor) {
    if (!descriptor.is_object()) return;
    Reference ref;
    auto text = [&](const char* key) {
      auto it = descriptor.find(key);
      return it != descriptor.end() && it->is_string() ? it->get<std::string>()
                                                       : std::string();
    };
    ref.media_type = text("mediaType");
    ref.digest = text("digest");
    auto size = descriptor.find("size");
    if (size != descriptor.end() && size->is_number_integer()) {
      ref.size = size->get<int64_t>();
    }
    if (!ref.digest.empty()) out.push_back(std::move(ref));
  };
  if (manifest.contains("config")) add(manifest["config"]);
  for (const char* list : {"layers", "manifests"}) {
    if (manifest.contains(list) && manifest[list].is_array()) {
      for (const nlohmann::json& descriptor : manifest[list]) add(descriptor);
    }
  }
  return out;
}

}  // namespace registry::events
