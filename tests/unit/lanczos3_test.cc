// The SIMD Lanczos-3 reduction (src/kernels/lanczos3.cc): its weights, its agreement with
// libvips' resize on real photos, every compiled SIMD target, and its use by the resize op.
#include <gtest/gtest.h>
#include <hwy/targets.h>

#include <cmath>
#include <cstring>
#include <numeric>

#include "kernels/lanczos3.h"
#include "ops/in_memory.h"
#include "test_support.h"

namespace pictor {
namespace {

using kernels::PixelsView;

class Lanczos3Reduce : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(initialize().ok()); }  // libvips, as the engine sets it up
};

vips::VImage load_photo(const std::string& name, int bands) {
  vips::VImage image =
      vips::VImage::new_from_file(testing::corpus_file(name).c_str()).colourspace(
          VIPS_INTERPRETATION_sRGB);
  if (bands == 1) return image.colourspace(VIPS_INTERPRETATION_B_W).copy_memory();
  if (bands == 4) return image.bandjoin_const({200}).copy_memory();  // a fourth plain band
  return image.copy_memory();
}

vips::VImage reduce(const vips::VImage& in, int width, int height) {
  const PixelsView view{static_cast<const uint8_t*>(in.data()), in.width(), in.height(), in.bands(),
                        static_cast<size_t>(VIPS_IMAGE_SIZEOF_LINE(in.get_image()))};
  std::vector<uint8_t> out(static_cast<size_t>(width) * height * in.bands());
  kernels::reduce_lanczos3(view, width, height, out.data());
  return vips::VImage::new_from_memory(out.data(), out.size(), width, height, in.bands(),
                                       VIPS_FORMAT_UCHAR)
      .copy()
      .copy_memory();  // rendered into pixels of its own (copy_memory alone would share `out`)
}

// libvips' pure Lanczos-3 reduction (`reduce`; `resize` would box-shrink first for factors of 4
// and more, which the kernel deliberately does not).
vips::VImage vips_lanczos3(const vips::VImage& in, int width, int height) {
  return in.reduce(static_cast<double>(in.width()) / width, static_cast<double>(in.height()) / height,
                   vips::VImage::option()->set("kernel", VIPS_KERNEL_LANCZOS3));
}

double max_abs_diff(const vips::VImage& a, const vips::VImage& b) {
  return (a.cast(VIPS_FORMAT_FLOAT) - b.cast(VIPS_FORMAT_FLOAT)).abs().max();
}
double mean_abs_diff(const vips::VImage& a, const vips::VImage& b) {
  return (a.cast(VIPS_FORMAT_FLOAT) - b.cast(VIPS_FORMAT_FLOAT)).abs().avg();
}

TEST(Lanczos3Taps, WeightsSumToOneAndStayInsideTheInput) {
  for (auto [in, out] : {std::pair{768, 320}, {512, 213}, {1000, 1}, {7, 3}, {100, 99}, {5, 5}}) {
    const kernels::Taps taps = kernels::lanczos3_taps(in, out);
    ASSERT_EQ(taps.first.size(), static_cast<size_t>(out));
    for (int o = 0; o < out; ++o) {
      EXPECT_GE(taps.first[o], 0);
      EXPECT_GE(taps.count[o], 1);
      EXPECT_LE(taps.first[o] + taps.count[o], in) << in << "->" << out << " output " << o;
      EXPECT_LE(taps.count[o], taps.max_taps);
      const float* w = &taps.weight[static_cast<size_t>(o) * taps.max_taps];
      EXPECT_NEAR(std::accumulate(w, w + taps.count[o], 0.0), 1.0, 1e-5);
    }
  }
}

