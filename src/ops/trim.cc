// trim: remove borders that differ from the background by less than a threshold.
#include "ops/descriptor.h"

namespace pictor::ops {
namespace {

class Trim final : public Operation {
 public:
  const OpDescriptor& descriptor() const override {
    static const OpDescriptor d = describe(
        "trim",
        "Remove uniform borders. The background is the top-left pixel unless bg is given; an "
        "image that is all background is left as it is.",
        "trim:threshold=20",
        {float_param("threshold", "largest difference from the background still trimmed", 10, 0,
                     255),
         color_param("bg", "background colour; 00000000 (the default) means the top-left pixel",
                     Color{0, 0, 0, 0})});
    return d;
  }

  Result<Size> output_size(Size in, const OpArgs&, PlanState&) const override { return in; }
  bool exact_size(const OpArgs&) const override { return false; }
  bool needs_random_access(const OpArgs&) const override { return true; }  // reads twice

  Result<vips::VImage> apply(const vips::VImage& in, const OpArgs& args,
                             const ApplyContext&) const override {
    vips::VImage flat = in.has_alpha() ? in.flatten() : in;
    std::vector<double> background;
    const Color bg = args.get_color("bg");
    if (bg == Color{0, 0, 0, 0}) {
      background = flat.getpoint(0, 0);
    } else if (flat.bands() >= 3) {
      background = {double(bg.r), double(bg.g), double(bg.b)};
    } else {
      background = {0.299 * bg.r + 0.587 * bg.g + 0.114 * bg.b};
    }
    int top = 0, width = 0, height = 0;
    const int left = flat.find_trim(&top, &width, &height,
                                    vips::VImage::option()
                                        ->set("threshold", args.get_float("threshold"))
                                        ->set("background", background));
    if (width <= 0 || height <= 0) return in;
    return in.extract_area(left, top, width, height);
  }
};

}  // namespace

const Operation& trim_operation() {
  static const Trim op;
  return op;
}

}  // namespace pictor::ops
