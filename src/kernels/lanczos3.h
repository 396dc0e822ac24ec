// Lanczos-3 downscaling of 8-bit interleaved pixels with SIMD (Highway, chosen at run time).
//
// Why this exists: Debian 12's libvips 8.14 vectorises its reduce operations with liborc, and
// liborc 0.4.33 crashes under concurrent load (docs/engine.md), so the engine runs libvips with
// vector code off; its C fallback made the Lanczos reduction the largest cost of a thumbnail made
// from a pyramid master. libvips 8.15 moved these loops to Highway; this is the same idea for the
// one case that matters here: 8-bit images reduced on both axes.
//
// The filter matches libvips' `resize` with kernel=lanczos3 (centre-aligned samples, kernel
// widened by the reduction factor, edges extended by copying); results differ from libvips only
// by rounding (tests/unit/lanczos3_test.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace pictor::kernels {

// Read-only view of 8-bit interleaved pixels; `stride` is the distance between rows in bytes.
struct PixelsView {
  const uint8_t* data = nullptr;
  int width = 0;
  int height = 0;
  int bands = 0;
  size_t stride = 0;
};

// Weights of a one-dimensional Lanczos-3 reduction from `in_size` samples to `out_size`:
// output sample o is the sum over k < count[o] of weight[o * max_taps + k] * input[first[o] + k].
// Weights sum to 1 for every output; taps beyond the edges are folded onto the edge samples.
struct Taps {
  std::vector<int> first;
  std::vector<int> count;
  std::vector<float> weight;
  int max_taps = 0;
};
Taps lanczos3_taps(int in_size, int out_size);

// Reduces `in` to out_width x out_height (each at most the input's side, at least 1) and writes
// out_height rows of out_width * bands bytes to `out`, which must hold that many bytes.
void reduce_lanczos3(const PixelsView& in, int out_width, int out_height, uint8_t* out);

}  // namespace pictor::kernels
