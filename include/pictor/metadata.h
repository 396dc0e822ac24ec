// Metadata read from an image's bytes (EXIF/IPTC/XMP), independent of decoding pixels.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace pictor {

// When the photo was taken, as Unix seconds: EXIF DateTimeOriginal (else DateTimeDigitized),
// corrected by OffsetTimeOriginal when present and read as UTC otherwise. nullopt when the image
// has no such tag or it does not hold a valid date.
std::optional<int64_t> read_capture_time(std::span<const uint8_t> image);

// Parses "YYYY:MM:DD HH:MM:SS" (EXIF) or ISO 8601 "YYYY-MM-DDTHH:MM:SS[Z|+HH:MM|-HH:MM]" into
// Unix seconds; a missing zone means UTC. `offset` ("+09:00") applies when the text has none.
std::optional<int64_t> parse_timestamp(std::string_view text, std::string_view offset = "");

}  // namespace pictor
