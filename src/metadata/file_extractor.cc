// file: what the container and header say, plus digests and the estimated JPEG quality. Reads
// no pixels.
#include <lcms2.h>

#include "core/digest.h"
#include "metadata/extractor.h"
#include "metadata/jpeg_quality.h"

namespace pictor::metadata {
namespace {

using nlohmann::json;

bool has_field(const vips::VImage& image, const char* name) {
  return image.get_typeof(name) != 0;
}

int bit_depth(const vips::VImage& image) {
  if (has_field(image, "bits-per-sample")) return image.get_int("bits-per-sample");
  switch (image.format()) {
    case VIPS_FORMAT_UCHAR:
    case VIPS_FORMAT_CHAR:
      return 8;
    case VIPS_FORMAT_USHORT:
    case VIPS_FORMAT_SHORT:
      return 16;
    default:
      return 32;
  }
}

// The profile's description (its `desc` tag), and its size; null when there is none.
json icc_profile(const vips::VImage& image) {
  if (!has_field(image, VIPS_META_ICC_NAME)) return nullptr;
  size_t size = 0;
  const void* data = image.get_blob(VIPS_META_ICC_NAME, &size);
  json profile{{"bytes", size}, {"description", nullptr}};
  if (cmsHPROFILE handle = cmsOpenProfileFromMem(data, static_cast<cmsUInt32Number>(size))) {
    char description[256] = {0};
    if (cmsGetProfileInfoASCII(handle, cmsInfoDescription, "en", "US", description,
                               sizeof description) > 0) {
      profile["description"] = description;
    }
    cmsCloseProfile(handle);
  }
  return profile;
}

class FileExtractor final : public Extractor {
 public:
  std::string_view name() const override { return "file"; }

  Result<json> extract(const InfoInput& in) const override {
    const SourceInfo& s = in.source;
    const vips::VImage& h = in.header;
    json file{
        {"format", format_name(s.format)},
        {"mime", format_mime(s.format)},
        {"bytes", in.bytes.size()},
        {"md5", md5_hex(in.bytes)},
        {"sha256", sha256_hex(in.bytes)},
        {"width", s.width},
        {"height", s.height},
        {"orientation", s.orientation},
        {"display_width", s.display_width()},
        {"display_height", s.display_height()},
        {"frames", s.frames},
        {"loop", nullptr},
        {"bit_depth", bit_depth(h)},
        {"channels", h.bands()},
        {"color_space", vips_enum_nick(VIPS_TYPE_INTERPRETATION, h.interpretation())},
        {"icc_profile", icc_profile(h)},
        {"alpha", s.has_alpha},
        {"progressive", has_field(h, "interlaced") && h.get_int("interlaced") != 0},
    };
    // GIF and WebP animations: how many times to play, 0 = forever.
    if (s.frames > 1 && has_field(h, "loop")) file["loop"] = h.get_int("loop");
    if (s.format == Format::kJpeg) {
      json jpeg{{"chroma_subsampling", nullptr}, {"quality", nullptr}};
      if (has_field(h, "jpeg-chroma-subsample"))
        jpeg["chroma_subsampling"] = h.get_string("jpeg-chroma-subsample");
      if (auto quality = estimate_jpeg_quality(in.bytes)) jpeg["quality"] = *quality;
      file["jpeg"] = std::move(jpeg);
    }
    return file;
  }
};

}  // namespace

const Extractor& file_extractor() {
  static const FileExtractor extractor;
  return extractor;
}

}  // namespace pictor::metadata
