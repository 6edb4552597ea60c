#include "drivers/s3/object_store.h"

#include <openssl/evp.h>

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace registry::drivers::s3 {
namespace {

constexpr char kMetaPrefix[] = "x-amz-meta-";
constexpr int kDeleteBatch = 1000;

absl::Time HttpDate(const std::string& text) {
  absl::Time time;
  std::string error;
  return absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", text, &time, &error)
             ? time
             : absl::UnixEpoch();
}

// An ETag header without its quotes (Ceph RGW compares If-Match unquoted).
std::string Unquoted(std::string etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return etag;
}

ObjectInfo InfoFrom(const S3Response& response) {
  ObjectInfo info;
  info.etag = Unquoted(response.Header("etag"));
  absl::SimpleAtoi(response.Header("content-length"), &info.size);
  info.last_modified = HttpDate(response.Header("last-modified"));
  for (const auto& [name, value] : response.headers) {
    if (absl::StartsWith(name, kMetaPrefix)) {
      info.metadata.emplace_back(name.substr(sizeof(kMetaPrefix) - 1), value);
    }
  }
  return info;
}

std::string Base64Md5(absl::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_md5(), nullptr);
  return absl::Base64Escape(
      absl::string_view(reinterpret_cast<char*>(out), len));
}

}  // namespace

std::string ObjectStore::CopySource(const std::string& key) const {
  return absl::StrCat("/", client_->endpoint().bucket, "/",
                      UriEncode(key, /*keep_slash=*/true));
}

std::string ObjectInfo::Meta(absl::string_view name) const {
  for (const auto& [key, value] : metadata) {
    if (key == name) return value;
  }
  return "";
}

ObjectStore::ObjectStore(std::unique_ptr<S3Client> client)
    : client_(std::move(client)) {}

absl::StatusOr<ObjectInfo> ObjectStore::Head(const std::string& key) {
  ASSIGN_OR_RETURN(S3Response response,
                   client_->Send({"HEAD", key, {}, {}, {}}, "HEAD " + key));
  return InfoFrom(response);
}

absl::StatusOr<std::string> ObjectStore::Get(const std::string& key,
                                             int64_t offset, int64_t length) {
  KeyValues headers;
  if (offset > 0 || length >= 0) {
    headers.emplace_back(
        "range", length >= 0
                     ? absl::StrCat("bytes=", offset, "-", offset + length - 1)
                     : absl::StrCat("bytes=", offset, "-"));
  }
  ASSIGN_OR_RETURN(S3Response response,
                   client_->Send({"GET", key, {}, headers, {}}, "GET " + key));
  return std::move(response.body);
}

absl::StatusOr<std::string> ObjectStore::GetWithInfo(const std::string& key,
                                                     ObjectInfo* info) {
  ASSIGN_OR_RETURN(S3Response response,
                   client_->Send({"GET", key, {}, {}, {}}, "GET " + key));
  *info = InfoFrom(response);
  info->size = static_cast<int64_t>(response.body.size());
  return std::move(response.body);
}

absl::Status ObjectStore::Put(const std::string& key, absl::string_view body,
                              const KeyValues& metadata) {
  KeyValues headers = {{"content-type", "application/octet-stream"}};
  for (const auto& [name, value] : metadata) {
    headers.emplace_back(absl::StrCat(kMetaPrefix, name), value);
  }
  return client_->Send({"PUT", key, {}, headers, body}, "PUT " + key).status();
}

absl::StatusOr<std::string> ObjectStore::PutIf(const std::string& key,
                                               absl::string_view body,
                                               absl::string_view if_match) {
  KeyValues headers = {{"content-type", "application/octet-stream"}};
  if (if_match.empty()) {
    headers.emplace_back("if-none-match", "*");
  } else {
    headers.emplace_back("if-match", std::string(if_match));
  }
  ASSIGN_OR_RETURN(
      S3Response response,
      client_->Send({"PUT", key, {}, headers, body}, "conditional PUT " + key));
  return Unquoted(response.Header("etag"));
}

absl::Status ObjectStore::Delete(const std::string& key) {
  absl::Status status =
      client_->Send({"DELETE", key, {}, {}, {}}, "DELETE " + key).status();
  return absl::IsNotFound(status) ? absl::OkStatus() : status;
}

