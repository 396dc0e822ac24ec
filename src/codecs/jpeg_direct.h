// JPEG straight through libjpeg-turbo, for the two cases where libvips' per-image machinery
// (worker threads, regions, a second header parse) costs as much as the codec itself: decoding
// a plain JPEG (a pyramid master, or an original shrunk on load), and encoding a thumbnail that
// fits in memory. On a 768x512 master,
// libvips' jpegload + copy_memory took 3.6 ms against 2.0 ms here, and jpegsave of a 320x213
// thumbnail 1.3 ms against 0.6 ms (docs/engine.md). Same library, same settings, so the pixels
// are the same (tests/unit/jpeg_direct_test.cc); anything unusual stays with libvips.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>
#include <vips/vips8>

#include "pictor/status.h"

namespace pictor::codecs {

using Deadline = std::chrono::steady_clock::time_point;

// Decodes a YCbCr or greyscale JPEG with no embedded ICC profile into an 8-bit sRGB or B_W
// memory image, scaled by 1/shrink in the DCT (1, 2, 4 or 8, as libvips' shrink-on-load).
// Nothing (the caller uses libvips) for other colour spaces, embedded profiles, decoded sizes
// over 32 MB, or any decoder warning (truncated or corrupt data), so those keep libvips'
// behaviour. Throws nothing; a passed deadline sets timed_out.
struct DirectDecode {
  std::optional<vips::VImage> image;
  bool timed_out = false;
};
DirectDecode decode_jpeg_direct(std::span<const uint8_t> bytes, int shrink,
                                const Deadline* deadline);

// The engine setting `engine.direct_jpeg` (on unless the configuration turns it off).
void set_direct_jpeg(bool enabled);
bool direct_jpeg();

// How many images took each direct path since the process started (tests, diagnostics).
struct DirectJpegCounts {
  uint64_t decodes = 0;
  uint64_t encodes = 0;
};
DirectJpegCounts direct_jpeg_counts();

struct JpegSettings {
  int quality = 80;
  bool progressive = false;
  std::string subsample = "auto";  // auto (4:2:0 below q90) | on | off
};

// Whether encode_jpeg_direct takes `image`: 8-bit, one or three bands, no alpha, and small
// enough to hold in memory. The caller strips metadata first; this writes none but JFIF.
bool can_encode_jpeg_direct(const vips::VImage& image);

// Encodes `image` (computed into memory first, stopping at the deadline) with Huffman
// optimisation, as jpegsave with optimize_coding does.
Result<std::vector<uint8_t>> encode_jpeg_direct(const vips::VImage& image,
                                                const JpegSettings& settings,
                                                const Deadline* deadline);

}  // namespace pictor::codecs
