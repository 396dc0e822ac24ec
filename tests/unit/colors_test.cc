// The colors extractor and its pure algorithms (src/metadata/colors.h): the transfer function,
// Lab and base 83 on published values, palettes of synthetic images with known answers, the
// average against libvips on every corpus file, BlurHash against the reference implementation
// (npm `blurhash`, run under node) and its decode against a blurred copy of the image.
#include "metadata/colors.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>

#include "metadata/extractor.h"
#include "test_support.h"

namespace pictor {
namespace {

namespace colors = metadata::colors;
using nlohmann::json;
using testing::corpus_file;
using testing::read_bytes;

class Colors : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(initialize().ok()); }
};

// --- helpers ----------------------------------------------------------------------------------

colors::RgbImage filled(int width, int height, colors::Rgb8 c) {
  colors::RgbImage image;
  image.width = width;
  image.height = height;
  for (int i = 0; i < width * height; ++i) image.pixels.insert(image.pixels.end(), {c.r, c.g, c.b});
  return image;
}

// Columns [0, split) in `left`, the rest in `right`.
colors::RgbImage split(int width, int height, int split_at, colors::Rgb8 left, colors::Rgb8 right) {
  colors::RgbImage image = filled(width, height, right);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < split_at; ++x) {
      uint8_t* p = &image.pixels[(static_cast<size_t>(y) * width + x) * 3];
      p[0] = left.r, p[1] = left.g, p[2] = left.b;
    }
  return image;
}

colors::RgbImage pixels_of(const vips::VImage& image) {
  size_t size = 0;
  void* data = image.write_to_memory(&size);
  colors::RgbImage out;
  out.pixels.assign(static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + size);
  g_free(data);
  out.width = image.width();
  out.height = image.height();
  return out;
}

std::vector<uint8_t> encode(const colors::RgbImage& image, const char* suffix) {
  vips::VImage v =
      vips::VImage::new_from_memory(const_cast<uint8_t*>(image.pixels.data()), image.pixels.size(),
                                    image.width, image.height, 3, VIPS_FORMAT_UCHAR);
  return testing::encode(v, suffix);
}

// The shared preview, exactly as the extractor sees it.
vips::VImage preview_of(const std::vector<uint8_t>& bytes) {
  metadata::InfoInput in;
  in.bytes = bytes;
  auto preview = in.preview();
  EXPECT_TRUE(preview.ok()) << preview.status().message();
  return preview.ok() ? *preview
                      : vips::VImage::black(1, 1, vips::VImage::option()->set("bands", 3));
}

json colors_of(const std::vector<uint8_t>& bytes) {
  auto info = extract_info(bytes, {{}, {"colors"}});
  EXPECT_TRUE(info.ok()) << info.status().message();
  if (!info.ok()) return nullptr;
  EXPECT_EQ((*info)["errors"], json::object());
  return (*info)["colors"];
}

colors::Rgb8 from_hex(const std::string& hex) {
  unsigned r = 0, g = 0, b = 0;
  EXPECT_EQ(std::sscanf(hex.c_str(), "#%2x%2x%2x", &r, &g, &b), 3) << hex;
  return {static_cast<uint8_t>(r), static_cast<uint8_t>(g), static_cast<uint8_t>(b)};
}

int max_channel_diff(colors::Rgb8 x, colors::Rgb8 y) {
  return std::max({std::abs(x.r - y.r), std::abs(x.g - y.g), std::abs(x.b - y.b)});
}

// libvips' own mean of the preview in linear light (scRGB), back to 8-bit sRGB.
colors::Rgb8 vips_linear_average(const vips::VImage& preview) {
  const vips::VImage linear = preview.colourspace(VIPS_INTERPRETATION_scRGB);
  std::vector<double> mean;
  for (int b = 0; b < 3; ++b) mean.push_back(linear.extract_band(b).avg());
  const vips::VImage pixel =
      (vips::VImage::black(1, 1, vips::VImage::option()->set("bands", 3)) + mean)
          .cast(VIPS_FORMAT_FLOAT)
          .copy(vips::VImage::option()->set("interpretation", VIPS_INTERPRETATION_scRGB))
          .colourspace(VIPS_INTERPRETATION_sRGB);
  const std::vector<double> srgb = pixel.getpoint(0, 0);
  return {static_cast<uint8_t>(std::lround(srgb[0])), static_cast<uint8_t>(std::lround(srgb[1])),
          static_cast<uint8_t>(std::lround(srgb[2]))};
}

