// flop: mirror left to right.
#include "ops/descriptor.h"

namespace pictor::ops {
namespace {

class Flop final : public Operation {
 public:
  const OpDescriptor& descriptor() const override {
    static const OpDescriptor d =
        describe("flop", "Mirror horizontally (left becomes right).", "flop", {});
    return d;
  }
  Result<Size> output_size(Size in, const OpArgs&, PlanState&) const override { return in; }
  Result<vips::VImage> apply(const vips::VImage& in, const OpArgs&,
                             const ApplyContext&) const override {
    return in.flip(VIPS_DIRECTION_HORIZONTAL);
  }
};

}  // namespace

const Operation& flop_operation() {
  static const Flop op;
  return op;
}

}  // namespace pictor::ops
