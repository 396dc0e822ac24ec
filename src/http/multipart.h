// multipart/form-data (RFC 7578 over RFC 2046), parsed in place: the body is a mapped file and
// parts are returned as offsets into it, so a multi-file upload is never copied into memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pictor/status.h"

namespace pictor::http {

// The boundary of a `multipart/form-data` Content-Type value: media type and parameter names are
// case-insensitive, the boundary may be quoted (with backslash escapes) and come in any order among
// other parameters (charset...). kMalformedMultipart when the type is something else, or the boundary
// is missing, empty, longer than 70 characters (RFC 2046) or holds control characters.
Result<std::string> multipart_boundary(std::string_view content_type);

struct MultipartPart {
  std::string name;                     // Content-Disposition: form-data; name="..."
  std::optional<std::string> filename;  // filename* (RFC 8187, decoded) or filename, when present: a file part
  std::string content_type;             // the part's Content-Type as sent (parameters included), "" when absent
  size_t offset = 0;                    // content start within the body
  size_t length = 0;                    // content length in bytes
};

struct MultipartLimits {
  size_t max_parts = 1000;
  size_t max_header_bytes = 16 * 1024;  // per part, line breaks and the empty line included
};

// Splits `body` at the delimiters of `boundary` ("--boundary" at the start of a line; the CRLF, or a
// bare LF, before it belongs to the delimiter, not to the content). The preamble and the epilogue are
// ignored, transport padding after a boundary is allowed and the closing "--boundary--" is required.
// Every part needs `Content-Disposition: form-data` with a non-empty name. Linear in the body size;
// never reads outside `body`. Errors are kMalformedMultipart with a message naming the problem.
Result<std::vector<MultipartPart>> parse_multipart(std::span<const uint8_t> body, std::string_view boundary,
                                                   const MultipartLimits& limits = {});

}  // namespace pictor::http
