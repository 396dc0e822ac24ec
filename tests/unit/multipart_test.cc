// multipart/form-data parsing: bodies as real clients build them (and one captured from curl), binary
// content that looks like delimiters, every error path with its message, and mutated bodies that must
// never make the parser read outside the body.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>

#include "http/multipart.h"
#include "test_support.h"

namespace pictor::http {
namespace {

std::span<const uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
std::string content(std::string_view body, const MultipartPart& p) {
  return std::string(body.substr(p.offset, p.length));
}

// A boundary the way curl -F makes one: 24 dashes and 16 hex digits.
const std::string kBoundary = "------------------------d74496d66958873e";

// Builds a body the way curl -F does: CRLF everywhere, "name" then "filename", Content-Type for files.
class Form {
 public:
  explicit Form(std::string boundary = kBoundary) : boundary_(std::move(boundary)) {}
  Form& field(const std::string& name, const std::string& value) {
    body_ += "--" + boundary_ + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n";
    return *this;
  }
  Form& file(const std::string& name, const std::string& filename, const std::string& type, const std::string& data) {
    body_ += "--" + boundary_ + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename +
             "\"\r\nContent-Type: " + type + "\r\n\r\n" + data + "\r\n";
    return *this;
  }
  std::string body() const { return body_ + "--" + boundary_ + "--\r\n"; }

