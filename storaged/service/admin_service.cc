#include "storaged/service/admin_service.h"

#include "common/grpc_status.h"
#include "storaged/service/answer.h"

namespace registry {
namespace {

void Fill(const gc::Report& report, v1::GarbageCollectSummary* summary) {
  summary->set_dry_run(report.dry_run);
  summary->set_repositories(report.repositories);
  summary->set_manifests_kept(report.manifests_kept);
  summary->set_manifests_deleted(report.manifests_deleted);
  summary->set_tags_deleted(report.tags_deleted);
  summary->set_blobs_kept(report.blobs_kept);
  summary->set_blobs_deleted(report.blobs_deleted);
  summary->set_bytes_deleted(report.bytes_deleted);
  summary->set_links_deleted(report.links_deleted);
  summary->set_prefixes_skipped(report.units_skipped);
  summary->set_seconds(absl::ToDoubleSeconds(report.duration));
  summary->set_text(report.Summary());
}

}  // namespace

grpc::Status AdminServiceImpl::GarbageCollect(
    grpc::ServerContext* context, const v1::GarbageCollectRequest* request,
    grpc::ServerWriter<v1::GarbageCollectResponse>* writer) {
  gc::Options options = runner_->Defaults();
  if (request->has_dry_run()) options.dry_run = request->dry_run();
  if (request->has_delete_untagged()) {
    options.delete_untagged = request->delete_untagged();
  }
  if (request->has_delay_seconds()) {
    if (request->delay_seconds() < 0) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "delay_seconds must not be negative");
    }
    options.delay = absl::Seconds(request->delay_seconds());
  }
  // A caller that went away stops getting messages; the collection runs on
  // (stopping half way is safe, but so is finishing).
  auto send = [&](const v1::GarbageCollectResponse& message) {
    if (!context->IsCancelled()) writer->Write(message);
  };
  options.progress = [&](const std::string& line) {
    v1::GarbageCollectResponse message;
    message.set_progress(line);
    send(message);
  };
  options.on_delete = [&](const gc::Deletion& deletion) {
    v1::GarbageCollectResponse message;
    v1::GarbageCollectDeletion* out = message.mutable_deletion();
    out->set_kind(deletion.kind);
    out->set_subject(deletion.subject);
    out->set_size(deletion.size);
    send(message);
  };
  absl::StatusOr<gc::Report> report = runner_->Run(options, "rpc");
  if (absl::IsAborted(report.status()) ||
      absl::IsFailedPrecondition(report.status())) {
    // Busy, refused by the write policy, or an unreadable manifest.
    return ToGrpcStatus(report.status());  // Our own words; nothing to hide.
  }
  if (!report.ok()) {
    return Answer(CallSubject{"garbage collection", "", ""}, report.status());
  }
  v1::GarbageCollectResponse message;
  Fill(*report, message.mutable_summary());
  send(message);
  return grpc::Status::OK;
}

}  // namespace registry
