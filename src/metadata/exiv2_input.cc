// InfoInput::exiv2: one exiv2 parse of the file's metadata blocks for the exif, iptc and xmp
// extractors.
#include <fmt/format.h>

#include <exiv2/exiv2.hpp>

#include "codecs/metadata.h"
#include "metadata/extractor.h"

namespace pictor::metadata {

Result<std::shared_ptr<Exiv2::Image>> InfoInput::exiv2() const {
  if (exiv2_) return *exiv2_;
  codecs::init_exiv2();
  try {
    std::shared_ptr<Exiv2::Image> image =
        Exiv2::ImageFactory::open(bytes.data(), static_cast<long>(bytes.size()));
    image->readMetadata();
    exiv2_ = image;
  } catch (const std::exception& error) {
    exiv2_ = Result<std::shared_ptr<Exiv2::Image>>(
        ErrorCode::kCorruptImage, fmt::format("unreadable metadata: {}", error.what()));
  }
  return *exiv2_;
}

}  // namespace pictor::metadata
