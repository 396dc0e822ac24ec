// No-reference image quality: measurable signals of a photo's technical quality and a 0-100
// score combining them. Pure functions on 8-bit pixels (no libvips), so that they are tested on
// their own; the `quality` extractor (quality_extractor.cc) feeds them the shared preview and a
// native-resolution crop. docs/info.md explains each component and the score.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace pictor::metadata {

// One 8-bit channel, row-major.
struct Plane {
  int width = 0, height = 0;
  std::vector<float> pixels;
  float at(int x, int y) const { return pixels[size_t(y) * width + x]; }
};

// BT.601 luma of interleaved 8-bit RGB (metadata/luma.h) as a plane.
Plane luma(std::span<const uint8_t> rgb, int width, int height);

// Variance of the 4-neighbour Laplacian (Pech-Pacheco et al. 2000): high for crisp edges, low
// for defocus or motion blur.
double laplacian_variance(const Plane& y);

// Standard deviation of Gaussian noise (0-255 scale) by Immerkær's method ("Fast noise variance
// estimation", 1996: the mask [1 -2 1; -2 4 -2; 1 -2 1] cancels smooth image structure), taken
// per 32x32 block and read at the 10th percentile of blocks, so textured blocks (where the mask
// answers to detail, not noise) do not count; blocks with clipped pixels (which hide noise) are
// left out.
double noise_sigma(const Plane& y);

// Ratio of the mean absolute luma step across 8x8 block boundaries to the step inside blocks,
// averaged over both directions: ~1 for an image without blocking, higher for JPEG-style
// blocking. The plane must be at native resolution with the block grid at (0, 0).
double blockiness(const Plane& y);

// Hasler and Süsstrunk's colourfulness metric (2003) on 8-bit RGB: 0 for grey, ~33 moderate,
// ~59 quite, >80 highly colourful.
double colourfulness(std::span<const uint8_t> rgb);

struct Exposure {
  double mean = 0;                // mean luma, 0-255
  double clipped_highlights = 0;  // fraction of pixels with luma >= 250
  double clipped_shadows = 0;     // fraction with luma <= 5
  double contrast = 0;            // RMS contrast: standard deviation of luma / 255
};
Exposure exposure(const Plane& y);

struct QualityComponents {
  double laplacian_variance = 0;
  double noise_sigma = 0;
  std::optional<double> blockiness;  // only when a native-resolution view was measured
  double colourfulness = 0;
  Exposure exposure;
};

// Each component as a factor in [0, 1] (1 = no defect) and their product as the 0-100 score.
struct QualityScore {
  double sharpness = 0, noise = 0, blocking = 0, exposure = 0, contrast = 0;
  int score = 0;
};
QualityScore score_quality(const QualityComponents& c);

}  // namespace pictor::metadata
