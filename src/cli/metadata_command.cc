// `pictor info`: the extractor library (include/pictor/info.h) on one file.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/file_io.h"
#include "pictor/engine.h"
#include "pictor/info.h"

namespace pictor::cli {
namespace {

// "file.jpeg.quality: 90" lines, in the JSON's order; arrays print inline.
void print_lines(const nlohmann::json& value, const std::string& path) {
  if (value.is_object() && !value.empty()) {
    for (const auto& [key, child] : value.items())
      print_lines(child, path.empty() ? key : path + "." + key);
    return;
  }
  std::cout << path << ": "
            << (value.is_string() ? value.get<std::string>()
                                  : value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
            << '\n';
}

}  // namespace

int info_command(const InfoArgs& args, const Config& config) {
  auto features = parse_features(args.features);
  if (!features.ok()) return report_error(features.status());
  Status init = initialize(config.engine);
  if (!init.ok()) return report_error(init);
  auto bytes = read_file(args.input, config.limits.max_input_bytes);
  if (!bytes.ok()) return report_error(bytes.status());
  auto info = extract_info(*bytes, {config.limits, *features, args.raw_tags});
  if (!info.ok()) return report_error(info.status());
  if (args.json) {
    // Extractors give valid UTF-8; replacing, not throwing, keeps a missed case printable.
    std::cout << info->dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  } else {
    print_lines(*info, "");
  }
  return 0;
}

}  // namespace pictor::cli
