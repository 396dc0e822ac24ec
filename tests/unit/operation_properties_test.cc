// Properties of every operation on real photos, asserted on pixels (not just sizes).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "codecs/metadata.h"
#include "pictor/chain.h"
#include "test_support.h"

namespace pictor {
namespace {

using testing::corpus_file;
using testing::decode;
using testing::mean_abs_diff;
using testing::read_bytes;
using testing::run_chain;

const std::string kSunset = "photo/lomiri16__sunset_by_Aitzol_Berasategi.jpg";  // progressive, 4272x2848
const std::string kFree = "photo/lomiri16__free_by_Peter_Nerlich.jpg";          // baseline, 2880x2160
const std::string kWine = "photo/lomiri16__Wine_by_Jakkub_Mede.jpg";            // portrait 2560x3837

// Decoded result of a chain, as PNG so nothing is lost between steps and the comparison.
vips::VImage pixels(const std::vector<uint8_t>& input, const std::string& chain, ProcessOptions options = {}) {
  return decode(run_chain(input, chain + "/format:type=png", options).bytes);
}

double max_abs_diff(const vips::VImage& a, const vips::VImage& b) {
  EXPECT_EQ(a.width(), b.width());
  EXPECT_EQ(a.height(), b.height());
  if (a.width() != b.width() || a.height() != b.height() || a.bands() != b.bands()) return 255;
  return (a.cast(VIPS_FORMAT_INT) - b.cast(VIPS_FORMAT_INT)).abs().max();
}

// Energy of the Laplacian: high-frequency detail, which blur lowers and sharpen raises.
double laplacian_energy(const vips::VImage& image) {
  vips::VImage grey = image.colourspace(VIPS_INTERPRETATION_B_W).cast(VIPS_FORMAT_FLOAT);
  vips::VImage kernel = vips::VImage::new_matrixv(3, 3, 0.0, 1.0, 0.0, 1.0, -4.0, 1.0, 0.0, 1.0, 0.0);
  vips::VImage lap = grey.conv(kernel, vips::VImage::option()->set("precision", VIPS_PRECISION_FLOAT));
  return (lap * lap).avg();
}

class OperationProperties : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(initialize().ok());
    sunset_ = new std::vector<uint8_t>(read_bytes(corpus_file(kSunset)));
    free_ = new std::vector<uint8_t>(read_bytes(corpus_file(kFree)));
  }
  static const std::vector<uint8_t>& sunset() { return *sunset_; }
  static const std::vector<uint8_t>& free_photo() { return *free_; }
  static std::vector<uint8_t>* sunset_;
  static std::vector<uint8_t>* free_;
};
std::vector<uint8_t>* OperationProperties::sunset_ = nullptr;
std::vector<uint8_t>* OperationProperties::free_ = nullptr;

TEST_F(OperationProperties, FlipAndFlopTwiceAreIdentity) {
  const vips::VImage base = pixels(sunset(), "resize:w=400");
  EXPECT_EQ(max_abs_diff(pixels(sunset(), "resize:w=400/flip/flip"), base), 0);
  EXPECT_EQ(max_abs_diff(pixels(sunset(), "resize:w=400/flop/flop"), base), 0);
  // Direction: flip mirrors top to bottom, flop left to right.
  EXPECT_EQ(max_abs_diff(pixels(sunset(), "resize:w=400/flip"), base.flip(VIPS_DIRECTION_VERTICAL)), 0);
  EXPECT_EQ(max_abs_diff(pixels(sunset(), "resize:w=400/flop"), base.flip(VIPS_DIRECTION_HORIZONTAL)), 0);
  EXPECT_GT(max_abs_diff(pixels(sunset(), "resize:w=400/flip"), base), 50);
}