TEST(Lanczos3Taps, KernelWidensWithTheFactorAndIsSymmetric) {
  // 2x: the centre of output o sits between inputs 2o and 2o+1, so the weights mirror.
  const kernels::Taps taps = kernels::lanczos3_taps(100, 50);
  const int o = 25;
  ASSERT_EQ(taps.count[o], 12);  // support 3 lobes x factor 2 on each side
  const float* w = &taps.weight[static_cast<size_t>(o) * taps.max_taps];
  for (int k = 0; k < 6; ++k) EXPECT_NEAR(w[k], w[11 - k], 1e-6) << k;
  EXPECT_EQ(taps.first[o], 2 * o - 5);
  // Same size: the identity, one tap.
  const kernels::Taps same = kernels::lanczos3_taps(40, 40);
  EXPECT_EQ(same.max_taps, 1);
  EXPECT_EQ(same.first[17], 17);
}

TEST_F(Lanczos3Reduce, FlatImagesStayExactlyFlat) {
  for (int bands : {1, 2, 3, 4}) {
    vips::VImage flat = (vips::VImage::black(333, 217, vips::VImage::option()->set("bands", bands)) + 137)
                            .cast(VIPS_FORMAT_UCHAR)
                            .copy_memory();
    vips::VImage out = reduce(flat, 101, 50);
    EXPECT_EQ(out.min(), 137) << bands << " bands";
    EXPECT_EQ(out.max(), 137) << bands << " bands";
  }
}

// An independent reference: the separable Lanczos-3 sum in double precision, straight from the
// definition (centre-aligned samples, kernel widened by the factor, edges copied).
double lanczos3(double x) {
  if (x == 0) return 1;
  if (std::abs(x) >= 3) return 0;
  const double px = M_PI * x;
  return 3 * std::sin(px) * std::sin(px / 3) / (px * px);
}

// Reference reduction of one band (bands are independent).
std::vector<double> reference_band(const vips::VImage& in, int band, int width, int height) {
  const int w = in.width(), h = in.height(), bands = in.bands();
  const auto* pixels = static_cast<const uint8_t*>(in.data());
  std::vector<double> plane(static_cast<size_t>(w) * h);
  for (size_t i = 0; i < plane.size(); ++i) plane[i] = pixels[i * bands + band];
  // Vertical: lines are columns (stride 1 between lines, step w between samples).
  std::vector<double> vertical(static_cast<size_t>(w) * height);
  const double vscale = static_cast<double>(h) / height;
  for (int x = 0; x < w; ++x) {
    for (int o = 0; o < height; ++o) {
      const double centre = (o + 0.5) * vscale - 0.5;
      double sum = 0, total = 0;
      for (int i = static_cast<int>(std::ceil(centre - 3 * vscale));
           i <= static_cast<int>(std::floor(centre + 3 * vscale)); ++i) {
        const double wt = h == height ? (i == o ? 1.0 : 0.0) : lanczos3((i - centre) / vscale);
        sum += wt * plane[static_cast<size_t>(std::clamp(i, 0, h - 1)) * w + x];
        total += wt;
      }
      vertical[static_cast<size_t>(o) * w + x] = sum / total;
    }
  }
  std::vector<double> out(static_cast<size_t>(width) * height);
  const double hscale = static_cast<double>(w) / width;
  for (int y = 0; y < height; ++y) {
    for (int o = 0; o < width; ++o) {
      const double centre = (o + 0.5) * hscale - 0.5;
      double sum = 0, total = 0;
      for (int i = static_cast<int>(std::ceil(centre - 3 * hscale));
           i <= static_cast<int>(std::floor(centre + 3 * hscale)); ++i) {
        const double wt = w == width ? (i == o ? 1.0 : 0.0) : lanczos3((i - centre) / hscale);
        sum += wt * vertical[static_cast<size_t>(y) * w + std::clamp(i, 0, w - 1)];
        total += wt;
      }
      out[static_cast<size_t>(y) * width + o] = sum / total;
    }
  }
  return out;
}

struct Case {
  std::string photo;
  int bands;
  double factor_w, factor_h;
};
const std::vector<Case>& photo_cases() {
  static const std::vector<Case> cases = {
      {"photo/lomiri16__sunset_by_Aitzol_Berasategi.jpg", 3, 2.4, 2.4},
      {"photo/lomiri16__Wine_by_Jakkub_Mede.jpg", 3, 7.3, 7.1},
      {"photo/lomiri16__Dragonfly_by_Bolly.jpg", 1, 1.3, 1.7},
      {"photo/lomiri16__seeding_by_Clements_Engelhardt.jpg", 4, 3.0, 1.0},
      {"photo/lomiri16__sunset_by_Aitzol_Berasategi.jpg", 3, 1.0, 4.5},
  };
  return cases;
}