// The image shrunk to width x height and blurred (sigma = width / 8) in linear light: about the
// detail a 4x3 cosine basis can carry.
colors::RgbImage low_pass(const vips::VImage& preview, int width, int height) {
  vips::VImage small =
      preview.colourspace(VIPS_INTERPRETATION_scRGB)
          .resize(double(width) / preview.width(),
                  vips::VImage::option()->set("vscale", double(height) / preview.height()));
  small = small.gaussblur(width / 8.0)
              .colourspace(VIPS_INTERPRETATION_sRGB)
              .cast(VIPS_FORMAT_UCHAR)
              .extract_area(0, 0, width, height);
  return pixels_of(small);
}

double mean_delta_e(const colors::RgbImage& x, const colors::RgbImage& y) {
  EXPECT_EQ(x.pixels.size(), y.pixels.size());
  const size_t n = std::min(x.pixels.size(), y.pixels.size()) / 3;
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t *p = &x.pixels[3 * i], *q = &y.pixels[3 * i];
    sum += colors::delta_e76(colors::srgb8_to_lab({p[0], p[1], p[2]}),
                             colors::srgb8_to_lab({q[0], q[1], q[2]}));
  }
  return n ? sum / n : 0;
}

// Every corpus photo the extractors accept (the 749 MP file is refused by the input limits).
std::vector<std::string> corpus_images() {
  std::vector<std::string> paths;
  for (const char* dir : {"photo", "extra"})
    for (const auto& entry : std::filesystem::directory_iterator(corpus_file(dir))) {
      if (entry.path().filename().string().starts_with("huge-")) continue;
      paths.push_back(entry.path().string());
    }
  std::sort(paths.begin(), paths.end());
  return paths;
}

// --- pure functions on known values -----------------------------------------------------------

TEST(ColorsMath, SrgbTransferFunction) {
  EXPECT_EQ(colors::srgb_to_linear(0), 0);
  EXPECT_DOUBLE_EQ(colors::srgb_to_linear(1), 1);
  EXPECT_NEAR(colors::srgb_to_linear(0.5), 0.214041, 1e-6);       // IEC 61966-2-1
  EXPECT_NEAR(colors::srgb_to_linear(0.04045), 0.0031308, 1e-7);  // the two pieces meet
  EXPECT_NEAR(colors::linear_to_srgb(0.0031308), 0.04045, 1e-6);
  EXPECT_NEAR(colors::srgb8_to_linear(128), 0.2158605, 1e-7);
  for (double v = 0; v <= 1; v += 1.0 / 1024)
    EXPECT_NEAR(colors::linear_to_srgb(colors::srgb_to_linear(v)), v, 1e-12) << v;
  for (int code = 0; code < 256; ++code) {
    const auto c = static_cast<uint8_t>(code);
    EXPECT_EQ(colors::linear_to_srgb8(colors::srgb8_to_linear(c)), c);
    if (code > 0) {
      EXPECT_GT(colors::srgb8_to_linear(c), colors::srgb8_to_linear(c - 1));
    }
  }
  EXPECT_EQ(colors::linear_to_srgb8(0.5), 188);  // half the light is not code 128
  EXPECT_EQ(colors::linear_to_srgb8(-1), 0);
  EXPECT_EQ(colors::linear_to_srgb8(2), 255);
}