 private:
  std::string boundary_;
  std::string body_;
};

std::vector<MultipartPart> parse_ok(std::string_view body, std::string_view boundary, MultipartLimits limits = {}) {
  auto parts = parse_multipart(bytes_of(body), boundary, limits);
  EXPECT_TRUE(parts.ok()) << parts.status().ToString();
  return parts.ok() ? *parts : std::vector<MultipartPart>{};
}

std::string parse_error(std::string_view body, std::string_view boundary = "b", MultipartLimits limits = {}) {
  auto parts = parse_multipart(bytes_of(body), boundary, limits);
  EXPECT_FALSE(parts.ok()) << "parsed: " << body;
  if (parts.ok()) return "(parsed)";
  EXPECT_EQ(parts.status().code(), ErrorCode::kMalformedMultipart);
  return parts.status().message();
}

std::string boundary_error(std::string_view content_type) {
  auto boundary = multipart_boundary(content_type);
  EXPECT_FALSE(boundary.ok()) << content_type << " -> " << (boundary.ok() ? *boundary : "");
  if (boundary.ok()) return "(parsed)";
  EXPECT_EQ(boundary.status().code(), ErrorCode::kMalformedMultipart);
  return boundary.status().message();
}

// A single form-data part named "f" with these extra Content-Disposition parameters and that content.
std::string one_part(std::string_view disposition_tail, std::string_view data = "v") {
  return "--b\r\nContent-Disposition: form-data; name=\"f\"" + std::string(disposition_tail) + "\r\n\r\n" +
         std::string(data) + "\r\n--b--\r\n";
}

TEST(MultipartBoundary, FromContentTypesRealClientsSend) {
  EXPECT_EQ(*multipart_boundary("multipart/form-data; boundary=" + kBoundary), kBoundary);  // curl
  EXPECT_EQ(*multipart_boundary("multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW"),
            "----WebKitFormBoundary7MA4YWxkTrZu0gW");
  // .NET quotes it; case-insensitive type and names; other parameters before and after; spaces.
  EXPECT_EQ(*multipart_boundary("multipart/form-data; boundary=\"3f1c2c6e-7f0b-4e2a\""), "3f1c2c6e-7f0b-4e2a");
  EXPECT_EQ(*multipart_boundary("Multipart/Form-Data; charset=utf-8; BOUNDARY=\"a b;c\""), "a b;c");
  EXPECT_EQ(*multipart_boundary("  multipart/form-data ;boundary = xyz ; charset=\"utf-8\"  "), "xyz");
  EXPECT_EQ(*multipart_boundary("multipart/form-data;boundary=xyz"), "xyz");
  EXPECT_EQ(*multipart_boundary("multipart/form-data; boundary=\"q\\\"uo\\\\te\""), "q\"uo\\te");  // escapes
  EXPECT_EQ(*multipart_boundary("multipart/form-data; boundary=" + std::string(70, 'x')), std::string(70, 'x'));
}

TEST(MultipartBoundary, EveryErrorHasAClearMessage) {
  EXPECT_EQ(boundary_error(""), "the body is not multipart/form-data");
  EXPECT_EQ(boundary_error("image/jpeg"), "the body is not multipart/form-data");
  EXPECT_EQ(boundary_error("multipart/mixed; boundary=x"), "the body is not multipart/form-data");
  EXPECT_EQ(boundary_error("multipart/form-datax; boundary=x"), "the body is not multipart/form-data");
  EXPECT_EQ(boundary_error("text/plain; x=\"unterminated"), "the body is not multipart/form-data");
  EXPECT_EQ(boundary_error("multipart/form-data"), "multipart/form-data without a boundary parameter");
  EXPECT_EQ(boundary_error("multipart/form-data; charset=utf-8; boundary"),
            "multipart/form-data without a boundary parameter");
  EXPECT_EQ(boundary_error("multipart/form-data; boundary="), "the multipart boundary must be 1 to 70 characters");
  EXPECT_EQ(boundary_error("multipart/form-data; boundary=\"\""), "the multipart boundary must be 1 to 70 characters");
  EXPECT_EQ(boundary_error("multipart/form-data; boundary=" + std::string(71, 'x')),
            "the multipart boundary must be 1 to 70 characters");
  EXPECT_EQ(boundary_error("multipart/form-data; boundary=\"a\r\nb\""),
            "the multipart boundary contains control characters");
  EXPECT_EQ(boundary_error("multipart/form-data; boundary=\"unterminated"),
            "unterminated quoted string in Content-Type");
  EXPECT_EQ(boundary_error("multipart/form-data; boundary=a; boundary=b"), "a parameter appears twice in Content-Type");
}

TEST(Multipart, CurlStyleBodyWithTwoFilesAndTextFields) {
  const std::string jpeg = std::string("\xff\xd8\xff\xe0\0\x10JFIF\0", 11) + "pixels\xff\xd9";
  const std::string png = "\x89PNG\r\n\x1a\n" + std::string(5, '\0') + "IHDR";
  const std::string body = Form()
                               .field("title", "Holiday")
                               .file("file", "a.jpg", "image/jpeg", jpeg)
                               .field("tags", "beach, family")
                               .file("file", "b.png", "image/png", png)
                               .body();
  const auto parts = parse_ok(body, kBoundary);
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[0].name, "title");
  EXPECT_FALSE(parts[0].filename.has_value());
  EXPECT_EQ(parts[0].content_type, "");
  EXPECT_EQ(content(body, parts[0]), "Holiday");
  EXPECT_EQ(parts[1].name, "file");
  EXPECT_EQ(parts[1].filename, "a.jpg");
  EXPECT_EQ(parts[1].content_type, "image/jpeg");
  EXPECT_EQ(content(body, parts[1]), jpeg);
  EXPECT_EQ(content(body, parts[2]), "beach, family");
  EXPECT_EQ(parts[3].filename, "b.png");
  EXPECT_EQ(parts[3].content_type, "image/png");
  EXPECT_EQ(content(body, parts[3]), png);
}

TEST(Multipart, QuotedBoundaryFromTheContentType) {
  // Quoting allows spaces and separators in a boundary (RFC 2046 bchars).
  auto boundary = multipart_boundary("multipart/form-data; charset=utf-8; boundary=\"=_a b:c(1)?\"");
  ASSERT_TRUE(boundary.ok()) << boundary.status().ToString();
  EXPECT_EQ(*boundary, "=_a b:c(1)?");
  const std::string body = Form(*boundary).field("x", "value").body();
  const auto parts = parse_ok(body, *boundary);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(content(body, parts[0]), "value");
}

TEST(Multipart, BinaryContentThatLooksLikeDelimitersIsKept) {
  const std::string almost = kBoundary.substr(0, kBoundary.size() - 1);
  const std::vector<std::string> tricky = {
      "\r\n",
      "--",
      "\r\n--\r\n--",
      "\r\n--" + almost,  // the delimiter minus its last character
      "\r\n--" + almost + "\r\n",
      "x--" + kBoundary + "\r\n",  // the boundary, but not at the start of a line
      "\r\n-" + kBoundary,         // one dash short
      "\r\r\n\n\r",
      "ends in CR\r",
      "ends in CRLF\r\n",
      std::string("\0\0\xff\xfe\r\n-", 7),
  };
  for (const std::string& data : tricky) {
    const std::string body = Form().file("file", "a.bin", "application/octet-stream", data).field("after", "x").body();
    const auto parts = parse_ok(body, kBoundary);
    ASSERT_EQ(parts.size(), 2u) << ::testing::PrintToString(data);
    EXPECT_EQ(content(body, parts[0]), data) << ::testing::PrintToString(data);
    EXPECT_EQ(content(body, parts[1]), "x");
  }
  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes += static_cast<char>(i);
  const std::string body = Form().file("file", "bytes", "application/octet-stream", all_bytes + all_bytes).body();
  EXPECT_EQ(content(body, parse_ok(body, kBoundary).at(0)), all_bytes + all_bytes);
}

TEST(Multipart, EmptyContentAndEmptyForms) {
  const std::string body = Form().field("empty", "").file("file", "", "application/octet-stream", "").body();
  const auto parts = parse_ok(body, kBoundary);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].length, 0u);
  EXPECT_EQ(parts[1].length, 0u);
  EXPECT_EQ(parts[1].filename, "");  // a browser's file input left empty: still a file part
  EXPECT_LE(parts[1].offset, body.size());
  // Headers and the empty line, then the next delimiter at once (no CRLF of the content's own).
  const std::string bare = "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n--b--";
  const auto bare_parts = parse_ok(bare, "b");
  ASSERT_EQ(bare_parts.size(), 1u);
  EXPECT_EQ(bare_parts[0].length, 0u);
  EXPECT_TRUE(parse_ok("--b--", "b").empty());
  EXPECT_TRUE(parse_ok("--b--\r\n", "b").empty());
}