// The SIMD strips, transposes and targets against the double-precision definition: every
// pixel within one level (float accumulation, then rounding).
TEST_F(Lanczos3Reduce, MatchesTheDefinitionOnRealPhotos) {
  for (const Case& c : photo_cases()) {
    const vips::VImage in = load_photo(c.photo, c.bands).resize(0.1).copy_memory();
    const int w = static_cast<int>(std::lround(in.width() / c.factor_w));
    const int h = static_cast<int>(std::lround(in.height() / c.factor_h));
    const vips::VImage ours = reduce(in, w, h);
    const auto* pixels = static_cast<const uint8_t*>(ours.data());
    for (int band = 0; band < in.bands(); ++band) {
      const std::vector<double> expected = reference_band(in, band, w, h);
      double worst = 0;
      for (size_t i = 0; i < expected.size(); ++i) {
        const double want = std::clamp(std::round(expected[i]), 0.0, 255.0);
        worst = std::max(worst, std::abs(pixels[i * in.bands() + band] - want));
      }
      EXPECT_LE(worst, 1.0) << c.photo << " band " << band << " to " << w << "x" << h;
    }
  }
}

// The same convention as libvips' own lanczos3 `reduce`, which rounds to 8 bits between its
// passes and quantises sample phases: a few levels at sharp edges, well under a level on average.
TEST_F(Lanczos3Reduce, AgreesWithLibvipsOnRealPhotos) {
  for (const Case& c : photo_cases()) {
    const vips::VImage in = load_photo(c.photo, c.bands).resize(0.25).copy_memory();
    const int w = static_cast<int>(std::lround(in.width() / c.factor_w));
    const int h = static_cast<int>(std::lround(in.height() / c.factor_h));
    const vips::VImage ours = reduce(in, w, h);
    const vips::VImage theirs = vips_lanczos3(in, w, h);
    ASSERT_EQ(theirs.width(), w);
    ASSERT_EQ(theirs.height(), h);
    EXPECT_LE(max_abs_diff(ours, theirs), 12.0) << c.photo << " " << w << "x" << h;
    EXPECT_LT(mean_abs_diff(ours, theirs), 0.5) << c.photo << " " << w << "x" << h;
  }
}

TEST_F(Lanczos3Reduce, EdgeCasesOfSize) {
  vips::VImage in = load_photo("photo/lomiri16__sunset_by_Aitzol_Berasategi.jpg", 3)
                        .crop(100, 100, 97, 61)
                        .copy_memory();
  for (auto [w, h] : {std::pair{1, 1}, {97, 1}, {1, 61}, {96, 60}, {97, 61}, {3, 2}}) {
    vips::VImage out = reduce(in, w, h);
    ASSERT_EQ(out.width(), w);
    ASSERT_EQ(out.height(), h);
    // A 1x1 reduction is (about) the image's weighted mean: inside the input's range.
    EXPECT_GE(out.min(), in.min());
    EXPECT_LE(out.max(), in.max());
  }
  vips::VImage same = reduce(in, 97, 61);
  EXPECT_EQ(max_abs_diff(same, in), 0) << "same size is the identity";
}

TEST_F(Lanczos3Reduce, RowStrideIsHonoured) {
  vips::VImage in = load_photo("photo/lomiri16__sunset_by_Aitzol_Berasategi.jpg", 3)
                        .resize(0.1)
                        .copy_memory();
  // The same pixels with 13 bytes of padding after every row.
  const size_t row = static_cast<size_t>(in.width()) * 3, stride = row + 13;
  std::vector<uint8_t> padded(stride * in.height(), 0xAB);
  for (int y = 0; y < in.height(); ++y) {
    std::memcpy(&padded[y * stride], static_cast<const uint8_t*>(in.data()) + y * row, row);
  }
  std::vector<uint8_t> a(static_cast<size_t>(50) * 40 * 3), b(a.size());
  kernels::reduce_lanczos3({padded.data(), in.width(), in.height(), 3, stride}, 50, 40, a.data());
  kernels::reduce_lanczos3({static_cast<const uint8_t*>(in.data()), in.width(), in.height(), 3, row},
                           50, 40, b.data());
  EXPECT_EQ(a, b);
}

