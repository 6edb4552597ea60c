#include "gateway/http_util.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/errors.h"

namespace registry::gateway {
namespace {

absl::Status RangeInvalid(absl::string_view header, absl::string_view why,
                          absl::string_view subject = "") {
  return Error(absl::StatusCode::kOutOfRange, v1::RANGE_INVALID,
               absl::StrCat("range \"", header.substr(0, 100), "\" ", why),
               subject);
}

bool ParseOffset(absl::string_view text, int64_t* out) {
  return !text.empty() && absl::SimpleAtoi(text, out) && *out >= 0 &&
         text.find_first_not_of("0123456789") == absl::string_view::npos;
}

}  // namespace

absl::StatusOr<absl::optional<ByteRange>> ParseRange(absl::string_view header,
                                                     int64_t size) {
  if (header.empty()) return absl::optional<ByteRange>();
  std::string size_text = absl::StrCat(size);
  absl::string_view spec = header;
  if (!absl::ConsumePrefix(&spec, "bytes=") ||
      spec.find(',') != absl::string_view::npos) {
    return RangeInvalid(header, "must be one range: bytes=a-b", size_text);
  }
  size_t dash = spec.find('-');
  if (dash == absl::string_view::npos) {
    return RangeInvalid(header, "lacks '-'", size_text);
  }
  absl::string_view first = spec.substr(0, dash);
  absl::string_view last = spec.substr(dash + 1);
  int64_t a = 0, b = 0;
  ByteRange range;
  if (first.empty()) {  // Suffix: the last b bytes.
    if (!ParseOffset(last, &b) || b == 0) {
      return RangeInvalid(header, "is malformed", size_text);
    }
    range.length = std::min(b, size);
    range.offset = size - range.length;
    if (size == 0) return RangeInvalid(header, "is unsatisfiable", size_text);
    return absl::optional<ByteRange>(range);
  }
  if (!ParseOffset(first, &a) || (!last.empty() && !ParseOffset(last, &b)) ||
      (!last.empty() && b < a)) {
    return RangeInvalid(header, "is malformed", size_text);
  }
  if (a >= size) return RangeInvalid(header, "is unsatisfiable", size_text);
  range.offset = a;
  range.length = (last.empty() ? size - 1 : std::min(b, size - 1)) - a + 1;
  return absl::optional<ByteRange>(range);
}

absl::StatusOr<absl::optional<ByteRange>> ParseContentRange(
    absl::string_view header) {
  if (header.empty()) return absl::optional<ByteRange>();
  absl::string_view spec = header;
  absl::ConsumePrefix(&spec, "bytes ");
  spec = spec.substr(0, spec.find('/'));
  size_t dash = spec.find('-');
  int64_t a = 0, b = 0;
  if (dash == absl::string_view::npos ||
      !ParseOffset(spec.substr(0, dash), &a) ||
      !ParseOffset(spec.substr(dash + 1), &b) || b < a) {
    return RangeInvalid(header, "is not a Content-Range of the form start-end");
  }
  return absl::optional<ByteRange>(ByteRange{a, b - a + 1});
}

absl::StatusOr<absl::optional<int>> PageSizeParam(const httplib::Request& req) {
  if (!req.has_param("n")) return absl::optional<int>();
  std::string text = req.get_param_value("n");
  int n = 0;
  if (!absl::SimpleAtoi(text, &n) || n < 0) {
    return Error(absl::StatusCode::kInvalidArgument,
                 v1::PAGINATION_NUMBER_INVALID,
                 absl::StrCat("n=\"", text.substr(0, 20),
                              "\" is not a non-negative integer"),
                 text.substr(0, 20));
  }
  return absl::optional<int>(n);
}

std::vector<std::string> HeaderList(const httplib::Request& req,
                                    const char* name) {
  std::vector<std::string> out;
  size_t count = req.get_header_value_count(name);
  for (size_t i = 0; i < count; ++i) {
    for (absl::string_view part :
         absl::StrSplit(req.get_header_value(name, i), ',')) {
      part = absl::StripAsciiWhitespace(part);
      if (!part.empty()) out.emplace_back(part);
    }
  }
  return out;
}

std::string UploadRangeHeader(int64_t offset) {
  return absl::StrCat("0-", offset > 0 ? offset - 1 : 0);
}

std::string QueryEscape(absl::string_view value) {
  std::string out;
  for (char c : value) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' ||
        c == '~') {
      out.push_back(c);
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      unsigned char byte = static_cast<unsigned char>(c);
      out += {'%', kHex[byte >> 4], kHex[byte & 0xf]};
    }
  }
  return out;
}

}  // namespace registry::gateway
