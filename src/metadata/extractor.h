// One extractor = one named unit that fills one top-level key of the info answer
// (include/pictor/info.h). Registered in src/metadata/registry.cc.
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string_view>
#include <vips/vips8>

#include "pictor/engine.h"
#include "pictor/info.h"

namespace pictor::metadata {

// What every extractor may read: the bytes, the probed header, and libvips' lazy view of the
// header (no pixels decoded until an extractor asks for them).
struct InfoInput {
  std::span<const uint8_t> bytes;
  SourceInfo source;
  vips::VImage header;   // empty when the header could not be read (see header_status)
  Status header_status;  // why not: a damaged file can still carry readable metadata
  const InfoOptions* options = nullptr;
};

class Extractor {
 public:
  virtual ~Extractor() = default;
  virtual std::string_view name() const = 0;
  // Whether it reads the probed header; those that do not (EXIF, IPTC, XMP) still run on a file
  // whose image data is damaged.
  virtual bool needs_header() const { return true; }
  // The value of this extractor's key. libvips exceptions are caught by the caller.
  virtual Result<nlohmann::json> extract(const InfoInput& input) const = 0;
};

const Extractor& exif_extractor();
const Extractor& file_extractor();

// Every extractor, sorted by name.
std::span<const Extractor* const> extractors();

}  // namespace pictor::metadata
