// JPEG straight through libjpeg-turbo (src/codecs/jpeg_direct.cc): the same pixels as libvips'
// jpegload/jpegsave with the same settings, declines what it does not handle (so libvips keeps
// deciding those), stops at the deadline, survives damaged input, and is what the engine uses.
#include "codecs/jpeg_direct.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>

#include "test_support.h"

namespace pictor {
namespace {

using codecs::decode_jpeg_direct;
using codecs::encode_jpeg_direct;
using codecs::JpegSettings;
using testing::corpus_file;
using testing::read_bytes;

class JpegDirect : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(initialize().ok()); }
};

double max_abs_diff(const vips::VImage& a, const vips::VImage& b) {
  return (a.cast(VIPS_FORMAT_FLOAT) - b.cast(VIPS_FORMAT_FLOAT)).abs().max();
}

std::vector<uint8_t> to_vector(void* data, size_t size) {
  std::vector<uint8_t> bytes(static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + size);
  g_free(data);
  return bytes;
}

// A JPEG written by libvips from a corpus photo, `width` wide, with the given save options.
std::vector<uint8_t> libvips_jpeg(const std::string& photo, int width, const std::string& options) {
  vips::VImage image = vips::VImage::thumbnail(corpus_file(photo).c_str(), width);
  void* data = nullptr;
  size_t size = 0;
  image.write_to_buffer((".jpg" + options).c_str(), &data, &size);
  return to_vector(data, size);
}

vips::VImage libvips_decode(const std::vector<uint8_t>& bytes, int shrink = 1) {
  return vips::VImage::new_from_buffer(bytes.data(), bytes.size(), "",
                                       vips::VImage::option()->set("shrink", shrink))
      .copy_memory();
}

TEST_F(JpegDirect, DecodesTheSamePixelsAsLibvipsAtEveryShrink) {
  const std::vector<std::pair<std::string, std::vector<uint8_t>>> inputs = {
      {"progressive corpus photo",
       read_bytes(corpus_file("photo/lomiri16__Picture_1A_by_freespace.jpg"))},
      {"baseline corpus photo",
       read_bytes(corpus_file("photo/lomiri16__free_by_Peter_Nerlich.jpg"))},
      {"master-like 4:4:4", libvips_jpeg("photo/lomiri16__Wine_by_Jakkub_Mede.jpg", 768,
                                         "[Q=92,subsample_mode=off,strip]")},
      {"grey",
       [] {
         vips::VImage grey =
             vips::VImage::thumbnail(
                 corpus_file("photo/lomiri16__free_by_Peter_Nerlich.jpg").c_str(), 500)
                 .colourspace(VIPS_INTERPRETATION_B_W);
         void* data = nullptr;
         size_t size = 0;
         grey.write_to_buffer(".jpg[Q=85,strip]", &data, &size);
         return to_vector(data, size);
       }()},
  };
  for (const auto& [name, bytes] : inputs) {
    for (int shrink : {1, 2, 4, 8}) {
      SCOPED_TRACE(name + " shrink " + std::to_string(shrink));
      const codecs::DirectDecode direct = decode_jpeg_direct(bytes, shrink, nullptr);
      ASSERT_TRUE(direct.image.has_value());
      const vips::VImage expected = libvips_decode(bytes, shrink);
      ASSERT_EQ(direct.image->width(), expected.width());
      ASSERT_EQ(direct.image->height(), expected.height());
      ASSERT_EQ(direct.image->bands(), expected.bands());
      EXPECT_EQ(direct.image->interpretation(), expected.interpretation());
      EXPECT_EQ(max_abs_diff(*direct.image, expected), 0.0);
      EXPECT_NEAR(direct.image->xres(), expected.xres(), 0.01);
    }
  }
}

