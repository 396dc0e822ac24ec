// The info extractors (include/pictor/info.h): the `file` extractor against ImageMagick on every
// corpus file, the JPEG quality estimate on our own encodes, digests on published vectors,
// feature selection, and bad input.
#include "pictor/info.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "core/digest.h"
#include "metadata/jpeg_quality.h"
#include "test_support.h"

namespace pictor {
namespace {

using testing::corpus_file;
using testing::read_bytes;

class Info : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(initialize().ok()); }
};

// stdout of a command, or "" when it fails.
std::string command_output(const std::string& command) {
  std::string out;
  if (FILE* pipe = popen((command + " 2>/dev/null").c_str(), "r")) {
    char buffer[256];
    while (fgets(buffer, sizeof buffer, pipe)) out += buffer;
    if (pclose(pipe) != 0) out.clear();
  }
  return out;
}

TEST(Digest, PublishedTestVectors) {
  const std::string abc = "abc";
  const std::span bytes(reinterpret_cast<const uint8_t*>(abc.data()), abc.size());
  EXPECT_EQ(md5_hex(bytes), "900150983cd24fb0d6963f7d28e17f72");  // RFC 1321
  EXPECT_EQ(sha256_hex(bytes),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");  // FIPS 180-2
  EXPECT_EQ(sha256_hex(std::string_view(abc)), sha256_hex(bytes));
}

// ImageMagick (identify) is an independent reader: same size and frame count, and its JPEG
// quality estimate within ±2 of ours, on every corpus file it reads.
TEST_F(Info, FileAgreesWithImageMagickOnTheCorpus) {
  int compared = 0, jpegs = 0;
  for (const char* dir : {"photo", "extra"}) {
    for (const auto& entry : std::filesystem::directory_iterator(corpus_file(dir))) {
      const std::string path = entry.path().string();
      SCOPED_TRACE(path);
      const std::string im = command_output("identify -ping -format '%w %h %Q\\n' '" + path + "'");
      if (im.empty()) continue;  // ImageMagick 6 here reads no HEIF
      int w = 0, h = 0, q = 0, frames = 0;
      ASSERT_EQ(std::sscanf(im.c_str(), "%d %d %d", &w, &h, &q), 3);
      for (char c : im) frames += c == '\n';
      const auto bytes = read_bytes(path);
      auto info = extract_info(bytes, {});
      if (!info.ok() && info.status().code() == ErrorCode::kImageTooLarge)
        continue;  // the 749 MP file
      ASSERT_TRUE(info.ok()) << info.status().message();
      const nlohmann::json& file = (*info)["file"];
      EXPECT_EQ((*info)["errors"], nlohmann::json::object());
      EXPECT_EQ(file["width"], w);
      EXPECT_EQ(file["height"], h);
      EXPECT_EQ(file["frames"], frames);
      EXPECT_EQ(file["bytes"], bytes.size());
      EXPECT_EQ(file["sha256"], sha256_hex(bytes));
      if (file["format"] == "jpeg") {
        EXPECT_NEAR(file["jpeg"]["quality"].get<int>(), q, 2);
        ++jpegs;
      }
      ++compared;
    }
  }
  EXPECT_GE(compared, 20);
  EXPECT_GE(jpegs, 16);
}

TEST_F(Info, JpegQualityOfOurOwnEncodesIsExact) {
  const auto photo = read_bytes(corpus_file("photo/lomiri16__Dragonfly_by_Bolly.jpg"));
  for (int q : {5, 10, 25, 35, 50, 75, 80, 90, 97, 100}) {
    for (const char* subsample : {"on", "off"}) {
      const Encoded out = testing::run_chain(
          photo, fmt::format("resize:w=200/format:type=jpeg,q={},subsample={}", q, subsample));
      EXPECT_EQ(metadata::estimate_jpeg_quality(out.bytes), q) << subsample;
    }
  }
  vips::VImage grey = vips::VImage::thumbnail(corpus_file("photo/goexif__sample1.jpg").c_str(), 100)
                          .colourspace(VIPS_INTERPRETATION_B_W);
  void* data = nullptr;
  size_t size = 0;
  grey.write_to_buffer(".jpg[Q=65]", &data, &size);
  const std::vector<uint8_t> grey_bytes(static_cast<uint8_t*>(data),
                                        static_cast<uint8_t*>(data) + size);
  g_free(data);
  EXPECT_EQ(metadata::estimate_jpeg_quality(grey_bytes), 65);  // one table only
  EXPECT_FALSE(metadata::estimate_jpeg_quality(std::span(photo).subspan(4)));
}

TEST_F(Info, HeaderFieldsOfOtherContainers) {
  auto gif = extract_info(read_bytes(corpus_file("extra/gif-anim__1_partyanimsm2.gif")), {});
  ASSERT_TRUE(gif.ok());
  EXPECT_EQ((*gif)["file"]["frames"], 45);
  EXPECT_EQ((*gif)["file"]["loop"], 0);  // forever
  EXPECT_EQ((*gif)["file"]["mime"], "image/gif");
  EXPECT_FALSE((*gif)["file"].contains("jpeg"));
  auto png = extract_info(read_bytes(corpus_file("extra/png-alpha-derived__Dragonfly.png")), {});
  ASSERT_TRUE(png.ok());
  EXPECT_EQ((*png)["file"]["alpha"], true);
  EXPECT_EQ((*png)["file"]["channels"], 4);
  auto rotated = extract_info(read_bytes(corpus_file("extra/orient6-derived__friends.jpg")), {});
  ASSERT_TRUE(rotated.ok());
  EXPECT_EQ((*rotated)["file"]["orientation"], 6);
  EXPECT_EQ((*rotated)["file"]["display_width"], (*rotated)["file"]["height"]);
  auto cmyk = extract_info(read_bytes(corpus_file("extra/cmyk-derived__Wine.jpg")), {});
  ASSERT_TRUE(cmyk.ok());
  EXPECT_EQ((*cmyk)["file"]["color_space"], "cmyk");
  EXPECT_EQ((*cmyk)["file"]["jpeg"]["chroma_subsampling"], "4:4:4:4");
  EXPECT_FALSE((*cmyk)["file"]["icc_profile"]["description"].get<std::string>().empty());
  auto heic = extract_info(read_bytes(corpus_file("extra/heic-derived__life-q50.heic")), {});
  ASSERT_TRUE(heic.ok());
  EXPECT_EQ((*heic)["file"]["format"], "heic");
  EXPECT_EQ((*heic)["file"]["width"], 1024);
}

TEST_F(Info, IccProfileDescriptionIsRead) {
  vips::VImage p3 = vips::VImage::thumbnail(corpus_file("photo/goexif__sample1.jpg").c_str(), 64)
                        .icc_transform("p3");
  void* data = nullptr;
  size_t size = 0;
  p3.write_to_buffer(".jpg", &data, &size);
  const std::vector<uint8_t> bytes(static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + size);
  g_free(data);
  auto info = extract_info(bytes, {});
  ASSERT_TRUE(info.ok());
  const nlohmann::json& icc = (*info)["file"]["icc_profile"];
  ASSERT_TRUE(icc.is_object());
  EXPECT_NE(icc["description"].get<std::string>().find("P3"), std::string::npos) << icc.dump();
  EXPECT_GT(icc["bytes"].get<int>(), 100);
}

TEST_F(Info, FeaturesSelectExtractors) {
  EXPECT_EQ(info_features(), std::vector<std::string>{"file"});
  auto parsed = parse_features("file,,file");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, std::vector<std::string>{"file"});
  auto unknown = parse_features("file,nonsense");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), ErrorCode::kInvalidValue);
  EXPECT_NE(unknown.status().message().find("nonsense"), std::string::npos);
  const auto bytes = read_bytes(corpus_file("photo/goexif__sample1.jpg"));
  auto info = extract_info(bytes, {{}, {"file"}});
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->size(), 2u);  // file and errors
  InfoOptions bad;
  bad.features = {"colors"};
  EXPECT_EQ(extract_info(bytes, bad).status().code(), ErrorCode::kInvalidValue);
}

TEST_F(Info, BadInputIsAnErrorOrAPartialAnswerNeverACrash) {
  EXPECT_EQ(extract_info({}, {}).status().code(), ErrorCode::kEmptyInput);
  const std::string text = "not an image at all";
  EXPECT_EQ(extract_info(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()), {})
                .status()
                .code(),
            ErrorCode::kUnsupportedFormat);
  const auto huge = read_bytes(corpus_file("extra/huge-blank__gdkpixbuf-large.jpg"));
  EXPECT_EQ(extract_info(huge, {}).status().code(), ErrorCode::kImageTooLarge);
  // Every truncation of a JPEG (the header alone is enough for `file`).
  const auto photo = read_bytes(corpus_file("photo/goexif__sample1.jpg"));
  int answered = 0;
  for (size_t length = 1; length < photo.size(); length += 997) {
    auto info = extract_info(std::span(photo).first(length), {});
    if (!info.ok()) continue;
    ++answered;
    EXPECT_TRUE((*info)["errors"].is_object());
    EXPECT_EQ((*info)["file"]["bytes"], length);
  }
  EXPECT_GT(answered, 0);
}

}  // namespace
}  // namespace pictor
