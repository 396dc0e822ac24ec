// multipart/form-data parsing over a mapped body: only part headers are copied, content is located by
// offset. Messages never quote the client's bytes, so they are always safe to put in JSON.
#include "http/multipart.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <utility>

#include "core/text.h"

namespace pictor::http {
namespace {

constexpr size_t kNpos = std::string_view::npos;
constexpr size_t kMaxBoundary = 70;  // RFC 2046 section 5.1.1
constexpr std::string_view kTruncated = "truncated body, no closing boundary";

Status malformed(std::string_view message) { return {ErrorCode::kMalformedMultipart, std::string(message)}; }

bool is_space(char c) { return c == ' ' || c == '\t'; }

// ASCII only: header and parameter names are ASCII, and std::tolower would depend on the locale.
std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

// --- Header values: `type; a=b; c="d \"e\""`

struct Parameter {
  std::string name;  // lowercased
  std::string value;
};

struct HeaderValue {
  std::string type;  // lowercased
  std::vector<Parameter> parameters;
};

std::string leading_type(std::string_view text) { return lower(trim(text.substr(0, text.find(';')))); }

const std::string* find_parameter(const std::vector<Parameter>& parameters, std::string_view name) {
  for (const Parameter& p : parameters) {
    if (p.name == name) return &p.value;
  }
  return nullptr;
}

// Sorted rather than compared pairwise: a header line may hold thousands of parameters.
bool has_duplicate_names(const std::vector<Parameter>& parameters) {
  std::vector<std::string_view> names;
  names.reserve(parameters.size());
  for (const Parameter& p : parameters) names.push_back(p.name);
  std::ranges::sort(names);
  return std::ranges::adjacent_find(names) != names.end();
}

// The quoted-string opening at text[open]: its contents with backslash escapes undone, and the index
// past the closing quote; nullopt when it is never closed.
std::optional<std::pair<std::string, size_t>> quoted_string(std::string_view text, size_t open) {
  std::string out;
  for (size_t i = open + 1; i < text.size(); ++i) {
    if (text[i] == '"') return std::pair{std::move(out), i + 1};
    if (text[i] == '\\' && i + 1 < text.size()) ++i;  // quoted-pair: the next byte as is
    out += text[i];
  }
  return std::nullopt;
}

// Lenient where that is harmless (a parameter without '=' is skipped, bytes between a closing quote and
// the next ';' are ignored) and strict where two parsers could disagree about a request: an unclosed
// quote, or a parameter given twice.
Result<HeaderValue> header_value(std::string_view text, std::string_view header) {
  HeaderValue out{leading_type(text), {}};
  size_t i = text.find(';');
  while (i < text.size()) {  // text[i] == ';'
    const size_t equals = text.find_first_of("=;", i + 1);
    if (equals == kNpos || text[equals] == ';') {
      i = equals;
      continue;
    }
    std::string name = lower(trim(text.substr(i + 1, equals - i - 1)));
    size_t start = equals + 1;
    while (start < text.size() && is_space(text[start])) ++start;
    std::string value;
    if (start < text.size() && text[start] == '"') {
      auto quoted = quoted_string(text, start);
      if (!quoted) return malformed(fmt::format("unterminated quoted string in {}", header));
      value = std::move(quoted->first);
      i = text.find(';', quoted->second);
    } else {
      i = text.find(';', start);
      value = std::string(trim(text.substr(start, i == kNpos ? kNpos : i - start)));
    }
    if (!name.empty()) out.parameters.push_back({std::move(name), std::move(value)});
  }
  if (has_duplicate_names(out.parameters)) return malformed(fmt::format("a parameter appears twice in {}", header));
  return out;
}

// --- filename* (RFC 8187 ext-value: charset'[language]'percent-encoded)

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = hex_digit(text[i + 1]), low = hex_digit(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

// The decoded UTF-8 name; nullopt when malformed or in a charset other than the two RFC 8187 requires.
std::optional<std::string> decode_ext_value(std::string_view value) {
  const size_t charset_end = value.find('\'');
  const size_t language_end = charset_end == kNpos ? kNpos : value.find('\'', charset_end + 1);
  if (language_end == kNpos) return std::nullopt;
  const std::string charset = lower(value.substr(0, charset_end));
  if (charset != "utf-8" && charset != "iso-8859-1") return std::nullopt;
  auto bytes = percent_decode(value.substr(language_end + 1));
  if (!bytes || charset == "utf-8") return bytes;
  return latin1_to_utf8(*bytes);
}

// --- Part headers

struct HeaderField {
  std::string name;  // lowercased
  std::string value;
};

struct PartHead {
  std::vector<HeaderField> fields;
  size_t content_start = 0;
};

Status add_header_line(std::string_view line, std::vector<HeaderField>& fields) {
  if (is_space(line.front())) {  // obsolete folding (RFC 5322): continues the previous field
    if (fields.empty()) return malformed("a part's headers start with a continuation line");
    fields.back().value += ' ';
    fields.back().value += trim(line);
    return Status::Ok();
  }
  const size_t colon = line.find(':');
  const std::string name = colon == kNpos ? "" : lower(trim(line.substr(0, colon)));
  if (name.empty()) return malformed("a part header line has no name");
  fields.push_back({name, std::string(trim(line.substr(colon + 1)))});
  return Status::Ok();
}

// The header lines from `pos` up to the empty line (CRLF or bare LF line ends). Only `max_bytes` are
// searched, so a body without line breaks costs no more than the limit.
Result<PartHead> read_header_block(std::string_view text, size_t pos, size_t max_bytes) {
  const std::string_view window = text.substr(0, pos + std::min(max_bytes, text.size() - pos));
  PartHead head;
  while (true) {
    const size_t eol = window.find('\n', pos);
    if (eol == kNpos) {
      if (window.size() < text.size()) return malformed(fmt::format("part headers longer than {} bytes", max_bytes));
      return malformed(kTruncated);
    }
    std::string_view line = text.substr(pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = eol + 1;
    if (line.empty()) break;
    PICTOR_RETURN_IF_ERROR(add_header_line(line, head.fields));
  }
  head.content_start = pos;
  return head;
}

// Name, filename: RFC 6266 prefers filename* when it can be decoded, with filename as the fallback.
Status read_disposition(std::string_view value, MultipartPart& part) {
  auto disposition = header_value(value, "Content-Disposition");
  if (!disposition.ok()) return disposition.status();
  if (disposition->type != "form-data") return malformed("a part's Content-Disposition is not form-data");
  const std::string* name = find_parameter(disposition->parameters, "name");
  if (!name || name->empty()) return malformed("a part has no name in its Content-Disposition");
  part.name = *name;
  const std::string* plain = find_parameter(disposition->parameters, "filename");
  const std::string* extended = find_parameter(disposition->parameters, "filename*");
  if (extended) part.filename = decode_ext_value(*extended);
  if (!part.filename && plain) part.filename = *plain;
  if (extended && !part.filename) return malformed("a part's filename* is not UTF-8 or ISO-8859-1 percent-encoding");
  return Status::Ok();
}

// Other headers (Content-Transfer-Encoding, deprecated by RFC 7578) are ignored. A header given twice
// is refused rather than one of them picked, since another parser might pick the other.
Status describe_part(const std::vector<HeaderField>& fields, MultipartPart& part) {
  const HeaderField* disposition = nullptr;
  const HeaderField* type = nullptr;
  for (const HeaderField& field : fields) {
    if (field.name == "content-disposition") {
      if (disposition) return malformed("a part has two Content-Disposition headers");
      disposition = &field;
    } else if (field.name == "content-type") {
      if (type) return malformed("a part has two Content-Type headers");
      type = &field;
    }
  }
  if (!disposition) return malformed("a part has no Content-Disposition header");
  if (type) part.content_type = type->value;
  return read_disposition(disposition->value, part);
}

// --- Delimiters

struct Delimiter {
  size_t start = 0;  // where the content before it ends (its line break)
  size_t end = 0;    // just past "--boundary"
};

// Finds "--boundary" at the start of a line with Boyer-Moore-Horspool: linear in the body (the pattern
// is at most 73 bytes). Not copyable: the searcher points into the pattern.
class DelimiterFinder {
 public:
  explicit DelimiterFinder(std::string_view boundary)
      : line_start_("\n--" + std::string(boundary)), searcher_(line_start_.cbegin(), line_start_.cend()) {}
  DelimiterFinder(const DelimiterFinder&) = delete;
  DelimiterFinder& operator=(const DelimiterFinder&) = delete;

  // The first delimiter at or after `from`. One right at `from` needs no line break of its own: at the
  // start of the body, or after a part's empty header line (a part without content, as Go reads it).
  std::optional<Delimiter> next(std::string_view text, size_t from) const {
    if (from > text.size()) return std::nullopt;
    const std::string_view dash_boundary = std::string_view(line_start_).substr(1);
    if (text.substr(from).starts_with(dash_boundary)) return Delimiter{from, from + dash_boundary.size()};
    const auto begin = text.begin() + static_cast<std::ptrdiff_t>(from);
    const auto hit = std::search(begin, text.end(), searcher_);
    if (hit == text.end()) return std::nullopt;
    const auto lf = static_cast<size_t>(hit - text.begin());
    const size_t start = lf > from && text[lf - 1] == '\r' ? lf - 1 : lf;  // CRLF, or a bare LF
    return Delimiter{start, lf + line_start_.size()};
  }

 private:
  std::string line_start_;  // "\n--boundary"
  std::boyer_moore_horspool_searcher<std::string::const_iterator> searcher_;
};

struct BoundaryLine {
  bool closing = false;
  size_t next = 0;  // the first byte of the part's headers
};

// What follows "--boundary" at `pos`: "--" closes the body (the epilogue is ignored); otherwise
// transport padding, then a line break.
Result<BoundaryLine> boundary_line(std::string_view text, size_t pos) {
  const std::string_view rest = text.substr(pos);
  if (rest.starts_with("--")) return BoundaryLine{true, pos + 2};
  if (rest == "-") return malformed(kTruncated);
  while (pos < text.size() && is_space(text[pos])) ++pos;
  const std::string_view after_padding = text.substr(pos);
  if (after_padding.starts_with("\r\n")) return BoundaryLine{false, pos + 2};
  if (after_padding.starts_with("\n")) return BoundaryLine{false, pos + 1};
  if (after_padding.empty() || after_padding == "\r") return malformed(kTruncated);
  return malformed("unexpected bytes after a boundary on its line");
}

struct ParsedPart {
  MultipartPart part;
  size_t next = 0;  // just past the delimiter that ends it
};

Result<ParsedPart> read_part(std::string_view text, size_t pos, const DelimiterFinder& delimiters,
                             const MultipartLimits& limits) {
  auto head = read_header_block(text, pos, limits.max_header_bytes);
  if (!head.ok()) return head.status();
  ParsedPart out;
  PICTOR_RETURN_IF_ERROR(describe_part(head->fields, out.part));
  const auto end = delimiters.next(text, head->content_start);
  if (!end) return malformed(kTruncated);
  out.part.offset = head->content_start;
  out.part.length = end->start - head->content_start;
  out.next = end->end;
  return out;
}

bool has_control_character(std::string_view text) {
  return std::ranges::any_of(text, [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

}  // namespace

Result<std::string> multipart_boundary(std::string_view content_type) {
  // The type first, so that any other media type gets this message whatever its parameters hold.
  if (leading_type(content_type) != "multipart/form-data") return malformed("the body is not multipart/form-data");
  auto parsed = header_value(content_type, "Content-Type");
  if (!parsed.ok()) return parsed.status();
  const std::string* boundary = find_parameter(parsed->parameters, "boundary");
  if (!boundary) return malformed("multipart/form-data without a boundary parameter");
  if (boundary->empty() || boundary->size() > kMaxBoundary) {
    return malformed("the multipart boundary must be 1 to 70 characters");
  }
  // A line break in it could never be matched on a delimiter line.
  if (has_control_character(*boundary)) return malformed("the multipart boundary contains control characters");
  return *boundary;
}

Result<std::vector<MultipartPart>> parse_multipart(std::span<const uint8_t> body, std::string_view boundary,
                                                   const MultipartLimits& limits) {
  if (boundary.empty() || boundary.size() > kMaxBoundary) {
    return malformed("the multipart boundary must be 1 to 70 characters");
  }
  const std::string_view text(reinterpret_cast<const char*>(body.data()), body.size());
  if (text.empty()) return malformed("the multipart body is empty");
  const DelimiterFinder delimiters(boundary);
  const auto first = delimiters.next(text, 0);  // after the preamble, if any
  if (!first) return malformed("the body has no multipart boundary line");
  std::vector<MultipartPart> parts;
  size_t pos = first->end;
  while (true) {
    auto line = boundary_line(text, pos);
    if (!line.ok()) return line.status();
    if (line->closing) return parts;
    if (parts.size() >= limits.max_parts) return malformed(fmt::format("more than {} parts", limits.max_parts));
    auto part = read_part(text, line->next, delimiters, limits);
    if (!part.ok()) return part.status();
    parts.push_back(std::move(part->part));
    pos = part->next;
  }
}

}  // namespace pictor::http
