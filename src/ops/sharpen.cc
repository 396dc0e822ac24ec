// sharpen: unsharp masking on lightness (libvips sharpen).
#include "ops/descriptor.h"

namespace pictor::ops {
namespace {

class Sharpen final : public Operation {
 public:
  const OpDescriptor& descriptor() const override {
    static const OpDescriptor d = describe(
        "sharpen", "Sharpen edges (unsharp mask on lightness).", "sharpen:sigma=1.5,jagged=3",
        {float_param("sigma", "radius of the mask's Gaussian", 1.0, 0.3, 10),
         float_param("flat", "sharpening of flat areas", 0, 0, 10),
         float_param("jagged", "sharpening of jagged areas (edges)", 2, 0, 10)});
    return d;
  }
  Result<Size> output_size(Size in, const OpArgs&, PlanState&) const override { return in; }
  Result<vips::VImage> apply(const vips::VImage& in, const OpArgs& args,
                             const ApplyContext&) const override {
    vips::VImage out = in.sharpen(vips::VImage::option()
                                      ->set("sigma", args.get_float("sigma"))
                                      ->set("m1", args.get_float("flat"))
                                      ->set("m2", args.get_float("jagged")));
    // sharpen works in LabS and returns sRGB; keep the input's sample format.
    return out.format() == in.format() ? out : out.cast(in.format());
  }
};

}  // namespace

const Operation& sharpen_operation() {
  static const Sharpen op;
  return op;
}

}  // namespace pictor::ops
