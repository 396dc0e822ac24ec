// themes: labels for the kind of picture (black and white, document, landscape/nature,
// screenshot/graphic) with confidences, from pixel signals of the shared preview (themes.h).
#include <algorithm>
#include <cmath>

#include "metadata/extractor.h"
#include "metadata/themes.h"

namespace pictor::metadata {
namespace {

using nlohmann::json;

// Longest side analysed: the signals are fractions, stable well below the preview's 1024, and a
// box shrink by an integer factor keeps exactly-flat areas exactly flat.
constexpr int kAnalysedSide = 512;

json round3(double v) {
  return std::round(v * 1000) / 1000;
}

class ThemesExtractor final : public Extractor {
 public:
  std::string_view name() const override { return "themes"; }

  Result<json> extract(const InfoInput& in) const override {
    auto preview = in.preview();
    if (!preview.ok()) return preview.status();
    vips::VImage image = *preview;
    const int factor =
        (std::max(image.width(), image.height()) + kAnalysedSide - 1) / kAnalysedSide;
    if (factor > 1) image = image.shrink(factor, factor).cast(VIPS_FORMAT_UCHAR);
    const ThemeSignals s = theme_signals(rgb_pixels(image), image.width(), image.height());
    std::vector<ThemeScore> scores = score_themes(s);
    json all = json::object(), labels = json::array();
    for (const ThemeScore& t : scores) all[t.name] = round3(t.confidence);
    std::stable_sort(scores.begin(), scores.end(), [](const ThemeScore& a, const ThemeScore& b) {
      return a.confidence > b.confidence;
    });
    for (const ThemeScore& t : scores) {
      if (t.confidence >= kThemeThreshold)
        labels.push_back({{"name", t.name}, {"confidence", round3(t.confidence)}});
    }
    return json{
        {"labels", labels},
        {"scores", all},
        {"signals",
         {{"colour_fraction", round3(s.colour_fraction)},
          {"mean_chroma", round3(s.mean_chroma)},
          {"luma_mean", round3(s.luma_mean)},
          {"dark_fraction", round3(s.dark_fraction)},
          {"light_fraction", round3(s.light_fraction)},
          {"ink_fraction", round3(s.ink_fraction)},
          {"top_colours_coverage", round3(s.top_colours_coverage)},
          {"flat_fraction", round3(s.flat_fraction)},
          {"edge_density", round3(s.edge_density)},
          {"sky_top_fraction", round3(s.sky_top_fraction)},
          {"vegetation_fraction", round3(s.vegetation_fraction)},
          {"analysed_width", s.width},
          {"analysed_height", s.height}}},
    };
  }
};

}  // namespace

const Extractor& themes_extractor() {
  static const ThemesExtractor extractor;
  return extractor;
}

}  // namespace pictor::metadata
