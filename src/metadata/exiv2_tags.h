// Reading exiv2's metadata containers (EXIF, IPTC, XMP) into JSON-safe values, shared by their
// extractors: every string cleaned (valid UTF-8, bounded), the raw tag lists bounded in count.
#pragma once

#include <exiv2/exiv2.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "core/text.h"

namespace pictor::metadata {

// Longest text kept from a string field: real captions are short, hostile ones are not.
constexpr size_t kMaxText = 2048;
// At most this many entries in one raw tag list, and this many bytes of one raw value.
constexpr size_t kMaxRawTags = 1000;
constexpr size_t kMaxRawValue = 256;

// The datum's value as text (component `n`, or all of them when n < 0), cleaned.
inline std::string datum_text(const Exiv2::Metadatum& datum, long n = -1) {
  return clean_text(n < 0 ? datum.toString() : datum.toString(n), kMaxText);
}

// The raw tag list of a container, { "Group.Tag.Name": "value" }: values as exiv2 writes them,
// cut to kMaxRawValue bytes; long binary values (maker notes, thumbnails) are summarised by
// their size. Repeated keys (IPTC keywords) become arrays. Stops after kMaxRawTags entries and
// then says so under "(truncated)".
template <class Container>
nlohmann::json raw_tags(const Container& data) {
  nlohmann::json raw = nlohmann::json::object();
  size_t count = 0;
  for (const auto& datum : data) {
    if (++count > kMaxRawTags) {
      raw["(truncated)"] = true;
      break;
    }
    std::string value;
    if (datum.typeId() == Exiv2::undefined && datum.size() > 64) {
      value = "(" + std::to_string(datum.size()) + " bytes)";
    } else {
      value = clean_text(datum.toString(), kMaxRawValue);
    }
    const std::string key = clean_text(datum.key(), kMaxRawValue);
    auto found = raw.find(key);
    if (found == raw.end()) {
      raw[key] = std::move(value);
    } else {
      if (!found->is_array()) *found = nlohmann::json::array({*found});
      found->push_back(std::move(value));
    }
  }
  return raw;
}

}  // namespace pictor::metadata
