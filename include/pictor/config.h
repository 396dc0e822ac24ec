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
//   [server]
//   api_keys = ["k1", "k2"]        # lists in the environment: PICTOR_SERVER_API_KEYS=k1,k2
#pragma once

#include <cstdint>
#include <string>
#include <vector>
#include <string_view>

#include "pictor/engine.h"
#include "pictor/named_types.h"

namespace pictor {

// `pictor serve`. --listen and --data on the command line override these.
struct ServerConfig {
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "data";
  int workers = 0;               // image worker threads; 0 = one per core
  int queue = 64;                // requests waiting for a worker before 429
  int64_t timeout_ms = 10000;    // per-request processing deadline
  int64_t drain_ms = 30000;      // graceful shutdown: how long in-flight requests may finish
  // API keys for write routes (and for reads unless public_reads). With none, writes are
  // accepted only on a loopback listener.
  std::vector<std::string> api_keys;
  bool public_reads = true;
  // HMAC-SHA256 keys for signed URLs (all accepted: rotation); the first one signs.
  std::vector<std::string> signing_keys;
  bool require_signature = false;
  bool presets_only = false;  // refuse chains and built-in patterns unless signed; config types only
  std::string log_format = "json";  // json | text | off
};

struct CacheConfig {
  int64_t memory_mb = 256;  // 0 disables the memory tier
  int64_t disk_mb = 2048;   // 0 disables the disk tier (DATA/cache)
};

// The upload-time pyramid: downscaled masters that thumbnails decode instead of the original.
struct PyramidConfig {
  bool enabled = true;
  int large = 1536;  // shorter edge of the large master (2048x1536 for a 4:3 photo)
  int small = 512;   // shorter edge of the small master (768x512)
  int quality = 90;  // JPEG quality of the masters (4:4:4); alpha images use WebP
};

// Background analyses (POST /v1/analyses, docs/analyses.md): the durable queue, its workers and
// the signed callbacks.
struct JobsConfig {
  int workers = 1;              // analysis threads inside `pictor serve` (0: leave it to `pictor worker`)
  int batch_size = 8;           // jobs of the same features a worker takes at once
  int max_images = 1000;        // images in one POST /v1/analyses
  int max_attempts = 5;         // runs of one job (a worker that died counts) before it fails
  int64_t lease_ms = 60000;     // a running job whose worker stops renewing this long is taken again
  int64_t poll_ms = 1000;       // how often idle workers look for work submitted elsewhere
  // Waits between callback attempts (the attempt after the last wait is the last one); each wait
  // is jittered by +-20 %. The default spans about 3 days over 13 attempts.
  std::vector<int64_t> retry_delays_ms = {30000,    60000,    300000,   900000,   1800000,  3600000,
                                          7200000,  14400000, 28800000, 43200000, 86400000, 86400000};
  int delivery_threads = 4;
  int64_t callback_timeout_ms = 10000;
  int64_t fetch_timeout_ms = 30000;       // downloading a job's source URL
  std::vector<std::string> on_upload;     // features analysed in the background for every upload
  std::string on_upload_callback;         // where those analyses are posted ("" = none)
  std::string callback_secret;            // "" = generated into DATA/callback_secret on first start
  int64_t retention_hours = 168;          // finished jobs, their deliveries and Idempotency-Keys
};

// Outgoing connections (remote sources, callbacks).
struct NetConfig {
  // Addresses or CIDR blocks that may be reached although private, loopback or link-local.
  std::vector<std::string> allow_hosts;
};

struct Config {
  Limits limits;
  EngineConfig engine;
  bool auto_orient = true;
  NamedTypes types;
  ServerConfig server;
  CacheConfig cache;
  PyramidConfig pyramid;
  JobsConfig jobs;
  NetConfig net;
};

// "250ms", "30s", "5m", "2h", "3d" (a bare number is seconds) in milliseconds.
Result<int64_t> parse_duration(std::string_view text);
// "1m30s"-style text of a duration in milliseconds, for help and logs.
std::string format_duration(int64_t ms);

// One documented setting, for `pictor serve --help` and docs.
struct SettingDoc {
  std::string name;      // section.key
  std::string env;       // PICTOR_SECTION_KEY
  std::string type;      // integer | boolean | string | list of strings
  std::string fallback;  // the default, as text
  std::string help;
};
std::vector<SettingDoc> describe_settings();

// Parses TOML text; `origin` names it in error messages. Applies environment overrides.
Result<Config> parse_config(std::string_view toml_text, std::string_view origin);
// Reads a file; an empty path means the built-in defaults (plus environment overrides).
Result<Config> load_config(const std::string& path);

}  // namespace pictor
