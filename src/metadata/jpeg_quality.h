// The quality a JPEG was saved at, estimated from its quantisation tables.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace pictor::metadata {

// The IJG quality (1-100) whose standard tables, scaled as libjpeg's jpeg_set_quality scales
// them, are nearest to the file's tables (least squares on the log of each entry, luma and
// chroma tables alike). Exact for files written by libjpeg-family encoders; for cameras and
// other encoders with tables of their own it is the nearest IJG equivalent, which is what
// ImageMagick's `%Q` reports too (tests compare the two on the corpus). Nothing when the bytes
// are not a readable JPEG header.
std::optional<int> estimate_jpeg_quality(std::span<const uint8_t> bytes);

}  // namespace pictor::metadata
