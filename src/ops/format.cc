// format: output format and encoder settings. It changes no pixels and must stand last; the
// planner turns its arguments into the OutputSpec.
#include "ops/descriptor.h"

namespace pictor::ops {
namespace {

OpDescriptor make_descriptor() {
  auto effort = int_param("effort", "encoder effort: webp 0-6, avif/heic 0-9 (higher = smaller, slower)",
                          -1, 0, 9);
  effort.default_means_unset = true;
  auto type = enum_param("type", "output format; default: the file extension or the input's format",
                         "", {"avif", "gif", "heic", "jpeg", "png", "webp"},
                         {{"jpg", "jpeg"}, {"heif", "heic"}});
  type.default_means_unset = true;
  OpDescriptor d = describe(
      "format", "Choose the output format and encoder settings (must be the last operation).",
      "format:type=webp,q=75",
      {type,
       optional_int_param("q", "quality 1-100; default jpeg/webp 80, avif/heic 50", 1, 100),
       bool_param("progressive", "progressive JPEG / interlaced PNG", false),
       enum_param("subsample", "JPEG chroma subsampling: auto (4:2:0 below q90), on (4:2:0), off (4:4:4)",
                  "auto", {"auto", "off", "on"}, {{"420", "on"}, {"444", "off"}}),
       bool_param("palette", "PNG: quantise to a palette of up to 256 colours (libimagequant)", false),
       bool_param("lossless", "WebP/AVIF/HEIC: lossless encoding", false),
       effort,
       enum_param("keep", "metadata kept in JPEG, PNG and WebP outputs (all other metadata is stripped)", "none",
                  {"copyright", "icc", "icc_copyright", "none"})});
  d.last_only = true;
  return d;
}

class Format final : public Operation {
 public:
  const OpDescriptor& descriptor() const override {
    static const OpDescriptor d = make_descriptor();
    return d;
  }
  Result<Size> output_size(Size in, const OpArgs&, PlanState&) const override { return in; }
  Result<vips::VImage> apply(const vips::VImage& in, const OpArgs&,
                             const ApplyContext&) const override {
    return in;
  }
};

}  // namespace

const Operation& format_operation() {
  static const Format op;
  return op;
}

}  // namespace pictor::ops
