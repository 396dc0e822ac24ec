#include "codecs/metadata.h"

#include <exiv2/exiv2.hpp>

namespace pictor::codecs {

CopyrightNotice read_copyright(std::span<const uint8_t> image) {
  CopyrightNotice notice;
  try {
    auto file = Exiv2::ImageFactory::open(image.data(), static_cast<long>(image.size()));
    file->readMetadata();
    const Exiv2::ExifData& exif = file->exifData();
    auto artist = exif.findKey(Exiv2::ExifKey("Exif.Image.Artist"));
    if (artist != exif.end()) notice.artist = artist->toString();
    auto copyright = exif.findKey(Exiv2::ExifKey("Exif.Image.Copyright"));
    if (copyright != exif.end()) notice.copyright = copyright->toString();
  } catch (const std::exception&) {
    // Unreadable metadata simply means there is no notice to carry.
  }
  return notice;
}

Result<std::vector<uint8_t>> rewrite_metadata(std::vector<uint8_t> encoded, const CopyrightNotice& notice,
                                              bool keep_icc) {
  try {
    auto file = Exiv2::ImageFactory::open(encoded.data(), static_cast<long>(encoded.size()));
    file->readMetadata();
    Exiv2::ExifData exif;
    if (!notice.artist.empty()) exif["Exif.Image.Artist"] = notice.artist;
    if (!notice.copyright.empty()) exif["Exif.Image.Copyright"] = notice.copyright;
    file->setExifData(exif);
    file->clearXmpData();
    file->clearIptcData();
    if (!keep_icc) file->clearIccProfile();
    file->writeMetadata();
    Exiv2::BasicIo& io = file->io();
    io.seek(0, Exiv2::BasicIo::beg);
    std::vector<uint8_t> out(io.size());
    io.read(out.data(), static_cast<long>(out.size()));
    return out;
  } catch (const std::exception& error) {
    return Result<std::vector<uint8_t>>(ErrorCode::kInternal, std::string("rewriting metadata: ") + error.what());
  }
}

}  // namespace pictor::codecs
