#include "metadata/themes.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "metadata/colors.h"
#include "metadata/luma.h"

namespace pictor::metadata {
namespace {

uint32_t packed(const uint8_t* p) {
  return uint32_t(p[0]) << 16 | uint32_t(p[1]) << 8 | p[2];
}

// Hue in degrees (0-360), saturation and value in 0-1 (HSV: cheap, and hue ranges are the
// natural way to say "blue" or "green").
struct Hsv {
  double h = 0, s = 0, v = 0;
};
Hsv hsv(const uint8_t* p) {
  const double r = p[0] / 255.0, g = p[1] / 255.0, b = p[2] / 255.0;
  const double mx = std::max({r, g, b}), mn = std::min({r, g, b}), d = mx - mn;
  Hsv out{0, mx > 0 ? d / mx : 0, mx};
  if (d <= 0) return out;
  if (mx == r)
    out.h = 60 * std::fmod((g - b) / d + 6, 6);
  else if (mx == g)
    out.h = 60 * ((b - r) / d + 2);
  else
    out.h = 60 * ((r - g) / d + 4);
  return out;
}

// Clear sky: blue to cyan-blue, not too dark; sunsets and overcast skies are not counted (they
// share their colours with too many indoor scenes).
bool sky_like(const Hsv& c) {
  return c.h >= 190 && c.h <= 250 && c.s >= 0.12 && c.v >= 0.35;
}

// Foliage and grass: yellow-green to green, saturated enough not to be a grey cast.
bool vegetation_like(const Hsv& c) {
  return c.h >= 55 && c.h <= 165 && c.s >= 0.2 && c.v >= 0.12;
}

// Fraction of pixels whose exact colour is among the `n` most frequent: screen captures and
// illustrations are painted with a few colours, while sensor noise spreads a photo over thousands.
double top_colours_coverage(std::span<const uint8_t> rgb, size_t pixels, size_t n) {
  std::unordered_map<uint32_t, uint32_t> counts;
  counts.reserve(4096);
  for (size_t i = 0; i < pixels; ++i) ++counts[packed(&rgb[3 * i])];
  std::vector<uint32_t> freq;
  freq.reserve(counts.size());
  for (const auto& [colour, count] : counts) freq.push_back(count);
  const size_t k = std::min(n, freq.size());
  std::partial_sort(freq.begin(), freq.begin() + k, freq.end(), std::greater<>());
  double covered = 0;
  for (size_t i = 0; i < k; ++i) covered += freq[i];
  return pixels ? covered / pixels : 0;
}

// Fraction of interior pixels whose 3x3 neighbourhood is exactly one colour: never true of a
// camera photo's textured areas (noise), the bulk of a UI or a flat illustration.
double flat_fraction(std::span<const uint8_t> rgb, int w, int h) {
  if (w < 3 || h < 3) return 0;
  size_t flat = 0;
  for (int y = 1; y < h - 1; ++y) {
    for (int x = 1; x < w - 1; ++x) {
      const uint32_t c = packed(&rgb[3 * (size_t(y) * w + x)]);
      bool same = true;
      for (int dy = -1; dy <= 1 && same; ++dy) {
        for (int dx = -1; dx <= 1 && same; ++dx) {
          same = packed(&rgb[3 * (size_t(y + dy) * w + x + dx)]) == c;
        }
      }
      flat += same;
    }
  }
  return double(flat) / (double(w - 2) * (h - 2));
}

}  // namespace

double ramp(double x, double lo, double hi) {
  return std::clamp((x - lo) / (hi - lo), 0.0, 1.0);
}

ThemeSignals theme_signals(std::span<const uint8_t> rgb, int width, int height) {
  ThemeSignals s;
  s.width = width;
  s.height = height;
  const size_t pixels = size_t(width) * height;
  if (pixels == 0 || rgb.size() < 3 * pixels) return s;
  std::vector<float> y(pixels);
  size_t coloured = 0, dark = 0, light = 0, ink = 0, sky = 0, veg = 0, edges = 0;
  double chroma_sum = 0, luma_sum = 0;
  const size_t top_third = size_t(std::max(1, height / 3)) * width;
  for (size_t i = 0; i < pixels; ++i) {
    const uint8_t* p = &rgb[3 * i];
    const colors::Lab lab = colors::srgb8_to_lab({p[0], p[1], p[2]});
    const double chroma = std::hypot(lab.a, lab.b);
    chroma_sum += chroma;
    coloured += chroma > kColourChroma;
    y[i] = bt601_luma(p);
    luma_sum += y[i];
    dark += y[i] < 64;
    light += y[i] >= 170;
    ink += y[i] < 110;
    const Hsv c = hsv(p);
    if (i < top_third) sky += sky_like(c);
    veg += vegetation_like(c);
  }
  for (int row = 0; row < height; ++row) {
    for (int x = 0; x < width; ++x) {
      const size_t i = size_t(row) * width + x;
      const bool right = x + 1 < width && std::abs(y[i + 1] - y[i]) > 48;
      const bool below = row + 1 < height && std::abs(y[i + width] - y[i]) > 48;
      edges += right || below;
    }
  }
  const double n = double(pixels);
  s.colour_fraction = coloured / n;
  s.mean_chroma = chroma_sum / n;
  s.luma_mean = luma_sum / n;
  s.dark_fraction = dark / n;
  s.light_fraction = light / n;
  s.ink_fraction = ink / n;
  s.top_colours_coverage = top_colours_coverage(rgb, pixels, 16);
  s.flat_fraction = flat_fraction(rgb, width, height);
  s.edge_density = edges / n;
  s.sky_top_fraction = double(sky) / top_third;
  s.vegetation_fraction = veg / n;
  return s;
}

std::vector<ThemeScore> score_themes(const ThemeSignals& s) {
  // Synthetic: a fifth of the picture exactly flat at the midpoint. A camera's noise never leaves
  // a 3x3 neighbourhood identical in textured areas; only clipped highlights or a vignette's
  // black border do, and those stay under a sixth of the frame on the labelled slice.
  const double graphic = ramp(s.flat_fraction, 0.10, 0.30);
  // The photo-only label (landscape) needs evidence of a camera picture: any noticeable
  // exactly-flat area vetoes it (a blue wallpaper in a screenshot is not a sky).
  const double photo = 1 - ramp(s.flat_fraction, 0.05, 0.15);
  // Grey to the eye: at most 2% of the pixels with visible chroma at the midpoint.
  const double bw = 1 - ramp(s.colour_fraction, 0, 0.04);
  // A page: mostly light background, some dark ink but not a dark picture, little colour, and
  // the edge density only text reaches (every glyph is two light/dark steps a few pixels apart).
  const double document =
      std::min({ramp(s.light_fraction, 0.35, 0.65), ramp(s.ink_fraction, 0.01, 0.04),
                1 - ramp(s.ink_fraction, 0.30, 0.45), ramp(s.edge_density, 0.06, 0.14),
                1 - ramp(s.colour_fraction, 0.10, 0.30)});
  // No `night`: a dark mean luma does not separate low light from dark-toned subjects (a forest,
  // moss, a red-lacquered interior) on the labelled slice (docs/info.md); luma_mean and
  // dark_fraction stay among the signals.
  // Landscape / nature: green vegetation anywhere or clear blue sky in the upper third.
  const double nature = std::min(
      std::max(ramp(s.vegetation_fraction, 0.10, 0.30), ramp(s.sky_top_fraction, 0.15, 0.45)),
      photo);
  return {{"black_and_white", bw},
          {"document", document},
          {"landscape_nature", nature},
          {"screenshot_graphic", graphic}};
}

}  // namespace pictor::metadata
