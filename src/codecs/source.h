// Reading untrusted input: header probe with limits, then the decode the plan asks for.
#pragma once

#include <chrono>
#include <span>

#include <vips/vips8>

#include "pictor/engine.h"

namespace pictor::codecs {

// Header-only view of the bytes (no pixels decoded). The bytes must outlive the image.
vips::VImage open_header(std::span<const uint8_t> bytes, vips::VOption* options = nullptr);

// Decodes the input as the plan says (shrink-on-load, orientation) and normalises it to 8-bit
// sRGB or grey, with alpha kept. Lazy (pixels are decoded when the pipeline runs) unless the
// orientation must be applied, which needs the decoded image in memory.
// Plain JPEGs are decoded eagerly through libjpeg-turbo (codecs/jpeg_direct.h), stopping at the
// deadline.
vips::VImage load_for_plan(std::span<const uint8_t> bytes, const Plan& plan,
                           const std::chrono::steady_clock::time_point* deadline = nullptr);

}  // namespace pictor::codecs
