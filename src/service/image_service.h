// The image service: what the HTTP routes (and later the jobs) do, independent of HTTP.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "pictor/config.h"
#include "pictor/engine.h"
#include "storage/storage.h"

namespace pictor::service {

class ImageService {
 public:
  ImageService(Config config, std::unique_ptr<storage::BlobStore> blobs,
               std::unique_ptr<storage::ImageIndex> index);

  // Opens the embedded defaults under `data_dir`: DIR/blobs and DIR/pictor.db.
  static Result<std::unique_ptr<ImageService>> open(const Config& config, const std::string& data_dir);

  const Config& config() const { return config_; }

  // A temporary path the HTTP layer streams an upload body into.
  std::string new_upload_path() { return blobs_->temp_path(); }

  // Validates the uploaded file (header limits, allowed formats), stores it durably and
  // commits its record; the temporary file is consumed either way.
  Result<storage::ImageRecord> upload_file(const std::string& temp_path);

  Result<storage::ImageRecord> find(const std::string& id);
  Result<std::vector<uint8_t>> original(const storage::ImageRecord& record);

  // Renders a chain (or a named type when `is_type`) of a stored image.
  Result<Encoded> render(const storage::ImageRecord& record, const std::string& chain_or_type, bool is_type,
                         std::chrono::steady_clock::time_point deadline);

 private:
  Config config_;
  std::unique_ptr<storage::BlobStore> blobs_;
  std::unique_ptr<storage::ImageIndex> index_;
};

}  // namespace pictor::service
