// colors: the average colour, the dominant palette and a BlurHash, from the shared preview
// (InfoInput::preview: 8-bit sRGB, orientation applied, alpha flattened over white). The
// algorithms are in colors.h; this file only feeds them pixels and shapes the JSON.
#include <cmath>

#include "metadata/colors.h"
#include "metadata/extractor.h"

namespace pictor::metadata {
namespace {

using nlohmann::json;

// The palette and the BlurHash work on a box-filtered copy whose longer side is at most this
// (<= 64k pixels): k-means over a million preview pixels would cost ~20x more for shares that
// differ in the third decimal, and BlurHash keeps only the lowest frequencies anyway.
constexpr int kSampleSide = 256;

// Rounded to `scale` (100: two decimals); dividing by the power of ten gives the double nearest
// the decimal, which the JSON writer prints short. Adding 0.0 turns -0 into 0.
double round_to(double value, double scale) {
  return std::round(value * scale) / scale + 0.0;
}

json rgb_array(colors::Rgb8 c) {
  return json::array({c.r, c.g, c.b});
}

json palette_json(const std::vector<colors::PaletteColor>& palette) {
  json out = json::array();
  for (const colors::PaletteColor& c : palette) {
    out.push_back({{"hex", colors::to_hex(c.rgb)},
                   {"rgb", rgb_array(c.rgb)},
                   {"lab", json::array({round_to(c.lab.l, 100), round_to(c.lab.a, 100),
                                        round_to(c.lab.b, 100)})},
                   {"share", round_to(c.share, 10000)}});
  }
  return out;
}

class ColorsExtractor final : public Extractor {
 public:
  std::string_view name() const override { return "colors"; }

  Result<json> extract(const InfoInput& in) const override {
    auto preview = in.preview();
    if (!preview.ok()) return preview.status();
    const vips::VImage& image = *preview;
    const colors::RgbView full{rgb_pixels(image), image.width(), image.height()};
    const colors::RgbImage sample = colors::box_downsample(full, kSampleSide);
    const auto [nx, ny] = colors::blurhash_components(sample.width, sample.height);
    auto blurhash = colors::blurhash_encode(sample.view(), nx, ny);
    if (!blurhash.ok()) return blurhash.status();
    return json{
        {"average", colors::to_hex(colors::average_color(full))},
        {"dominant", palette_json(colors::dominant_colors(sample.view()))},
        {"blurhash", *blurhash},
    };
  }
};

}  // namespace

const Extractor& colors_extractor() {
  static const ColorsExtractor extractor;
  return extractor;
}

}  // namespace pictor::metadata
