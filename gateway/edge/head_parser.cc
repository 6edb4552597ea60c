#include "gateway/edge/head_parser.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/errors.h"

namespace registry::gateway {
namespace {

using State = RequestHead::State;

constexpr absl::string_view kMethods[] = {"GET",   "HEAD",   "POST",   "PUT",
                                          "PATCH", "DELETE", "OPTIONS"};
// Content-Length values up to 18 digits: below 2^62, no overflow anywhere.
constexpr size_t kMaxLengthDigits = 18;

RequestHead Refuse(HttpRefusal refusal, std::string message) {
  RequestHead head;
  head.state = State::kRefused;
  head.refusal = refusal;
  head.message = std::move(message);
  return head;
}

// RFC 9110 tchar.
bool IsTokenChar(char c) {
  return absl::ascii_isalnum(c) || absl::StrContains("!#$%&'*+-.^_`|~", c);
}

bool IsToken(absl::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

// Field values: visible characters, obs-text, spaces and tabs; no CTLs.
bool IsFieldValue(absl::string_view text) {
  for (unsigned char c : text) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

// The request target in origin form ("/path?query"), or "*" for OPTIONS.
bool IsTarget(absl::string_view target, absl::string_view method) {
  if (target == "*") return method == "OPTIONS";
  if (target.empty() || target[0] != '/') return false;
  for (unsigned char c : target) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

// One line of `input` from `pos`, without its line ending; false when no LF
// has arrived yet.
bool NextLine(absl::string_view input, size_t* pos, absl::string_view* line) {
  size_t lf = input.find('\n', *pos);
  if (lf == absl::string_view::npos) return false;
  *line = input.substr(*pos, lf - *pos);
  if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
  *pos = lf + 1;
  return true;
}

struct Framing {
  int64_t content_length = -1;         // -1: no Content-Length field.
  bool content_length_listed = false;  // Several values or fields.
  int transfer_encodings = 0;
  bool chunked = false;
};

// Adds one Content-Length field's value; false (with `why`) when it is not
// a list of equal decimal lengths that agree with earlier fields.
bool AddContentLength(absl::string_view value, Framing* framing,
                      std::string* why) {
  std::vector<absl::string_view> items = absl::StrSplit(value, ',');
  if (items.size() > 1 || framing->content_length >= 0) {
    framing->content_length_listed = true;
  }
  for (absl::string_view item : items) {
    item = absl::StripAsciiWhitespace(item);
    if (item.empty() || item.size() > kMaxLengthDigits ||
        !std::all_of(item.begin(), item.end(), absl::ascii_isdigit)) {
      *why = absl::StrCat("Content-Length \"", Printable(item, 40),
                          "\" is not a decimal length below 10^18");
      return false;
    }
    int64_t length = 0;
    for (char c : item) length = length * 10 + (c - '0');
    if (framing->content_length >= 0 && framing->content_length != length) {
      *why = "two different Content-Length values";
      return false;
    }
    framing->content_length = length;
  }
  return true;
}

bool AddTransferEncoding(absl::string_view value, Framing* framing,
                         std::string* why) {
  ++framing->transfer_encodings;
  if (framing->transfer_encodings > 1 ||
      !absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(value), "chunked")) {
    *why = "the only Transfer-Encoding accepted is a single \"chunked\"";
    return false;
  }
  framing->chunked = true;
  return true;
}

// The head without its Content-Length fields, plus one canonical field.
std::string Rewrite(absl::string_view input, size_t fields_start,
                    size_t head_size, int64_t length) {
  std::string out(input.substr(0, fields_start));
  size_t pos = fields_start;
  absl::string_view line;
  while (NextLine(input.substr(0, head_size), &pos, &line) && !line.empty()) {
    absl::string_view name = line.substr(0, line.find(':'));
    if (absl::EqualsIgnoreCase(name, "Content-Length")) continue;
    absl::StrAppend(&out, line, "\r\n");
  }
  if (length >= 0) absl::StrAppend(&out, "Content-Length: ", length, "\r\n");
  absl::StrAppend(&out, "\r\n");
  return out;
}

RequestHead ParseRequestLine(absl::string_view line, RequestHead head,
                             const HeadLimits& limits) {
  if (line.size() > limits.max_line_bytes) {
    return Refuse(HttpRefusal::kUriTooLong,
                  absl::StrCat("the request line is longer than ",
                               limits.max_line_bytes, " bytes"));
  }
  std::vector<absl::string_view> parts = absl::StrSplit(line, ' ');
  if (parts.size() != 3 || !IsToken(parts[0])) {
    return Refuse(HttpRefusal::kMalformed,
                  "the request line is not \"METHOD TARGET HTTP/1.1\"");
  }
  if (std::find(std::begin(kMethods), std::end(kMethods), parts[0]) ==
      std::end(kMethods)) {
    return Refuse(
        HttpRefusal::kMethod,
        absl::StrCat("method ", Printable(parts[0], 40), " is not supported"));
  }
  if (parts[2] != "HTTP/1.1" && parts[2] != "HTTP/1.0") {
    if (!absl::StartsWith(parts[2], "HTTP/")) {
      return Refuse(HttpRefusal::kMalformed, "the request line has no version");
    }
    return Refuse(HttpRefusal::kVersion,
                  absl::StrCat(Printable(parts[2], 20),
                               " is not supported; use HTTP/1.1"));
  }
  if (!IsTarget(parts[1], parts[0])) {
    return Refuse(HttpRefusal::kMalformed,
                  "the request target must be a path (\"/v2/...\") of "
                  "visible ASCII characters");
  }
  head.method = std::string(parts[0]);
  head.target = std::string(parts[1]);
  head.http10 = parts[2] == "HTTP/1.0";
  return head;
}

}  // namespace

RequestHead ParseRequestHead(absl::string_view input,
                             const HeadLimits& limits) {
  size_t pos = 0;
  // Up to two empty lines before the request line are ignored.
  for (int i = 0; i < 2; ++i) {
    if (absl::StartsWith(input.substr(pos), "\r\n")) {
      pos += 2;
    } else if (absl::StartsWith(input.substr(pos), "\n")) {
      pos += 1;
    }
  }
  const size_t line_start = pos;
  absl::string_view line;
  if (!NextLine(input, &pos, &line)) {
    if (input.size() - line_start > limits.max_line_bytes) {
      return Refuse(HttpRefusal::kUriTooLong,
                    absl::StrCat("the request line is longer than ",
                                 limits.max_line_bytes, " bytes"));
    }
    return RequestHead();
  }
  RequestHead head = ParseRequestLine(line, RequestHead(), limits);
  if (head.state == State::kRefused) return head;

  const size_t fields_start = pos;
  Framing framing;
  size_t fields = 0;
  while (true) {
    const size_t field_start = pos;
    if (!NextLine(input, &pos, &line)) {
      if (input.size() - field_start > limits.max_line_bytes) {
        return Refuse(HttpRefusal::kHeadersTooLarge,
                      absl::StrCat("a header field is longer than ",
                                   limits.max_line_bytes, " bytes"));
      }
      if (input.size() > limits.max_head_bytes) {
        return Refuse(HttpRefusal::kHeadersTooLarge,
                      absl::StrCat("the request head is larger than ",
                                   limits.max_head_bytes, " bytes"));
      }
      return RequestHead();
    }
    if (pos > limits.max_head_bytes) {
      return Refuse(HttpRefusal::kHeadersTooLarge,
                    absl::StrCat("the request head is larger than ",
                                 limits.max_head_bytes, " bytes"));
    }
    if (line.empty()) break;
    if (line.size() > limits.max_line_bytes) {
      return Refuse(HttpRefusal::kHeadersTooLarge,
                    absl::StrCat("a header field is longer than ",
                                 limits.max_line_bytes, " bytes"));
    }
    if (++fields > limits.max_fields) {
      return Refuse(
          HttpRefusal::kHeadersTooLarge,
          absl::StrCat("more than ", limits.max_fields, " header fields"));
    }
    size_t colon = line.find(':');
    if (line[0] == ' ' || line[0] == '\t') {
      return Refuse(HttpRefusal::kMalformed,
                    "folded header lines (obs-fold) are not accepted");
    }
    if (colon == absl::string_view::npos || !IsToken(line.substr(0, colon))) {
      return Refuse(
          HttpRefusal::kMalformed,
          absl::StrCat("malformed header field \"", Printable(line, 60), "\""));
    }
    absl::string_view name = line.substr(0, colon);
    absl::string_view value = line.substr(colon + 1);
    if (!IsFieldValue(value)) {
      return Refuse(
          HttpRefusal::kMalformed,
          absl::StrCat("header field ", name, " holds control characters"));
    }
    std::string why;
    if (absl::EqualsIgnoreCase(name, "Content-Length")) {
      if (!AddContentLength(value, &framing, &why)) {
        return Refuse(HttpRefusal::kMalformed, why);
      }
    } else if (absl::EqualsIgnoreCase(name, "Transfer-Encoding")) {
      if (!AddTransferEncoding(value, &framing, &why)) {
        return Refuse(HttpRefusal::kMalformed, why);
      }
    }
  }
  if (framing.chunked && framing.content_length >= 0) {
    return Refuse(HttpRefusal::kMalformed,
                  "a request may not have both Content-Length and "
                  "Transfer-Encoding");
  }
  if (framing.chunked && head.http10) {
    return Refuse(HttpRefusal::kMalformed,
                  "HTTP/1.0 requests cannot be chunked");
  }
  head.state = State::kComplete;
  head.size = pos;
  head.chunked = framing.chunked;
  head.content_length =
      framing.chunked ? -1 : std::max<int64_t>(framing.content_length, 0);
  const bool body_method =
      head.method == "POST" || head.method == "PUT" || head.method == "PATCH";
  if (framing.content_length_listed ||
      (body_method && !framing.chunked && framing.content_length < 0) ||
      line_start > 0) {
    head.rewritten =
        Rewrite(input.substr(line_start), fields_start - line_start,
                pos - line_start, head.content_length);
  }
  return head;
}

}  // namespace registry::gateway
