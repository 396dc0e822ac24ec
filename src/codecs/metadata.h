// Output metadata with exiv2: carrying copyright notices (EXIF Artist/Copyright) from an input to
// an output, and removing what a libvips saver wrote although it was told to strip.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "pictor/status.h"

namespace pictor::codecs {

// Sets exiv2 up once per process, before any use: its warnings muted (malformed metadata in a
// photo is not an error here), ISO-BMFF on (without it HEIF/AVIF show no EXIF), and the XMP
// parser initialised (exiv2 requires that before threads parse XMP concurrently). Every exiv2
// caller calls it, so what exiv2 sees never depends on which caller ran first.
void init_exiv2();

struct CopyrightNotice {
  std::string artist;
  std::string copyright;
  bool empty() const { return artist.empty() && copyright.empty(); }
};

// Reads Exif.Image.Artist / Exif.Image.Copyright; empty when absent or unreadable.
CopyrightNotice read_copyright(std::span<const uint8_t> image);

// Rewrites the metadata of an encoded JPEG, PNG or WebP: EXIF holds only `notice` (nothing when
// it is empty), XMP and IPTC are removed, and the ICC profile is removed unless `keep_icc`.
Result<std::vector<uint8_t>> rewrite_metadata(std::vector<uint8_t> encoded,
                                              const CopyrightNotice& notice, bool keep_icc);

}  // namespace pictor::codecs
