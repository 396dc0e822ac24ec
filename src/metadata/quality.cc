#include "metadata/quality.h"

#include <algorithm>
#include <cmath>

#include "metadata/luma.h"

namespace pictor::metadata {

Plane luma(std::span<const uint8_t> rgb, int width, int height) {
  return Plane{width, height, bt601_luma(rgb, width, height)};
}

double laplacian_variance(const Plane& y) {
  if (y.width < 3 || y.height < 3) return 0;
  double sum = 0, sum2 = 0;
  size_t n = 0;
  for (int row = 1; row < y.height - 1; ++row) {
    for (int x = 1; x < y.width - 1; ++x) {
      const double l = y.at(x - 1, row) + y.at(x + 1, row) + y.at(x, row - 1) + y.at(x, row + 1) -
                       4.0 * y.at(x, row);
      sum += l;
      sum2 += l * l;
      ++n;
    }
  }
  const double mean = sum / n;
  return std::max(0.0, sum2 / n - mean * mean);
}

double noise_sigma(const Plane& y) {
  constexpr int kBlock = 32;
  std::vector<double> blocks;
  for (int by = 0; by + kBlock + 2 <= y.height; by += kBlock) {
    for (int bx = 0; bx + kBlock + 2 <= y.width; bx += kBlock) {
      double sum = 0;
      int clipped = 0;
      for (int row = by + 1; row <= by + kBlock; ++row) {
        for (int x = bx + 1; x <= bx + kBlock; ++x) {
          clipped += y.at(x, row) <= 1 || y.at(x, row) >= 254;
          const double m = y.at(x - 1, row - 1) - 2 * y.at(x, row - 1) + y.at(x + 1, row - 1) -
                           2 * y.at(x - 1, row) + 4 * y.at(x, row) - 2 * y.at(x + 1, row) +
                           y.at(x - 1, row + 1) - 2 * y.at(x, row + 1) + y.at(x + 1, row + 1);
          sum += std::abs(m);
        }
      }
      // Clipped pixels hide the noise (a white sky shows none): such blocks would pass for clean.
      if (clipped > kBlock * kBlock / 100) continue;
      // Immerkær: sigma = sqrt(pi / 2) * mean|mask response| / 6.
      blocks.push_back(std::sqrt(M_PI / 2) * sum / (6.0 * kBlock * kBlock));
    }
  }
  if (blocks.empty()) return 0;
  const size_t k = blocks.size() / 10;
  std::nth_element(blocks.begin(), blocks.begin() + k, blocks.end());
  return blocks[k];
}

double blockiness(const Plane& y) {
  // Steps across a block boundary (between pixel 8k+7 and 8k+8) against steps inside blocks.
  double across = 0, inside = 0;
  size_t n_across = 0, n_inside = 0;
  auto add = [&](double step, int position) {
    if (position % 8 == 7) {
      across += step;
      ++n_across;
    } else {
      inside += step;
      ++n_inside;
    }
  };
  for (int row = 0; row < y.height; ++row) {
    for (int x = 0; x + 1 < y.width; ++x) add(std::abs(y.at(x + 1, row) - y.at(x, row)), x);
  }
  for (int row = 0; row + 1 < y.height; ++row) {
    for (int x = 0; x < y.width; ++x) add(std::abs(y.at(x, row + 1) - y.at(x, row)), row);
  }
  if (n_across == 0 || n_inside == 0) return 1;
  const double mean_inside = inside / n_inside;
  // A flat image has no steps at all: no blocking to see.
  if (mean_inside < 1e-3) return 1;
  return (across / n_across) / mean_inside;
}

double colourfulness(std::span<const uint8_t> rgb) {
  const size_t n = rgb.size() / 3;
  if (n == 0) return 0;
  double rg_sum = 0, rg_sum2 = 0, yb_sum = 0, yb_sum2 = 0;
  for (size_t i = 0; i < n; ++i) {
    const double r = rgb[3 * i], g = rgb[3 * i + 1], b = rgb[3 * i + 2];
    const double rg = r - g, yb = 0.5 * (r + g) - b;
    rg_sum += rg;
    rg_sum2 += rg * rg;
    yb_sum += yb;
    yb_sum2 += yb * yb;
  }
  const double rg_mean = rg_sum / n, yb_mean = yb_sum / n;
  const double rg_var = std::max(0.0, rg_sum2 / n - rg_mean * rg_mean);
  const double yb_var = std::max(0.0, yb_sum2 / n - yb_mean * yb_mean);
  return std::sqrt(rg_var + yb_var) + 0.3 * std::sqrt(rg_mean * rg_mean + yb_mean * yb_mean);
}

Exposure exposure(const Plane& y) {
  Exposure e;
  if (y.pixels.empty()) return e;
  double sum = 0, sum2 = 0;
  size_t high = 0, low = 0;
  for (float v : y.pixels) {
    sum += v;
    sum2 += double(v) * v;
    high += v >= 250;
    low += v <= 5;
  }
  const double n = double(y.pixels.size());
  e.mean = sum / n;
  e.clipped_highlights = high / n;
  e.clipped_shadows = low / n;
  e.contrast = std::sqrt(std::max(0.0, sum2 / n - e.mean * e.mean)) / 255.0;
  return e;
}

namespace {

double clamp01(double v) {
  return std::clamp(v, 0.0, 1.0);
}

}  // namespace

QualityScore score_quality(const QualityComponents& c) {
  QualityScore s;
  // Sharpness on a log scale of the Laplacian's variance, without the part white noise adds
  // (20 sigma^2: the Laplacian of noise of deviation sigma has variance 20 sigma^2), so that noise
  // cannot pass for detail: 0.5 (no edges left) -> 0, 500 and above (crisp) -> 1.
  const double detail = std::max(0.0, c.laplacian_variance - 20 * c.noise_sigma * c.noise_sigma);
  s.sharpness =
      clamp01((std::log10(detail) - std::log10(0.5)) / (std::log10(500.0) - std::log10(0.5)));
  // Noise: sigma 2 (clean camera output) -> ~0.96, 8 -> 0.5, 20 -> ~0.14.
  s.noise = 1.0 / (1.0 + std::pow(c.noise_sigma / 8.0, 2));
  // Blocking: a boundary/inside step ratio of 1.1 is invisible; every 0.5 above it halves.
  s.blocking = c.blockiness ? 1.0 / (1.0 + std::max(0.0, *c.blockiness - 1.1) * 2.0) : 1.0;
  // Exposure: up to 2 % clipped pixels is normal (specular highlights, deep shadows).
  const Exposure& e = c.exposure;
  s.exposure = 1.0 - clamp01((e.clipped_highlights + e.clipped_shadows - 0.02) * 2.0);
  // Contrast: a flat, hazy image (RMS contrast under 0.15) loses up to a fifth.
  s.contrast = 0.8 + 0.2 * clamp01(e.contrast / 0.15);
  const double product = (0.2 + 0.8 * s.sharpness) * s.noise * s.blocking * s.exposure * s.contrast;
  s.score = static_cast<int>(std::lround(100 * clamp01(product)));
  return s;
}

}  // namespace pictor::metadata
