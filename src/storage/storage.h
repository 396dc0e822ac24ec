// Storage interfaces: where original bytes live (BlobStore) and where image records live
// (ImageIndex). The embedded defaults are a directory and SQLite; the scale-out milestone adds
// S3 and PostgreSQL behind the same interfaces without touching the service or the routes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "pictor/engine.h"
#include "pictor/status.h"

namespace pictor::storage {

// Bytes under a key: an original's SHA-256 (hex), or that digest plus a suffix for files derived
// from it (".m2048" for a pyramid master). Keys never come from outside unchecked.
class BlobStore {
 public:
  virtual ~BlobStore() = default;
  // Moves a complete temporary file into the store under `key`. When the key already exists the
  // temporary file is removed and the stored copy kept (same key, same bytes). Durable on return.
  virtual Status put_file(const std::string& key, const std::string& temp_path) = 0;
  // Stores `bytes` under `key`, durably, replacing nothing that exists.
  virtual Status put_bytes(const std::string& key, std::span<const uint8_t> bytes) = 0;
  virtual Result<std::vector<uint8_t>> get(const std::string& key) = 0;
  // Removes the bytes; a missing key is not an error.
  virtual Status remove(const std::string& key) = 0;
  // Where to write a temporary file that put_file can move without copying.
  virtual std::string temp_path() = 0;
  // A cheap check that the store is usable (for readiness probes).
  virtual Status check() = 0;
};

// True for a valid blob key (see BlobStore).
bool valid_blob_key(std::string_view key);

// A pre-downscaled copy of an original made at upload (the pyramid): oriented, sRGB, no metadata.
struct Master {
  Format format = Format::kJpeg;
  int width = 0, height = 0;
  int longest_edge() const { return width > height ? width : height; }
};
// The blob key of a master of the original `sha256`.
std::string master_key(const std::string& sha256, const Master& master);

struct ImageRecord {
  std::string id;  // 32 hex digits, random
  std::string sha256, md5;
  Format format = Format::kUnknown;
  int width = 0, height = 0;  // as displayed (after EXIF orientation)
  int frames = 1;
  int orientation = 1;  // EXIF orientation of the original
  bool has_alpha = false;
  uint64_t bytes = 0;
  int64_t created_at = 0;  // Unix seconds
  // Caller-supplied metadata.
  std::string title, caption;
  std::vector<std::string> tags;
  std::optional<int64_t> taken_at;  // Unix seconds: the upload's override, else EXIF DateTimeOriginal
  std::vector<Master> masters;      // largest first

  // The time a photo is listed and filtered by: when it was taken, else when it was uploaded.
  int64_t time() const { return taken_at.value_or(created_at); }
  // The original's header as the engine sees it, rebuilt from the record (no bytes needed).
  SourceInfo source_info() const;
};

// A page of GET /v1/images. Results are newest first by time(), then by id.
struct ListQuery {
  std::optional<std::string> tag;
  std::optional<std::string> sha256;
  std::optional<int64_t> from, to;  // inclusive bounds on time()
  int limit = 50;
  std::optional<std::string> cursor;  // from a previous page's next_cursor
};
struct ImagePage {
  std::vector<ImageRecord> images;
  std::optional<std::string> next_cursor;
};

// One extractor's stored answer for an original (by content: every record sharing the bytes
// shares it). `value` is the JSON text of the extractor's key, or of its error when `ok` is false.
struct StoredFeature {
  std::string name;
  int version = 0;  // the extractor's version when computed; another version is stale
  bool ok = true;
  std::string value;
};

class ImageIndex {
 public:
  virtual ~ImageIndex() = default;
  // Commits the record; it becomes visible only once this returns OK.
  virtual Status insert(const ImageRecord& record) = 0;
  virtual Result<std::optional<ImageRecord>> find(const std::string& id) = 0;
  virtual Result<ImagePage> list(const ListQuery& query) = 0;
  // Deletes a record and returns it (nullopt when there was none).
  virtual Result<std::optional<ImageRecord>> remove(const std::string& id) = 0;
  // How many records share an original (the reference count of its bytes).
  virtual Result<int64_t> count_sha256(const std::string& sha256) = 0;
  // The info extractors' results stored for an original.
  virtual Result<std::vector<StoredFeature>> features(const std::string& sha256) = 0;
  // Stores (or replaces) one extractor's result.
  virtual Status put_feature(const std::string& sha256, const StoredFeature& feature) = 0;
  // Forgets an original's results (when its last record is deleted).
  virtual Status remove_features(const std::string& sha256) = 0;
  virtual Status check() = 0;
};

// A directory: DIR/originals/ab/cdef... (by key), DIR/tmp for uploads in progress.
Result<std::unique_ptr<BlobStore>> open_fs_blob_store(const std::string& root);
// SQLite in WAL mode; the schema is created or migrated on open.
Result<std::unique_ptr<ImageIndex>> open_sqlite_index(const std::string& path);

}  // namespace pictor::storage
