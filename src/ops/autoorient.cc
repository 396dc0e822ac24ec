// autoorient: apply the EXIF orientation. The engine does this at load by default, so the
// operation matters when loading with auto-orientation off; applying it twice is harmless.
#include "ops/descriptor.h"

namespace pictor::ops {
namespace {

class AutoOrient final : public Operation {
 public:
  const OpDescriptor& descriptor() const override {
    static const OpDescriptor d = describe(
        "autoorient",
        "Apply the EXIF orientation tag (already done at load unless auto-orient is off).",
        "autoorient", {});
    return d;
  }

  bool needs_random_access(const OpArgs&) const override { return true; }

  Result<Size> output_size(Size in, const OpArgs&, PlanState& state) const override {
    const bool swap = !state.oriented && state.source && state.source->orientation >= 5;
    state.oriented = true;
    return swap ? Size{in.height, in.width} : in;
  }

  Result<vips::VImage> apply(const vips::VImage& in, const OpArgs&,
                             const ApplyContext&) const override {
    // autorot reads and then removes the orientation field, so a second call does nothing.
    return in.autorot();
  }
};

}  // namespace

const Operation& autoorient_operation() {
  static const AutoOrient op;
  return op;
}

}  // namespace pictor::ops