TEST_F(OperationProperties, RightAngleRotationsAreExactAndComposeToIdentity) {
  const vips::VImage base = pixels(free_photo(), "resize:w=300");
  EXPECT_EQ(max_abs_diff(pixels(free_photo(), "resize:w=300/rotate:deg=90/rotate:deg=90/rotate:deg=90/rotate:deg=90"), base), 0);
  EXPECT_EQ(max_abs_diff(pixels(free_photo(), "resize:w=300/rotate:deg=90/rotate:deg=270"), base), 0);
  EXPECT_EQ(max_abs_diff(pixels(free_photo(), "resize:w=300/rotate:deg=90"), base.rot90()), 0);
  EXPECT_EQ(max_abs_diff(pixels(free_photo(), "resize:w=300/rotate:deg=-90"), base.rot270()), 0);
  EXPECT_EQ(max_abs_diff(pixels(free_photo(), "resize:w=300/rotate:deg=180"), base.rot180()), 0);
  EXPECT_EQ(max_abs_diff(pixels(free_photo(), "resize:w=300/rotate:deg=360"), base), 0);
}

TEST_F(OperationProperties, ArbitraryRotationKeepsTheCentreAndFillsCorners) {
  const vips::VImage base = pixels(free_photo(), "resize:w=300");
  const vips::VImage rotated = pixels(free_photo(), "resize:w=300/rotate:deg=30,bg=ff0000");
  EXPECT_GT(rotated.width(), base.width());
  EXPECT_GT(rotated.height(), base.height());
  const auto corner = rotated.getpoint(1, 1);
  EXPECT_NEAR(corner[0], 255, 2);
  EXPECT_NEAR(corner[1], 0, 2);
  // Rotating back by -30 about the centre returns the middle of the photo.
  const vips::VImage back = pixels(free_photo(), "resize:w=300/rotate:deg=30/rotate:deg=-30");
  const int cx = back.width() / 2, cy = back.height() / 2;
  const vips::VImage centre = back.extract_area(cx - 40, cy - 30, 80, 60).extract_band(0, vips::VImage::option()->set("n", 3));
  const vips::VImage expected = base.extract_area(base.width() / 2 - 40, base.height() / 2 - 30, 80, 60);
  EXPECT_LT(mean_abs_diff(centre, expected), 4.0);
}

TEST_F(OperationProperties, FitKeepsAspectAndMatchesLibvipsThumbnail) {
  for (const std::string& file : {kSunset, kFree, kWine}) {
    const auto input = read_bytes(corpus_file(file));
    const vips::VImage original = decode(input);
    for (auto [w, h] : {std::pair{320, 240}, {200, 500}, {640, 100}}) {
      SCOPED_TRACE(file + " " + std::to_string(w) + "x" + std::to_string(h));
      const vips::VImage out = pixels(input, "resize:w=" + std::to_string(w) + ",h=" + std::to_string(h));
      EXPECT_LE(out.width(), w);
      EXPECT_LE(out.height(), h);
      EXPECT_TRUE(out.width() == w || out.height() == h);
      EXPECT_NEAR(double(out.width()) / out.height(), double(original.width()) / original.height(),
                  2.0 / std::min(out.width(), out.height()));
      // Same content as libvips' own thumbnailer at the same size.
      vips::VImage reference = vips::VImage::thumbnail_buffer(
          vips_blob_new(nullptr, input.data(), input.size()), out.width(),
          vips::VImage::option()->set("height", out.height())->set("size", VIPS_SIZE_FORCE));
      EXPECT_LT(mean_abs_diff(out, reference), 2.0);
    }
  }
}

TEST_F(OperationProperties, EnlargeOnlyWhenAsked) {
  const auto small = read_bytes(corpus_file("photo/goexif__sample1.jpg"));  // 500x375
  EXPECT_EQ(pixels(small, "resize:w=1000").width(), 500);
  EXPECT_EQ(pixels(small, "resize:w=1000,enlarge=true").width(), 1000);
  EXPECT_EQ(pixels(small, "resize:w=100,dpr=2").width(), 200);
}