TEST_F(JpegDirect, DeclinesWhatLibvipsMustDecide) {
  // CMYK (libvips converts it with a profile), an embedded ICC profile (converted to sRGB unless
  // it is sRGB), a decode larger than the in-memory bound, and bytes that are not a JPEG.
  const auto cmyk = read_bytes(corpus_file("extra/cmyk-derived__Wine.jpg"));
  EXPECT_FALSE(decode_jpeg_direct(cmyk, 1, nullptr).image);
  vips::VImage p3 =
      vips::VImage::thumbnail(corpus_file("photo/lomiri16__Wine_by_Jakkub_Mede.jpg").c_str(), 300)
          .icc_transform("p3");
  void* data = nullptr;
  size_t size = 0;
  p3.write_to_buffer(".jpg[Q=90]", &data, &size);
  const auto with_profile = to_vector(data, size);
  EXPECT_FALSE(decode_jpeg_direct(with_profile, 1, nullptr).image);
  const auto huge = read_bytes(corpus_file("extra/huge-blank__gdkpixbuf-large.jpg"));
  const vips::VImage huge_header = vips::VImage::new_from_buffer(huge.data(), huge.size(), "");
  ASSERT_GT(size_t(huge_header.width()) * huge_header.height() * huge_header.bands(), size_t(32)
                                                                                          << 20);
  EXPECT_FALSE(decode_jpeg_direct(huge, 1, nullptr).image);
  EXPECT_FALSE(decode_jpeg_direct(huge, 8, nullptr).image);  // still 35 MB at 1/8
  // 4272x2848: 36.5 MB decoded whole, 9 MB when shrunk by 2 in the DCT.
  const auto sunset = read_bytes(corpus_file("photo/lomiri16__sunset_by_Aitzol_Berasategi.jpg"));
  EXPECT_FALSE(decode_jpeg_direct(sunset, 1, nullptr).image);
  EXPECT_TRUE(decode_jpeg_direct(sunset, 2, nullptr).image);
  const auto photo = read_bytes(corpus_file("photo/lomiri16__free_by_Peter_Nerlich.jpg"));
  EXPECT_FALSE(decode_jpeg_direct(std::span(photo).subspan(2), 1, nullptr).image);  // no SOI marker
  EXPECT_FALSE(decode_jpeg_direct(std::span(photo).first(0), 1, nullptr).image);
  EXPECT_FALSE(decode_jpeg_direct(photo, 3, nullptr).image);  // libvips shrinks by 2, 4 or 8 only
}

TEST_F(JpegDirect, DamagedDataIsDeclinedWithoutCrashing) {
  // Every truncation point of a small JPEG (under ASan in CI), and flipped bytes in the
  // entropy-coded data: libjpeg warns or fails, and the direct path steps aside.
  const auto bytes = libvips_jpeg("photo/lomiri16__Dragonfly_by_Bolly.jpg", 64, "[Q=80,strip]");
  ASSERT_TRUE(decode_jpeg_direct(bytes, 1, nullptr).image);
  for (size_t length = 0; length + 2 < bytes.size(); length += 7) {
    EXPECT_FALSE(decode_jpeg_direct(std::span(bytes).first(length), 1, nullptr).image) << length;
  }
  std::vector<uint8_t> damaged = bytes;
  for (size_t i = damaged.size() / 2; i < damaged.size() - 2; i += 3) damaged[i] = 0xFF;
  EXPECT_FALSE(decode_jpeg_direct(damaged, 1, nullptr).image);
}

TEST_F(JpegDirect, EncodesWhatJpegsaveWouldWithTheSameSettings) {
  vips::VImage colour =
      vips::VImage::thumbnail(
          corpus_file("photo/lomiri16__seeding_by_Clements_Engelhardt.jpg").c_str(), 333)
          .copy_memory();
  vips::VImage grey = colour.colourspace(VIPS_INTERPRETATION_B_W).copy_memory();
  struct Case {
    int q;
    bool progressive;
    std::string subsample;
    VipsForeignSubsample vips_mode;
    std::string expected_chroma;
  };
  const std::vector<Case> cases = {
      {80, false, "auto", VIPS_FOREIGN_SUBSAMPLE_AUTO, "4:2:0"},
      {92, false, "auto", VIPS_FOREIGN_SUBSAMPLE_AUTO, "4:4:4"},
      {50, true, "off", VIPS_FOREIGN_SUBSAMPLE_OFF, "4:4:4"},
      {95, true, "on", VIPS_FOREIGN_SUBSAMPLE_ON, "4:2:0"},
  };
  for (const vips::VImage& image : {colour, grey}) {
    for (const Case& c : cases) {
      SCOPED_TRACE(std::to_string(image.bands()) + " bands, q " + std::to_string(c.q) + " " +
                   c.subsample + (c.progressive ? " progressive" : ""));
      ASSERT_TRUE(codecs::can_encode_jpeg_direct(image));
      auto direct = encode_jpeg_direct(image, {c.q, c.progressive, c.subsample}, nullptr);
      ASSERT_TRUE(direct.ok()) << direct.status().message();
      void* data = nullptr;
      size_t size = 0;
      image.write_to_buffer(".jpg", &data, &size,
                            vips::VImage::option()
                                ->set("Q", c.q)
                                ->set("interlace", c.progressive)
                                ->set("optimize_coding", true)
                                ->set("strip", true)
                                ->set("subsample_mode", c.vips_mode));
      const auto reference = to_vector(data, size);
      const vips::VImage ours = libvips_decode(*direct);
      EXPECT_EQ(max_abs_diff(ours, libvips_decode(reference)), 0.0);
      // Same coefficients and Huffman tables: only the header may differ by a few bytes.
      EXPECT_NEAR(double(direct->size()), double(reference.size()), 64.0);
      EXPECT_EQ(ours.get_typeof("interlaced") != 0, c.progressive);
      if (image.bands() == 3)
        EXPECT_EQ(std::string(ours.get_string("jpeg-chroma-subsample")), c.expected_chroma);
      EXPECT_EQ(ours.bands(), image.bands());
    }
  }
}

