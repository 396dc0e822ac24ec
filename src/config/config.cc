#include "pictor/config.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <algorithm>
#include <functional>
#include <variant>
#include <fmt/ranges.h>
#include <sstream>
#include <toml++/toml.h>

#include "pictor/chain.h"
#include "pictor/info.h"

namespace pictor {
namespace {

using Value = std::variant<int64_t, std::string, std::vector<std::string>>;
enum class Kind { kInteger, kBoolean, kString, kStrings };

// One setting: where it lives, its type, what it means, and how to store and show it.
struct Setting {
  std::string section, key, help;
  Kind kind = Kind::kInteger;
  std::function<Status(const Value&)> set;
  std::function<std::string()> show;
};

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::kInteger: return "integer";
    case Kind::kBoolean: return "boolean";
    case Kind::kString: return "string";
    case Kind::kStrings: return "list of strings";
  }
  return "";
}

Setting make_setting(std::string section, std::string key, std::string help, Kind kind) {
  Setting s;
  s.section = std::move(section);
  s.key = std::move(key);
  s.help = std::move(help);
  s.kind = kind;
  return s;
}

// An integer or boolean stored in `field` after a range check (booleans are stored from 0/1).
template <class T>
Setting number(std::string section, std::string key, T& field, int64_t min, int64_t max, std::string help) {
  Setting s = make_setting(std::move(section), std::move(key), std::move(help),
                           std::is_same_v<T, bool> ? Kind::kBoolean : Kind::kInteger);
  s.set = [&field, name = s.section + "." + s.key, min, max](const Value& value) {
    const int64_t v = std::get<int64_t>(value);
    if (v < min || v > max) {
      return Status(ErrorCode::kConfigError, fmt::format("{} = {} is out of range {}..{}", name, v, min, max));
    }
    field = static_cast<T>(v);
    return Status::Ok();
  };
  s.show = [&field] {
    if constexpr (std::is_same_v<T, bool>) return std::string(field ? "true" : "false");
    else return std::to_string(field);
  };
  return s;
}

Setting text(std::string section, std::string key, std::string& field, std::vector<std::string> allowed, std::string help) {
  Setting s = make_setting(std::move(section), std::move(key), std::move(help), Kind::kString);
  s.set = [&field, name = s.section + "." + s.key, allowed](const Value& value) {
    const std::string& v = std::get<std::string>(value);
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
      return Status(ErrorCode::kConfigError, fmt::format("{} = '{}' is not one of {}", name, v, fmt::join(allowed, ", ")));
    }
    field = v;
    return Status::Ok();
  };
  s.show = [&field] { return "\"" + field + "\""; };
  return s;
}

Setting strings(std::string section, std::string key, std::vector<std::string>& field, std::string help) {
  Setting s = make_setting(std::move(section), std::move(key), std::move(help), Kind::kStrings);
  s.set = [&field, name = s.section + "." + s.key](const Value& value) {
    for (const std::string& item : std::get<std::vector<std::string>>(value)) {
      if (item.empty()) return Status(ErrorCode::kConfigError, fmt::format("{} has an empty entry", name));
    }
    field = std::get<std::vector<std::string>>(value);
    return Status::Ok();
  };
  s.show = [&field] { return field.empty() ? std::string("[]") : fmt::format("[{} entries]", field.size()); };
  return s;
}

// A list of durations ("1s,2s,5s"), stored in milliseconds.
Setting durations(std::string section, std::string key, std::vector<int64_t>& field, std::string help) {
  Setting s = make_setting(std::move(section), std::move(key), std::move(help), Kind::kStrings);
  s.set = [&field, name = s.section + "." + s.key](const Value& value) {
    std::vector<int64_t> parsed;
    for (const std::string& item : std::get<std::vector<std::string>>(value)) {
      auto ms = parse_duration(item);
      if (!ms.ok()) return Status(ErrorCode::kConfigError, fmt::format("{}: {}", name, ms.status().message()));
      parsed.push_back(*ms);
    }
    field = std::move(parsed);
    return Status::Ok();
  };
  s.show = [&field] {
    std::vector<std::string> items;
    for (int64_t ms : field) items.push_back(format_duration(ms));
    return "\"" + fmt::format("{}", fmt::join(items, ",")) + "\"";
  };
  return s;
}

// A list of info feature names ("exif,signatures").
Setting feature_names(std::string section, std::string key, std::vector<std::string>& field, std::string help) {
  Setting s = strings(std::move(section), std::move(key), field, std::move(help));
  s.set = [&field, name = s.section + "." + s.key](const Value& value) {
    const auto& items = std::get<std::vector<std::string>>(value);
    auto parsed = parse_features(fmt::format("{}", fmt::join(items, ",")));
    if (!parsed.ok()) return Status(ErrorCode::kConfigError, fmt::format("{}: {}", name, parsed.status().message()));
    field = items;
    return Status::Ok();
  };
  s.show = [&field] { return "\"" + fmt::format("{}", fmt::join(field, ",")) + "\""; };
  return s;
}