TEST(ColorsMath, LabOfPublishedColours) {
  struct Case {
    colors::Rgb8 rgb;
    double l, a, b;  // CIE Lab, D65 (e.g. Bruce Lindbloom's calculator)
  } const cases[] = {
      {{255, 255, 255}, 100, 0, 0},
      {{0, 0, 0}, 0, 0, 0},
      {{255, 0, 0}, 53.2408, 80.0925, 67.2032},
      {{0, 255, 0}, 87.7347, -86.1827, 83.1793},
      {{0, 0, 255}, 32.2970, 79.1875, -107.8602},
      {{128, 128, 128}, 53.5850, 0, 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(colors::to_hex(c.rgb));
    const colors::Lab lab = colors::srgb8_to_lab(c.rgb);
    EXPECT_NEAR(lab.l, c.l, 0.01);
    EXPECT_NEAR(lab.a, c.a, 0.01);
    EXPECT_NEAR(lab.b, c.b, 0.01);
  }
  for (int r = 0; r < 256; r += 15)
    for (int g = 0; g < 256; g += 15)
      for (int b = 0; b < 256; b += 15) {
        const colors::Rgb8 c{uint8_t(r), uint8_t(g), uint8_t(b)};
        EXPECT_EQ(colors::lab_to_srgb8(colors::srgb8_to_lab(c)), c) << colors::to_hex(c);
      }
  EXPECT_NEAR(colors::delta_e76({50, 0, 0}, {53, 4, 0}), 5, 1e-12);
  EXPECT_EQ(colors::to_hex({255, 8, 171}), "#ff08ab");
}

TEST_F(Colors, LabAgreesWithLibvips) {
  const vips::VImage preview =
      preview_of(read_bytes(corpus_file("photo/lomiri16__Wine_by_Jakkub_Mede.jpg")));
  const colors::RgbImage ours = pixels_of(preview);
  const vips::VImage lab = preview.colourspace(VIPS_INTERPRETATION_LAB);
  size_t size = 0;
  auto* theirs = static_cast<float*>(lab.write_to_memory(&size));
  double worst = 0, sum = 0;
  const size_t n = size / sizeof(float) / 3;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* p = &ours.pixels[3 * i];
    const double d = colors::delta_e76(colors::srgb8_to_lab({p[0], p[1], p[2]}),
                                       {theirs[3 * i], theirs[3 * i + 1], theirs[3 * i + 2]});
    worst = std::max(worst, d);
    sum += d;
  }
  g_free(theirs);
  EXPECT_LT(sum / n, 0.05);
  EXPECT_LT(worst, 0.5);
}

TEST(ColorsMath, Base83KnownValues) {
  EXPECT_EQ(colors::base83_encode(0, 1), "0");
  EXPECT_EQ(colors::base83_encode(35, 1), "Z");
  EXPECT_EQ(colors::base83_encode(82, 1), "~");
  EXPECT_EQ(colors::base83_encode(83, 2), "10");
  EXPECT_EQ(colors::base83_encode(83 * 83 - 1, 2), "~~");
  EXPECT_EQ(colors::base83_encode(21, 1), "L");           // the size flag of 4x3 components
  EXPECT_EQ(colors::base83_encode(0xffffff, 4), "TSUA");  // white DC: 29 28 30 10
  EXPECT_EQ(colors::base83_encode(3429, 2), "fQ");        // AC (9, 9, 9): zero
  for (uint32_t v : {0u, 1u, 82u, 83u, 6888u, 12345u, 0xffffffu, 83u * 83 * 83 * 83 - 1})
    EXPECT_EQ(colors::base83_decode(colors::base83_encode(v, 4)), v);
  EXPECT_EQ(colors::base83_decode("TSUA"), 0xffffffu);
  EXPECT_FALSE(colors::base83_decode("ab\"c"));
  EXPECT_FALSE(colors::base83_decode("12345"));
}

TEST(ColorsMath, BlurhashComponentsFollowTheAspectRatio) {
  using C = std::array<int, 2>;
  EXPECT_EQ(colors::blurhash_components(1024, 768), (C{4, 3}));
  EXPECT_EQ(colors::blurhash_components(768, 1024), (C{3, 4}));
  EXPECT_EQ(colors::blurhash_components(1200, 800), (C{4, 3}));
  EXPECT_EQ(colors::blurhash_components(1920, 1080), (C{4, 2}));
  EXPECT_EQ(colors::blurhash_components(500, 500), (C{4, 4}));
  EXPECT_EQ(colors::blurhash_components(3000, 1000), (C{4, 1}));
  EXPECT_EQ(colors::blurhash_components(1, 1000), (C{1, 4}));
}