TEST(Multipart, PreambleEpilogueAndTransportPadding) {
  const std::string body =
      "This is a preamble; it mentions --b but not at the start of a line.\r\n"
      "--b  \t\r\n"
      "Content-Disposition: form-data; name=\"x\"\r\n\r\nDATA\r\n"
      "--b\t\r\n"
      "Content-Disposition: form-data; name=\"y\"\r\n\r\nMORE\r\n"
      "--b--  \r\nepilogue, ignored\r\n--b\r\nnot a part\r\n";
  const auto parts = parse_ok(body, "b");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(content(body, parts[0]), "DATA");
  EXPECT_EQ(content(body, parts[1]), "MORE");
  // An empty preamble line before the first boundary.
  for (const std::string_view start : {"\r\n", "\n"}) {
    const std::string after_blank =
        std::string(start) + "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv\r\n--b--";
    EXPECT_EQ(content(after_blank, parse_ok(after_blank, "b").at(0)), "v");
  }
}

TEST(Multipart, BareLineFeedsAreAccepted) {
  // Hand-written clients (printf, scripts) sometimes send LF only, or mix it with CRLF.
  const std::string lf = "--b\nContent-Disposition: form-data; name=\"x\"\nContent-Type: text/plain\n\nvalue\n--b--\n";
  auto parts = parse_ok(lf, "b");
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].content_type, "text/plain");
  EXPECT_EQ(content(lf, parts[0]), "value");
  const std::string mixed = "--b\nContent-Disposition: form-data; name=\"x\"\r\n\nvalue\r\n--b\r\n"
                            "Content-Disposition: form-data; name=\"y\"\n\r\nsecond\n--b--";
  parts = parse_ok(mixed, "b");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(content(mixed, parts[0]), "value");
  EXPECT_EQ(content(mixed, parts[1]), "second");
}

TEST(Multipart, HeaderNamesParametersAndQuotedStrings) {
  const std::string body =
      "--b\r\n"
      "CONTENT-disposition:Form-Data;NAME=\"the \\\"field\\\"\";  FileName=\"semi;colon=eq \\\\ .jpg\"\r\n"
      "content-TYPE:   image/jpeg; q=1  \r\n"
      "X-Unknown: ignored\r\n"
      "\r\nv\r\n--b--";
  const auto parts = parse_ok(body, "b");
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].name, "the \"field\"");
  EXPECT_EQ(parts[0].filename, "semi;colon=eq \\ .jpg");
  EXPECT_EQ(parts[0].content_type, "image/jpeg; q=1");
  EXPECT_EQ(parse_ok(one_part("; filename=plain.jpg"), "b").at(0).filename, "plain.jpg");  // a token, unquoted
  // An obsolete folded header line continues the previous one.
  const std::string folded = "--b\r\nContent-Disposition: form-data;\r\n name=\"folded\"\r\n\r\nv\r\n--b--";
  EXPECT_EQ(parse_ok(folded, "b").at(0).name, "folded");
}

