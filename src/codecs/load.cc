#include <lcms2.h>

#include <cstring>
#include <string>

#include "codecs/source.h"

#include "codecs/jpeg_direct.h"

namespace pictor::codecs {
namespace {

// True when an ICC profile describes sRGB, so transforming to sRGB would change nothing but
// cost a pass over the pixels.
bool is_srgb_profile(const void* data, size_t size) {
  cmsHPROFILE profile = cmsOpenProfileFromMem(data, static_cast<cmsUInt32Number>(size));
  if (!profile) return false;
  char description[256] = {0};
  cmsGetProfileInfoASCII(profile, cmsInfoDescription, "en", "US", description, sizeof description);
  const bool rgb = cmsGetColorSpace(profile) == cmsSigRgbData;
  cmsCloseProfile(profile);
  return rgb && std::strstr(description, "sRGB") != nullptr;
}

// Converts any decoded image to 8-bit sRGB (or 8-bit grey), keeping alpha.
vips::VImage to_srgb(vips::VImage image) {
  const VipsInterpretation interpretation = image.interpretation();
  const bool has_profile = image.get_typeof(VIPS_META_ICC_NAME) != 0;
  bool transform = interpretation == VIPS_INTERPRETATION_CMYK;
  if (has_profile && !transform) {
    const void* data = nullptr;
    size_t size = 0;
    data = image.get_blob(VIPS_META_ICC_NAME, &size);
    transform = !is_srgb_profile(data, size);
  }
  if (transform) {
    // Embedded profile when there is one; libvips' built-in CMYK profile for bare CMYK.
    image = image.icc_transform("srgb", vips::VImage::option()
                                            ->set("embedded", true)
                                            ->set("input_profile",
                                                  interpretation == VIPS_INTERPRETATION_CMYK
                                                      ? "cmyk"
                                                      : "srgb")
                                            ->set("intent", VIPS_INTENT_RELATIVE));
  }
  const bool grey = image.interpretation() == VIPS_INTERPRETATION_B_W ||
                    image.interpretation() == VIPS_INTERPRETATION_GREY16;
  const VipsInterpretation target = grey ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB;
  if (image.interpretation() != target) image = image.colourspace(target);
  if (image.format() != VIPS_FORMAT_UCHAR) {
    // 16-bit sources: scale to 8 bits (colourspace already did this for RGB16/GREY16).
    image = image.format() == VIPS_FORMAT_USHORT ? (image / 257).cast(VIPS_FORMAT_UCHAR)
                                                 : image.cast(VIPS_FORMAT_UCHAR);
  }
  return image;
}

}  // namespace

vips::VImage load_for_plan(std::span<const uint8_t> bytes, const Plan& plan, const Deadline* deadline) {
  // Only when no EXIF orientation is pending (the direct decode carries no metadata, and the
  // `autoorient` step reads the tag from the image). Renditions are stored oriented.
  const bool unrotated = plan.rendition >= 0 || plan.source.orientation == 1;
  if (plan.input_format == Format::kJpeg && unrotated && direct_jpeg()) {
    DirectDecode direct = decode_jpeg_direct(bytes, plan.load_shrink > 1 ? plan.load_shrink : 1, deadline);
    if (direct.timed_out) throw vips::VError("decode cancelled at the deadline");
    // Already 8-bit sRGB or grey with no profile: nothing for to_srgb to do.
    if (direct.image) return *direct.image;
  }
  vips::VOption* options = vips::VImage::option();
  switch (plan.input_format) {
    case Format::kJpeg:
      if (plan.load_shrink > 1) options->set("shrink", plan.load_shrink);
      break;
    case Format::kWebp:
      if (plan.load_scale < 1) options->set("scale", plan.load_scale);
      break;
    case Format::kHeic:
    case Format::kAvif:
      if (plan.heif_thumbnail) options->set("thumbnail", true);
      break;
    default:
      break;
  }
  vips::VImage image = open_header(bytes, options);
  if (plan.orient_on_load()) {
    // Rotating reads rows out of order; the (already shrunk) decode goes to memory first.
    image = image.copy_memory().autorot();
  }
  return to_srgb(image);
}

}  // namespace pictor::codecs