TEST(ColorsMath, BlurhashOfFlatImagesAndBadArguments) {
  const colors::Rgb8 c{51, 102, 204};
  // The basis samples cos(pi i x / width) at x = 0..width-1 (pixel corners, not centres), whose
  // sum is 1 rather than 0 for odd i: even a flat image has AC terms of about 2 / width of its
  // DC. So the hash of a flat image is flat only to within a level or two at this size, and the
  // DC digits are exact.
  auto hash = colors::blurhash_encode(filled(256, 192, c).view(), 4, 3);
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->substr(0, 6), "L0" + colors::base83_encode((51 << 16) | (102 << 8) | 204, 4));
  auto decoded = colors::blurhash_decode(*hash, 32, 24);
  ASSERT_TRUE(decoded.ok());
  for (size_t i = 0; i < decoded->pixels.size(); i += 3) {
    const uint8_t* p = &decoded->pixels[i];
    ASSERT_LE(max_channel_diff({p[0], p[1], p[2]}, c), 2) << i / 3;
  }
  // The exact form, with the maximum 0 and every AC digit pair "fQ" (9, 9, 9: zero): a black
  // image, whose AC terms are exactly zero.
  std::string black = "L0" + colors::base83_encode(0, 4);
  for (int i = 0; i < 11; ++i) black += "fQ";
  EXPECT_EQ(colors::blurhash_encode(filled(40, 30, {0, 0, 0}).view(), 4, 3).value(), black);
  EXPECT_EQ(colors::blurhash_decode(black, 8, 6).value().pixels, filled(8, 6, {0, 0, 0}).pixels);
  EXPECT_EQ(colors::blurhash_encode(filled(1, 1, c).view(), 1, 1).value().size(), 6u);

  EXPECT_FALSE(colors::blurhash_encode(filled(4, 4, c).view(), 0, 3).ok());
  EXPECT_FALSE(colors::blurhash_encode(filled(4, 4, c).view(), 4, 10).ok());
  EXPECT_FALSE(colors::blurhash_encode({}, 4, 3).ok());
  for (const char* bad : {"", "L0", "L00000", "LEHV6nWB2yk8pyo0adR*.7kCMdn",
                          "LEHV6nWB2yk8pyo0adR*.7kCMdnj0", "LEHV6nWB2yk8pyo0adR*.7kCMd\"j"}) {
    EXPECT_EQ(colors::blurhash_decode(bad, 8, 8).status().code(), ErrorCode::kInvalidValue) << bad;
  }
  EXPECT_TRUE(colors::blurhash_decode("LEHV6nWB2yk8pyo0adR*.7kCMdnj", 8, 8).ok());  // the README's
  EXPECT_FALSE(colors::blurhash_decode("LEHV6nWB2yk8pyo0adR*.7kCMdnj", 0, 8).ok());
}

TEST(ColorsMath, AverageAndDownsampleWorkInLinearLight) {
  // A black and white checkerboard: half the light, which is sRGB 188, not 128.
  colors::RgbImage checker = filled(64, 48, {0, 0, 0});
  for (int y = 0; y < 48; ++y)
    for (int x = (y & 1); x < 64; x += 2)
      std::fill_n(&checker.pixels[(static_cast<size_t>(y) * 64 + x) * 3], 3, uint8_t{255});
  EXPECT_EQ(colors::average_color(checker.view()), (colors::Rgb8{188, 188, 188}));
  const colors::RgbImage small = colors::box_downsample(checker.view(), 16);  // 4x4 blocks
  EXPECT_EQ(small.width, 16);
  EXPECT_EQ(small.height, 12);
  EXPECT_EQ(small.pixels, filled(16, 12, {188, 188, 188}).pixels);

  const colors::RgbImage odd = colors::box_downsample(filled(1000, 601, {9, 99, 199}).view(), 256);
  EXPECT_EQ(odd.width, 250);   // factor 4
  EXPECT_EQ(odd.height, 151);  // the last row of blocks is one pixel high
  EXPECT_EQ(odd.pixels, filled(250, 151, {9, 99, 199}).pixels);
  const colors::RgbImage same = colors::box_downsample(checker.view(), 64);
  EXPECT_EQ(same.pixels, checker.pixels);
  EXPECT_EQ(colors::average_color({}), (colors::Rgb8{0, 0, 0}));
}

// --- palettes of images with known answers ----------------------------------------------------

TEST(ColorsMath, PaletteOfAFlatImageIsOneColour) {
  const colors::Rgb8 c{200, 30, 90};
  auto palette = colors::dominant_colors(filled(50, 40, c).view());
  ASSERT_EQ(palette.size(), 1u);
  EXPECT_EQ(palette[0].rgb, c);
  EXPECT_EQ(palette[0].share, 1.0);
  // Noise of +-3 levels around it (a flat colour after lossy coding) is still one colour.
  colors::RgbImage noisy = filled(128, 96, c);
  std::mt19937 rng(7);
  for (uint8_t& v : noisy.pixels) v = static_cast<uint8_t>(v + static_cast<int>(rng() % 7) - 3);
  palette = colors::dominant_colors(noisy.view());
  ASSERT_EQ(palette.size(), 1u);
  EXPECT_LE(max_channel_diff(palette[0].rgb, c), 1);
  EXPECT_TRUE(colors::dominant_colors({}).empty());
}