TEST(Multipart, ExtendedFilenamesAreDecoded) {
  auto filename = [](std::string_view tail) { return parse_ok(one_part(tail), "b").at(0).filename; };
  EXPECT_EQ(filename("; filename*=UTF-8''na%C3%AFve%20photo.jpg"), "na\xc3\xafve photo.jpg");
  EXPECT_EQ(filename("; filename=\"fallback.jpg\"; filename*=utf-8'en'%E2%82%AC.jpg"), "\xe2\x82\xac.jpg");
  EXPECT_EQ(filename("; filename*=ISO-8859-1''caf%E9.jpg"), "caf\xc3\xa9.jpg");  // converted to UTF-8
  // Undecodable (bad escape, unknown charset, no quotes): the plain filename is the fallback.
  EXPECT_EQ(filename("; filename*=UTF-8''bad%zz; filename=\"fallback.jpg\""), "fallback.jpg");
  EXPECT_EQ(filename("; filename*=KOI8-R''%C1.jpg; filename=\"fallback.jpg\""), "fallback.jpg");
  EXPECT_EQ(filename("; filename*=nocharset.jpg; filename=\"fallback.jpg\""), "fallback.jpg");
}

TEST(Multipart, ParsesTheBodyCurlSent) {
  // Captured from `curl -F title=hello -F file=@/usr/share/pixmaps/debian-logo.png` (curl 7.88.1).
  const std::string kCurlBoundary = "------------------------e62796a24616f7b5";
  auto fixture = [](const char* name) { return pictor::testing::read_bytes(pictor::testing::source_file(name)); };
  const std::vector<uint8_t> body = fixture("fixtures/multipart/curl_body.bin");
  const std::vector<uint8_t> png = fixture("fixtures/multipart/debian-logo.png");  // the file curl sent
  ASSERT_EQ(body.size(), 1969u);
  ASSERT_EQ(png.size(), 1678u);
  auto boundary = multipart_boundary("multipart/form-data; boundary=" + kCurlBoundary);
  ASSERT_TRUE(boundary.ok());
  auto parts = parse_multipart(body, *boundary);
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  ASSERT_EQ(parts->size(), 2u);
  const MultipartPart& title = (*parts)[0];
  const MultipartPart& file = (*parts)[1];
  EXPECT_EQ(title.name, "title");
  EXPECT_FALSE(title.filename.has_value());
  EXPECT_EQ(std::string(body.begin() + title.offset, body.begin() + title.offset + title.length), "hello");
  EXPECT_EQ(file.name, "file");
  EXPECT_EQ(file.filename, "debian-logo.png");
  EXPECT_EQ(file.content_type, "image/png");
  ASSERT_EQ(file.length, png.size());
  EXPECT_TRUE(std::equal(png.begin(), png.end(), body.begin() + file.offset)) << "the file's bytes, unchanged";
}