// Highway compiles the kernel for several instruction sets and picks one at run time; each one
// this CPU supports must give the same pixels as the portable one, up to float rounding.
TEST_F(Lanczos3Reduce, EverySimdTargetAgrees) {
  vips::VImage in = load_photo("photo/lomiri16__Wine_by_Jakkub_Mede.jpg", 3)
                        .resize(0.2)
                        .copy_memory();
  std::vector<vips::VImage> outputs;
  std::vector<std::string> names;
  for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    outputs.push_back(reduce(in, 123, 77));
    names.push_back(hwy::TargetName(target));
  }
  hwy::SetSupportedTargetsForTest(0);
  ASSERT_GE(outputs.size(), 2u) << "expected a SIMD target and the portable one";
  for (size_t i = 1; i < outputs.size(); ++i) {
    EXPECT_LE(max_abs_diff(outputs[i], outputs[0]), 1.0) << names[i] << " vs " << names[0];
  }
}

// The resize op uses the kernel for 8-bit images without alpha and libvips otherwise; either
// way the result matches libvips' lanczos3 and keeps the ICC profile the encoder may write.
TEST_F(Lanczos3Reduce, ResizeOpUsesItAndKeepsTheIccProfile) {
  vips::VImage in = load_photo("photo/lomiri16__sunset_by_Aitzol_Berasategi.jpg", 3);
  const std::vector<uint8_t> profile = {1, 2, 3, 4, 5, 6, 7, 8};
  vips_image_set_blob_copy(in.get_image(), VIPS_META_ICC_NAME, profile.data(), profile.size());
  auto reduced = ops::reduce_in_memory(in, {320, 213}, nullptr);
  ASSERT_TRUE(reduced.has_value());
  EXPECT_EQ(reduced->width(), 320);
  EXPECT_EQ(reduced->height(), 213);
  EXPECT_EQ(reduced->interpretation(), VIPS_INTERPRETATION_sRGB);
  size_t size = 0;
  const auto* kept = static_cast<const uint8_t*>(reduced->get_blob(VIPS_META_ICC_NAME, &size));
  EXPECT_EQ(std::vector<uint8_t>(kept, kept + size), profile) << "the ICC profile is carried over";
  EXPECT_LT(mean_abs_diff(*reduced, vips_lanczos3(in, 320, 213)), 1.0);

  // Not for enlargements, alpha or 16-bit: those stay with libvips.
  EXPECT_FALSE(ops::reduce_in_memory(in, {in.width() + 1, 213}, nullptr).has_value());
  EXPECT_FALSE(ops::reduce_in_memory(in.bandjoin_const({255}).copy(vips::VImage::option()->set(
                                         "interpretation", VIPS_INTERPRETATION_sRGB)),
                                     {320, 213}, nullptr)
                   .has_value());
  EXPECT_FALSE(ops::reduce_in_memory(in.cast(VIPS_FORMAT_USHORT), {320, 213}, nullptr).has_value());
}

TEST_F(Lanczos3Reduce, AnExpiredDeadlineStopsTheDecode) {
  const auto bytes = testing::read_bytes(
      testing::corpus_file("photo/lomiri16__sunset_by_Aitzol_Berasategi.jpg"));
  vips::VImage lazy = vips::VImage::new_from_buffer(bytes.data(), bytes.size(), "",
                                                    vips::VImage::option()->set("access", VIPS_ACCESS_SEQUENTIAL));
  const auto past = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  EXPECT_THROW(ops::reduce_in_memory(lazy, {320, 213}, &past), vips::VError);
}

}  // namespace
}  // namespace pictor