TEST_F(JpegDirect, TakesOnlyEightBitImagesWithoutAlphaThatFitInMemory) {
  vips::VImage rgb =
      vips::VImage::black(64, 48, vips::VImage::option()->set("bands", 3)).cast(VIPS_FORMAT_UCHAR);
  EXPECT_TRUE(codecs::can_encode_jpeg_direct(rgb));
  EXPECT_FALSE(codecs::can_encode_jpeg_direct(rgb.bandjoin_const({255})));
  EXPECT_FALSE(codecs::can_encode_jpeg_direct(rgb.cast(VIPS_FORMAT_USHORT)));
  EXPECT_FALSE(codecs::can_encode_jpeg_direct(
      vips::VImage::black(8000, 3000, vips::VImage::option()->set("bands", 3))
          .cast(VIPS_FORMAT_UCHAR)));
}

TEST_F(JpegDirect, StopsAtThePassedDeadline) {
  const auto bytes = read_bytes(corpus_file("photo/lomiri16__sunset_by_Aitzol_Berasategi.jpg"));
  const auto past = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  const codecs::DirectDecode decode = decode_jpeg_direct(bytes, 2, &past);
  EXPECT_TRUE(decode.timed_out);
  EXPECT_FALSE(decode.image);
  vips::VImage image = libvips_decode(bytes, 8);
  auto encoded = encode_jpeg_direct(image, {}, &past);
  ASSERT_FALSE(encoded.ok());
  EXPECT_EQ(encoded.status().code(), ErrorCode::kTimeout);
}

// The engine takes the direct paths for a plain JPEG thumbnail and gives the same pixels as
// with them turned off (everything through libvips).
TEST_F(JpegDirect, TheEngineUsesItAndTheOutputMatchesLibvipsOnly) {
  const auto bytes = read_bytes(corpus_file("photo/lomiri16__sunset_by_Aitzol_Berasategi.jpg"));
  auto chain = parse_chain("resize:w=320/format:type=jpeg,q=82");
  ASSERT_TRUE(chain.ok());
  const codecs::DirectJpegCounts before = codecs::direct_jpeg_counts();
  auto direct = process(bytes, *chain, {});
  ASSERT_TRUE(direct.ok()) << direct.status().message();
  const codecs::DirectJpegCounts after = codecs::direct_jpeg_counts();
  EXPECT_EQ(after.decodes, before.decodes + 1);
  EXPECT_EQ(after.encodes, before.encodes + 1);

  codecs::set_direct_jpeg(false);
  auto through_libvips = process(bytes, *chain, {});
  codecs::set_direct_jpeg(true);
  ASSERT_TRUE(through_libvips.ok());
  EXPECT_EQ(codecs::direct_jpeg_counts().decodes, after.decodes);
  EXPECT_EQ(max_abs_diff(libvips_decode(direct->bytes), libvips_decode(through_libvips->bytes)),
            0.0);

  // A rotated original keeps the libvips decode (the orientation is applied from its metadata).
  const auto rotated = read_bytes(corpus_file("extra/orient6-derived__friends.jpg"));
  auto oriented = process(rotated, *chain, {});
  ASSERT_TRUE(oriented.ok());
  EXPECT_EQ(codecs::direct_jpeg_counts().decodes, after.decodes);
  EXPECT_GT(oriented->height, oriented->width);  // stored landscape, shown portrait
}

}  // namespace
}  // namespace pictor
