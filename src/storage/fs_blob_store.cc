#include <fcntl.h>
#include <sys/stat.h>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include "core/mapped_file.h"
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

Status write_all(const std::string& path, std::span<const uint8_t> bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return {ErrorCode::kIoError, fmt::format("create {}: {}", path, std::strerror(errno))};
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string error = std::strerror(errno);
      ::close(fd);
      return {ErrorCode::kIoError, fmt::format("write {}: {}", path, error)};
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return Status::Ok();
}

class FsBlobStore final : public BlobStore {
 public:
  explicit FsBlobStore(fs::path root) : root_(std::move(root)) {}

  Status put_file(const std::string& key, const std::string& temp_path) override {
    PICTOR_RETURN_IF_ERROR(check_key(key));
    const fs::path target = path_of(key);
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (ec) return {ErrorCode::kIoError, fmt::format("create {}: {}", target.parent_path().string(), ec.message())};
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
    return fsync_path(target.parent_path().string());
  }

  Status put_bytes(const std::string& key, std::span<const uint8_t> bytes) override {
    PICTOR_RETURN_IF_ERROR(check_key(key));
    const std::string temp = temp_path();
    Status written = write_all(temp, bytes);
    if (!written.ok()) {
      std::remove(temp.c_str());
      return written;
    }
    return put_file(key, temp);
  }

  Result<std::vector<uint8_t>> get(const std::string& key) override {
    PICTOR_RETURN_IF_ERROR(check_key(key));
    auto bytes = read_file_bytes(path_of(key).string());
    if (!bytes) return Result<std::vector<uint8_t>>(ErrorCode::kIoError, "stored bytes missing or unreadable: " + key);
    return std::move(*bytes);
  }

  Status remove(const std::string& key) override {
    PICTOR_RETURN_IF_ERROR(check_key(key));
    std::error_code ec;
    fs::remove(path_of(key), ec);
    if (ec) return {ErrorCode::kIoError, fmt::format("remove {}: {}", key, ec.message())};
    return Status::Ok();
  }

  std::string temp_path() override {
    static std::atomic<uint64_t> counter{0};
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return (root_ / "tmp" / fmt::format("upload-{}-{}-{:x}", ::getpid(), counter++, rng())).string();
  }

  Status check() override {
    if (::access((root_ / "tmp").c_str(), W_OK) != 0) {
      return {ErrorCode::kNotReady, fmt::format("blob store {} is not writable: {}", root_.string(), std::strerror(errno))};
    }
    return Status::Ok();
  }

 private:
  static Status check_key(const std::string& key) {
    if (!valid_blob_key(key)) return {ErrorCode::kInternal, "invalid blob key"};  // never a path from outside
    return Status::Ok();
  }
  fs::path path_of(const std::string& key) const { return root_ / "originals" / key.substr(0, 2) / key; }

  fs::path root_;
};

}  // namespace

bool valid_blob_key(std::string_view key) {
  if (key.size() < 64 || key.substr(0, 64).find_first_not_of("0123456789abcdef") != std::string_view::npos) return false;
  const std::string_view suffix = key.substr(64);
  if (suffix.empty()) return true;
  return suffix.size() >= 2 && suffix.size() <= 16 && suffix[0] == '.' &&
         suffix.substr(1).find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789") == std::string_view::npos;
}

std::string master_key(const std::string& sha256, const Master& master) {
  return fmt::format("{}.m{}", sha256, master.longest_edge());
}

Result<std::unique_ptr<BlobStore>> open_fs_blob_store(const std::string& root) {
  std::error_code ec;
  fs::create_directories(fs::path(root) / "tmp", ec);
  if (ec) return Result<std::unique_ptr<BlobStore>>(ErrorCode::kIoError, fmt::format("create {}: {}", root, ec.message()));
  // Leftovers of uploads interrupted by a crash are never referenced: remove them.
  for (const auto& entry : fs::directory_iterator(fs::path(root) / "tmp", ec)) fs::remove(entry.path(), ec);
  return std::unique_ptr<BlobStore>(new FsBlobStore(root));
}

}  // namespace pictor::storage
