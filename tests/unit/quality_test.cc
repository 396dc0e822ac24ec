// The quality extractor: each component on synthetic images with a known answer, and the score's
// ranking of graded distortions (blur, noise, JPEG compression, 5 levels each) on every photo of
// the test corpus: Spearman rank correlation between score and distortion level.
#include "metadata/quality.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <random>

#include "pictor/info.h"
#include "test_support.h"

namespace pictor::metadata {
namespace {

using testing::corpus_file;
using testing::read_bytes;

// Ranks with ties averaged (1-based).
std::vector<double> ranks(const std::vector<double>& v) {
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    for (size_t k = i; k <= j; ++k) r[order[k]] = (i + j) / 2.0 + 1;
    i = j + 1;
  }
  return r;
}

double spearman(const std::vector<double>& a, const std::vector<double>& b) {
  const auto ra = ranks(a), rb = ranks(b);
  const double ma = std::accumulate(ra.begin(), ra.end(), 0.0) / ra.size();
  const double mb = std::accumulate(rb.begin(), rb.end(), 0.0) / rb.size();
  double num = 0, da = 0, db = 0;
  for (size_t i = 0; i < ra.size(); ++i) {
    num += (ra[i] - ma) * (rb[i] - mb);
    da += (ra[i] - ma) * (ra[i] - ma);
    db += (rb[i] - mb) * (rb[i] - mb);
  }
  return da == 0 || db == 0 ? 0 : num / std::sqrt(da * db);
}

TEST(Spearman, KnownValues) {
  EXPECT_DOUBLE_EQ(spearman({1, 2, 3, 4, 5}, {10, 20, 30, 40, 50}), 1);
  EXPECT_DOUBLE_EQ(spearman({1, 2, 3, 4, 5}, {5, 4, 3, 2, 1}), -1);
  EXPECT_NEAR(spearman({1, 2, 3, 4, 5}, {2, 1, 4, 3, 5}), 0.8, 1e-12);
}

Plane constant_plane(int w, int h, float value) {
  return Plane{w, h, std::vector<float>(size_t(w) * h, value)};
}

TEST(QualityComponents, KnownAnswersOnSyntheticImages) {
  const Plane flat = constant_plane(64, 64, 128);
  EXPECT_EQ(laplacian_variance(flat), 0);
  EXPECT_EQ(noise_sigma(flat), 0);
  EXPECT_EQ(blockiness(flat), 1);
  // Gaussian noise of sigma 10 on a flat grey: Immerkær's estimate finds it.
  std::mt19937 rng(7);
  std::normal_distribution<float> gauss(0, 10);
  Plane noisy = flat;
  for (float& v : noisy.pixels) v += gauss(rng);
  EXPECT_NEAR(noise_sigma(noisy), 10, 1.0);
  // Laplacian variance of white noise is 20 sigma^2 (4 neighbours + 16 centre).
  EXPECT_NEAR(laplacian_variance(noisy), 20 * 100, 20 * 100 * 0.1);
  // 8x8 blocks of constant values: every step is at a boundary.
  Plane blocks = flat;
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 64; ++x)
      blocks.pixels[y * 64 + x] = float(((x / 8) * 7 + (y / 8) * 13) % 50 + x % 8 * 0.5);
  EXPECT_GT(blockiness(blocks), 5);
  // The same pattern shifted off the grid by 4 pixels is not blocking on the grid.
  Plane shifted = flat;
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 64; ++x)
      shifted.pixels[y * 64 + x] =
          float((((x + 4) / 8) * 7 + ((y + 4) / 8) * 13) % 50 + (x + 4) % 8 * 0.5);
  EXPECT_LT(blockiness(shifted), blockiness(blocks));
  // Colourfulness: grey is 0; saturated red is very colourful.
  const std::vector<uint8_t> grey(300, 128), red = [] {
    std::vector<uint8_t> v;
    for (int i = 0; i < 100; ++i) v.insert(v.end(), {255, 0, 0});
    return v;
  }();
  EXPECT_EQ(colourfulness(grey), 0);
  EXPECT_GT(colourfulness(red), 80);
  // Exposure: half white, half black: everything clipped, RMS contrast 0.5.
  Plane half = flat;
  for (size_t i = 0; i < half.pixels.size(); ++i)
    half.pixels[i] = i < half.pixels.size() / 2 ? 0 : 255;
  const Exposure e = exposure(half);
  EXPECT_DOUBLE_EQ(e.clipped_highlights + e.clipped_shadows, 1);
  EXPECT_NEAR(e.contrast, 0.5, 1e-9);
}

class Quality : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(initialize().ok()); }
};

std::vector<uint8_t> png(const vips::VImage& image) {
  return testing::encode(image.cast(VIPS_FORMAT_UCHAR), ".png[compression=1]");
}

std::vector<uint8_t> jpeg(const vips::VImage& image, int q) {
  return testing::encode(image, (".jpg[Q=" + std::to_string(q) + "]").c_str());
}

struct Scored {
  int score = 0;
  nlohmann::json detail;
};

Scored quality_of(const std::vector<uint8_t>& bytes) {
  auto info = extract_info(bytes, {{}, {"quality"}});
  EXPECT_TRUE(info.ok());
  if (!info.ok() || !(*info)["quality"].is_object()) return {};
  return {(*info)["quality"]["score"].get<int>(), (*info)["quality"]};
}

