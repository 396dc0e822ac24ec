// Encoding a processed image to bytes, with metadata stripped unless asked to keep it.
#pragma once

#include <chrono>
#include <span>
#include <vector>

#include <vips/vips8>

#include "pictor/engine.h"

namespace pictor::codecs {

// Default quality of a lossy format when the chain does not give q.
int default_quality(Format format);

// Encodes `image` as `spec` says. `source` is the original input, read only when copyright
// metadata must be carried over. Encoding runs the whole lazy pipeline; with a deadline it is
// cancelled once the deadline passes.
Result<std::vector<uint8_t>> encode(vips::VImage image, const OutputSpec& spec,
                                    std::span<const uint8_t> source,
                                    const std::chrono::steady_clock::time_point* deadline);

}  // namespace pictor::codecs