TEST_F(OperationProperties, CoverFillsTheBoxAndCropsWhereTheGravitySays) {
  // The cover scale of 4272x2848 into 300x300 is the fill resize to height 300.
  const vips::VImage filled = pixels(sunset(), "resize:w=300,h=300,fit=fill");
  ASSERT_EQ(filled.height(), 300);
  const int spare = filled.width() - 300;
  struct Case {
    std::string gravity;
    int left;
  } cases[] = {{"west", 0}, {"centre", spare / 2}, {"east", spare}, {"focal,fx=0", 0}, {"focal,fx=1", spare}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.gravity);
    const vips::VImage out = pixels(sunset(), "resize:w=300,h=300,fit=cover,gravity=" + c.gravity);
    ASSERT_EQ(out.width(), 300);
    ASSERT_EQ(out.height(), 300);
    EXPECT_LT(mean_abs_diff(out, filled.extract_area(c.left, 0, 300, 300)), 1.0);
  }
  for (const std::string gravity : {"attention", "entropy", "north", "southeast"}) {
    const vips::VImage out = pixels(sunset(), "resize:w=240,h=100,fit=cover,gravity=" + gravity);
    EXPECT_EQ(out.width(), 240);
    EXPECT_EQ(out.height(), 100);
  }
}

TEST_F(OperationProperties, ContainPadsWithTheBackground) {
  const vips::VImage out = pixels(sunset(), "resize:w=300,h=300,fit=contain,bg=ff0000");
  ASSERT_EQ(out.width(), 300);
  ASSERT_EQ(out.height(), 300);
  // 4272x2848 fits as 300x200: 50-pixel red bars above and below.
  for (int y : {2, 48, 252, 297}) {
    const auto p = out.getpoint(150, y);
    EXPECT_NEAR(p[0], 255, 1) << y;
    EXPECT_NEAR(p[1], 0, 1) << y;
  }
  const vips::VImage fitted = pixels(sunset(), "resize:w=300,h=300");
  EXPECT_LT(mean_abs_diff(out.extract_area(0, 50, 300, 200), fitted), 1.0);
  // A translucent background gives a transparent bar in PNG.
  const vips::VImage clear = pixels(sunset(), "resize:w=300,h=300,fit=contain,bg=00000000");
  ASSERT_EQ(clear.bands(), 4);
  EXPECT_EQ(clear.getpoint(150, 10)[3], 0);
  EXPECT_EQ(clear.getpoint(150, 150)[3], 255);
}

TEST_F(OperationProperties, FillCoversWithoutCroppingAndForceStretches) {
  const vips::VImage fill = pixels(sunset(), "resize:w=300,h=300,fit=fill");
  EXPECT_EQ(fill.height(), 300);
  EXPECT_EQ(fill.width(), 450);
  const vips::VImage force = pixels(sunset(), "resize:w=300,h=300,fit=force");
  EXPECT_EQ(force.width(), 300);
  EXPECT_EQ(force.height(), 300);
  // Stretching horizontally-squeezed content: the force result equals the fill one squeezed.
  EXPECT_LT(mean_abs_diff(force, fill.resize(300.0 / 450, vips::VImage::option()->set("vscale", 1.0))), 2.5);
}

TEST_F(OperationProperties, CropBoxAndGravityTakeTheRightPixels) {
  const vips::VImage base = pixels(free_photo(), "resize:w=600");
  EXPECT_EQ(max_abs_diff(pixels(free_photo(), "resize:w=600/crop:x=100,y=50,w=200,h=120"),
                         base.extract_area(100, 50, 200, 120)), 0);
  EXPECT_EQ(max_abs_diff(pixels(free_photo(), "resize:w=600/crop:w=200,h=120,gravity=southeast"),
                         base.extract_area(400, base.height() - 120, 200, 120)), 0);
  // A box reaching past the edge is clipped to the image.
  const vips::VImage clipped = pixels(free_photo(), "resize:w=600/crop:x=500,y=0,w=300,h=10");
  EXPECT_EQ(clipped.width(), 100);
  // Smart crop keeps its size.
  const vips::VImage smart = pixels(free_photo(), "resize:w=600/crop:w=200,h=200,gravity=attention");
  EXPECT_EQ(smart.width(), 200);
  EXPECT_EQ(smart.height(), 200);
}

