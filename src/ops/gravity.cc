#include "ops/gravity.h"

#include <algorithm>
#include <cmath>

#include "ops/descriptor.h"

namespace pictor::ops {

std::vector<ParamSpec> gravity_params() {
  return {
      enum_param("gravity",
                 "part of the frame to keep: a compass point, focal (fx,fy), or smart crop by "
                 "attention (salient detail) or entropy (busiest region)",
                 "centre",
                 {"attention", "centre", "east", "entropy", "focal", "north", "northeast",
                  "northwest", "south", "southeast", "southwest", "west"},
                 {{"center", "centre"}, {"c", "centre"}, {"n", "north"}, {"s", "south"},
                  {"e", "east"}, {"w", "west"}, {"ne", "northeast"}, {"nw", "northwest"},
                  {"se", "southeast"}, {"sw", "southwest"}, {"smart", "attention"}}),
      float_param("fx", "focal point x as a fraction of the width (gravity=focal)", 0.5, 0, 1),
      float_param("fy", "focal point y as a fraction of the height (gravity=focal)", 0.5, 0, 1),
  };
}

namespace {

// Offset of a window of size `window` in a span of size `span` centred on `focus` (0..1).
int focal_offset(int span, int window, double focus) {
  double start = focus * span - window / 2.0;
  return std::clamp(static_cast<int>(std::lround(start)), 0, span - window);
}

}  // namespace

bool smart_gravity(const OpArgs& args) {
  const std::string& gravity = args.get_enum("gravity");
  return gravity == "attention" || gravity == "entropy";
}

vips::VImage crop_with_gravity(const vips::VImage& in, int width, int height,
                               const OpArgs& args) {
  const std::string& gravity = args.get_enum("gravity");
  const int spare_x = in.width() - width;
  const int spare_y = in.height() - height;
  if (gravity == "attention" || gravity == "entropy") {
    auto interesting = gravity == "attention" ? VIPS_INTERESTING_ATTENTION
                                              : VIPS_INTERESTING_ENTROPY;
    return in.smartcrop(width, height, vips::VImage::option()->set("interesting", interesting));
  }
  int left = spare_x / 2;
  int top = spare_y / 2;
  if (gravity == "focal") {
    left = focal_offset(in.width(), width, args.get_float("fx"));
    top = focal_offset(in.height(), height, args.get_float("fy"));
  } else {
    if (gravity.find("west") != std::string::npos) left = 0;
    if (gravity.find("east") != std::string::npos) left = spare_x;
    if (gravity.find("north") != std::string::npos) top = 0;
    if (gravity.find("south") != std::string::npos) top = spare_y;
  }
  return in.extract_area(left, top, width, height);
}

std::vector<double> background_for(const vips::VImage& image, Color color) {
  std::vector<double> bg;
  const int bands = image.bands();
  const bool alpha = image.has_alpha();
  const int colour_bands = alpha ? bands - 1 : bands;
  if (colour_bands < 3) {
    // Greyscale: luminance of the colour (Rec. 601 weights, as libvips' sRGB -> B_W).
    bg.push_back(0.299 * color.r + 0.587 * color.g + 0.114 * color.b);
  } else {
    bg = {double(color.r), double(color.g), double(color.b)};
    for (int extra = 3; extra < colour_bands; ++extra) bg.push_back(0);
  }
  if (alpha) bg.push_back(color.a * (image.format() == VIPS_FORMAT_USHORT ? 257.0 : 1.0));
  return bg;
}

}  // namespace pictor::ops
