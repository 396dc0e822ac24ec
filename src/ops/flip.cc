// flip: mirror top to bottom.
#include "ops/descriptor.h"

namespace pictor::ops {
namespace {

class Flip final : public Operation {
 public:
  const OpDescriptor& descriptor() const override {
    static const OpDescriptor d =
        describe("flip", "Mirror vertically (top becomes bottom).", "flip", {});
    return d;
  }
  bool needs_random_access(const OpArgs&) const override { return true; }  // bottom row first
  Result<Size> output_size(Size in, const OpArgs&, PlanState&) const override { return in; }
  Result<vips::VImage> apply(const vips::VImage& in, const OpArgs&,
                             const ApplyContext&) const override {
    return in.flip(VIPS_DIRECTION_VERTICAL);
  }
};

}  // namespace

const Operation& flip_operation() {
  static const Flip op;
  return op;
}

}  // namespace pictor::ops
