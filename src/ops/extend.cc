// extend: add borders of a background colour (transparent by default).
#include "ops/descriptor.h"
#include "ops/gravity.h"

namespace pictor::ops {
namespace {

constexpr int64_t kMax = 16384;

class Extend final : public Operation {
 public:
  const OpDescriptor& descriptor() const override {
    static const OpDescriptor d = describe(
        "extend",
        "Add borders. Transparent by default; formats without alpha get the colour flattened "
        "on white.",
        "extend:top=10,bottom=10,bg=ff0000",
        {int_param("top", "pixels added above", 0, 0, kMax),
         int_param("right", "pixels added on the right", 0, 0, kMax),
         int_param("bottom", "pixels added below", 0, 0, kMax),
         int_param("left", "pixels added on the left", 0, 0, kMax),
         color_param("bg", "border colour (rrggbb or rrggbbaa)", Color{0, 0, 0, 0})});
    return d;
  }

  Status validate(const OpArgs& args) const override {
    if (!args.has("top") && !args.has("right") && !args.has("bottom") && !args.has("left")) {
      return {ErrorCode::kMissingParameter, "extend needs at least one of top, right, bottom, left"};
    }
    return Status::Ok();
  }

  Result<Size> output_size(Size in, const OpArgs& args, PlanState&) const override {
    return Size{in.width + int(args.get_int("left") + args.get_int("right")),
                in.height + int(args.get_int("top") + args.get_int("bottom"))};
  }

  Result<vips::VImage> apply(const vips::VImage& in, const OpArgs& args,
                             const ApplyContext&) const override {
    vips::VImage image = in;
    const Color bg = args.get_color("bg");
    if (bg.a < 255 && !image.has_alpha()) image = image.bandjoin_const({255});
    const int left = int(args.get_int("left")), top = int(args.get_int("top"));
    return image.embed(left, top, image.width() + left + int(args.get_int("right")),
                       image.height() + top + int(args.get_int("bottom")),
                       vips::VImage::option()
                           ->set("extend", VIPS_EXTEND_BACKGROUND)
                           ->set("background", background_for(image, bg)));
  }
};

}  // namespace

const Operation& extend_operation() {
  static const Extend op;
  return op;
}

}  // namespace pictor::ops