TEST(ColorsMath, PaletteSharesOfSplitImages) {
  const colors::Rgb8 red{220, 40, 30}, blue{20, 60, 200};
  auto palette = colors::dominant_colors(split(100, 50, 70, red, blue).view());
  ASSERT_EQ(palette.size(), 2u);
  EXPECT_EQ(palette[0].rgb, red);
  EXPECT_DOUBLE_EQ(palette[0].share, 0.7);
  EXPECT_EQ(palette[1].rgb, blue);
  EXPECT_DOUBLE_EQ(palette[1].share, 0.3);
  EXPECT_NEAR(palette[0].lab.l, colors::srgb8_to_lab(red).l, 1e-9);

  // Three stripes 50/30/20, of which two differ by less than the merge distance: two colours.
  colors::RgbImage stripes = split(100, 20, 50, {128, 128, 128}, {240, 200, 10});
  for (int y = 0; y < 20; ++y)
    for (int x = 50; x < 80; ++x) {
      uint8_t* p = &stripes.pixels[(static_cast<size_t>(y) * 100 + x) * 3];
      p[0] = p[1] = p[2] = 131;  // Delta E 1.2 from 128 grey
    }
  palette = colors::dominant_colors(stripes.view());
  ASSERT_EQ(palette.size(), 2u);
  EXPECT_DOUBLE_EQ(palette[0].share, 0.8);
  EXPECT_LE(max_channel_diff(palette[0].rgb, {129, 129, 129}), 1);  // the pixel-weighted mean
  EXPECT_EQ(palette[1].rgb, (colors::Rgb8{240, 200, 10}));

  // Eight equal stripes of distinct colours: capped at six, every pixel counted.
  const colors::Rgb8 eight[] = {{255, 0, 0}, {0, 255, 0},     {0, 0, 255},   {255, 255, 0},
                                {0, 0, 0},   {255, 255, 255}, {255, 0, 255}, {0, 255, 255}};
  colors::RgbImage rainbow = filled(80, 10, {0, 0, 0});
  for (int x = 0; x < 80; ++x)
    for (int y = 0; y < 10; ++y) {
      uint8_t* p = &rainbow.pixels[(static_cast<size_t>(y) * 80 + x) * 3];
      p[0] = eight[x / 10].r, p[1] = eight[x / 10].g, p[2] = eight[x / 10].b;
    }
  palette = colors::dominant_colors(rainbow.view());
  EXPECT_EQ(palette.size(), 6u);
  double total = 0;
  for (const auto& c : palette) total += c.share;
  EXPECT_NEAR(total, 1, 1e-12);
  for (size_t i = 1; i < palette.size(); ++i) EXPECT_GE(palette[i - 1].share, palette[i].share);
}

// --- the extractor ----------------------------------------------------------------------------

TEST_F(Colors, ExtractorOnSyntheticImages) {
  const json solid = colors_of(encode(filled(300, 200, {51, 102, 204}), ".png"));
  EXPECT_EQ(solid["average"], "#3366cc");
  ASSERT_EQ(solid["dominant"].size(), 1u);
  EXPECT_EQ(solid["dominant"][0]["hex"], "#3366cc");
  EXPECT_EQ(solid["dominant"][0]["rgb"], json::array({51, 102, 204}));
  EXPECT_EQ(solid["dominant"][0]["share"], 1.0);
  EXPECT_EQ(solid["blurhash"].get<std::string>().substr(2, 4), colors::base83_encode(0x3366cc, 4));

  // 1000 x 500: shrunk 4x for the palette; the 70/30 boundary falls on a block edge.
  const json halves =
      colors_of(encode(split(1000, 500, 700, {250, 200, 20}, {30, 30, 30}), ".png"));
  ASSERT_EQ(halves["dominant"].size(), 2u);
  EXPECT_EQ(halves["dominant"][0]["hex"], "#fac814");
  EXPECT_EQ(halves["dominant"][0]["share"], 0.7);
  EXPECT_EQ(halves["dominant"][1]["hex"], "#1e1e1e");
  EXPECT_EQ(halves["dominant"][1]["share"], 0.3);
  EXPECT_EQ(halves["blurhash"].get<std::string>().size(), 4 + 2 * 4 * 2u);  // 2:1 -> 4x2

  // A flat colour through a lossy JPEG: one colour, within a level or two.
  const json jpeg = colors_of(encode(filled(256, 256, {120, 160, 90}), ".jpg[Q=60]"));
  ASSERT_EQ(jpeg["dominant"].size(), 1u);
  EXPECT_LE(max_channel_diff(from_hex(jpeg["average"]), {120, 160, 90}), 2);
}

