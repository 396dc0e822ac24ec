// Carrying copyright notices (EXIF Artist/Copyright) from an input to an output with exiv2.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "pictor/status.h"

namespace pictor::codecs {

struct CopyrightNotice {
  std::string artist;
  std::string copyright;
  bool empty() const { return artist.empty() && copyright.empty(); }
};

// Reads Exif.Image.Artist / Exif.Image.Copyright; empty when absent or unreadable.
CopyrightNotice read_copyright(std::span<const uint8_t> image);

// Writes the notice into an encoded JPEG, PNG or WebP.
Result<std::vector<uint8_t>> write_copyright(std::vector<uint8_t> encoded,
                                             const CopyrightNotice& notice);

}  // namespace pictor::codecs