TEST_F(OperationProperties, ExtendAddsExactBordersAndTrimRemovesThem) {
  const vips::VImage base = pixels(free_photo(), "resize:w=300");
  const vips::VImage framed = pixels(free_photo(), "resize:w=300/extend:top=10,right=20,bottom=30,left=40,bg=00ff00");
  ASSERT_EQ(framed.width(), base.width() + 60);
  ASSERT_EQ(framed.height(), base.height() + 40);
  for (auto [x, y] : {std::pair{5, 100}, {framed.width() - 5, 100}, {100, 3}, {100, framed.height() - 3}}) {
    const auto p = framed.getpoint(x, y);
    EXPECT_EQ(p[0], 0);
    EXPECT_EQ(p[1], 255);
    EXPECT_EQ(p[2], 0);
  }
  EXPECT_EQ(max_abs_diff(framed.extract_area(40, 10, base.width(), base.height()), base), 0);
  // Round trip: trim finds the border again.
  const vips::VImage trimmed = pixels(free_photo(), "resize:w=300/extend:top=10,right=20,bottom=30,left=40,bg=00ff00/trim");
  EXPECT_EQ(trimmed.width(), base.width());
  EXPECT_EQ(trimmed.height(), base.height());
  EXPECT_EQ(max_abs_diff(trimmed, base), 0);
  // The default border is transparent in PNG and white once flattened into JPEG.
  const vips::VImage clear = pixels(free_photo(), "resize:w=300/extend:left=10");
  ASSERT_EQ(clear.bands(), 4);
  EXPECT_EQ(clear.getpoint(3, 50)[3], 0);
  const vips::VImage jpeg = decode(run_chain(free_photo(), "resize:w=300/extend:left=10/format:type=jpeg").bytes);
  EXPECT_GT(jpeg.getpoint(3, 50)[0], 250);
}

TEST_F(OperationProperties, BlurAndSharpenMoveHighFrequencyEnergyMonotonically) {
  const double none = laplacian_energy(pixels(free_photo(), "resize:w=400"));
  double previous = none;
  for (const std::string sigma : {"0.5", "1", "2", "4"}) {
    const double e = laplacian_energy(pixels(free_photo(), "resize:w=400/blur:sigma=" + sigma));
    EXPECT_LT(e, previous) << sigma;
    previous = e;
  }
  previous = none;
  for (const std::string jagged : {"1", "3", "6"}) {
    const double e = laplacian_energy(pixels(free_photo(), "resize:w=400/sharpen:jagged=" + jagged));
    EXPECT_GT(e, previous) << jagged;
    previous = e;
  }
}

TEST_F(OperationProperties, ExifOrientationIsAppliedAtLoad) {
  const auto rotated = read_bytes(corpus_file("extra/orient6-derived__friends.jpg"));
  const auto upright = read_bytes(corpus_file("photo/lomiri16__friends_by_Aitzol_Berasategi.jpg"));
  // jpegtran -trim dropped the partial MCU column (2056 -> 2048 px wide), so both are forced into
  // the same box; the 0.4 % stretch is far below the tolerance.
  const std::string box = "resize:w=300,h=450,fit=force";
  const vips::VImage expected = pixels(upright, box);
  EXPECT_LT(mean_abs_diff(pixels(rotated, box), expected), 3.0);
  ProcessOptions raw;
  raw.auto_orient = false;
  const vips::VImage as_stored = pixels(rotated, "resize:h=300", raw);
  EXPECT_GT(as_stored.width(), as_stored.height());
  EXPECT_GT(mean_abs_diff(pixels(rotated, box, raw), expected), 20.0);
  EXPECT_LT(mean_abs_diff(pixels(rotated, "rotate:deg=90/" + box, raw), expected), 3.0);
  EXPECT_LT(mean_abs_diff(pixels(rotated, "autoorient/" + box, raw), expected), 3.0);
}

