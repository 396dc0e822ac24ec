#include "codecs/encode.h"

#include <glib.h>

#include <cstring>
#include <memory>

#include "codecs/jpeg_direct.h"
#include "codecs/metadata.h"
#include "codecs/vips_adapter.h"

namespace pictor::codecs {
namespace {

bool keeps_icc(const OutputSpec& spec) { return spec.keep == "icc" || spec.keep == "icc_copyright"; }
bool keeps_copyright(const OutputSpec& spec) {
  return spec.keep == "copyright" || spec.keep == "icc_copyright";
}

// A copy of the image carrying no metadata but, when asked, its ICC profile. Removing the
// fields ourselves is exact for every saver, whatever each one's `strip` covers.
vips::VImage strip_metadata(const vips::VImage& in, bool keep_icc) {
  vips::VImage image = in.copy();
  gchar** fields = vips_image_get_fields(image.get_image());
  for (gchar** field = fields; *field; ++field) {
    const std::string_view name(*field);
    const bool metadata = name == VIPS_META_EXIF_NAME || name == VIPS_META_XMP_NAME ||
                          name == VIPS_META_IPTC_NAME || name == VIPS_META_PHOTOSHOP_NAME ||
                          name.starts_with("exif-") || name == VIPS_META_ORIENTATION ||
                          name == "gif-comment" || name == "png-comment-0-Comment" ||
                          name.starts_with("png-comment-") || name.starts_with("heif-");
    if (metadata || (!keep_icc && name == VIPS_META_ICC_NAME)) image.remove(*field);
  }
  g_strfreev(fields);
  return image;
}

// Called by libvips while it computes pixels; stops the computation once the deadline passes.
void on_eval(VipsImage* image, VipsProgress*, void* deadline) {
  if (std::chrono::steady_clock::now() >
      *static_cast<const std::chrono::steady_clock::time_point*>(deadline)) {
    vips_image_set_kill(image, TRUE);
  }
}

VipsForeignSubsample subsample_mode(const std::string& mode) {
  if (mode == "on") return VIPS_FOREIGN_SUBSAMPLE_ON;
  if (mode == "off") return VIPS_FOREIGN_SUBSAMPLE_OFF;
  return VIPS_FOREIGN_SUBSAMPLE_AUTO;
}

std::vector<uint8_t> take_blob(VipsBlob* blob) {
  size_t size = 0;
  const void* data = vips_blob_get(blob, &size);
  std::vector<uint8_t> bytes(static_cast<const uint8_t*>(data),
                             static_cast<const uint8_t*>(data) + size);
  vips_area_unref(VIPS_AREA(blob));
  return bytes;
}

std::vector<uint8_t> save(const vips::VImage& image, const OutputSpec& spec, const Deadline* deadline) {
  const int q = spec.quality > 0 ? spec.quality : default_quality(spec.format);
  // strip=true unless the ICC profile is kept: the other metadata is already removed.
  const bool strip = !keeps_icc(spec);
  vips::VOption* options = vips::VImage::option()->set("strip", strip);
  switch (spec.format) {
    case Format::kJpeg:
      if (!keeps_icc(spec) && direct_jpeg() && can_encode_jpeg_direct(image)) {
        auto bytes = encode_jpeg_direct(image, {q, spec.progressive, spec.subsample}, deadline);
        if (!bytes.ok()) throw vips::VError(bytes.status().message());
        return std::move(bytes).value();
      }
      options->set("Q", q)
          ->set("interlace", spec.progressive)
          ->set("optimize_coding", true)
          ->set("subsample_mode", subsample_mode(spec.subsample));
      return take_blob(image.jpegsave_buffer(options));
    case Format::kPng:
      options->set("interlace", spec.progressive)->set("compression", 6);
      if (spec.palette) options->set("palette", true)->set("Q", q);
      if (spec.effort >= 0) options->set("effort", std::min(spec.effort, 10));
      return take_blob(image.pngsave_buffer(options));
    case Format::kWebp:
      options->set("Q", q)->set("lossless", spec.lossless);
      options->set("effort", spec.effort >= 0 ? std::min(spec.effort, 6) : 4);
      return take_blob(image.webpsave_buffer(options));
    case Format::kAvif:
    case Format::kHeic:
      options->set("Q", q)
          ->set("lossless", spec.lossless)
          ->set("compression", spec.format == Format::kAvif ? VIPS_FOREIGN_HEIF_COMPRESSION_AV1
                                                            : VIPS_FOREIGN_HEIF_COMPRESSION_HEVC)
          ->set("effort", spec.effort >= 0 ? spec.effort : 4);
      return take_blob(image.heifsave_buffer(options));
    case Format::kGif:
      if (spec.effort >= 0) options->set("effort", std::min(spec.effort, 10));
      return take_blob(image.gifsave_buffer(options));
    case Format::kUnknown:
      break;
  }
  throw vips::VError("no encoder for the output format");
}

}  // namespace

int default_quality(Format format) {
  switch (format) {
    case Format::kAvif:
    case Format::kHeic:
      return 50;  // the HEIF encoders' scale: 50 looks like JPEG 80
    case Format::kPng:
      return 100;  // palette quantisation: best quality that fits 256 colours
    default:
      return 80;
  }
}

Result<std::vector<uint8_t>> encode(vips::VImage image, const OutputSpec& spec,
                                    std::span<const uint8_t> source,
                                    const std::chrono::steady_clock::time_point* deadline) {
  return guard_vips(Stage::kEncode, [&]() -> Result<std::vector<uint8_t>> {
    if (spec.format == Format::kJpeg && image.has_alpha()) {
      // JPEG has no alpha: composite on white, as browsers show transparent areas.
      image = image.flatten(vips::VImage::option()->set(
          "background", std::vector<double>(image.bands() - 1, 255.0)));
    }
    vips::VImage final_image = strip_metadata(image, keeps_icc(spec));
    if (deadline) {
      vips_image_set_progress(final_image.get_image(), TRUE);
      g_signal_connect(final_image.get_image(), "eval", G_CALLBACK(on_eval),
                       const_cast<std::chrono::steady_clock::time_point*>(deadline));
    }
    std::vector<uint8_t> bytes = save(final_image, spec, deadline);
    // libvips 8.14's webpsave writes an EXIF block (with a thumbnail) even with strip=true, and
    // savers that keep the ICC profile (strip=false) also write a fresh EXIF block. Those outputs
    // get their metadata rewritten to exactly what was asked for. (The planner allows `keep`
    // only for JPEG, PNG and WebP, which exiv2 can rewrite.)
    if (spec.keep != "none" || spec.format == Format::kWebp) {
      return rewrite_metadata(std::move(bytes),
                              keeps_copyright(spec) ? read_copyright(source) : CopyrightNotice{},
                              keeps_icc(spec));
    }
    return bytes;
  });
}

}  // namespace pictor::codecs
