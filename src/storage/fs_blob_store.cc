#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "storage/storage.h"

namespace fs = std::filesystem;

namespace pictor::storage {
namespace {

Status fsync_path(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return {ErrorCode::kIoError, fmt::format("open {}: {}", path, std::strerror(errno))};
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return {ErrorCode::kIoError, fmt::format("fsync {}: {}", path, std::strerror(errno))};
  return Status::Ok();
}

class FsBlobStore final : public BlobStore {
 public:
  explicit FsBlobStore(fs::path root) : root_(std::move(root)) {}

  Status put_file(const std::string& sha256, const std::string& temp_path) override {
    if (sha256.size() != 64 || sha256.find_first_not_of("0123456789abcdef") != std::string::npos) {
      return {ErrorCode::kInternal, "blob keys are sha256 hex digests"};  // never a path from outside
    }
    const fs::path dir = root_ / "originals" / sha256.substr(0, 2);
    const fs::path target = dir / sha256;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return {ErrorCode::kIoError, fmt::format("create {}: {}", dir.string(), ec.message())};
    if (fs::exists(target, ec)) {
      fs::remove(temp_path, ec);
      return Status::Ok();
    }
    // The data is durable before the name appears; the name is durable before the caller
    // commits the record that points at it.
    PICTOR_RETURN_IF_ERROR(fsync_path(temp_path));
    if (std::rename(temp_path.c_str(), target.c_str()) != 0) {
      return {ErrorCode::kIoError, fmt::format("rename to {}: {}", target.string(), std::strerror(errno))};
    }
    return fsync_path(dir.string());
  }

  Result<std::vector<uint8_t>> get(const std::string& sha256) override {
    const fs::path path = root_ / "originals" / sha256.substr(0, 2) / sha256;
    std::ifstream file(path, std::ios::binary);
    if (!file) return Result<std::vector<uint8_t>>(ErrorCode::kIoError, "original missing: " + sha256);
    return std::vector<uint8_t>((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  }

  std::string temp_path() override {
    static std::atomic<uint64_t> counter{0};
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return (root_ / "tmp" / fmt::format("upload-{}-{}-{:x}", ::getpid(), counter++, rng())).string();
  }

 private:
  fs::path root_;
};

}  // namespace

Result<std::unique_ptr<BlobStore>> open_fs_blob_store(const std::string& root) {
  std::error_code ec;
  fs::create_directories(fs::path(root) / "tmp", ec);
  if (ec) return Result<std::unique_ptr<BlobStore>>(ErrorCode::kIoError, fmt::format("create {}: {}", root, ec.message()));
  // Leftovers of uploads interrupted by a crash are never referenced: remove them.
  for (const auto& entry : fs::directory_iterator(fs::path(root) / "tmp", ec)) fs::remove(entry.path(), ec);
  return std::unique_ptr<BlobStore>(new FsBlobStore(root));
}

}  // namespace pictor::storage