TEST_F(OperationProperties, CmykBecomesSrgbThatLooksLikeTheOriginal) {
  const vips::VImage cmyk = pixels(read_bytes(corpus_file("extra/cmyk-derived__Wine.jpg")), "resize:w=300");
  const vips::VImage original = pixels(read_bytes(corpus_file(kWine)), "resize:w=300");
  EXPECT_EQ(cmyk.bands(), 3);
  EXPECT_EQ(cmyk.interpretation(), VIPS_INTERPRETATION_sRGB);
  // The round trip through a CMYK profile cannot be exact (gamut): a few levels on average.
  EXPECT_LT(mean_abs_diff(cmyk, original), 8.0);
}

TEST_F(OperationProperties, AlphaIsKeptOrFlattenedOntoWhite) {
  const auto png = read_bytes(corpus_file("extra/png-alpha-derived__Dragonfly.png"));
  EXPECT_EQ(pixels(png, "resize:w=200").bands(), 4);
  EXPECT_EQ(decode(run_chain(png, "resize:w=200/format:type=webp").bytes).bands(), 4);
  const vips::VImage jpeg = decode(run_chain(png, "resize:w=200/format:type=jpeg").bytes);
  EXPECT_EQ(jpeg.bands(), 3);
  const auto corner = jpeg.getpoint(1, 1);  // transparent in the source
  EXPECT_GT(corner[0], 245);
  EXPECT_GT(corner[1], 245);
  EXPECT_GT(corner[2], 245);
}

TEST_F(OperationProperties, MetadataIsStrippedUnlessKept) {
  const auto exif_photo = read_bytes(corpus_file("photo/goexif__sample1.jpg"));
  ASSERT_NE(decode(exif_photo).get_typeof(VIPS_META_EXIF_NAME), 0u);
  for (const std::string type : {"jpeg", "png", "webp"}) {
    SCOPED_TRACE(type);
    const vips::VImage out = decode(run_chain(exif_photo, "resize:w=100/format:type=" + type).bytes);
    EXPECT_EQ(out.get_typeof(VIPS_META_EXIF_NAME), 0u);
    EXPECT_EQ(out.get_typeof(VIPS_META_XMP_NAME), 0u);
    EXPECT_EQ(out.get_typeof(VIPS_META_ICC_NAME), 0u);
  }
  // The CMYK photo carries a profile; after conversion its sRGB profile is what keep=icc keeps.
  const auto profiled = read_bytes(corpus_file("extra/cmyk-derived__Wine.jpg"));
  for (const std::string type : {"jpeg", "png", "webp"}) {
    SCOPED_TRACE(type);
    const vips::VImage kept = decode(run_chain(profiled, "resize:w=100/format:keep=icc,type=" + type).bytes);
    EXPECT_NE(kept.get_typeof(VIPS_META_ICC_NAME), 0u);
    EXPECT_EQ(kept.get_typeof(VIPS_META_EXIF_NAME), 0u);
    const vips::VImage stripped = decode(run_chain(profiled, "resize:w=100/format:type=" + type).bytes);
    EXPECT_EQ(stripped.get_typeof(VIPS_META_ICC_NAME), 0u);
  }
  // Copyright notices survive with keep=copyright, nothing else of the EXIF does.
  auto signed_photo = codecs::rewrite_metadata(exif_photo, {"Ada Photographer", "(c) 2026 Ada"}, true);
  ASSERT_TRUE(signed_photo.ok()) << signed_photo.status().ToString();
  const auto kept = run_chain(*signed_photo, "resize:w=100/format:type=jpeg,keep=copyright").bytes;
  const codecs::CopyrightNotice notice = codecs::read_copyright(kept);
  EXPECT_EQ(notice.artist, "Ada Photographer");
  EXPECT_EQ(notice.copyright, "(c) 2026 Ada");
  const vips::VImage kept_image = decode(kept);
  EXPECT_EQ(kept_image.get_typeof("exif-ifd0-Make"), 0u);
  EXPECT_TRUE(codecs::read_copyright(run_chain(*signed_photo, "resize:w=100/format:type=jpeg").bytes).empty());
}

