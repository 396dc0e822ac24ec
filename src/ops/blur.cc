// blur: Gaussian blur.
#include "ops/descriptor.h"

namespace pictor::ops {
namespace {

class Blur final : public Operation {
 public:
  const OpDescriptor& descriptor() const override {
    static const OpDescriptor d =
        describe("blur", "Gaussian blur.", "blur:sigma=2.5",
                 {float_param("sigma", "standard deviation in pixels", 1.0, 0.3, 500)});
    return d;
  }
  Result<Size> output_size(Size in, const OpArgs&, PlanState&) const override { return in; }
  Result<vips::VImage> apply(const vips::VImage& in, const OpArgs& args,
                             const ApplyContext&) const override {
    // libvips truncates the mask where it falls below min_ampl (default 0.2), which turns a
    // blur with sigma below ~0.6 into a no-op; 0.001 keeps the Gaussian's tails.
    auto blur = [&](const vips::VImage& image) {
      return image.gaussblur(args.get_float("sigma"), vips::VImage::option()->set("min_ampl", 0.001));
    };
    if (!in.has_alpha()) return blur(in);
    // Premultiplied so transparent pixels do not bleed colour into the blur.
    return blur(in.premultiply()).unpremultiply().cast(in.format());
  }
};

}  // namespace

const Operation& blur_operation() {
  static const Blur op;
  return op;
}

}  // namespace pictor::ops
