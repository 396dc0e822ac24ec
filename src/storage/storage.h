// Storage interfaces: where original bytes live (BlobStore) and where image records live
// (ImageIndex). The embedded defaults are a directory and SQLite; the scale-out milestone adds
// S3 and PostgreSQL behind the same interfaces without touching the service or the routes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pictor/engine.h"
#include "pictor/status.h"

namespace pictor::storage {

// Content-addressed bytes, keyed by their SHA-256 (hex).
class BlobStore {
 public:
  virtual ~BlobStore() = default;
  // Moves a complete, fsynced temporary file into the store under `sha256`. When the key already
  // exists the temporary file is removed and the stored copy kept (identical bytes).
  virtual Status put_file(const std::string& sha256, const std::string& temp_path) = 0;
  virtual Result<std::vector<uint8_t>> get(const std::string& sha256) = 0;
  // Where to write a temporary file that put_file can move without copying.
  virtual std::string temp_path() = 0;
};

struct ImageRecord {
  std::string id;  // 32 hex digits, random
  std::string sha256, md5;
  Format format = Format::kUnknown;
  int width = 0, height = 0, frames = 1;
  uint64_t bytes = 0;
  int64_t created_at = 0;  // Unix seconds
};

class ImageIndex {
 public:
  virtual ~ImageIndex() = default;
  // Commits the record; it becomes visible only once this returns OK.
  virtual Status insert(const ImageRecord& record) = 0;
  virtual Result<std::optional<ImageRecord>> find(const std::string& id) = 0;
};

// A directory: DIR/originals/ab/cdef... (sha256), DIR/tmp for uploads in progress.
Result<std::unique_ptr<BlobStore>> open_fs_blob_store(const std::string& root);
// SQLite in WAL mode, schema created on first open.
Result<std::unique_ptr<ImageIndex>> open_sqlite_index(const std::string& path);

}  // namespace pictor::storage