absl::Status ObjectStore::DeleteMany(const std::vector<std::string>& keys) {
  for (size_t begin = 0; begin < keys.size(); begin += kDeleteBatch) {
    size_t end = std::min(keys.size(), begin + kDeleteBatch);
    std::string body = "<Delete><Quiet>true</Quiet>";
    for (size_t i = begin; i < end; ++i) {
      absl::StrAppend(&body, "<Object><Key>", XmlEscape(keys[i]),
                      "</Key></Object>");
    }
    body += "</Delete>";
    ASSIGN_OR_RETURN(S3Response response,
                     client_->Send({"POST",
                                    "",
                                    {{"delete", ""}},
                                    {{"content-md5", Base64Md5(body)},
                                     {"content-type", "application/xml"}},
                                    body},
                                   "DeleteObjects"));
    if (absl::StrContains(response.body, "<Error>")) {
      return absl::InternalError(absl::StrCat("s3: DeleteObjects left keys: ",
                                              response.body.substr(0, 300)));
    }
  }
  return absl::OkStatus();
}

absl::Status ObjectStore::Copy(const std::string& src, int64_t size,
                               const std::string& dst,
                               int64_t multipart_threshold, int64_t part_size) {
  if (size <= multipart_threshold) {
    return client_
        ->Send({"PUT", dst, {}, {{"x-amz-copy-source", CopySource(src)}}, {}},
               absl::StrCat("copy ", src, " to ", dst))
        .status();
  }
  ASSIGN_OR_RETURN(std::string upload_id, CreateUpload(dst));
  std::vector<std::string> etags;
  for (int64_t first = 0; first < size; first += part_size) {
    int64_t last = std::min(size, first + part_size) - 1;
    absl::StatusOr<std::string> etag = UploadPartCopy(
        dst, upload_id, static_cast<int>(etags.size()) + 1, src, first, last);
    if (!etag.ok()) {
      Abort(dst, upload_id).IgnoreError();
      return etag.status();
    }
    etags.push_back(*std::move(etag));
  }
  absl::Status completed = Complete(dst, upload_id, etags);
  if (!completed.ok()) Abort(dst, upload_id).IgnoreError();
  return completed;
}

absl::StatusOr<std::string> ObjectStore::CreateUpload(const std::string& key) {
  ASSIGN_OR_RETURN(
      S3Response response,
      client_->Send({"POST",
                     key,
                     {{"uploads", ""}},
                     {{"content-type", "application/octet-stream"}},
                     {}},
                    "CreateMultipartUpload " + key));
  return ParseUploadId(response.body);
}

absl::StatusOr<std::string> ObjectStore::UploadPart(
    const std::string& key, const std::string& upload_id, int part,
    absl::string_view body) {
  ASSIGN_OR_RETURN(
      S3Response response,
      client_->Send(
          {"PUT",
           key,
           {{"partNumber", absl::StrCat(part)}, {"uploadId", upload_id}},
           {},
           body},
          absl::StrCat("UploadPart ", part, " of ", key)));
  std::string etag = response.Header("etag");
  if (etag.empty()) {
    return absl::InternalError(
        absl::StrCat("s3: UploadPart ", part, " of ", key, ": no ETag"));
  }
  return etag;
}

absl::StatusOr<std::string> ObjectStore::UploadPartCopy(
    const std::string& key, const std::string& upload_id, int part,
    const std::string& src, int64_t first, int64_t last) {
  ASSIGN_OR_RETURN(
      S3Response response,
      client_->Send(
          {"PUT",
           key,
           {{"partNumber", absl::StrCat(part)}, {"uploadId", upload_id}},
           {{"x-amz-copy-source", CopySource(src)},
            {"x-amz-copy-source-range",
             absl::StrCat("bytes=", first, "-", last)}},
           {}},
          absl::StrCat("UploadPartCopy ", part, " of ", key)));
  return ParseCopyETag(response.body);
}

