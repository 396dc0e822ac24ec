// extract_info: probe once, then each requested extractor on its own, failures recorded per
// extractor.
#include <fmt/format.h>

#include <algorithm>

#include "codecs/source.h"
#include "codecs/vips_adapter.h"
#include "metadata/extractor.h"

namespace pictor {

std::vector<std::string> info_features() {
  std::vector<std::string> names;
  for (const metadata::Extractor* e : metadata::extractors()) names.emplace_back(e->name());
  return names;
}

Result<std::vector<std::string>> parse_features(std::string_view list) {
  std::vector<std::string> names;
  const std::vector<std::string> known = info_features();
  while (!list.empty()) {
    const size_t comma = list.find(',');
    const std::string_view name = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (name.empty()) continue;
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return Result<std::vector<std::string>>(
          ErrorCode::kInvalidValue,
          fmt::format("unknown feature '{}' (known: {})", name, fmt::join(known, ", ")));
    }
    if (std::find(names.begin(), names.end(), name) == names.end()) names.emplace_back(name);
  }
  return names;
}

Result<nlohmann::json> extract_info(std::span<const uint8_t> bytes, const InfoOptions& options) {
  PICTOR_RETURN_IF_ERROR(initialize());
  for (const std::string& name : options.features) {
    auto known = parse_features(name);
    if (!known.ok()) return known.status();
  }
  // A file whose image data is damaged (truncated uploads, metadata-only samples) still gets
  // the extractors that read metadata only; anything else the probe refuses is refused whole.
  metadata::InfoInput input{bytes, {}, {}, Status::Ok(), &options};
  auto source = probe(bytes, options.limits);
  if (source.ok()) {
    input.source = *source;
    auto header = codecs::guard_vips(
        codecs::Stage::kLoad, [&]() -> Result<vips::VImage> { return codecs::open_header(bytes); });
    if (header.ok()) input.header = *header;
    input.header_status = header.status();
  } else if (source.status().code() == ErrorCode::kCorruptImage) {
    input.header_status = source.status();
  } else {
    return source.status();
  }

  nlohmann::json answer = nlohmann::json::object();
  nlohmann::json errors = nlohmann::json::object();
  for (const metadata::Extractor* extractor : metadata::extractors()) {
    const std::string name(extractor->name());
    const auto& wanted = options.features;
    if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), name) == wanted.end()) continue;
    auto value = extractor->needs_header() && !input.header_status.ok()
                     ? Result<nlohmann::json>(input.header_status)
                     : codecs::guard_vips(codecs::Stage::kProcess,
                                          [&] { return extractor->extract(input); });
    if (value.ok()) {
      answer[name] = std::move(value).value();
    } else {
      answer[name] = nullptr;
      errors[name] = {{"code", error_code_name(value.status().code())},
                      {"message", value.status().message()}};
    }
  }
  answer["errors"] = std::move(errors);
  return answer;
}

}  // namespace pictor
