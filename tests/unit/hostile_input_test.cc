// Bad and hostile input: every case is a clean error with its stable code, never a crash, never
// a half-decoded image, and memory stays bounded.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstring>
#include <random>

#include "pictor/chain.h"
#include "test_support.h"

namespace pictor {
namespace {

using testing::corpus_file;
using testing::read_bytes;

ErrorCode process_code(const std::vector<uint8_t>& input, const std::string& chain_text = "resize:w=100",
                       ProcessOptions options = {}) {
  auto chain = parse_chain(chain_text);
  EXPECT_TRUE(chain.ok());
  auto out = process(input, *chain, options);
  return out.ok() ? ErrorCode::kOk : out.status().code();
}


std::vector<uint8_t> truncated(std::vector<uint8_t> bytes, double keep) {
  bytes.resize(static_cast<size_t>(bytes.size() * keep));
  return bytes;
}

// CRC-32 (ISO-HDLC), as PNG chunks use it.
uint32_t crc32(const uint8_t* data, size_t size) {
  uint32_t crc = 0xffffffffu;
  for (size_t i = 0; i < size; ++i) {
    crc ^= data[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void put_be32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24), p[1] = uint8_t(v >> 16), p[2] = uint8_t(v >> 8), p[3] = uint8_t(v);
}

long peak_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

class HostileInput : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_TRUE(initialize().ok()); }
  static vips::VImage small_photo() {
    // In memory: the tests encode it several times, which a sequential decode cannot serve.
    return vips::VImage::thumbnail(corpus_file("photo/lomiri16__free_by_Peter_Nerlich.jpg").c_str(), 600)
        .copy_memory();
  }
};

TEST_F(HostileInput, EmptyAndRandomBytes) {
  EXPECT_EQ(process_code({}), ErrorCode::kEmptyInput);
  std::mt19937 rng(42);
  for (size_t size : {1u, 7u, 100u, 5000u, 100000u}) {
    std::vector<uint8_t> noise(size);
    for (uint8_t& b : noise) b = static_cast<uint8_t>(rng());
    EXPECT_EQ(process_code(noise), ErrorCode::kUnsupportedFormat) << size;
  }
}

TEST_F(HostileInput, TruncatedImagesFailInsteadOfDecodingHalfAnImage) {
  for (const std::string file : {"photo/lomiri16__sunset_by_Aitzol_Berasategi.jpg",  // progressive
                                 "photo/lomiri16__free_by_Peter_Nerlich.jpg"}) {      // baseline
    const auto bytes = read_bytes(corpus_file(file));
    for (double keep : {0.6, 0.95}) {
      SCOPED_TRACE(file + " kept " + std::to_string(keep));
      EXPECT_TRUE(probe(truncated(bytes, keep), {}).ok());  // the header is intact...
      EXPECT_EQ(process_code(truncated(bytes, keep)), ErrorCode::kCorruptImage);  // ...the pixels are not
      EXPECT_EQ(process_code(truncated(bytes, keep), "flip/format:type=png"), ErrorCode::kCorruptImage);
    }
  }
  const vips::VImage photo = small_photo();
  for (const char* suffix : {".png", ".webp", ".gif"}) {
    SCOPED_TRACE(suffix);
    EXPECT_EQ(process_code(truncated(testing::encode(photo, suffix), 0.6), "flip"), ErrorCode::kCorruptImage);
  }
  const auto heic = read_bytes(corpus_file("extra/heic-derived__life-q50.heic"));
  EXPECT_NE(process_code(truncated(heic, 0.5)), ErrorCode::kOk);
}

TEST_F(HostileInput, JpegHeaderClaimingHugeSizeIsRefusedBeforeDecoding) {
  auto bytes = read_bytes(corpus_file("photo/goexif__sample1.jpg"));
  // Walk the marker segments from SOI to the frame header (the EXIF thumbnail has its own).
  size_t i = 2;
  bool patched = false;
  while (i + 9 < bytes.size()) {
    const uint8_t marker = bytes[i + 1];
    const size_t length = (size_t(bytes[i + 2]) << 8) | bytes[i + 3];
    if (marker == 0xC0 || marker == 0xC1 || marker == 0xC2) {
      // JPEG sizes are 16-bit: 65000 x 65000 is the largest claim a header can make near 100k.
      bytes[i + 5] = bytes[i + 7] = 65000 >> 8;
      bytes[i + 6] = bytes[i + 8] = 65000 & 0xff;
      patched = true;
      break;
    }
    i += 2 + length;
  }
  ASSERT_TRUE(patched);
  const long before = peak_rss_kb();
  auto info = probe(bytes, {});
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), ErrorCode::kImageTooLarge);
  EXPECT_NE(info.status().message().find("65000x65000"), std::string::npos) << info.status().message();
  EXPECT_EQ(process_code(bytes), ErrorCode::kImageTooLarge);
  EXPECT_LT(peak_rss_kb() - before, 50 * 1024);  // nothing was decoded
}

TEST_F(HostileInput, ProgressiveJpegOf749MegapixelsIsRefusedFromItsHeader) {
  const auto bytes = read_bytes(corpus_file("extra/huge-blank__gdkpixbuf-large.jpg"));
  const long before = peak_rss_kb();
  auto info = probe(bytes, {});
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), ErrorCode::kImageTooLarge);
  EXPECT_EQ(process_code(bytes, "w320"), ErrorCode::kImageTooLarge);
  EXPECT_LT(peak_rss_kb() - before, 50 * 1024);  // libjpeg would need 4.4 GB for this file
}

