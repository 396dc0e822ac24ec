#include "codecs/vips_adapter.h"

#include <vips/vips8>
#include <vips/vector.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <string_view>

#include "codecs/jpeg_direct.h"

#include "pictor/engine.h"

namespace pictor {
namespace codecs {
namespace {

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// First line of a libvips message, without the trailing newline.
std::string first_line(std::string message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  const size_t newline = message.find('\n');
  return newline == std::string::npos ? message : message.substr(0, newline);
}

}  // namespace

Status translate_vips_error(const std::exception& error, Stage stage) {
  const std::string message = first_line(error.what());
  vips_error_clear();
  if (contains(message, "killed") || contains(message, "cancelled")) {
    return {ErrorCode::kTimeout, "processing was cancelled at its deadline"};
  }
  if (contains(message, "not a known") || contains(message, "is blocked") ||
      contains(message, "operation is blocked")) {
    return {ErrorCode::kUnsupportedFormat, message};
  }
  if (contains(message, "out of memory") || contains(message, "cannot allocate")) {
    return {ErrorCode::kInternal, message};
  }
  switch (stage) {
    case Stage::kLoad:
    case Stage::kProcess:
      // Decoding is lazy, so a damaged file usually fails while the pipeline runs.
      return {ErrorCode::kCorruptImage, message};
    case Stage::kEncode:
      if (contains(message, "load") || contains(message, "Premature") ||
          contains(message, "truncated") || contains(message, "Corrupt") ||
          contains(message, "read error") || contains(message, "damaged") ||
          contains(message, "Invalid") || contains(message, "invalid") ||
          contains(message, "out of order") || contains(message, "bad ") ||
          contains(message, "libpng") || contains(message, "gif") || contains(message, "webp") ||
          contains(message, "heif") || contains(message, "jpeg") || contains(message, "Jpeg")) {
        return {ErrorCode::kCorruptImage, message};
      }
      return {ErrorCode::kInternal, message};
  }
  return {ErrorCode::kInternal, message};
}

}  // namespace codecs

namespace {

// Loaders allowed for untrusted bytes. Everything else (PDF, SVG, ImageMagick, TIFF, matrix,
// CSV, raw, ...) is blocked: each extra decoder is extra attack surface.
constexpr std::array kAllowedLoaders = {
    "VipsForeignLoadJpeg", "VipsForeignLoadPng", "VipsForeignLoadWebp",
    "VipsForeignLoadNsgif", "VipsForeignLoadHeif",
};

// libvips reports details (per-tile decode errors, ignored colour profiles) as GLib warnings
// on stderr. The error that matters reaches the caller as a Status; the rest is noise for a
// CLI that promises one line per error and for a server that logs in JSON.
void drop_log_message(const gchar*, GLogLevelFlags, const gchar*, gpointer) {}

Status do_initialize(const EngineConfig& config) {
  if (VIPS_INIT("pictor")) return {ErrorCode::kInternal, "libvips failed to initialise"};
  g_log_set_handler("VIPS", static_cast<GLogLevelFlags>(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE |
                                                        G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG),
                    drop_log_message, nullptr);
  vips_concurrency_set(config.threads_per_pipeline);
  // liborc 0.4.33 (Debian 12) is not safe here: under many concurrent pipelines the server
  // segfaulted in orc_code_free after ~40 s of load, with throughput falling before that (its
  // code memory fragments). Vector paths stay off unless the configuration asks for them.
  vips_vector_set_enabled(config.vector ? TRUE : FALSE);
  codecs::set_direct_jpeg(config.direct_jpeg);
  vips_cache_set_max(config.operation_cache_max);
  vips_cache_set_max_mem(0);
  vips_cache_set_max_files(0);
  vips_block_untrusted_set(TRUE);
  vips_operation_block_set("VipsForeignLoad", TRUE);
  for (const char* loader : kAllowedLoaders) vips_operation_block_set(loader, FALSE);
  return Status::Ok();
}

}  // namespace

Status initialize(const EngineConfig& config) {
  static std::once_flag once;
  static Status status;
  std::call_once(once, [&] { status = do_initialize(config); });
  return status;
}

}  // namespace pictor
