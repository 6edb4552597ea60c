#include "drivers/s3/s3_xml.h"

#include <pugixml.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace registry::drivers::s3 {
namespace {

// The document's root element when it is named `root`.
absl::StatusOr<pugi::xml_node> Root(pugi::xml_document& doc,
                                    absl::string_view body,
                                    absl::string_view root) {
  pugi::xml_parse_result parsed = doc.load_buffer(body.data(), body.size());
  pugi::xml_node node = doc.document_element();
  if (!parsed || root != node.name()) {
    return absl::InternalError(absl::StrCat(
        "s3: expected a ", root, " document, got: ", body.substr(0, 200)));
  }
  return node;
}

std::string Text(const pugi::xml_node& node, const char* child) {
  return node.child(child).text().as_string();
}

int64_t Int(const pugi::xml_node& node, const char* child) {
  int64_t value = 0;
  return absl::SimpleAtoi(Text(node, child), &value) ? value : 0;
}

bool Truncated(const pugi::xml_node& node) {
  return Text(node, "IsTruncated") == "true";
}

absl::Time Iso8601(const std::string& text) {
  absl::Time time;
  std::string error;
  return absl::ParseTime(absl::RFC3339_full, text, &time, &error)
             ? time
             : absl::UnixEpoch();
}

}  // namespace

ErrorDocument ParseError(absl::string_view body) {
  pugi::xml_document doc;
  absl::StatusOr<pugi::xml_node> root = Root(doc, body, "Error");
  if (!root.ok()) return {};
  return {Text(*root, "Code"), Text(*root, "Message")};
}

absl::StatusOr<ObjectListing> ParseListObjectsV2(absl::string_view body) {
  pugi::xml_document doc;
  absl::StatusOr<pugi::xml_node> root = Root(doc, body, "ListBucketResult");
  if (!root.ok()) return root.status();
  ObjectListing listing;
  for (pugi::xml_node node : root->children("Contents")) {
    listing.objects.push_back({Text(node, "Key"), Int(node, "Size"),
                               Iso8601(Text(node, "LastModified"))});
  }
  for (pugi::xml_node node : root->children("CommonPrefixes")) {
    listing.common_prefixes.push_back(Text(node, "Prefix"));
  }
  listing.truncated = Truncated(*root);
  listing.next_continuation_token = Text(*root, "NextContinuationToken");
  return listing;
}

absl::StatusOr<std::string> ParseUploadId(absl::string_view body) {
  pugi::xml_document doc;
  absl::StatusOr<pugi::xml_node> root =
      Root(doc, body, "InitiateMultipartUploadResult");
  if (!root.ok()) return root.status();
  std::string id = Text(*root, "UploadId");
  if (id.empty()) return absl::InternalError("s3: multipart upload without id");
  return id;
}

absl::StatusOr<PartListing> ParseListParts(absl::string_view body) {
  pugi::xml_document doc;
  absl::StatusOr<pugi::xml_node> root = Root(doc, body, "ListPartsResult");
  if (!root.ok()) return root.status();
  PartListing listing;
  for (pugi::xml_node node : root->children("Part")) {
    listing.parts.push_back({static_cast<int>(Int(node, "PartNumber")),
                             Text(node, "ETag"), Int(node, "Size")});
  }
  listing.truncated = Truncated(*root);
  listing.next_part_number_marker = Text(*root, "NextPartNumberMarker");
  return listing;
}

absl::StatusOr<UploadListing> ParseListMultipartUploads(
    absl::string_view body) {
  pugi::xml_document doc;
  absl::StatusOr<pugi::xml_node> root =
      Root(doc, body, "ListMultipartUploadsResult");
  if (!root.ok()) return root.status();
  UploadListing listing;
  for (pugi::xml_node node : root->children("Upload")) {
    listing.uploads.push_back({Text(node, "Key"), Text(node, "UploadId")});
  }
  listing.truncated = Truncated(*root);
  listing.next_key_marker = Text(*root, "NextKeyMarker");
  listing.next_upload_id_marker = Text(*root, "NextUploadIdMarker");
  return listing;
}

absl::StatusOr<std::string> ParseCopyETag(absl::string_view body) {
  pugi::xml_document doc;
  pugi::xml_parse_result parsed = doc.load_buffer(body.data(), body.size());
  pugi::xml_node root = doc.document_element();
  std::string name = root.name();
  if (!parsed || (name != "CopyObjectResult" && name != "CopyPartResult")) {
    return absl::InternalError(
        absl::StrCat("s3: expected a copy result, got: ", body.substr(0, 200)));
  }
  return Text(root, "ETag");
}

std::string XmlEscape(absl::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace registry::drivers::s3