TEST_F(OperationProperties, EveryOutputFormatDecodesWithItsLoader) {
  const struct {
    std::string type, loader;
  } formats[] = {{"jpeg", "jpegload"}, {"png", "pngload"}, {"webp", "webpload"},
                 {"avif", "heifload"}, {"heic", "heifload"}, {"gif", "gifload"}};
  const vips::VImage reference = pixels(free_photo(), "resize:w=160");
  for (const auto& f : formats) {
    SCOPED_TRACE(f.type);
    const Encoded out = run_chain(free_photo(), "resize:w=160/format:type=" + f.type);
    EXPECT_EQ(format_name(out.format), f.type);
    const vips::VImage image = decode(out.bytes);
    EXPECT_EQ(std::string(image.get_string("vips-loader")), f.loader + "_buffer");
    EXPECT_EQ(image.width(), 160);
    EXPECT_EQ(image.height(), 120);
    // Lossy encoders at their default quality stay close to the source (GIF: 256 colours).
    EXPECT_LT(mean_abs_diff(image.extract_band(0, vips::VImage::option()->set("n", 3)), reference), 6.0);
  }
}

TEST_F(OperationProperties, EncoderOptionsTakeEffect) {
  const Encoded progressive = run_chain(free_photo(), "resize:w=300/format:type=jpeg,progressive=true");
  const Encoded baseline = run_chain(free_photo(), "resize:w=300/format:type=jpeg");
  EXPECT_EQ(decode(progressive.bytes).get_int("interlaced"), 1);
  EXPECT_EQ(decode(baseline.bytes).get_typeof("interlaced"), 0u);
  const Encoded palette = run_chain(free_photo(), "resize:w=300/format:type=png,palette=true");
  EXPECT_EQ(decode(palette.bytes).get_int("palette-bit-depth"), 8);
  EXPECT_LT(palette.bytes.size(), run_chain(free_photo(), "resize:w=300/format:type=png").bytes.size());
  for (const std::string type : {"jpeg", "webp", "avif"}) {
    SCOPED_TRACE(type);
    const size_t low = run_chain(free_photo(), "resize:w=300/format:q=30,type=" + type).bytes.size();
    const size_t high = run_chain(free_photo(), "resize:w=300/format:q=90,type=" + type).bytes.size();
    EXPECT_LT(low, high);
  }
  const size_t sub = run_chain(free_photo(), "resize:w=300/format:type=jpeg,q=90,subsample=on").bytes.size();
  const size_t full = run_chain(free_photo(), "resize:w=300/format:type=jpeg,q=90,subsample=off").bytes.size();
  EXPECT_LT(sub, full);
}

TEST_F(OperationProperties, PlannedSizesAreTheRealSizes) {
  const std::vector<std::string> chains = {
      "resize:w=320", "resize:w=333,h=111", "resize:w=300,h=300,fit=cover,gravity=attention",
      "resize:w=250,h=250,fit=contain", "resize:w=257,h=100,fit=fill", "resize:w=99,h=77,fit=force",
      "resize:w=100,dpr=3", "resize:w=640/crop:w=101,h=99,gravity=east", "resize:w=200/rotate:deg=90/extend:left=7",
      "w320", "f320_240", "ff320_240", "s128", "h97"};
  for (const std::string& file : {kSunset, kWine, std::string("photo/goexif__sample1.jpg"),
                                  std::string("extra/orient6-derived__friends.jpg"),
                                  std::string("extra/webp-derived__sunset-q80.webp"),
                                  std::string("extra/heic-derived__life-q50.heic"),
                                  std::string("extra/png-alpha-derived__Dragonfly.png")}) {
    const auto input = read_bytes(corpus_file(file));
    auto source = probe(input, {});
    ASSERT_TRUE(source.ok()) << file << ": " << source.status().ToString();
    for (const std::string& text : chains) {
      SCOPED_TRACE(file + " " + text);
      auto chain = parse_chain(text);
      ASSERT_TRUE(chain.ok());
      auto plan = make_plan(*chain, *source, {});
      ASSERT_TRUE(plan.ok()) << plan.status().ToString();
      auto out = execute(input, *plan, {});
      ASSERT_TRUE(out.ok()) << out.status().ToString();
      const vips::VImage image = decode(out->bytes);
      EXPECT_EQ(image.width(), plan->out_width);
      EXPECT_EQ(image.height(), plan->out_height);
    }
  }
}