TEST(Multipart, EveryErrorHasAClearMessage) {
  const std::string part = "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv\r\n";
  EXPECT_EQ(parse_error(""), "the multipart body is empty");
  EXPECT_EQ(parse_multipart({}, "b").status().message(), "the multipart body is empty");  // an empty mapped file
  EXPECT_EQ(parse_error("just some bytes, no boundary"), "the body has no multipart boundary line");
  EXPECT_EQ(parse_error("\x89PNG\r\n\x1a\n-b\r\n"), "the body has no multipart boundary line");
  EXPECT_EQ(parse_error(part, ""), "the multipart boundary must be 1 to 70 characters");
  EXPECT_EQ(parse_error(part, std::string(71, 'b')), "the multipart boundary must be 1 to 70 characters");
  // No closing delimiter, wherever the body stops.
  const std::vector<std::string> truncations = {
      part, part + "--b", part + "--b-", part + "--b\r", part + "--b\r\n", part + "--b \t",
      "--b", part.substr(0, 20), part.substr(0, part.size() - 3)};
  for (const std::string& truncated : truncations) {
    EXPECT_EQ(parse_error(truncated), "truncated body, no closing boundary") << ::testing::PrintToString(truncated);
  }
  EXPECT_EQ(parse_error("--bgarbage\r\n\r\n--b--"), "unexpected bytes after a boundary on its line");
  EXPECT_EQ(parse_error(part + "--b x\r\n"), "unexpected bytes after a boundary on its line");
  // Content-Disposition: missing, not form-data, no or empty name, twice, bad quoting.
  EXPECT_EQ(parse_error("--b\r\nContent-Type: text/plain\r\n\r\nv\r\n--b--"),
            "a part has no Content-Disposition header");
  EXPECT_EQ(parse_error("--b\r\n\r\nv\r\n--b--"), "a part has no Content-Disposition header");
  EXPECT_EQ(parse_error("--b\r\nContent-Disposition: attachment; name=\"x\"\r\n\r\nv\r\n--b--"),
            "a part's Content-Disposition is not form-data");
  EXPECT_EQ(parse_error("--b\r\nContent-Disposition: form-data\r\n\r\nv\r\n--b--"),
            "a part has no name in its Content-Disposition");
  EXPECT_EQ(parse_error("--b\r\nContent-Disposition: form-data; filename=\"a.jpg\"\r\n\r\nv\r\n--b--"),
            "a part has no name in its Content-Disposition");
  EXPECT_EQ(parse_error("--b\r\nContent-Disposition: form-data; name=\"\"\r\n\r\nv\r\n--b--"),
            "a part has no name in its Content-Disposition");
  EXPECT_EQ(parse_error("--b\r\nContent-Disposition: form-data; name=a\r\nContent-Disposition: form-data; name=b\r\n"
                        "\r\nv\r\n--b--"),
            "a part has two Content-Disposition headers");
  EXPECT_EQ(parse_error("--b\r\nContent-Disposition: form-data; name=a\r\nContent-Type: a/b\r\nContent-Type: c/d\r\n"
                        "\r\nv\r\n--b--"),
            "a part has two Content-Type headers");
  EXPECT_EQ(parse_error(one_part("; name=\"again\"")), "a parameter appears twice in Content-Disposition");
  EXPECT_EQ(parse_error("--b\r\nContent-Disposition: form-data; name=\"x\r\n\r\nv\r\n--b--"),
            "unterminated quoted string in Content-Disposition");
  EXPECT_EQ(parse_error(one_part("; filename*=UTF-8''bad%zz")),
            "a part's filename* is not UTF-8 or ISO-8859-1 percent-encoding");
  // Malformed header lines.
  EXPECT_EQ(parse_error("--b\r\nno colon here\r\n\r\nv\r\n--b--"), "a part header line has no name");
  EXPECT_EQ(parse_error("--b\r\n: no name\r\n\r\nv\r\n--b--"), "a part header line has no name");
  EXPECT_EQ(parse_error("--b\r\n folded first\r\n\r\nv\r\n--b--"), "a part's headers start with a continuation line");
  // Limits.
  const std::string long_header = "--b\r\nX-Long: " + std::string(100, 'a') + "\r\n" + part.substr(5) + "--b--";
  EXPECT_EQ(parse_error(long_header, "b", {.max_parts = 1000, .max_header_bytes = 64}),
            "part headers longer than 64 bytes");
  EXPECT_EQ(parse_error("--b\r\n" + std::string(100000, 'h'), "b", {.max_parts = 10, .max_header_bytes = 1024}),
            "part headers longer than 1024 bytes");
  std::string many;
  for (int i = 0; i < 5; ++i) many += part;
  EXPECT_EQ(parse_error(many + "--b--", "b", {.max_parts = 4, .max_header_bytes = 1024}), "more than 4 parts");
  EXPECT_EQ(parse_ok(many + "--b--", "b", {.max_parts = 5, .max_header_bytes = 1024}).size(), 5u);
}

TEST(Multipart, HeaderLimitCountsEveryByteUpToTheEmptyLine) {
  const std::string headers = "Content-Disposition: form-data; name=\"x\"\r\n\r\n";
  const std::string body = "--b\r\n" + headers + "v\r\n--b--";
  EXPECT_EQ(parse_ok(body, "b", {.max_parts = 1, .max_header_bytes = headers.size()}).size(), 1u);
  EXPECT_EQ(parse_error(body, "b", {.max_parts = 1, .max_header_bytes = headers.size() - 1}),
            fmt::format("part headers longer than {} bytes", headers.size() - 1));
}

TEST(Multipart, EveryTruncationOfACurlBodyFailsCleanly) {
  const std::string body =
      Form().field("title", "t").file("file", "a.jpg", "image/jpeg", "\xff\xd8\r\n--\xff\xd9").body();
  const size_t closed_at = body.rfind("--\r\n") + 2;  // a body ending with "--boundary--" is complete
  for (size_t size = 0; size < body.size(); ++size) {
    const std::vector<uint8_t> prefix(body.begin(), body.begin() + size);  // own buffer: ASan sees overreads
    auto parts = parse_multipart(prefix, kBoundary);
    if (size >= closed_at) {
      EXPECT_TRUE(parts.ok()) << size;
      continue;
    }
    ASSERT_FALSE(parts.ok()) << size;
    const std::string& message = parts.status().message();
    EXPECT_TRUE(message == "truncated body, no closing boundary" ||
                message == "the body has no multipart boundary line" || message == "the multipart body is empty")
        << size << ": " << message;
  }
}

