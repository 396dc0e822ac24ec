// Themes: an honest classification of what kind of picture this is, from measurable pixel
// signals, until a learned model is available. Pure functions on interleaved 8-bit sRGB (no
// libvips), so that each signal is tested on its own; the `themes` extractor
// (themes_extractor.cc) feeds them the shared preview. docs/info.md gives each label's rule and
// its measured precision on a hand-labelled slice of the corpus.
//
// `people` is deliberately absent until the faces extractor exists; `food` is absent because no
// colour/texture statistic separates it from other close-ups (docs/info.md).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace pictor::metadata {

struct ThemeSignals {
  // Colour (CIE Lab chroma, so that grey means grey to the eye, not R = G = B exactly).
  double colour_fraction = 0;  // pixels with chroma C*ab > kColourChroma
  double mean_chroma = 0;      // mean C*ab
  // Light (BT.601 luma of the sRGB codes, 0-255).
  double luma_mean = 0;
  double dark_fraction = 0;   // luma < 64
  double light_fraction = 0;  // luma >= 170: paper, page backgrounds
  double ink_fraction = 0;    // luma < 110: strokes on such a page
  // Synthetic structure.
  double top_colours_coverage = 0;  // pixels whose exact RGB is one of the 16 most frequent
  double flat_fraction = 0;         // pixels whose 3x3 neighbourhood is exactly one colour
  double edge_density = 0;          // pixels with a luma step > 48 to the right or below
  // Outdoor colour layout (HSV hue, see themes.cc for the ranges).
  double sky_top_fraction = 0;     // sky-coloured pixels in the upper third
  double vegetation_fraction = 0;  // vegetation-coloured pixels anywhere
  int width = 0, height = 0;
};

// Chroma above which a pixel counts as coloured: JPEG chroma noise and slight toning in grey
// images stay below it, the palest real colours in photos lie above.
constexpr double kColourChroma = 10;

ThemeSignals theme_signals(std::span<const uint8_t> rgb, int width, int height);

struct ThemeScore {
  std::string name;
  double confidence = 0;  // in [0, 1]; the label applies at >= kThemeThreshold
};
constexpr double kThemeThreshold = 0.5;

// Every label's confidence from the signals, in a fixed order (the label names sorted).
std::vector<ThemeScore> score_themes(const ThemeSignals& s);

// ramp(x, lo, hi): 0 at or below lo, 1 at or above hi, linear between (0.5 at the midpoint).
double ramp(double x, double lo, double hi);

}  // namespace pictor::metadata
