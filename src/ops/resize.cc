// resize: scale to a box with a fit mode (fit, fill, cover, contain, force), optional
// enlargement, device pixel ratio, and gravity for the cover crop.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "ops/descriptor.h"
#include "ops/gravity.h"
#include "ops/in_memory.h"
#include "ops/resize_geometry.h"

namespace pictor::ops {
namespace {

constexpr int64_t kMaxSide = 16384;

OpDescriptor make_descriptor() {
  std::vector<ParamSpec> params = {
      optional_int_param("w", "target width in CSS pixels (multiplied by dpr)", 1, kMaxSide),
      optional_int_param("h", "target height in CSS pixels (multiplied by dpr)", 1, kMaxSide),
      enum_param("fit",
                 "fit: inside the box, aspect kept; fill: cover the box, aspect kept, no crop; "
                 "cover: fill the box exactly, cropping by gravity; contain: fit inside and pad "
                 "to exactly the box with bg; force: exactly the box, aspect ignored",
                 "fit", {"contain", "cover", "fill", "fit", "force"},
                 {{"inside", "fit"}, {"outside", "fill"}, {"crop", "cover"}, {"pad", "contain"},
                  {"stretch", "force"}}),
      bool_param("enlarge", "allow the result to be larger than the input", false),
      float_param("dpr", "device pixel ratio: multiplies w and h", 1.0, 1.0, 5.0),
      color_param("bg", "padding colour for fit=contain (rrggbb or rrggbbaa)",
                  Color{255, 255, 255, 255}),
  };
  for (ParamSpec& p : gravity_params()) params.push_back(std::move(p));
  return describe("resize", "Scale the image to a box using a fit mode.",
                  "resize:w=320,h=240,fit=cover", std::move(params));
}

int scaled_side(int side, double scale) {
  return std::max(1, static_cast<int>(std::lround(side * scale)));
}

// Scales `in` to exactly `target`, correcting libvips' rounding by at most a pixel.
vips::VImage scale_exact(const vips::VImage& in, Size target, const Deadline* deadline) {
  if (in.width() == target.width && in.height() == target.height) return in;
  if (auto reduced = reduce_in_memory(in, target, deadline)) return *reduced;
  const double hscale = static_cast<double>(target.width) / in.width();
  const double vscale = static_cast<double>(target.height) / in.height();
  vips::VImage image = in;
  const bool alpha = image.has_alpha();
  const VipsBandFormat format = image.format();
  // Premultiply so transparent pixels do not bleed their colour into the edges.
  if (alpha) image = image.premultiply();
  image = image.resize(hscale, vips::VImage::option()
                                   ->set("vscale", vscale)
                                   ->set("kernel", VIPS_KERNEL_LANCZOS3));
  if (alpha) image = image.unpremultiply().cast(format);
  if (image.width() != target.width || image.height() != target.height) {
    image = image.embed(0, 0, target.width, target.height,
                        vips::VImage::option()->set("extend", VIPS_EXTEND_COPY));
  }
  return image;
}

class Resize final : public Operation {
 public:
  const OpDescriptor& descriptor() const override {
    static const OpDescriptor d = make_descriptor();
    return d;
  }

  Status validate(const OpArgs& args) const override {
    const bool has_w = args.has("w"), has_h = args.has("h");
    if (!has_w && !has_h) {
      return {ErrorCode::kMissingParameter, "resize needs w, h or both"};
    }
    const std::string& fit = args.get_enum("fit");
    if ((fit == "cover" || fit == "contain" || fit == "force") && !(has_w && has_h)) {
      return {ErrorCode::kMissingParameter, fmt::format("resize fit={} needs both w and h", fit)};
    }
    if (args.has("bg") && fit != "contain") {
      return {ErrorCode::kInvalidValue, "resize bg applies only to fit=contain"};
    }
    if ((args.has("gravity") || args.has("fx") || args.has("fy")) && fit != "cover") {
      return {ErrorCode::kInvalidValue, "resize gravity applies only to fit=cover"};
    }
    return Status::Ok();
  }

  bool needs_random_access(const OpArgs& args) const override {
    return args.get_enum("fit") == "cover" && smart_gravity(args);
  }

  Result<Size> output_size(Size in, const OpArgs& args, PlanState&) const override {
    auto geometry = resize_geometry(in, args);
    if (!geometry.ok()) return geometry.status();
    return geometry->output;
  }

  Result<vips::VImage> apply(const vips::VImage& in, const OpArgs& args,
                             const ApplyContext& ctx) const override {
    Size logical_in = ctx.planned_in_exact ? ctx.planned_in : Size{in.width(), in.height()};
    auto geometry = resize_geometry(logical_in, args);
    if (!geometry.ok()) return geometry.status();
    vips::VImage image = scale_exact(in, geometry->scaled, ctx.deadline);
    const Size out = geometry->output;
    const std::string& fit = args.get_enum("fit");
    if (fit == "cover" && (image.width() != out.width || image.height() != out.height)) {
      image = crop_with_gravity(image, out.width, out.height, args);
    } else if (fit == "contain" &&
               (image.width() != out.width || image.height() != out.height)) {
      Color bg = args.get_color("bg");
      if (bg.a < 255 && !image.has_alpha()) image = image.bandjoin_const({255});
      image = image.embed((out.width - image.width()) / 2, (out.height - image.height()) / 2,
                          out.width, out.height,
                          vips::VImage::option()
                              ->set("extend", VIPS_EXTEND_BACKGROUND)
                              ->set("background", background_for(image, bg)));
    }
    return image;
  }
};

}  // namespace

Result<ResizeGeometry> resize_geometry(Size in, const OpArgs& args) {
  const double dpr = args.get_float("dpr");
  const bool has_w = args.has("w"), has_h = args.has("h");
  const int box_w = has_w ? static_cast<int>(std::lround(args.get_int("w") * dpr)) : 0;
  const int box_h = has_h ? static_cast<int>(std::lround(args.get_int("h") * dpr)) : 0;
  const std::string& fit = args.get_enum("fit");
  const bool enlarge = args.get_bool("enlarge");
  const double sx = has_w ? static_cast<double>(box_w) / in.width : 0;
  const double sy = has_h ? static_cast<double>(box_h) / in.height : 0;

  if (fit == "force") return ResizeGeometry{{box_w, box_h}, {box_w, box_h}};

  double scale;
  if (has_w && has_h) {
    scale = (fit == "fit" || fit == "contain") ? std::min(sx, sy) : std::max(sx, sy);
  } else {
    scale = has_w ? sx : sy;
  }
  if (!enlarge) scale = std::min(scale, 1.0);

  // The side that decided the scale lands exactly on the box; the other is rounded.
  Size scaled{scaled_side(in.width, scale), scaled_side(in.height, scale)};
  if (scale == sx) scaled.width = box_w;
  if (scale == sy) scaled.height = box_h;

  Size output = scaled;
  if (fit == "cover") {
    output = {std::min(scaled.width, box_w), std::min(scaled.height, box_h)};
  } else if (fit == "contain") {
    output = {box_w, box_h};
  }
  return ResizeGeometry{scaled, output};
}

const Operation& resize_operation() {
  static const Resize op;
  return op;
}

}  // namespace pictor::ops
