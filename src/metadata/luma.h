// The one luma the pixel extractors (quality, signatures, themes) share: BT.601 weights on the
// 8-bit sRGB values as stored (gamma-encoded, like JPEG's Y), 0-255.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace pictor::metadata {

inline float bt601_luma(const uint8_t* rgb) {
  return 0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2];
}

// Row-major luma of interleaved 8-bit RGB (3 bytes per pixel).
inline std::vector<float> bt601_luma(std::span<const uint8_t> rgb, int width, int height) {
  std::vector<float> luma(size_t(width) * height);
  for (size_t i = 0; i < luma.size(); ++i) luma[i] = bt601_luma(&rgb[3 * i]);
  return luma;
}

}  // namespace pictor::metadata
