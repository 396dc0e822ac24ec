// The extractors, one line each, sorted by name.
#include "metadata/extractor.h"

namespace pictor::metadata {

std::span<const Extractor* const> extractors() {
  static const Extractor* const all[] = {
      &colors_extractor(),
      &exif_extractor(),
      &file_extractor(),
      &iptc_extractor(),
      &quality_extractor(),
      &signatures_extractor(),
      &themes_extractor(),
      &xmp_extractor(),
  };
  return all;
}

}  // namespace pictor::metadata
