#include "pictor/config.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <toml++/toml.h>

#include "pictor/chain.h"

namespace pictor {
namespace {

// One integer or boolean setting: its section, key and where it is stored.
struct Setting {
  std::string section, key;
  std::function<Status(int64_t)> set;
};

Status in_range(const Setting& s, int64_t value, int64_t min, int64_t max) {
  if (value < min || value > max) {
    return {ErrorCode::kConfigError,
            fmt::format("{}.{} = {} is out of range {}..{}", s.section, s.key, value, min, max)};
  }
  return Status::Ok();
}

// A setting stored in `field` after a range check (booleans are stored from 0/1).
template <class T>
Setting setting(std::string section, std::string key, T& field, int64_t min, int64_t max) {
  Setting s{std::move(section), std::move(key), nullptr};
  s.set = [&field, name = s, min, max](int64_t v) {
    PICTOR_RETURN_IF_ERROR(in_range(name, v, min, max));
    field = static_cast<T>(v);
    return Status::Ok();
  };
  return s;
}

std::vector<Setting> settings(Config& c) {
  constexpr int64_t kMaxI64 = INT64_MAX;
  return {
      setting("limits", "max_frame_pixels", c.limits.max_frame_pixels, 1, kMaxI64),
      setting("limits", "max_frames", c.limits.max_frames, 1, 100000),
      setting("limits", "max_total_pixels", c.limits.max_total_pixels, 1, kMaxI64),
      setting("limits", "max_input_bytes", c.limits.max_input_bytes, 1, kMaxI64),
      setting("limits", "max_output_pixels", c.limits.max_output_pixels, 1, kMaxI64),
      setting("limits", "max_operations", c.limits.max_operations, 1, 256),
      setting("engine", "auto_orient", c.auto_orient, 0, 1),
      setting("engine", "threads_per_pipeline", c.engine.threads_per_pipeline, 1, 64),
      setting("engine", "operation_cache_max", c.engine.operation_cache_max, 0, 100000),
  };
}

std::string env_name(const std::string& section, const std::string& key) {
  std::string name = "PICTOR_" + section + "_" + key;
  for (char& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return name;
}

Result<int64_t> parse_env_value(const std::string& name, const std::string& text) {
  if (text == "true") return int64_t{1};
  if (text == "false") return int64_t{0};
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0) {
    return Result<int64_t>(ErrorCode::kConfigError,
                           fmt::format("{}={} is not an integer or true/false", name, text));
  }
  return int64_t{v};
}

bool valid_type_name(std::string_view name) {
  if (name.empty()) return false;
  for (char ch : name) {
    if (!(std::islower(static_cast<unsigned char>(ch)) || std::isdigit(static_cast<unsigned char>(ch)) ||
          ch == '_' || ch == '-')) {
      return false;
    }
  }
  return true;
}

Status read_types(const toml::table& table, std::string_view origin, Config& config) {
  for (const auto& [key, node] : table) {
    const std::string name(key.str());
    const auto* chain = node.as_string();
    if (!chain) {
      return {ErrorCode::kConfigError, fmt::format("{}: types.{} must be a chain string", origin, name)};
    }
    if (!valid_type_name(name) || find_operation(name) || expand_builtin_type(name)) {
      return {ErrorCode::kConfigError,
              fmt::format("{}: types.{}: a type name is [a-z0-9_-]+ and may not be an operation "
                          "or a built-in pattern (w320, f320_240...)",
                          origin, name)};
    }
    ParseOptions options;
    options.max_operations = config.limits.max_operations;
    auto parsed = parse_chain(chain->get(), options);
    if (!parsed.ok()) {
      return {ErrorCode::kConfigError,
              fmt::format("{}: types.{}: {}", origin, name, parsed.status().ToString())};
    }
    config.types.add(name, to_canonical(*parsed));
  }
  return Status::Ok();
}

}  // namespace

Result<Config> parse_config(std::string_view toml_text, std::string_view origin) {
  Config config;
  std::vector<Setting> known = settings(config);
  toml::table root;
  try {
    root = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& error) {
    return Result<Config>(ErrorCode::kConfigError,
                          fmt::format("{}:{}: {}", origin, error.source().begin.line,
                                      error.description()));
  }
  for (const auto& [section_key, section_node] : root) {
    const std::string section(section_key.str());
    const toml::table* table = section_node.as_table();
    if (!table) {
      return Result<Config>(ErrorCode::kConfigError,
                            fmt::format("{}: '{}' must be a section", origin, section));
    }
    if (section == "types") {
      Status status = read_types(*table, origin, config);
      if (!status.ok()) return status;
      continue;
    }
    for (const auto& [key_name, node] : *table) {
      const std::string key(key_name.str());
      auto it = std::find_if(known.begin(), known.end(), [&](const Setting& s) {
        return s.section == section && s.key == key;
      });
      if (it == known.end()) {
        return Result<Config>(ErrorCode::kConfigError,
                              fmt::format("{}: unknown setting {}.{}", origin, section, key));
      }
      int64_t value = 0;
      if (auto i = node.as_integer()) {
        value = i->get();
      } else if (auto b = node.as_boolean()) {
        value = b->get() ? 1 : 0;
      } else {
        return Result<Config>(ErrorCode::kConfigError,
                              fmt::format("{}: {}.{} must be an integer or boolean", origin, section, key));
      }
      Status status = it->set(value);
      if (!status.ok()) return Status(status.code(), fmt::format("{}: {}", origin, status.message()));
    }
  }
  for (const Setting& s : known) {
    const std::string name = env_name(s.section, s.key);
    const char* text = std::getenv(name.c_str());
    if (!text) continue;
    auto value = parse_env_value(name, text);
    if (!value.ok()) return value.status();
    Status status = s.set(*value);
    if (!status.ok()) return Status(status.code(), fmt::format("environment {}: {}", name, status.message()));
  }
  return config;
}

Result<Config> load_config(const std::string& path) {
  if (path.empty()) return parse_config("", "defaults");
  std::ifstream file(path);
  if (!file) {
    return Result<Config>(ErrorCode::kConfigError, fmt::format("cannot read config file {}", path));
  }
  std::stringstream text;
  text << file.rdbuf();
  return parse_config(text.str(), path);
}

}  // namespace pictor
