// One extractor = one named unit that fills one top-level key of the info answer
// (include/pictor/info.h). Registered in src/metadata/registry.cc.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string_view>
#include <vips/vips8>

#include "pictor/engine.h"
#include "pictor/info.h"

namespace Exiv2 {
class Image;
}

namespace pictor::metadata {

// What every extractor may read: the bytes, the probed header, and libvips' lazy view of the
// header (no pixels decoded until an extractor asks for them).
struct InfoInput {
  std::span<const uint8_t> bytes;
  SourceInfo source;
  vips::VImage header;   // empty when the header could not be read (see header_status)
  Status header_status;  // why not: a damaged file can still carry readable metadata
  const InfoOptions* options = nullptr;

  // The pixels the colour, signature and quality extractors share: decoded once, shrunk on
  // load so that the longer side is at most kPreviewSide (never a full decode of a 12 MP photo),
  // orientation applied, 8-bit sRGB with exactly 3 bands (alpha flattened over white, grey
  // expanded), in memory. Computed on first use and kept for the other extractors.
  static constexpr int kPreviewSide = 1024;
  Result<vips::VImage> preview() const;

  // exiv2's reading of the EXIF, IPTC and XMP blocks, shared by their extractors (parsed once;
  // src/metadata/exiv2_input.cc). An error when exiv2 cannot read the file.
  Result<std::shared_ptr<Exiv2::Image>> exiv2() const;

 private:
  mutable std::optional<Result<vips::VImage>> preview_;
  mutable std::optional<Result<std::shared_ptr<Exiv2::Image>>> exiv2_;
};

// Any decoded image as 8-bit sRGB with exactly 3 bands: alpha flattened over white, grey
// expanded (what the preview is; for extractors that read other views of the pixels).
vips::VImage to_srgb8(vips::VImage image);
// The interleaved pixels of an 8-bit 3-band image (the preview, or one made by to_srgb8), without
// a copy: a view valid while the image lives. A lazy image is rendered into memory first. Throws
// (as libvips does; extractors run under guard_vips) when rendering fails or the image is not
// 8-bit 3-band.
std::span<const uint8_t> rgb_pixels(const vips::VImage& image);

class Extractor {
 public:
  virtual ~Extractor() = default;
  virtual std::string_view name() const = 0;
  // Whether it reads the probed header; those that do not (EXIF, IPTC, XMP) still run on a file
  // whose image data is damaged.
  virtual bool needs_header() const { return true; }
  // Raised when the extractor's answer changes, so that stored answers of an older version are
  // recomputed (the service stores them per original).
  virtual int version() const { return 1; }
  // Whether InfoOptions::raw_tags adds a `raw` tag list to its answer (the metadata blocks).
  virtual bool lists_raw_tags() const { return false; }
  // The value of this extractor's key. libvips exceptions are caught by the caller.
  virtual Result<nlohmann::json> extract(const InfoInput& input) const = 0;
};

const Extractor& colors_extractor();
const Extractor& exif_extractor();
const Extractor& file_extractor();
const Extractor& iptc_extractor();
const Extractor& quality_extractor();
const Extractor& signatures_extractor();
const Extractor& themes_extractor();
const Extractor& xmp_extractor();

// Every extractor, sorted by name.
std::span<const Extractor* const> extractors();

}  // namespace pictor::metadata