std::vector<Setting> settings(Config& c) {
  constexpr int64_t kMaxI64 = INT64_MAX;
  ServerConfig& sv = c.server;
  return {
      number("limits", "max_frame_pixels", c.limits.max_frame_pixels, 1, kMaxI64, "largest frame accepted, in pixels"),
      number("limits", "max_frames", c.limits.max_frames, 1, 100000, "most frames (animation pages) accepted"),
      number("limits", "max_total_pixels", c.limits.max_total_pixels, 1, kMaxI64, "most pixels over all frames"),
      number("limits", "max_input_bytes", c.limits.max_input_bytes, 1, kMaxI64, "largest input (and upload body) in bytes"),
      number("limits", "max_output_pixels", c.limits.max_output_pixels, 1, kMaxI64, "largest output a chain may make"),
      number("limits", "max_operations", c.limits.max_operations, 1, 256, "longest chain"),
      number("engine", "auto_orient", c.auto_orient, 0, 1, "apply EXIF orientation when loading"),
      number("engine", "threads_per_pipeline", c.engine.threads_per_pipeline, 1, 64, "libvips threads per image"),
      number("engine", "operation_cache_max", c.engine.operation_cache_max, 0, 100000, "libvips operation cache entries"),
      number("engine", "vector", c.engine.vector, 0, 1, "libvips vector code (liborc); off: liborc 0.4.33 crashes under load"),
      number("engine", "direct_jpeg", c.engine.direct_jpeg, 0, 1, "plain JPEGs straight through libjpeg-turbo (faster than libvips for thumbnails)"),
      text("server", "listen", sv.listen, {}, "HOST:PORT to listen on (--listen overrides)"),
      text("server", "data", sv.data_dir, {}, "data directory: originals, database, cache (--data overrides)"),
      number("server", "workers", sv.workers, 0, 256, "image worker threads; 0 = one per core"),
      number("server", "queue", sv.queue, 1, 100000, "requests waiting for a worker before 429"),
      number("server", "timeout_ms", sv.timeout_ms, 100, 3600000, "per-request processing deadline"),
      number("server", "drain_ms", sv.drain_ms, 0, 3600000, "on SIGTERM, how long in-flight requests may finish"),
      strings("server", "api_keys", sv.api_keys, "keys for write routes; none = writes only on a loopback listener"),
      number("server", "public_reads", sv.public_reads, 0, 1, "serve reads without an API key"),
      strings("server", "signing_keys", sv.signing_keys, "HMAC-SHA256 keys for signed URLs; all verify, the first signs"),
      number("server", "require_signature", sv.require_signature, 0, 1, "refuse image reads without a valid signature"),
      number("server", "presets_only", sv.presets_only, 0, 1, "refuse chains and built-in patterns unless signed"),
      text("server", "log_format", sv.log_format, {"json", "text", "off"}, "request log on stdout: json, text or off"),
      number("cache", "memory_mb", c.cache.memory_mb, 0, 1 << 20, "in-process derivative cache, MB (0 = off)"),
      number("cache", "disk_mb", c.cache.disk_mb, 0, int64_t{1} << 30, "derivative cache under DATA/cache, MB (0 = off)"),
      number("pyramid", "enabled", c.pyramid.enabled, 0, 1, "store downscaled masters at upload"),
      number("pyramid", "large", c.pyramid.large, 256, 16384, "shorter edge of the large master"),
      number("pyramid", "small", c.pyramid.small, 64, 16384, "shorter edge of the small master"),
      number("pyramid", "quality", c.pyramid.quality, 50, 100, "JPEG quality of the masters"),
      number("jobs", "workers", c.jobs.workers, 0, 256, "analysis threads in pictor serve (0: only pictor worker runs jobs)"),
      number("jobs", "batch_size", c.jobs.batch_size, 1, 1000, "jobs of the same features a worker takes at once"),
      number("jobs", "max_images", c.jobs.max_images, 1, 100000, "images in one POST /v1/analyses"),
      number("jobs", "max_attempts", c.jobs.max_attempts, 1, 100, "runs of a job (crashed workers count) before it fails"),
      number("jobs", "lease_ms", c.jobs.lease_ms, 500, 86400000, "a running job not renewed this long is taken by another worker"),
      number("jobs", "poll_ms", c.jobs.poll_ms, 10, 600000, "how often idle workers look for work queued elsewhere"),
      durations("jobs", "retry_delays", c.jobs.retry_delays_ms, "waits between callback attempts (each +-20 % jitter), e.g. 1s,2s,5s"),
      number("jobs", "delivery_threads", c.jobs.delivery_threads, 1, 256, "callbacks sent at once"),
      number("jobs", "callback_timeout_ms", c.jobs.callback_timeout_ms, 100, 600000, "time a callback receiver has to answer"),
      number("jobs", "fetch_timeout_ms", c.jobs.fetch_timeout_ms, 100, 3600000, "time to download a job's source URL"),
      feature_names("jobs", "on_upload", c.jobs.on_upload, "features analysed in the background for every upload (none by default)"),
      text("jobs", "on_upload_callback", c.jobs.on_upload_callback, {}, "callback URL for the upload analyses (empty: none)"),
      text("jobs", "callback_secret", c.jobs.callback_secret, {}, "signs callbacks; empty: generated into DATA/callback_secret"),
      number("jobs", "retention_hours", c.jobs.retention_hours, 1, 87600, "finished jobs and Idempotency-Keys are kept this long"),
      strings("net", "allow_hosts", c.net.allow_hosts, "addresses/CIDRs outgoing requests may reach although private or loopback"),
  };
}