TEST_F(OperationProperties, ShrinkOnLoadLooksLikeAFullDecode) {
  // PNG input has no reduced decode: the same photo as PNG is the full-decode reference.
  for (const std::string& file : {kSunset, kFree}) {
    SCOPED_TRACE(file);
    const auto jpeg = read_bytes(corpus_file(file));
    vips::VImage full = decode(jpeg);
    const auto png_copy = static_cast<vips::VImage>(full).pngsave_buffer(vips::VImage::option()->set("compression", 1));
    size_t size = 0;
    const auto* data = static_cast<const uint8_t*>(vips_blob_get(png_copy, &size));
    const std::vector<uint8_t> png(data, data + size);
    vips_area_unref(VIPS_AREA(png_copy));
    auto chain = parse_chain("resize:w=320");
    auto plan = make_plan(*chain, *probe(jpeg, {}), {});
    ASSERT_EQ(plan->load_shrink, 8);
    const double diff = mean_abs_diff(pixels(jpeg, "resize:w=320"), pixels(png, "resize:w=320"));
    std::printf("shrink-on-load vs full decode on %s: mean abs diff %.2f\n", file.c_str(), diff);
    EXPECT_LT(diff, 2.5);
  }
}

TEST_F(OperationProperties, HeifEmbeddedThumbnailIsDecodedWhenLargeEnough) {
  const auto with_thumb = read_bytes(corpus_file("extra/heic-thumb-derived__life-q50.heic"));
  const auto without = read_bytes(corpus_file("extra/heic-derived__life-q50.heic"));
  auto source = probe(with_thumb, {});
  ASSERT_TRUE(source.ok());
  EXPECT_EQ(source->thumbnail_width, 320);
  auto small = make_plan(*parse_chain("resize:w=200"), *source, {});
  ASSERT_TRUE(small.ok());
  EXPECT_TRUE(small->heif_thumbnail);
  EXPECT_FALSE(make_plan(*parse_chain("resize:w=400"), *source, {})->heif_thumbnail);
  // The thumbnail is the same picture as the full image (same framing, orientation, colour)...
  const vips::VImage from_thumb = pixels(with_thumb, "resize:w=200");
  EXPECT_EQ(from_thumb.width(), 200);
  EXPECT_LT(mean_abs_diff(pixels(with_thumb, "resize:w=50"), pixels(without, "resize:w=50")), 3.0);
  // ...with the detail of its own encoding (here HEVC q50 at 320 px on a very textured photo:
  // 7 levels of 255 at 200 px). Phones store better thumbnails; docs/engine.md notes the trade-off.
  EXPECT_LT(mean_abs_diff(from_thumb, pixels(without, "resize:w=200")), 10.0);
}

TEST_F(OperationProperties, DeadlineCancelsTheComputation) {
  auto chain = parse_chain("rotate:deg=33/blur:sigma=5");
  ProcessOptions late;
  late.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  auto out = process(sunset(), *chain, late);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), ErrorCode::kTimeout);
  ProcessOptions generous;
  generous.deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  auto fine = process(free_photo(), *parse_chain("resize:w=100"), generous);
  EXPECT_TRUE(fine.ok()) << fine.status().message();
}

}  // namespace
}  // namespace pictor
