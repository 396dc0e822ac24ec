#include "service/image_service.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>

namespace pictor::service {
namespace {

std::string hex(const unsigned char* data, size_t size) {
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) out += fmt::format("{:02x}", data[i]);
  return out;
}

std::string digest(const EVP_MD* md, std::span<const uint8_t> bytes) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), out, &size, md, nullptr);
  return hex(out, size);
}

std::string random_id() {
  unsigned char bytes[16];
  RAND_bytes(bytes, sizeof bytes);
  return hex(bytes, sizeof bytes);
}

bool valid_id(const std::string& id) {
  return id.size() == 32 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// A read-only mapping of a file: the bytes of an upload without copying them into memory.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDONLY);
    struct stat st {};
    if (fd_ < 0 || ::fstat(fd_, &st) != 0) return;
    size_ = static_cast<size_t>(st.st_size);
    if (size_ > 0) {
      void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
      if (p != MAP_FAILED) data_ = static_cast<const uint8_t*>(p);
    }
  }
  ~MappedFile() {
    if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0 && (size_ == 0 || data_); }
  std::span<const uint8_t> bytes() const { return {data_, data_ ? size_ : 0}; }

 private:
  int fd_ = -1;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace

ImageService::ImageService(Config config, std::unique_ptr<storage::BlobStore> blobs,
                           std::unique_ptr<storage::ImageIndex> index)
    : config_(std::move(config)), blobs_(std::move(blobs)), index_(std::move(index)) {}

Result<std::unique_ptr<ImageService>> ImageService::open(const Config& config, const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return Result<std::unique_ptr<ImageService>>(ErrorCode::kIoError, fmt::format("create {}: {}", data_dir, ec.message()));
  auto blobs = storage::open_fs_blob_store(data_dir + "/blobs");
  if (!blobs.ok()) return blobs.status();
  auto index = storage::open_sqlite_index(data_dir + "/pictor.db");
  if (!index.ok()) return index.status();
  return std::make_unique<ImageService>(config, std::move(blobs).value(), std::move(index).value());
}

Result<storage::ImageRecord> ImageService::upload_file(const std::string& temp_path) {
  storage::ImageRecord record;
  {
    MappedFile file(temp_path);
    if (!file.ok()) {
      std::remove(temp_path.c_str());
      return Result<storage::ImageRecord>(ErrorCode::kIoError, "cannot read the uploaded body");
    }
    auto source = probe(file.bytes(), config_.limits);
    if (!source.ok()) {
      std::remove(temp_path.c_str());
      return source.status();
    }
    record.id = random_id();
    record.sha256 = digest(EVP_sha256(), file.bytes());
    record.md5 = digest(EVP_md5(), file.bytes());
    record.format = source->format;
    record.width = source->display_width();
    record.height = source->display_height();
    record.frames = source->frames;
    record.bytes = file.bytes().size();
    record.created_at = static_cast<int64_t>(std::time(nullptr));
  }
  // Original first (fsynced), record second: a record never points at missing bytes.
  PICTOR_RETURN_IF_ERROR(blobs_->put_file(record.sha256, temp_path));
  PICTOR_RETURN_IF_ERROR(index_->insert(record));
  return record;
}

Result<storage::ImageRecord> ImageService::find(const std::string& id) {
  auto missing = [&] { return Result<storage::ImageRecord>(ErrorCode::kNotFound, fmt::format("no image with id '{}'", id)); };
  if (!valid_id(id)) return missing();
  auto found = index_->find(id);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return missing();
  return **found;
}

Result<std::vector<uint8_t>> ImageService::original(const storage::ImageRecord& record) {
  return blobs_->get(record.sha256);
}

Result<Encoded> ImageService::render(const storage::ImageRecord& record, const std::string& chain_or_type, bool is_type,
                                     std::chrono::steady_clock::time_point deadline) {
  ParseOptions parse{config_.limits.max_operations, &config_.types};
  auto chain = is_type ? parse_type(chain_or_type, parse) : parse_chain(chain_or_type, parse);
  if (!chain.ok()) return chain.status();
  auto bytes = original(record);
  if (!bytes.ok()) return bytes.status();
  ProcessOptions options;
  options.limits = config_.limits;
  options.auto_orient = config_.auto_orient;
  options.deadline = deadline;
  return process(*bytes, *chain, options);
}

}  // namespace pictor::service
