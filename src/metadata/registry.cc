// The extractors, one line each, sorted by name.
#include "metadata/extractor.h"

namespace pictor::metadata {

std::span<const Extractor* const> extractors() {
  static const Extractor* const all[] = {
      &exif_extractor(),
      &file_extractor(),
  };
  return all;
}

}  // namespace pictor::metadata
