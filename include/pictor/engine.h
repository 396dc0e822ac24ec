// The Pictor image engine: probe an image's header, plan a chain against it, and execute it.
//
// Typical use:
//   pictor::initialize({});
//   auto chain = pictor::parse_chain("resize:w=320/format:type=webp");
//   auto out = pictor::process(bytes, *chain, {});
//
// The engine is independent of the HTTP server and the CLI; both call it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "pictor/chain.h"
#include "pictor/limits.h"
#include "pictor/status.h"

namespace pictor {

struct EngineConfig {
  // libvips worker threads per image pipeline. A server runs many requests in parallel, so
  // one thread per pipeline avoids oversubscribing the cores (see docs/engine.md).
  int threads_per_pipeline = 1;
  // libvips operation cache entries. Thumbnails rarely repeat an operation on the same image
  // object, so the cache only holds memory; 0 disables it.
  int operation_cache_max = 0;
  // libvips' run-time generated vector code (liborc). Off by default: liborc 0.4.33 crashes
  // under concurrent load (docs/engine.md); a single-image CLI run may turn it on for ~10 %.
  bool vector = false;
  // JPEG decodes and encodes straight through libjpeg-turbo where libvips would add nothing but
  // overhead (src/codecs/jpeg_direct.h); off sends every JPEG through libvips.
  bool direct_jpeg = true;
};

// Initialises libvips once per process (thread-safe, idempotent). Blocks every loader that is
// not on the allow list (JPEG, PNG, WebP, GIF, HEIF/AVIF).
Status initialize(const EngineConfig& config = {});

// Formats the engine reads (by loader) and writes.
enum class Format { kUnknown, kJpeg, kPng, kWebp, kGif, kHeic, kAvif };
std::string_view format_name(Format format);      // "jpeg", "png", "webp", "gif", "heic", "avif"
std::string_view format_mime(Format format);      // "image/jpeg"...
std::string_view format_extension(Format format); // ".jpg"...
std::optional<Format> format_from_name(std::string_view name);       // "jpg" and "jpeg" both
std::optional<Format> format_from_extension(std::string_view path);  // by file name

// What the header says, read without decoding pixels.
struct SourceInfo {
  Format format = Format::kUnknown;
  int width = 0;   // stored width of one frame (before EXIF orientation)
  int height = 0;  // stored height of one frame
  int frames = 1;
  int orientation = 1;  // EXIF orientation 1..8
  uint64_t bytes = 0;
  bool has_alpha = false;
  // Size of an embedded thumbnail (HEIF), 0 when there is none.
  int thumbnail_width = 0, thumbnail_height = 0;
  // Width and height as displayed, i.e. after applying the orientation.
  int display_width() const { return orientation >= 5 ? height : width; }
  int display_height() const { return orientation >= 5 ? width : height; }
};

// Reads the header and enforces the input limits (bytes, frame pixels, frames, total pixels).
Result<SourceInfo> probe(std::span<const uint8_t> bytes, const Limits& limits);

// A pre-downscaled rendition of a source (a level of the upload-time pyramid): the whole frame,
// already oriented and in sRGB, without metadata. A plan may load the smallest rendition that is
// still large enough instead of the source; the result is the same up to resampling.
struct Rendition {
  Format format = Format::kJpeg;
  int width = 0, height = 0;
};

struct ProcessOptions {
  Limits limits;
  // Renditions of the source the caller can supply (see Plan::rendition).
  std::vector<Rendition> renditions;
  bool auto_orient = true;  // apply EXIF orientation at load
  // Output format when the chain has no format operation; unset keeps the input's format
  // where it can be written (HEIC input becomes JPEG).
  std::optional<Format> default_format;
  // Absolute deadline; libvips work is cancelled when it passes.
  std::optional<std::chrono::steady_clock::time_point> deadline;
};

// Output settings taken from the `format` operation (or the defaults).
struct OutputSpec {
  Format format = Format::kJpeg;
  int quality = 0;  // 0 = the format's default
  bool progressive = false;
  std::string subsample = "auto";  // auto | on (4:2:0) | off (4:4:4)
  bool palette = false;            // PNG: quantise to a palette (libimagequant)
  bool lossless = false;           // WebP/AVIF/HEIC
  int effort = -1;                 // -1 = the format's default
  std::string keep = "none";       // none | icc | copyright | icc_copyright
};

// One step of a plan: an operation and the frame geometry before and after it.
struct PlanStep {
  const OpArgs* args = nullptr;
  int in_width = 0, in_height = 0;
  int out_width = 0, out_height = 0;
  // False when the sizes are an estimate because an earlier step depends on the pixels (trim)
  // or on libvips' rounding (rotation by an arbitrary angle).
  bool size_exact = true;
};

// What the executor will do, computed from the chain and the header alone (no pixels).
struct Plan {
  SourceInfo source;
  bool apply_orientation = true;
  int load_shrink = 1;     // JPEG DCT-domain shrink factor (1, 2, 4 or 8)
  double load_scale = 1;   // WebP scale-on-load factor (<= 1)
  bool heif_thumbnail = false;  // decode the embedded HEIF thumbnail instead of the image
  // Index into ProcessOptions::renditions of the rendition to load instead of the source, or -1.
  // When set, execute() must be given that rendition's bytes.
  int rendition = -1;
  Format input_format = Format::kUnknown;  // of the bytes execute() loads: the source's or the rendition's
  // Whether the loaded image still needs the source's EXIF orientation applied.
  bool orient_on_load() const { return rendition < 0 && apply_orientation && source.orientation != 1; }
  int loaded_width = 0, loaded_height = 0;  // frame size right after load (oriented)
  std::vector<PlanStep> steps;
  OutputSpec output;
  int out_width = 0, out_height = 0;
};

Result<Plan> make_plan(const Chain& chain, const SourceInfo& source, const ProcessOptions& options);

// Where the time of one execute() went. libvips evaluates lazily: decoding and the operations
// run while the encoder pulls pixels, so `encode` includes them unless an operation needed the
// whole image in memory first (then that work is in `process`).
struct Timings {
  double load_ms = 0;     // header parse and loader set-up (and the decode when it is eager)
  double process_ms = 0;  // building the operation graph, plus any in-memory materialisation
  double encode_ms = 0;   // pixel pipeline and compression
};

struct Encoded {
  std::vector<uint8_t> bytes;
  Format format = Format::kJpeg;
  int width = 0;
  int height = 0;
  Timings timings;
};

// probe + make_plan + execute.
Result<Encoded> process(std::span<const uint8_t> input, const Chain& chain,
                        const ProcessOptions& options);

// Executes a plan made for `input` (the same bytes that were probed, or the bytes of the
// rendition the plan chose).
Result<Encoded> execute(std::span<const uint8_t> input, const Plan& plan,
                        const ProcessOptions& options);

}  // namespace pictor