TEST(Multipart, RandomMutationsNeverEscapeTheBody) {
  const std::string valid = Form()
                                .field("title", "Holiday")
                                .file("file", "a.jpg", "image/jpeg", std::string(300, 'x') + "\r\n-")
                                .file("file", "b.png", "image/png", "png")
                                .body();
  const auto reference = parse_ok(valid, kBoundary);
  ASSERT_EQ(reference.size(), 3u);
  std::mt19937 rng(20240601);
  auto pick = [&](size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng() % n); };
  const std::string pieces[] = {"\r\n", "\n", "\r", "-", "--", "--" + kBoundary, "\r\n--" + kBoundary,
                                ";", "\"", "\\", ":"};
  int parsed = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string body = valid;
    const int kind = i % 6;
    switch (kind) {
      case 0: body.resize(pick(body.size())); break;
      case 1: body[pick(body.size())] = static_cast<char>(rng()); break;
      case 2: body.erase(pick(body.size()), 1 + pick(40)); break;
      case 3: body.insert(pick(body.size()), pieces[pick(std::size(pieces))]); break;
      case 4: {  // splice a random slice of the body elsewhere
        const size_t from = pick(body.size()), length = pick(body.size() - from);
        body.insert(pick(body.size()), body.substr(from, length));
        break;
      }
      case 5:  // a byte inside the first file's content: the parts must not change
        body[reference[1].offset + pick(300)] = static_cast<char>(rng());
        break;
    }
    const std::vector<uint8_t> exact(body.begin(), body.end());  // own allocation: ASan sees any overread
    auto parts = parse_multipart(exact, kBoundary, {.max_parts = 8, .max_header_bytes = 256});
    if (!parts.ok()) {
      EXPECT_EQ(parts.status().code(), ErrorCode::kMalformedMultipart);
      EXPECT_FALSE(parts.status().message().empty());
      EXPECT_NE(kind, 5) << "a content-only change broke the body";
      continue;
    }
    ++parsed;
    size_t previous_end = 0;
    for (const MultipartPart& p : *parts) {
      ASSERT_LE(p.offset, exact.size());
      ASSERT_LE(p.length, exact.size() - p.offset);
      ASSERT_GE(p.offset, previous_end) << "parts overlap or go backwards";
      EXPECT_FALSE(p.name.empty());
      previous_end = p.offset + p.length;
    }
    if (kind == 5) {
      ASSERT_EQ(parts->size(), reference.size());
      for (size_t k = 0; k < reference.size(); ++k) {
        EXPECT_EQ((*parts)[k].offset, reference[k].offset);
        EXPECT_EQ((*parts)[k].length, reference[k].length);
      }
    }
  }
  EXPECT_GT(parsed, 400) << "content-only changes (and many others) still parse";
  EXPECT_LT(parsed, 2000) << "damaged structure is refused";
}

// Large adversarial bodies parse correctly. How long they take is a benchmark question, not a
// test's (no timing thresholds in tests); the delimiter search is Boyer-Moore-Horspool and duplicate
// parameters are found by sorting, so both are linear or n log n by construction.
TEST(Multipart, ManyPartsAfterNearMissDelimiters) {
  std::string near_misses;
  while (near_misses.size() < (2 << 20)) near_misses += "\r\n--" + kBoundary.substr(0, kBoundary.size() - 1);
  Form form;
  form.file("file", "big.bin", "application/octet-stream", near_misses);
  for (int i = 0; i < 50000; ++i) form.field("f", "v");
  const std::string body = form.body();
  const auto parts = parse_ok(body, kBoundary, {.max_parts = 60000, .max_header_bytes = 1024});
  ASSERT_EQ(parts.size(), 50001u);
  EXPECT_EQ(parts[0].length, near_misses.size());
}

TEST(Multipart, HeadersWithThousandsOfParameters) {
  std::string disposition = "Content-Disposition: form-data; name=\"x\"";
  for (int i = 0; disposition.size() < 16000; ++i) disposition += fmt::format(";p{}=", i);
  std::string body;
  for (int i = 0; i < 60; ++i) body += "--b\r\n" + disposition + "\r\n\r\nv\r\n";
  body += "--b--";
  EXPECT_EQ(parse_ok(body, "b", {.max_parts = 10000}).size(), 60u);
}

}  // namespace
}  // namespace pictor::http
