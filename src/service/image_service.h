// The image service: what the HTTP routes (and later the jobs) do, independent of HTTP.
//
// Uploads are validated from the header, stored durably (original, then pyramid masters, then
// the record) and deduplicated by content. Thumbnails are planned from the record alone (so
// errors and ETags need no bytes), then rendered through the tiered cache from the smallest
// pyramid master that is large enough, or from the original.
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "cache/cache.h"
#include "pictor/config.h"
#include "pictor/engine.h"
#include "pictor/info.h"
#include "storage/storage.h"

namespace pictor::service {

// Caller-supplied metadata of an upload (multipart fields or query parameters).
struct UploadFields {
  std::string title, caption;
  std::vector<std::string> tags;
  std::optional<int64_t> taken_at;
};
using Pairs = std::vector<std::pair<std::string, std::string>>;
// Reads title, caption, tags (comma-separated or repeated) and taken_at (Unix seconds or ISO
// 8601); any other name is an error. Values are checked for length and control characters.
Result<UploadFields> parse_upload_fields(const Pairs& fields);

// A thumbnail request, before any pixels: the chain, its canonical text and what it produces.
struct Derivative {
  std::string canonical;
  Format format = Format::kJpeg;
  std::string cache_key;  // "<id>/<canonical>/<format>"
  std::string etag;       // quoted strong ETag, the same for the same original, chain and format
  int rendition = -1;     // index into the record's masters, or -1 for the original
};

struct RenderRequest {
  std::string chain_or_type;
  bool is_type = false;
  std::optional<Format> negotiated_format;  // format=auto: the output when the chain names none
};

struct Rendered {
  cache::CachedPtr image;
  cache::Outcome outcome = cache::Outcome::kMiss;
  Timings timings;  // of the render, when this request rendered (outcome kMiss)
};

class ImageService {
 public:
  ImageService(Config config, std::unique_ptr<storage::BlobStore> blobs, std::unique_ptr<storage::ImageIndex> index,
               std::unique_ptr<cache::TieredCache> cache);

  // Opens the embedded defaults under `data_dir`: DIR/blobs, DIR/pictor.db and DIR/cache.
  static Result<std::unique_ptr<ImageService>> open(const Config& config, const std::string& data_dir);

  const Config& config() const { return config_; }

  // A temporary path the HTTP layer streams an upload body into.
  std::string new_upload_path() { return blobs_->temp_path(); }

  // Validates the uploaded file (header limits, allowed formats), stores it durably with its
  // pyramid masters and commits its record; the temporary file is consumed either way.
  Result<storage::ImageRecord> upload_file(const std::string& temp_path, const UploadFields& fields = {});

  Result<storage::ImageRecord> find(const std::string& id);
  Result<storage::ImagePage> list(const storage::ListQuery& query);
  // Deletes the record, its cached derivatives and, when no other record shares them, the
  // original and its masters.
  Result<storage::ImageRecord> remove(const std::string& id);
  // Drops an image's cached derivatives.
  void purge(const std::string& id) { cache_->purge(id); }
  Result<std::vector<uint8_t>> original(const storage::ImageRecord& record);
  // The extractors' answer (include/pictor/info.h) on the stored original. Each extractor runs
  // once per original: its answer (or its error, unless transient) is stored in the index and
  // reused until the extractor's version changes. Raw tag lists are computed on each request.
  Result<nlohmann::json> info(const storage::ImageRecord& record, const std::vector<std::string>& features,
                              bool raw_tags = false);

  // Parses and plans a thumbnail request against the record; fails for a bad chain, an unknown
  // type or a plan the limits refuse.
  Result<Derivative> prepare(const storage::ImageRecord& record, const RenderRequest& request);
  // The derivative's bytes, from the cache or rendered now (once for concurrent callers).
  Result<Rendered> render(const storage::ImageRecord& record, const RenderRequest& request,
                          const Derivative& derivative, std::chrono::steady_clock::time_point deadline);

  // A rendered derivative still in the memory tier (see TieredCache::peek_memory).
  cache::CachedPtr memory_hit(const std::string& cache_key) { return cache_->peek_memory(cache_key); }
  cache::Stats cache_stats() const { return cache_->stats(); }
  // Storage reachable and writable.
  Status check_ready();

 private:
  Result<Chain> parse(const RenderRequest& request) const;
  ProcessOptions process_options(const storage::ImageRecord& record, const RenderRequest& request) const;
  Result<std::vector<storage::Master>> make_masters(std::span<const uint8_t> original, const SourceInfo& source,
                                                         const std::string& sha256);
  Result<cache::CachedImage> render_now(const storage::ImageRecord& record, const RenderRequest& request,
                                        std::chrono::steady_clock::time_point deadline, Timings& timings);
  // Serialises uploads and deletes of the same content (reference counting).
  std::mutex& content_lock(const std::string& sha256);

  Config config_;
  std::unique_ptr<storage::BlobStore> blobs_;
  std::unique_ptr<storage::ImageIndex> index_;
  std::unique_ptr<cache::TieredCache> cache_;
  std::array<std::mutex, 64> content_locks_;
};

}  // namespace pictor::service
