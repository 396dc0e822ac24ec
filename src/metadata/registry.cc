// The extractors, one line each, sorted by name.
#include "metadata/extractor.h"

namespace pictor::metadata {

std::span<const Extractor* const> extractors() {
  static const Extractor* const all[] = {
      &file_extractor(),
  };
  return all;
}

}  // namespace pictor::metadata