TEST_F(Colors, EveryCorpusImageGetsAConsistentAnswer) {
  const std::regex hex("^#[0-9a-f]{6}$");
  const std::regex blurhash("^[0-9A-Za-z#$%*+,\\-.:;=?@\\[\\]^_{|}~]+$");
  int checked = 0;
  for (const std::string& path : corpus_images()) {
    SCOPED_TRACE(path);
    // The extractor on its own input, to share one decode with the libvips comparison
    // (extract_info runs it in the other tests).
    const auto bytes = read_bytes(path);
    metadata::InfoInput in;
    in.bytes = bytes;
    auto answer = metadata::colors_extractor().extract(in);
    ASSERT_TRUE(answer.ok()) << answer.status().message();
    const json& c = *answer;
    const vips::VImage preview = in.preview().value();
    // The average: libvips' own mean of the same pixels in linear light, within a level.
    const colors::Rgb8 average = from_hex(c["average"]);
    EXPECT_TRUE(std::regex_match(c["average"].get<std::string>(), hex));
    EXPECT_LE(max_channel_diff(average, vips_linear_average(preview)), 1);

    const json& dominant = c["dominant"];
    ASSERT_GE(dominant.size(), 1u);
    ASSERT_LE(dominant.size(), 6u);
    double total = 0;
    for (size_t i = 0; i < dominant.size(); ++i) {
      const json& d = dominant[i];
      EXPECT_TRUE(std::regex_match(d["hex"].get<std::string>(), hex));
      const colors::Rgb8 rgb = from_hex(d["hex"]);
      EXPECT_EQ(d["rgb"], json::array({rgb.r, rgb.g, rgb.b}));
      const colors::Lab lab = colors::srgb8_to_lab(rgb);
      EXPECT_LT(colors::delta_e76(lab, {d["lab"][0], d["lab"][1], d["lab"][2]}), 0.01);
      EXPECT_GT(d["share"].get<double>(), 0);
      if (i > 0) {
        EXPECT_GE(dominant[i - 1]["share"].get<double>(), d["share"].get<double>());
      }
      for (size_t j = 0; j < i; ++j)  // distinct: merged below the merge distance (+ rounding)
        EXPECT_GT(colors::delta_e76(lab, colors::srgb8_to_lab(from_hex(dominant[j]["hex"]))), 5);
      total += d["share"].get<double>();
    }
    EXPECT_NEAR(total, 1, 6 * 0.00005 + 1e-9);

    // BlurHash: its components follow the preview's aspect ratio; its DC is the average.
    const std::string hash = c["blurhash"];
    EXPECT_TRUE(std::regex_match(hash, blurhash)) << hash;
    const auto [nx, ny] = colors::blurhash_components(preview.width(), preview.height());
    EXPECT_EQ(hash.size(), static_cast<size_t>(4 + 2 * nx * ny));
    const uint32_t dc = colors::base83_decode(hash.substr(2, 4)).value();
    EXPECT_LE(max_channel_diff({uint8_t(dc >> 16), uint8_t(dc >> 8), uint8_t(dc)}, average), 2);

    EXPECT_EQ(metadata::colors_extractor().extract(in).value(), c);  // deterministic
    ++checked;
  }
  EXPECT_GE(checked, 22);
}

// Transparent pixels count as white (the preview flattens alpha over white): the corners of the
// PNG, transparent, come out near white in the BlurHash while the opaque JPEG's are dark.
TEST_F(Colors, PngWithAlphaIsFlattenedOverWhite) {
  const json png = colors_of(read_bytes(corpus_file("extra/png-alpha-derived__Dragonfly.png")));
  const json jpeg = colors_of(read_bytes(corpus_file("photo/lomiri16__Dragonfly_by_Bolly.jpg")));
  ASSERT_TRUE(png.is_object() && jpeg.is_object());
  const double png_l = colors::srgb8_to_lab(from_hex(png["average"])).l;
  const double jpeg_l = colors::srgb8_to_lab(from_hex(jpeg["average"])).l;
  EXPECT_GT(png_l, jpeg_l + 10);
  auto corner_l = [](const json& c) {
    const auto image = colors::blurhash_decode(c["blurhash"].get<std::string>(), 32, 24).value();
    return colors::srgb8_to_lab({image.pixels[0], image.pixels[1], image.pixels[2]}).l;
  };
  EXPECT_GT(corner_l(png), 80);
  EXPECT_LT(corner_l(jpeg), 60);
}

