#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "codecs/source.h"
#include "codecs/vips_adapter.h"

namespace pictor {
namespace codecs {

vips::VImage open_header(std::span<const uint8_t> bytes, vips::VOption* options) {
  if (!options) options = vips::VImage::option();
  options->set("access", VIPS_ACCESS_SEQUENTIAL)->set("fail_on", VIPS_FAIL_ON_ERROR);
  return vips::VImage::new_from_buffer(bytes.data(), bytes.size(), "", options);
}

namespace {

// Maps the libvips loader that claims the bytes to a Pictor format.
Result<Format> sniff(std::span<const uint8_t> bytes) {
  const char* loader = vips_foreign_find_load_buffer(bytes.data(), bytes.size());
  if (!loader) {
    vips_error_clear();
    return Result<Format>(ErrorCode::kUnsupportedFormat,
                          "the data is not an image in a supported format "
                          "(JPEG, PNG, WebP, GIF, HEIC, AVIF)");
  }
  const std::string_view name(loader);
  if (name.starts_with("VipsForeignLoadJpeg")) return Format::kJpeg;
  if (name.starts_with("VipsForeignLoadPng")) return Format::kPng;
  if (name.starts_with("VipsForeignLoadWebp")) return Format::kWebp;
  if (name.starts_with("VipsForeignLoadNsgif") || name.starts_with("VipsForeignLoadGif")) {
    return Format::kGif;  // libvips 8.14 decodes GIF with libnsgif
  }
  if (name.starts_with("VipsForeignLoadHeif")) {
    // The ISO-BMFF brand tells AVIF (AV1) from HEIC (HEVC).
    const bool avif = bytes.size() >= 12 && (std::memcmp(bytes.data() + 8, "avif", 4) == 0 ||
                                             std::memcmp(bytes.data() + 8, "avis", 4) == 0);
    return avif ? Format::kAvif : Format::kHeic;
  }
  return Result<Format>(ErrorCode::kUnsupportedFormat,
                        fmt::format("{} input is not accepted", name));
}

int int_field(const vips::VImage& image, const char* name, int fallback) {
  return image.get_typeof(name) == G_TYPE_INT ? image.get_int(name) : fallback;
}

Status check_limits(const SourceInfo& info, const Limits& limits) {
  const uint64_t frame_pixels = uint64_t(info.width) * uint64_t(info.height);
  if (frame_pixels > limits.max_frame_pixels) {
    return {ErrorCode::kImageTooLarge,
            fmt::format("{}x{} is {:.1f} megapixels; the limit is {:.1f}", info.width, info.height,
                        frame_pixels / 1e6, limits.max_frame_pixels / 1e6)};
  }
  if (uint64_t(info.frames) > limits.max_frames) {
    return {ErrorCode::kTooManyFrames,
            fmt::format("{} frames; the limit is {}", info.frames, limits.max_frames)};
  }
  if (frame_pixels * uint64_t(info.frames) > limits.max_total_pixels) {
    return {ErrorCode::kImageTooLarge,
            fmt::format("{} frames of {}x{} exceed the limit of {:.1f} megapixels in total",
                        info.frames, info.width, info.height, limits.max_total_pixels / 1e6)};
  }
  return Status::Ok();
}

}  // namespace
}  // namespace codecs

Result<SourceInfo> probe(std::span<const uint8_t> bytes, const Limits& limits) {
  if (bytes.empty()) return Result<SourceInfo>(ErrorCode::kEmptyInput, "the input is empty");
  if (bytes.size() > limits.max_input_bytes) {
    return Result<SourceInfo>(ErrorCode::kInputTooLarge,
                              fmt::format("the input has {} bytes; the limit is {}", bytes.size(),
                                          limits.max_input_bytes));
  }
  Status init = initialize();
  if (!init.ok()) return init;
  auto format = codecs::sniff(bytes);
  if (!format.ok()) return format.status();
  return codecs::guard_vips(codecs::Stage::kLoad, [&]() -> Result<SourceInfo> {
    vips::VImage header = codecs::open_header(bytes);
    SourceInfo info;
    info.format = *format;
    info.width = header.width();
    // Multi-frame loaders report the height of one frame as page-height.
    info.frames = codecs::int_field(header, "n-pages", 1);
    info.height = codecs::int_field(header, "page-height", header.height());
    info.orientation = std::clamp(codecs::int_field(header, "orientation", 1), 1, 8);
    info.bytes = bytes.size();
    info.has_alpha = header.has_alpha();
    if (info.width <= 0 || info.height <= 0) {
      return Result<SourceInfo>(ErrorCode::kCorruptImage, "the header declares no pixels");
    }
    PICTOR_RETURN_IF_ERROR(codecs::check_limits(info, limits));
    if (info.format == Format::kHeic || info.format == Format::kAvif) {
      // An embedded thumbnail lets a small output skip decoding the full image.
      vips::VImage thumb = codecs::open_header(bytes, vips::VImage::option()->set("thumbnail", true));
      if (thumb.width() < info.width) {
        info.thumbnail_width = thumb.width();
        info.thumbnail_height = thumb.height();
      }
    }
    return info;
  });
}

}  // namespace pictor