TEST_F(HostileInput, PngHeaderClaimingHugeSizeIsRefused) {
  auto png = testing::encode(vips::VImage::black(8, 8), ".png");
  // IHDR is the first chunk: length(4) "IHDR"(4) width(4) height(4) ... crc over type+data.
  ASSERT_EQ(std::memcmp(png.data() + 12, "IHDR", 4), 0);
  put_be32(png.data() + 16, 100000);
  put_be32(png.data() + 20, 100000);
  put_be32(png.data() + 29, crc32(png.data() + 12, 17));
  auto info = probe(png, {});
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), ErrorCode::kImageTooLarge);
  EXPECT_NE(info.status().message().find("100000x100000"), std::string::npos);
}

TEST_F(HostileInput, DecompressionBombWithinLimitsStaysBoundedInMemory) {
  // 7000 x 7000 black pixels (49 MP, just under the limit) compress to a few hundred kilobytes.
  const auto bomb = testing::encode(vips::VImage::black(7000, 7000, vips::VImage::option()->set("bands", 3)),
                                     ".png[compression=9]");
  ASSERT_LT(bomb.size(), 1'000'000u);
  const long before = peak_rss_kb();
  EXPECT_EQ(process_code(bomb, "resize:w=100"), ErrorCode::kOk);
  // A full decode would need 147 MB; the sequential pipeline streams it.
  EXPECT_LT(peak_rss_kb() - before, 120 * 1024);
  // One pixel over the frame limit is refused.
  ProcessOptions tight;
  tight.limits.max_frame_pixels = 7000 * 7000 - 1;
  EXPECT_EQ(process_code(bomb, "resize:w=100", tight), ErrorCode::kImageTooLarge);
}

TEST_F(HostileInput, InputByteFrameAndTotalPixelLimits) {
  const auto gif = read_bytes(corpus_file("extra/gif-anim__1_partyanimsm2.gif"));  // 45 frames of 660x666
  auto info = probe(gif, {});
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->frames, 45);
  ProcessOptions few_frames;
  few_frames.limits.max_frames = 10;
  EXPECT_EQ(process_code(gif, "resize:w=100", few_frames), ErrorCode::kTooManyFrames);
  ProcessOptions few_pixels;
  few_pixels.limits.max_total_pixels = 660 * 666 * 44;
  EXPECT_EQ(process_code(gif, "resize:w=100", few_pixels), ErrorCode::kImageTooLarge);
  ProcessOptions few_bytes;
  few_bytes.limits.max_input_bytes = gif.size() - 1;
  EXPECT_EQ(process_code(gif, "resize:w=100", few_bytes), ErrorCode::kInputTooLarge);
  EXPECT_EQ(process_code(gif, "resize:w=100"), ErrorCode::kOk);
}

TEST_F(HostileInput, LoadersOutsideTheAllowListAreBlocked) {
  const vips::VImage photo = small_photo();
  EXPECT_EQ(process_code(testing::encode(photo, ".tif"), "flip"), ErrorCode::kUnsupportedFormat);
  const std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><rect width=\"10\" height=\"10\"/></svg>";
  EXPECT_EQ(process_code({svg.begin(), svg.end()}, "flip"), ErrorCode::kUnsupportedFormat);
  const std::string pdf = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";
  EXPECT_EQ(process_code({pdf.begin(), pdf.end()}, "flip"), ErrorCode::kUnsupportedFormat);
  const std::string ppm = "P6\n2 2\n255\n............";
  EXPECT_EQ(process_code({ppm.begin(), ppm.end()}, "flip"), ErrorCode::kUnsupportedFormat);
}

TEST_F(HostileInput, FormatIsSniffedFromContentNotTheName) {
  // The engine never sees a file name; a PNG is a PNG whatever it is called.
  const auto png = testing::encode(small_photo(), ".png");
  auto info = probe(png, {});
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->format, Format::kPng);
  for (const std::string file : {"extra/heic-derived__life-q50.heic", "extra/avif-derived__life-q50.avif",
                                 "extra/webp-derived__sunset-q80.webp", "extra/gif-anim__1_partyanimsm2.gif"}) {
    auto source = probe(read_bytes(corpus_file(file)), {});
    ASSERT_TRUE(source.ok()) << file;
    EXPECT_EQ(format_name(source->format), file.substr(file.rfind('.') + 1)) << file;
    EXPECT_EQ(process_code(read_bytes(corpus_file(file)), "resize:w=100/format:type=jpeg"), ErrorCode::kOk) << file;
  }
}

TEST_F(HostileInput, OutputAboveTheOutputLimitIsRefusedBeforeDecoding) {
  const auto bytes = read_bytes(corpus_file("photo/goexif__sample1.jpg"));
  EXPECT_EQ(process_code(bytes, "resize:w=9000,h=9000,fit=force"), ErrorCode::kOutputTooLarge);
  EXPECT_EQ(process_code(bytes, "extend:right=16000,bottom=16000"), ErrorCode::kOutputTooLarge);
}

}  // namespace
}  // namespace pictor
