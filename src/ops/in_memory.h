// Steps that need their input's pixels in memory: materialising a lazy libvips pipeline under
// the request's deadline, and the SIMD Lanczos-3 reduction (src/kernels/lanczos3.h).
#pragma once

#include <chrono>
#include <optional>

#include <vips/vips8>

#include "ops/operation.h"

namespace pictor::ops {

using Deadline = std::chrono::steady_clock::time_point;

// Computes `image` into memory; libvips stops (and throws) once `deadline` passes, if given.
vips::VImage copy_memory_until(const vips::VImage& image, const Deadline* deadline);

// `image` reduced to `target` with the SIMD kernel, or nothing when the kernel does not apply:
// not 8-bit, alpha (libvips premultiplies), enlargement on an axis, or an input too large to
// hold in memory, or several frames. Interpretation, resolution and the ICC profile are carried
// over (the rest of the metadata is not needed after a resize).
std::optional<vips::VImage> reduce_in_memory(const vips::VImage& image, Size target,
                                             const Deadline* deadline);

}  // namespace pictor::ops
