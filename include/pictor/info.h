// What an image is and contains: the extractor library behind `pictor info` and the info API.
//
// Each extractor has a name and fills one top-level key of the answer. The answer is one JSON
// object with a key per extractor that ran, and `errors`: for each extractor that failed, its
// error { "code", "message" }. An extractor's failure never stops the others (bad or hostile
// input gives partial results). docs/info.md documents every field.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "pictor/limits.h"
#include "pictor/status.h"

namespace pictor {

struct InfoOptions {
  Limits limits;
  // Extractor names to run; empty runs every one.
  std::vector<std::string> features;
  // Also list every tag of the EXIF, IPTC and XMP blocks under their `raw` key (bounded).
  bool raw_tags = false;
};

// The registered extractor names, sorted ("file", ...).
std::vector<std::string> info_features();

struct InfoFeature {
  std::string name;
  int version = 1;              // raised when the extractor's answer changes
  bool lists_raw_tags = false;  // InfoOptions::raw_tags adds a `raw` list to its answer
};
// The registered extractors, sorted by name.
std::vector<InfoFeature> info_feature_list();

// Parses "file,exif" into names; kInvalidValue names an unknown one.
Result<std::vector<std::string>> parse_features(std::string_view list);

// Runs the requested extractors on the bytes. Fails only when the bytes are not an image at all
// (probe errors: empty, too large, unsupported format) or a feature name is unknown.
Result<nlohmann::json> extract_info(std::span<const uint8_t> bytes, const InfoOptions& options);

}  // namespace pictor