std::string env_name(const std::string& section, const std::string& key) {
  std::string name = "PICTOR_" + section + "_" + key;
  for (char& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return name;
}

Result<Value> parse_env_value(const Setting& s, const std::string& name, const std::string& text) {
  if (s.kind == Kind::kString) return Value(text);
  if (s.kind == Kind::kStrings) {
    std::vector<std::string> items;
    std::stringstream stream(text);
    for (std::string item; std::getline(stream, item, ',');) items.push_back(item);
    return Value(items);
  }
  if (text == "true") return Value(int64_t{1});
  if (text == "false") return Value(int64_t{0});
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0) {
    return Result<Value>(ErrorCode::kConfigError, fmt::format("{}={} is not an integer or true/false", name, text));
  }
  return Value(int64_t{v});
}

// A TOML value as the setting's type, or an error naming the expected type.
Result<Value> toml_value(const Setting& s, const toml::node& node, std::string_view origin) {
  auto wrong = [&] {
    return Result<Value>(ErrorCode::kConfigError,
                         fmt::format("{}: {}.{} must be {} {}", origin, s.section, s.key,
                                     s.kind == Kind::kInteger ? "an" : "a", kind_name(s.kind)));
  };
  switch (s.kind) {
    case Kind::kInteger:
      if (auto i = node.as_integer()) return Value(i->get());
      return wrong();
    case Kind::kBoolean:
      if (auto b = node.as_boolean()) return Value(int64_t{b->get() ? 1 : 0});
      return wrong();
    case Kind::kString:
      if (auto t = node.as_string()) return Value(t->get());
      return wrong();
    case Kind::kStrings: {
      const toml::array* array = node.as_array();
      if (!array) return wrong();
      std::vector<std::string> items;
      for (const toml::node& item : *array) {
        if (!item.as_string()) return wrong();
        items.push_back(item.as_string()->get());
      }
      return Value(items);
    }
  }
  return wrong();
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

Result<int64_t> parse_duration(std::string_view text) {
  auto bad = [&] {
    return Result<int64_t>(ErrorCode::kConfigError,
                           fmt::format("'{:.40}' is not a duration (e.g. 250ms, 30s, 5m, 2h, 3d)", text));
  };
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 9) return bad();
  const int64_t number = std::stoll(std::string(text.substr(0, digits)));
  const std::string_view unit = text.substr(digits);
  constexpr std::pair<std::string_view, int64_t> kUnits[] = {
      {"ms", 1}, {"", 1000}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
  for (const auto& [name, scale] : kUnits) {
    if (unit == name) return number * scale;
  }
  return bad();
}

std::string format_duration(int64_t ms) {
  constexpr std::pair<const char*, int64_t> kUnits[] = {{"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}};
  for (const auto& [name, scale] : kUnits) {
    if (ms >= scale && ms % scale == 0) return fmt::format("{}{}", ms / scale, name);
  }
  return fmt::format("{}ms", ms);
}

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
      auto value = toml_value(*it, node, origin);
      if (!value.ok()) return value.status();
      Status status = it->set(*value);
      if (!status.ok()) return Status(status.code(), fmt::format("{}: {}", origin, status.message()));
    }
  }
  for (const Setting& s : known) {
    const std::string name = env_name(s.section, s.key);
    const char* text = std::getenv(name.c_str());
    if (!text) continue;
    auto value = parse_env_value(s, name, text);
    if (!value.ok()) return value.status();
    Status status = s.set(*value);
    if (!status.ok()) return Status(status.code(), fmt::format("environment {}: {}", name, status.message()));
  }
  return config;
}

std::vector<SettingDoc> describe_settings() {
  Config defaults;
  std::vector<SettingDoc> docs;
  for (const Setting& s : settings(defaults)) {
    docs.push_back({s.section + "." + s.key, env_name(s.section, s.key), std::string(kind_name(s.kind)), s.show(), s.help});
  }
  return docs;
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
