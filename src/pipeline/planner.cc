// The planner: chain + header -> plan. Works on sizes only, so it is testable without pixels.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "ops/operation.h"
#include "ops/resize_geometry.h"
#include "pictor/engine.h"

namespace pictor {
namespace {

Format default_output_format(const SourceInfo& source, const ProcessOptions& options) {
  if (options.default_format) return *options.default_format;
  // HEIC encoding is slow and not universally decodable; thumbnails of HEIC default to JPEG.
  return source.format == Format::kHeic ? Format::kJpeg : source.format;
}

Status fill_output_spec(const Chain& chain, const SourceInfo& source,
                        const ProcessOptions& options, OutputSpec& out) {
  out.format = default_output_format(source, options);
  if (chain.ops.empty() || chain.ops.back().op().name != "format") return Status::Ok();
  const OpArgs& args = chain.ops.back();
  if (args.has("type")) out.format = *format_from_name(args.get_enum("type"));
  out.quality = static_cast<int>(args.get_int("q"));
  out.progressive = args.get_bool("progressive");
  out.subsample = args.get_enum("subsample");
  out.palette = args.get_bool("palette");
  out.lossless = args.get_bool("lossless");
  out.effort = static_cast<int>(args.get_int("effort"));
  out.keep = args.get_enum("keep");

  const std::string_view type = format_name(out.format);
  auto only = [&](bool given, std::string_view param, std::initializer_list<Format> formats) {
    if (!given) return Status::Ok();
    for (Format f : formats) {
      if (f == out.format) return Status::Ok();
    }
    return Status(ErrorCode::kInvalidValue,
                  fmt::format("format {} does not apply to {} output", param, type));
  };
  PICTOR_RETURN_IF_ERROR(only(args.has("progressive"), "progressive", {Format::kJpeg, Format::kPng}));
  PICTOR_RETURN_IF_ERROR(only(args.has("subsample"), "subsample", {Format::kJpeg}));
  PICTOR_RETURN_IF_ERROR(only(args.has("palette"), "palette", {Format::kPng}));
  PICTOR_RETURN_IF_ERROR(
      only(args.has("lossless"), "lossless", {Format::kWebp, Format::kAvif, Format::kHeic}));
  PICTOR_RETURN_IF_ERROR(only(args.has("q"), "q",
                              {Format::kJpeg, Format::kWebp, Format::kAvif, Format::kHeic,
                               Format::kPng}));
  PICTOR_RETURN_IF_ERROR(only(args.has("effort"), "effort",
                              {Format::kWebp, Format::kAvif, Format::kHeic, Format::kPng,
                               Format::kGif}));
  PICTOR_RETURN_IF_ERROR(only(args.has("keep"), "keep", {Format::kJpeg, Format::kPng, Format::kWebp}));
  if (args.has("q") && out.format == Format::kPng && !out.palette) {
    return {ErrorCode::kInvalidValue, "format q applies to png output only with palette=true"};
  }
  return Status::Ok();
}

// The smallest rendition that covers `needed`, or -1. Renditions are oriented and stripped, so
// they stand in for the source only when the plan orients it and keeps no metadata.
int choose_rendition(const Plan& plan, const ProcessOptions& options, ops::Size needed) {
  if (plan.source.frames != 1 || plan.output.keep != "none") return -1;
  if (!plan.apply_orientation && plan.source.orientation != 1) return -1;
  int best = -1;
  for (size_t i = 0; i < options.renditions.size(); ++i) {
    const Rendition& r = options.renditions[i];
    // Resampling by a factor close to 1 softens (every output pixel interpolates between two
    // inputs); a rendition must leave the resize at least 1.5x to reduce, as the source would.
    if (r.width < needed.width * 1.5 || r.height < needed.height * 1.5) continue;
    if (r.width >= plan.loaded_width) continue;  // no smaller than the source: no gain
    if (best < 0 || r.width < options.renditions[best].width) best = static_cast<int>(i);
  }
  return best;
}

// Chooses what to load for a chain that starts with resize: the smallest rendition that is
// large enough, then shrink-on-load (decode at the smallest size that is still at least the
// scaled size), and lets the resize kernel do the rest.
void choose_shrink_on_load(const Chain& chain, const ProcessOptions& options, Plan& plan) {
  if (chain.ops.empty() || chain.ops.front().op().name != "resize") return;
  auto geometry = ops::resize_geometry({plan.loaded_width, plan.loaded_height}, chain.ops.front());
  if (!geometry.ok()) return;
  Format format = plan.source.format;
  plan.rendition = choose_rendition(plan, options, geometry->scaled);
  if (plan.rendition >= 0) {
    const Rendition& r = options.renditions[plan.rendition];
    format = r.format;
    plan.input_format = r.format;
    plan.loaded_width = r.width;
    plan.loaded_height = r.height;
    // No shrink-on-load on top: a rendition is already a filtered downscale, and a second box
    // filter (the DCT shrink) visibly softens the result (butteraugli 3-norm 1.17 instead of
    // 0.67 for 2048 -> 800; see docs/http.md). Renditions are small enough to decode whole.
    return;
  }
  const ops::Size in{plan.loaded_width, plan.loaded_height};
  const double ratio = std::min(double(in.width) / geometry->scaled.width,
                                double(in.height) / geometry->scaled.height);
  if (ratio < 2) return;
  switch (format) {
    case Format::kJpeg: {
      int shrink = ratio >= 8 ? 8 : ratio >= 4 ? 4 : 2;
      plan.load_shrink = shrink;
      // libjpeg's scaled decode rounds sizes up, but libvips (8.14) drops the last, partial
      // column and row: its loaded size rounds down.
      plan.loaded_width = std::max(1, in.width / shrink);
      plan.loaded_height = std::max(1, in.height / shrink);
      break;
    }
    case Format::kWebp: {
      const int shrink = static_cast<int>(std::floor(ratio));
      plan.load_scale = 1.0 / shrink;
      plan.loaded_width = std::max(1, int(std::lround(in.width * plan.load_scale)));
      plan.loaded_height = std::max(1, int(std::lround(in.height * plan.load_scale)));
      break;
    }
    case Format::kHeic:
    case Format::kAvif: {
      const SourceInfo& s = plan.source;
      if (plan.rendition >= 0) break;
      if (s.thumbnail_width == 0) break;
      // The thumbnail is stored unrotated like the main image.
      const int thumb_w = s.orientation >= 5 ? s.thumbnail_height : s.thumbnail_width;
      const int thumb_h = s.orientation >= 5 ? s.thumbnail_width : s.thumbnail_height;
      if (thumb_w >= geometry->scaled.width && thumb_h >= geometry->scaled.height) {
        plan.heif_thumbnail = true;
        plan.loaded_width = thumb_w;
        plan.loaded_height = thumb_h;
      }
      break;
    }
    default:
      break;
  }
}

}  // namespace

Result<Plan> make_plan(const Chain& chain, const SourceInfo& source,
                       const ProcessOptions& options) {
  Plan plan;
  plan.source = source;
  plan.input_format = source.format;
  plan.apply_orientation = options.auto_orient;
  ops::PlanState state{&plan.source, options.auto_orient};
  ops::Size size = options.auto_orient ? ops::Size{source.display_width(), source.display_height()}
                                       : ops::Size{source.width, source.height};
  plan.loaded_width = size.width;
  plan.loaded_height = size.height;
  PICTOR_RETURN_IF_ERROR(fill_output_spec(chain, source, options, plan.output));
  choose_shrink_on_load(chain, options, plan);

  bool exact = true;
  for (size_t i = 0; i < chain.ops.size(); ++i) {
    const OpArgs& args = chain.ops[i];
    const ops::Operation* op = ops::find_registered(args.op().name);
    auto out = op->output_size(size, args, state);
    if (!out.ok()) {
      return Result<Plan>(out.status().code(), fmt::format("operation {} ({}): {}", i + 1,
                                                           args.op().name, out.status().message()));
    }
    plan.steps.push_back(PlanStep{&args, size.width, size.height, out->width, out->height, exact});
    exact = exact && op->exact_size(args);
    size = *out;
    const uint64_t pixels = uint64_t(size.width) * uint64_t(size.height);
    if (pixels > options.limits.max_output_pixels) {
      return Result<Plan>(ErrorCode::kOutputTooLarge,
                          fmt::format("operation {} ({}) would make {}x{} ({:.1f} megapixels); "
                                      "the limit is {:.1f}",
                                      i + 1, args.op().name, size.width, size.height, pixels / 1e6,
                                      options.limits.max_output_pixels / 1e6));
    }
  }
  plan.out_width = size.width;
  plan.out_height = size.height;
  return plan;
}

}  // namespace pictor