// The decode check: a hash decoded at 32x24 is close to a blurred 32x24 copy of the photo (mean
// CIE76 under 16 everywhere, under 10 on average), closer than a flat fill of the average colour
// (the AC terms carry the layout) and closer than any other photo's hash.
TEST_F(Colors, BlurhashDecodesToABlurredCopyOfTheImage) {
  const int w = 32, h = 24;
  std::vector<std::string> names, hashes;
  std::vector<colors::RgbImage> references;
  std::vector<colors::Rgb8> averages;
  for (const auto& entry : std::filesystem::directory_iterator(corpus_file("photo"))) {
    const auto bytes = read_bytes(entry.path());
    const vips::VImage preview = preview_of(bytes);
    const colors::RgbImage full = pixels_of(preview);
    const colors::RgbImage sample = colors::box_downsample(full.view(), 256);
    names.push_back(entry.path().filename());
    hashes.push_back(colors::blurhash_encode(sample.view(), 4, 3).value());
    references.push_back(low_pass(preview, w, h));
    averages.push_back(colors::average_color(full.view()));
  }
  ASSERT_GE(names.size(), 10u);
  double sum = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    SCOPED_TRACE(names[i]);
    const double own =
        mean_delta_e(colors::blurhash_decode(hashes[i], w, h).value(), references[i]);
    EXPECT_LT(own, 16);
    EXPECT_LT(own, mean_delta_e(filled(w, h, averages[i]), references[i]));
    for (size_t j = 0; j < names.size(); ++j) {
      if (j == i) continue;
      EXPECT_LT(own, mean_delta_e(colors::blurhash_decode(hashes[j], w, h).value(), references[i]))
          << "closer to the hash of " << names[j];
    }
    sum += own;
  }
  EXPECT_LT(sum / names.size(), 10);
}

// --- BlurHash against the reference implementation --------------------------------------------

// Runs woltapp's TypeScript implementation (npm `blurhash` 2.0.5, installed into .cache/node by
// scripts/setup.sh) on raw RGBA files: for each job, the hash of the pixels and the decode of a
// given hash, written next to the input.
constexpr const char* kReferenceScript = R"(
const { encode, decode } = require(process.argv[2]);
const fs = require('fs');
const jobs = JSON.parse(fs.readFileSync(process.argv[3]));
const out = jobs.map((j) => {
  const pixels = new Uint8ClampedArray(fs.readFileSync(j.file));
  const hash = encode(pixels, j.width, j.height, j.nx, j.ny);
  fs.writeFileSync(j.file + '.decoded', decode(j.decode, j.dw, j.dh));
  return hash;
});
process.stdout.write(JSON.stringify(out));
)";

struct ReferenceJob {
  colors::RgbImage image;
  int nx, ny;
  std::string decode = {};  // a hash to decode at dw x dh
  int dw = 32, dh = 24;
};

struct ReferenceAnswer {
  std::string hash;
  colors::RgbImage decoded;
};

std::string reference_package() {
  return std::string(PICTOR_SOURCE_DIR) + "/.cache/node/node_modules/blurhash";
}

std::vector<ReferenceAnswer> run_reference(const std::vector<ReferenceJob>& jobs) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("pictor-blurhash-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  json list = json::array();
  for (size_t i = 0; i < jobs.size(); ++i) {
    const ReferenceJob& j = jobs[i];
    const std::string file = (dir / std::to_string(i)).string();
    std::ofstream rgba(file, std::ios::binary);
    for (size_t p = 0; p < j.image.pixels.size(); p += 3)
      rgba << j.image.pixels[p] << j.image.pixels[p + 1] << j.image.pixels[p + 2] << char(255);
    list.push_back({{"file", file},
                    {"width", j.image.width},
                    {"height", j.image.height},
                    {"nx", j.nx},
                    {"ny", j.ny},
                    {"decode", j.decode},
                    {"dw", j.dw},
                    {"dh", j.dh}});
  }
  std::ofstream(dir / "jobs.json") << list.dump();
  std::ofstream(dir / "reference.js") << kReferenceScript;
  std::string out;
  const std::string command = "node " + (dir / "reference.js").string() + " " +
                              reference_package() + " " + (dir / "jobs.json").string();
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
    EXPECT_EQ(pclose(pipe), 0) << command;
  }
  std::vector<ReferenceAnswer> answers;
  const json hashes = json::parse(out, nullptr, false);
  EXPECT_TRUE(hashes.is_array() && hashes.size() == jobs.size()) << out;
  for (size_t i = 0; hashes.is_array() && i < hashes.size(); ++i) {
    ReferenceAnswer a{hashes[i], {}};
    const auto rgba = read_bytes((dir / (std::to_string(i) + ".decoded")).string());
    a.decoded.width = jobs[i].dw;
    a.decoded.height = jobs[i].dh;
    for (size_t p = 0; p + 3 < rgba.size(); p += 4)
      a.decoded.pixels.insert(a.decoded.pixels.end(), {rgba[p], rgba[p + 1], rgba[p + 2]});
    answers.push_back(std::move(a));
  }
  std::filesystem::remove_all(dir);
  return answers;
}

