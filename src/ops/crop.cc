// crop: keep a w x h region, either a box at (x, y) or placed by gravity (compass point,
// focal point, or smart crop by attention/entropy).
#include <algorithm>

#include <fmt/format.h>

#include "ops/descriptor.h"
#include "ops/gravity.h"

namespace pictor::ops {
namespace {

constexpr int64_t kMax = 65535;

OpDescriptor make_descriptor() {
  auto x = int_param("x", "left edge of a box crop (with y); omit to place the region by gravity",
                     -1, 0, kMax);
  auto y = int_param("y", "top edge of a box crop (with x)", -1, 0, kMax);
  x.default_means_unset = y.default_means_unset = true;
  std::vector<ParamSpec> params = {
      required(optional_int_param("w", "width of the region", 1, kMax)),
      required(optional_int_param("h", "height of the region", 1, kMax)),
      x,
      y,
  };
  for (ParamSpec& p : gravity_params()) params.push_back(std::move(p));
  return describe("crop",
                  "Keep a w x h region: a box at x,y, or placed by gravity. A region larger than "
                  "the image is reduced to the image; a box is clipped to it.",
                  "crop:w=400,h=300,gravity=attention", std::move(params));
}

class Crop final : public Operation {
 public:
  const OpDescriptor& descriptor() const override {
    static const OpDescriptor d = make_descriptor();
    return d;
  }

  Status validate(const OpArgs& args) const override {
    if (args.has("x") != args.has("y")) {
      return {ErrorCode::kMissingParameter, "crop box needs both x and y"};
    }
    if (args.has("x") && (args.has("gravity") || args.has("fx") || args.has("fy"))) {
      return {ErrorCode::kInvalidValue, "crop takes either a box (x, y) or a gravity, not both"};
    }
    return Status::Ok();
  }

  bool needs_random_access(const OpArgs& args) const override { return smart_gravity(args); }

  Result<Size> output_size(Size in, const OpArgs& args, PlanState&) const override {
    const int w = static_cast<int>(args.get_int("w"));
    const int h = static_cast<int>(args.get_int("h"));
    if (!args.has("x")) return Size{std::min(w, in.width), std::min(h, in.height)};
    const int x = static_cast<int>(args.get_int("x"));
    const int y = static_cast<int>(args.get_int("y"));
    if (x >= in.width || y >= in.height) {
      return Result<Size>(ErrorCode::kInvalidValue,
                          fmt::format("crop box at x={},y={} lies outside the {}x{} image", x, y,
                                      in.width, in.height));
    }
    return Size{std::min(w, in.width - x), std::min(h, in.height - y)};
  }

  Result<vips::VImage> apply(const vips::VImage& in, const OpArgs& args,
                             const ApplyContext& ctx) const override {
    PlanState unused;
    auto out = output_size({in.width(), in.height()}, args, unused);
    if (!out.ok()) return out.status();
    if (args.has("x")) {
      return in.extract_area(static_cast<int>(args.get_int("x")),
                             static_cast<int>(args.get_int("y")), out->width, out->height);
    }
    return crop_with_gravity(in, out->width, out->height, args);
  }
};

}  // namespace

const Operation& crop_operation() {
  static const Crop op;
  return op;
}

}  // namespace pictor::ops