// Regression: a JPEG cut short used to be previewed as the part that arrived over grey, and the
// pixel extractors described that grey as if it were the photo. They now fail with
// corrupt_image, while the metadata extractors still answer.
TEST_F(Quality, TruncatedFileIsAnErrorForPixelExtractorsOnly) {
  auto bytes = read_bytes(corpus_file("photo/lomiri16__Bridge_by_Sander_Klootwijk.jpg"));
  bytes.resize(30000);
  auto info = extract_info(bytes, {});
  ASSERT_TRUE(info.ok());
  for (const char* name : {"quality", "colors", "signatures"}) {
    EXPECT_TRUE((*info)[name].is_null()) << name;
    EXPECT_EQ((*info)["errors"][name]["code"], "corrupt_image") << name;
  }
  EXPECT_TRUE((*info)["exif"].is_object());
}

// The check: for blur, noise and JPEG compression at 5 levels each, the score ranks the
// levels of every corpus photo (Spearman rank correlation between score and level, sign flipped
// so that 1 = perfectly decreasing). Reported per distortion: the mean over photos and the
// worst photo; the mean must be >= 0.9.
TEST_F(Quality, ScoreRanksGradedDistortions) {
  struct Distortion {
    const char* name;
    std::vector<double> levels;
  };
  const Distortion distortions[] = {
      {"blur sigma", {0.6, 1.2, 2, 3, 5}},
      {"noise sigma", {3, 6, 10, 16, 25}},
      {"jpeg quality", {90, 70, 50, 30, 12}},
  };
  std::vector<std::string> photos;
  for (const auto& entry : std::filesystem::directory_iterator(corpus_file("photo"))) {
    photos.push_back(entry.path().string());
  }
  std::sort(photos.begin(), photos.end());
  std::vector<vips::VImage> bases;
  for (const std::string& path : photos) {
    // A 1024-px copy, as uploads are analysed (the preview's size): distortions are applied
    // at the scale the score looks at.
    vips::VImage image = vips::VImage::new_from_file(path.c_str())
                             .thumbnail_image(1024, vips::VImage::option()->set("height", 1024));
    bases.push_back(
        image.colourspace(VIPS_INTERPRETATION_sRGB).cast(VIPS_FORMAT_UCHAR).copy_memory());
  }
  double worst_mean = 1;
  for (const Distortion& d : distortions) {
    std::vector<double> rhos, all_scores, all_levels;
    for (size_t p = 0; p < bases.size(); ++p) {
      const vips::VImage& base = bases[p];
      std::vector<double> scores;
      std::string trace;
      for (double level : d.levels) {
        std::vector<uint8_t> bytes;
        if (d.name[0] == 'b') {
          bytes = png(base.gaussblur(level));
        } else if (d.name[0] == 'n') {
          // Independent noise per channel, as a sensor's; seeded per level, so runs repeat.
          std::vector<vips::VImage> channels;
          for (int band = 0; band < 3; ++band) {
            channels.push_back(vips::VImage::gaussnoise(base.width(), base.height(),
                                                        vips::VImage::option()
                                                            ->set("sigma", level)
                                                            ->set("mean", 0.0)
                                                            ->set("seed", band + int(level) * 3)));
          }
          bytes = png((base.cast(VIPS_FORMAT_FLOAT) + vips::VImage::bandjoin(channels))
                          .cast(VIPS_FORMAT_UCHAR));
        } else {
          bytes = jpeg(base, int(level));
        }
        const Scored q = quality_of(bytes);
        scores.push_back(q.score);
        all_scores.push_back(q.score);
        all_levels.push_back(d.name[0] == 'j' ? -level : level);
        trace += " " + std::to_string(q.score);
        if (std::getenv("PICTOR_QUALITY_TRACE")) {
          std::printf("%s %s=%g: %s\n", photos[p].c_str(), d.name, level, q.detail.dump().c_str());
        }
      }
      // Blur and noise levels grow with the distortion, JPEG quality falls with it: the score
      // must fall as the distortion grows.
      const double rho =
          d.name[0] == 'j' ? spearman(scores, d.levels) : -spearman(scores, d.levels);
      rhos.push_back(rho);
      std::printf("  %-14s %-60s scores%s  rho %.2f\n", d.name,
                  std::filesystem::path(photos[p]).filename().c_str(), trace.c_str(), rho);
    }
    const double mean = std::accumulate(rhos.begin(), rhos.end(), 0.0) / rhos.size();
    const double worst = *std::min_element(rhos.begin(), rhos.end());
    std::printf("quality vs %s (levels", d.name);
    for (double level : d.levels) std::printf(" %g", level);
    // Pooled over every photo and level (scores of different photos compared with each other):
    // reported only, content differs between photos more than some distortion levels do.
    const double pooled = -spearman(all_scores, all_levels);
    std::printf("): mean Spearman %.3f, worst photo %.2f, over %zu photos; pooled %.3f\n", mean,
                worst, rhos.size(), pooled);
    EXPECT_GE(mean, 0.9) << d.name;
    worst_mean = std::min(worst_mean, mean);
  }
  EXPECT_GE(bases.size(), 10u);
}

}  // namespace
}  // namespace pictor::metadata
