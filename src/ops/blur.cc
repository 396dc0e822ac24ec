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
    if (!in.has_alpha()) return in.gaussblur(args.get_float("sigma"));
    // Premultiplied so transparent pixels do not bleed colour into the blur.
    return in.premultiply()
        .gaussblur(args.get_float("sigma"))
        .unpremultiply()
        .cast(in.format());
  }
};

}  // namespace

const Operation& blur_operation() {
  static const Blur op;
  return op;
}

}  // namespace pictor::ops
