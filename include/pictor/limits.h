// Resource limits applied to untrusted input before any pixel is decoded.
#pragma once

#include <cstdint>

namespace pictor {

struct Limits {
  // Largest accepted frame, in pixels (width x height), checked from the header.
  uint64_t max_frame_pixels = 50'000'000;
  // Most frames (pages) an input may declare.
  uint32_t max_frames = 100;
  // Pixels summed over all frames.
  uint64_t max_total_pixels = 400'000'000;
  // Largest accepted input, in bytes.
  uint64_t max_input_bytes = 100ull * 1024 * 1024;
  // Largest output the planner accepts, in pixels.
  uint64_t max_output_pixels = 71'000'000;
  // Longest accepted chain.
  uint32_t max_operations = 16;
};

}  // namespace pictor
