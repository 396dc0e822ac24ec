// rotate: clockwise by degrees. Multiples of 90 are exact pixel moves; other angles are
// resampled onto a larger canvas filled with bg.
#include <cmath>

#include "ops/descriptor.h"
#include "ops/gravity.h"

namespace pictor::ops {
namespace {

// Angle in [0, 360).
double normalise(double degrees) {
  double d = std::fmod(degrees, 360.0);
  return d < 0 ? d + 360.0 : d;
}

bool right_angle(double degrees) { return std::fmod(normalise(degrees), 90.0) == 0.0; }

class Rotate final : public Operation {
 public:
  const OpDescriptor& descriptor() const override {
    static const OpDescriptor d = describe(
        "rotate", "Rotate clockwise. Multiples of 90 are exact; other angles fill the corners.",
        "rotate:deg=90",
        {required(float_param("deg", "clockwise angle in degrees", 0, -360, 360)),
         color_param("bg", "corner colour for angles that are not multiples of 90",
                     Color{0, 0, 0, 0})});
    return d;
  }

  Result<Size> output_size(Size in, const OpArgs& args, PlanState&) const override {
    const double deg = normalise(args.get_float("deg"));
    if (right_angle(deg)) {
      return (static_cast<int>(deg) / 90) % 2 ? Size{in.height, in.width} : in;
    }
    const double rad = deg * M_PI / 180.0;
    const double c = std::fabs(std::cos(rad)), s = std::fabs(std::sin(rad));
    return Size{static_cast<int>(std::ceil(in.width * c + in.height * s)),
                static_cast<int>(std::ceil(in.width * s + in.height * c))};
  }

  bool needs_random_access(const OpArgs& args) const override {
    return normalise(args.get_float("deg")) != 0;
  }

  bool exact_size(const OpArgs& args) const override { return right_angle(args.get_float("deg")); }

  Result<vips::VImage> apply(const vips::VImage& in, const OpArgs& args,
                             const ApplyContext&) const override {
    const double deg = normalise(args.get_float("deg"));
    if (deg == 0) return in;
    if (deg == 90) return in.rot90();
    if (deg == 180) return in.rot180();
    if (deg == 270) return in.rot270();
    vips::VImage image = in;
    const Color bg = args.get_color("bg");
    if (bg.a < 255 && !image.has_alpha()) image = image.bandjoin_const({255});
    return image.rotate(deg, vips::VImage::option()->set("background", background_for(image, bg)));
  }
};

}  // namespace

const Operation& rotate_operation() {
  static const Rotate op;
  return op;
}

}  // namespace pictor::ops
