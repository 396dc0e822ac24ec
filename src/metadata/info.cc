// extract_info: probe once, then each requested extractor on its own, failures recorded per
// extractor.
#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "codecs/source.h"
#include "codecs/vips_adapter.h"
#include "metadata/extractor.h"

namespace pictor {

namespace metadata {

vips::VImage to_srgb8(vips::VImage image) {
  // To 8-bit sRGB first (grey and 16-bit inputs), so that white is 255 when flattening.
  if (image.interpretation() != VIPS_INTERPRETATION_sRGB) {
    image = image.colourspace(VIPS_INTERPRETATION_sRGB);
  }
  if (image.has_alpha()) {
    image = image.flatten(vips::VImage::option()->set("background", std::vector<double>{255}));
  }
  if (image.bands() > 3) image = image.extract_band(0, vips::VImage::option()->set("n", 3));
  if (image.format() != VIPS_FORMAT_UCHAR) image = image.cast(VIPS_FORMAT_UCHAR);
  return image;
}

std::span<const uint8_t> rgb_pixels(const vips::VImage& image) {
  if (image.bands() != 3 || image.format() != VIPS_FORMAT_UCHAR) {
    throw std::logic_error("rgb_pixels: the image is not 8-bit RGB");
  }
  const void* data = image.data();
  if (!data) throw vips::VError();  // rendering failed: libvips' error buffer says why
  return {static_cast<const uint8_t*>(data), size_t(image.width()) * image.height() * 3};
}

Result<vips::VImage> InfoInput::preview() const {
  if (preview_) return *preview_;
  preview_ = codecs::guard_vips(codecs::Stage::kLoad, [&]() -> Result<vips::VImage> {
    if (!header_status.ok()) return header_status;
    // thumbnail shrinks on load (JPEG DCT scaling, WebP/HEIF scaled decode), applies the EXIF
    // orientation and imports an embedded ICC profile to sRGB.
    // The blob borrows the bytes (no free function): they outlive the lazy image, which is
    // copied to memory below.
    VipsBlob* blob = vips_blob_new(nullptr, bytes.data(), bytes.size());
    vips::VImage image;
    try {
      image = vips::VImage::thumbnail_buffer(
          blob, kPreviewSide,
          vips::VImage::option()
              ->set("height", kPreviewSide)
              ->set("size", VIPS_SIZE_DOWN)
              // A file cut short is an error here, not an image padded with grey that the
              // colour, signature and quality extractors would describe as if it were real.
              ->set("option_string", "fail_on=truncated"));
    } catch (...) {
      vips_area_unref(VIPS_AREA(blob));
      throw;
    }
    vips_area_unref(VIPS_AREA(blob));
    return to_srgb8(image).copy_memory();
  });
  return *preview_;
}

}  // namespace metadata

std::vector<InfoFeature> info_feature_list() {
  std::vector<InfoFeature> list;
  for (const metadata::Extractor* e : metadata::extractors()) {
    list.push_back({std::string(e->name()), e->version(), e->lists_raw_tags()});
  }
  return list;
}

std::vector<std::string> info_features() {
  std::vector<std::string> names;
  for (const metadata::Extractor* e : metadata::extractors()) names.emplace_back(e->name());
  return names;
}

Result<std::vector<std::string>> parse_features(std::string_view list) {
  std::vector<std::string> names;
  const std::vector<std::string> known = info_features();
  while (!list.empty()) {
    const size_t comma = list.find(',');
    const std::string_view name = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (name.empty()) continue;
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return Result<std::vector<std::string>>(
          ErrorCode::kInvalidValue,
          fmt::format("unknown feature '{}' (known: {})", name, fmt::join(known, ", ")));
    }
    if (std::find(names.begin(), names.end(), name) == names.end()) names.emplace_back(name);
  }
  return names;
}

Result<nlohmann::json> extract_info(std::span<const uint8_t> bytes, const InfoOptions& options) {
  PICTOR_RETURN_IF_ERROR(initialize());
  for (const std::string& name : options.features) {
    auto known = parse_features(name);
    if (!known.ok()) return known.status();
  }
  // A file whose image data is damaged (truncated uploads, metadata-only samples) still gets
  // the extractors that read metadata only; anything else the probe refuses is refused whole.
  metadata::InfoInput input;
  input.bytes = bytes;
  input.options = &options;
  auto source = probe(bytes, options.limits);
  if (source.ok()) {
    input.source = *source;
    auto header = codecs::guard_vips(
        codecs::Stage::kLoad, [&]() -> Result<vips::VImage> { return codecs::open_header(bytes); });
    if (header.ok()) input.header = *header;
    input.header_status = header.status();
  } else if (source.status().code() == ErrorCode::kCorruptImage) {
    input.header_status = source.status();
  } else {
    return source.status();
  }

  nlohmann::json answer = nlohmann::json::object();
  nlohmann::json errors = nlohmann::json::object();
  for (const metadata::Extractor* extractor : metadata::extractors()) {
    const std::string name(extractor->name());
    const auto& wanted = options.features;
    if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), name) == wanted.end()) continue;
    auto value = extractor->needs_header() && !input.header_status.ok()
                     ? Result<nlohmann::json>(input.header_status)
                     : codecs::guard_vips(codecs::Stage::kProcess,
                                          [&] { return extractor->extract(input); });
    if (value.ok()) {
      answer[name] = std::move(value).value();
    } else {
      answer[name] = nullptr;
      errors[name] = {{"code", error_code_name(value.status().code())},
                      {"message", value.status().message()}};
    }
  }
  answer["errors"] = std::move(errors);
  return answer;
}

}  // namespace pictor
