// Configuration file (TOML) with environment overrides.
//
// Every setting is `section.key` in the file and PICTOR_SECTION_KEY in the environment, e.g.
// `limits.max_frame_pixels` / PICTOR_LIMITS_MAX_FRAME_PIXELS. Unknown sections or keys are errors.
//
//   [limits]
//   max_frame_pixels = 50000000
//   [engine]
//   auto_orient = true
//   [types]
//   avatar = "resize:w=128,h=128,fit=cover/format:type=webp"
#pragma once

#include <string>
#include <string_view>

#include "pictor/engine.h"
#include "pictor/named_types.h"

namespace pictor {

struct Config {
  Limits limits;
  EngineConfig engine;
  bool auto_orient = true;
  NamedTypes types;
};

// Parses TOML text; `origin` names it in error messages. Applies environment overrides.
Result<Config> parse_config(std::string_view toml_text, std::string_view origin);
// Reads a file; an empty path means the built-in defaults (plus environment overrides).
Result<Config> load_config(const std::string& path);

}  // namespace pictor
