// quality: no-reference technical quality (sharpness, noise, JPEG blocking, exposure, contrast,
// colourfulness) and a 0-100 score, from the shared preview plus a native-resolution crop for
// blocking (the 8x8 grid is gone once the image is shrunk).
#include <algorithm>

#include "metadata/extractor.h"
#include "metadata/quality.h"

namespace pictor::metadata {
namespace {

using nlohmann::json;

// Side of the native-resolution crop read for blocking: enough 8x8 blocks for a stable ratio.
constexpr int kCropSide = 512;

// Luma of a central crop at stored resolution and orientation, its origin on the 8x8 grid.
Plane native_crop_luma(const InfoInput& in) {
  vips::VImage image = vips::VImage::new_from_buffer(
      in.bytes.data(), in.bytes.size(), "", vips::VImage::option()->set("access", "sequential"));
  const int w = std::min(kCropSide, image.width()), h = std::min(kCropSide, image.height());
  const int left = (image.width() - w) / 2 / 8 * 8, top = (image.height() - h) / 2 / 8 * 8;
  image = to_srgb8(image.crop(left, top, w, h));
  return luma(rgb_pixels(image), w, h);
}

json round2(double v) {
  return std::round(v * 100) / 100;
}

class QualityExtractor final : public Extractor {
 public:
  std::string_view name() const override { return "quality"; }

  Result<json> extract(const InfoInput& in) const override {
    auto preview = in.preview();
    if (!preview.ok()) return preview.status();
    const std::span<const uint8_t> rgb = rgb_pixels(*preview);
    const Plane y = luma(rgb, preview->width(), preview->height());
    QualityComponents c;
    c.laplacian_variance = laplacian_variance(y);
    c.noise_sigma = noise_sigma(y);
    c.colourfulness = colourfulness(rgb);
    c.exposure = exposure(y);
    c.blockiness = blockiness(native_crop_luma(in));
    const QualityScore s = score_quality(c);
    return json{
        {"score", s.score},
        {"sharpness",
         {{"laplacian_variance", round2(c.laplacian_variance)}, {"factor", round2(s.sharpness)}}},
        {"noise", {{"sigma", round2(c.noise_sigma)}, {"factor", round2(s.noise)}}},
        {"blockiness", {{"ratio", round2(*c.blockiness)}, {"factor", round2(s.blocking)}}},
        {"exposure",
         {{"mean", round2(c.exposure.mean)},
          {"clipped_highlights", std::round(c.exposure.clipped_highlights * 1e4) / 1e4},
          {"clipped_shadows", std::round(c.exposure.clipped_shadows * 1e4) / 1e4},
          {"factor", round2(s.exposure)}}},
        {"contrast",
         {{"rms", std::round(c.exposure.contrast * 1e3) / 1e3}, {"factor", round2(s.contrast)}}},
        {"colorfulness", round2(c.colourfulness)},
        {"analysed_width", y.width},
        {"analysed_height", y.height},
    };
  }
};

}  // namespace

const Extractor& quality_extractor() {
  static const QualityExtractor extractor;
  return extractor;
}

}  // namespace pictor::metadata