// Our encoder, in the reference's own variant (signed maximum), gives the reference's strings
// character for character, on every corpus image (as the extractor samples it) and on synthetic
// images of odd sizes with every component count; our decoder gives its pixels byte for byte.
// Our default variant (largest magnitude, as Wolt's C and Swift encoders) differs from it only
// where the most extreme AC term is negative, and then only in the maximum and AC digits.
TEST_F(Colors, BlurhashMatchesTheReferenceImplementation) {
  if (std::system("node --version >/dev/null 2>&1") != 0 ||
      !std::filesystem::exists(reference_package() + "/package.json")) {
    GTEST_SKIP() << "node or the npm package blurhash is missing (scripts/setup.sh installs it "
                    "into .cache/node)";
  }
  std::vector<ReferenceJob> jobs;
  for (const std::string& path : corpus_images()) {
    const colors::RgbImage sample =
        colors::box_downsample(pixels_of(preview_of(read_bytes(path))).view(), 256);
    const auto [nx, ny] = colors::blurhash_components(sample.width, sample.height);
    jobs.push_back({sample, nx, ny});
  }
  const size_t corpus_jobs = jobs.size();
  std::mt19937 rng(2024);
  for (int nx = 1; nx <= 9; ++nx)
    for (int ny = 1; ny <= 9; ny += 4) {
      colors::RgbImage noise = filled(17 + nx, 11 + ny, {0, 0, 0});
      for (uint8_t& v : noise.pixels) v = static_cast<uint8_t>(rng());
      jobs.push_back({noise, nx, ny});
    }
  jobs.push_back({filled(1, 1, {1, 2, 3}), 1, 1});
  jobs.push_back({split(64, 8, 20, {255, 255, 255}, {0, 0, 0}), 9, 9});
  for (ReferenceJob& job : jobs) {
    job.decode = colors::blurhash_encode(job.image.view(), job.nx, job.ny).value();
    job.dw = 7 + job.nx * 3;
    job.dh = 5 + job.ny;
  }
  const std::vector<ReferenceAnswer> reference = run_reference(jobs);
  ASSERT_EQ(reference.size(), jobs.size());
  int differ = 0;
  for (size_t i = 0; i < jobs.size(); ++i) {
    SCOPED_TRACE(i < corpus_jobs ? corpus_images()[i] : "synthetic " + std::to_string(i));
    const ReferenceJob& job = jobs[i];
    EXPECT_EQ(colors::blurhash_encode(job.image.view(), job.nx, job.ny,
                                      colors::AcScale::kSignedLikeTypeScript)
                  .value(),
              reference[i].hash);
    EXPECT_EQ(colors::blurhash_decode(job.decode, job.dw, job.dh).value().pixels,
              reference[i].decoded.pixels)
        << job.decode;
    if (job.decode != reference[i].hash) {
      ++differ;
      EXPECT_EQ(job.decode[0], reference[i].hash[0]);
      EXPECT_EQ(job.decode.substr(2, 4), reference[i].hash.substr(2, 4));  // the DC
      // A larger maximum: nothing clipped.
      EXPECT_GT(colors::base83_decode(job.decode.substr(1, 1)).value(),
                colors::base83_decode(reference[i].hash.substr(1, 1)).value());
    }
  }
  std::printf("blurhash: %zu images, %d where the largest-magnitude AC term is negative\n",
              jobs.size(), differ);
  EXPECT_GT(differ, 0);  // the corpus exercises both cases
  EXPECT_LT(differ, static_cast<int>(jobs.size()));
}

}  // namespace
}  // namespace pictor