absl::StatusOr<std::vector<PartEntry>> ObjectStore::ListParts(
    const std::string& key, const std::string& upload_id) {
  std::vector<PartEntry> parts;
  std::string marker;
  while (true) {
    KeyValues query = {{"uploadId", upload_id}};
    if (!marker.empty()) query.emplace_back("part-number-marker", marker);
    ASSIGN_OR_RETURN(
        S3Response response,
        client_->Send({"GET", key, query, {}, {}}, "ListParts " + key));
    ASSIGN_OR_RETURN(PartListing listing, ParseListParts(response.body));
    for (PartEntry& part : listing.parts) parts.push_back(std::move(part));
    if (!listing.truncated || listing.next_part_number_marker.empty()) break;
    marker = listing.next_part_number_marker;
  }
  std::sort(parts.begin(), parts.end(),
            [](const PartEntry& a, const PartEntry& b) {
              return a.number < b.number;
            });
  return parts;
}

absl::Status ObjectStore::Complete(const std::string& key,
                                   const std::string& upload_id,
                                   const std::vector<std::string>& etags) {
  std::string body = "<CompleteMultipartUpload>";
  for (size_t i = 0; i < etags.size(); ++i) {
    absl::StrAppend(&body, "<Part><PartNumber>", i + 1, "</PartNumber><ETag>",
                    XmlEscape(etags[i]), "</ETag></Part>");
  }
  body += "</CompleteMultipartUpload>";
  return client_
      ->Send({"POST",
              key,
              {{"uploadId", upload_id}},
              {{"content-type", "application/xml"}},
              body},
             "CompleteMultipartUpload " + key)
      .status();
}

absl::Status ObjectStore::Abort(const std::string& key,
                                const std::string& upload_id) {
  absl::Status status =
      client_
          ->Send({"DELETE", key, {{"uploadId", upload_id}}, {}, {}},
                 "AbortMultipartUpload " + key)
          .status();
  return absl::IsNotFound(status) ? absl::OkStatus() : status;
}

absl::StatusOr<std::vector<UploadEntry>> ObjectStore::ListUploads(
    const std::string& prefix) {
  std::vector<UploadEntry> uploads;
  std::string key_marker, id_marker;
  while (true) {
    KeyValues query = {{"uploads", ""}, {"prefix", prefix}};
    if (!key_marker.empty()) query.emplace_back("key-marker", key_marker);
    if (!id_marker.empty()) query.emplace_back("upload-id-marker", id_marker);
    ASSIGN_OR_RETURN(S3Response response,
                     client_->Send({"GET", "", query, {}, {}},
                                   "ListMultipartUploads " + prefix));
    ASSIGN_OR_RETURN(UploadListing listing,
                     ParseListMultipartUploads(response.body));
    for (UploadEntry& upload : listing.uploads) {
      uploads.push_back(std::move(upload));
    }
    if (!listing.truncated || listing.next_key_marker.empty()) break;
    key_marker = listing.next_key_marker;
    id_marker = listing.next_upload_id_marker;
  }
  return uploads;
}

absl::Status ObjectStore::List(
    const std::string& prefix, const std::string& delimiter, int max_keys,
    const std::function<bool(const ObjectListing&)>& page) {
  return List(prefix, delimiter, "", max_keys, page);
}

absl::Status ObjectStore::List(
    const std::string& prefix, const std::string& delimiter,
    const std::string& start_after, int max_keys,
    const std::function<bool(const ObjectListing&)>& page) {
  std::string token;
  while (true) {
    KeyValues query = {{"list-type", "2"},
                       {"prefix", prefix},
                       {"max-keys", absl::StrCat(max_keys)}};
    if (!delimiter.empty()) query.emplace_back("delimiter", delimiter);
    if (!token.empty()) {
      query.emplace_back("continuation-token", token);
    } else if (!start_after.empty()) {
      query.emplace_back("start-after", start_after);
    }
    ASSIGN_OR_RETURN(
        S3Response response,
        client_->Send({"GET", "", query, {}, {}}, "ListObjectsV2 " + prefix));
    ASSIGN_OR_RETURN(ObjectListing listing, ParseListObjectsV2(response.body));
    if (!page(listing)) return absl::OkStatus();
    if (!listing.truncated || listing.next_continuation_token.empty()) {
      return absl::OkStatus();
    }
    token = listing.next_continuation_token;
  }
}

}  // namespace registry::drivers::s3
