#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>

#include "cache/cache.h"
#include "core/digest.h"
#include "core/mapped_file.h"

namespace fs = std::filesystem;

namespace pictor::cache {
namespace {


bool is_safe_name(std::string_view s) {
  return !s.empty() && s.size() <= 64 &&
         s.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") == std::string_view::npos;
}

}  // namespace

Result<std::unique_ptr<DiskCache>> DiskCache::open(const fs::path& root, uint64_t max_bytes) {
  std::error_code ec;
  fs::create_directories(root / "tmp", ec);
  if (ec) return Result<std::unique_ptr<DiskCache>>(ErrorCode::kIoError, fmt::format("create {}: {}", root.string(), ec.message()));
  for (const auto& entry : fs::directory_iterator(root / "tmp", ec)) fs::remove(entry.path(), ec);
  std::unique_ptr<DiskCache> cache(new DiskCache(root, max_bytes));
  // Rebuild the index: oldest first, so the most recently written ends up most recently used.
  std::vector<std::pair<fs::file_time_type, std::pair<std::string, uint64_t>>> found;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->path().parent_path() == root / "tmp") continue;
    found.push_back({it->last_write_time(ec), {fs::relative(it->path(), root, ec).string(), it->file_size(ec)}});
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::lock_guard lock(cache->mutex_);
  for (const auto& [time, file] : found) cache->add_locked(file.first, file.second);
  cache->evict_locked();
  return cache;
}

// "<id>/<chain>/<format>" -> "ab/<id>/<digest>.<format>"; the format is the extension.
std::string DiskCache::relative_path(const std::string& key, Format) const {
  const size_t slash = key.find('/');
  const size_t last = key.rfind('/');
  const std::string id = key.substr(0, slash);
  const std::string ext = key.substr(last + 1);
  if (!is_safe_name(id) || id.size() < 2 || !is_safe_name(ext)) return "";
  return fmt::format("{}/{}/{}.{}", id.substr(0, 2), id, sha256_hex(key).substr(0, 40), ext);
}

std::optional<CachedImage> DiskCache::get(const std::string& key) {
  const std::string rel = relative_path(key, Format::kUnknown);
  if (rel.empty()) return std::nullopt;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(rel);
    if (it == entries_.end()) return std::nullopt;
    order_.splice(order_.begin(), order_, it->second.position);
  }
  auto bytes = read_file_bytes((root_ / rel).string());
  if (!bytes) return std::nullopt;  // evicted meanwhile: a miss
  CachedImage image;
  image.bytes = std::move(*bytes);
  image.format = format_from_name(rel.substr(rel.rfind('.') + 1)).value_or(Format::kUnknown);
  return image;
}

void DiskCache::put(const std::string& key, const CachedImage& value) {
  const std::string rel = relative_path(key, value.format);
  if (rel.empty() || value.bytes.size() > max_bytes_) return;
  static std::atomic<uint64_t> counter{0};
  const fs::path temp = root_ / "tmp" / fmt::format("{}-{}", ::getpid(), counter++);
  {
    std::ofstream out(temp, std::ios::binary);
    out.write(reinterpret_cast<const char*>(value.bytes.data()), static_cast<std::streamsize>(value.bytes.size()));
    if (!out) return;
  }
  std::error_code ec;
  // A cache may lose entries in a crash (no fsync); it must never show a half-written one,
  // hence write-then-rename.
  fs::create_directories((root_ / rel).parent_path(), ec);
  fs::rename(temp, root_ / rel, ec);
  if (ec) {
    fs::remove(temp, ec);
    return;
  }
  std::lock_guard lock(mutex_);
  add_locked(rel, value.bytes.size());
  evict_locked();
}

void DiskCache::add_locked(const std::string& rel, uint64_t size) {
  auto it = entries_.find(rel);
  if (it != entries_.end()) {
    bytes_ -= it->second.size;
    order_.erase(it->second.position);
    entries_.erase(it);
  }
  order_.push_front(rel);
  entries_.emplace(rel, Entry{size, order_.begin()});
  bytes_ += size;
}

void DiskCache::evict_locked() {
  std::error_code ec;
  while (bytes_ > max_bytes_ && !order_.empty()) {
    const std::string rel = order_.back();
    fs::remove(root_ / rel, ec);
    bytes_ -= entries_[rel].size;
    entries_.erase(rel);
    order_.pop_back();
    ++evictions_;
  }
}

void DiskCache::erase_image(const std::string& id) {
  if (!is_safe_name(id) || id.size() < 2) return;
  const std::string prefix = fmt::format("{}/{}/", id.substr(0, 2), id);
  std::lock_guard lock(mutex_);
  for (auto it = order_.begin(); it != order_.end();) {
    if (it->compare(0, prefix.size(), prefix) == 0) {
      bytes_ -= entries_[*it].size;
      entries_.erase(*it);
      it = order_.erase(it);
    } else {
      ++it;
    }
  }
  std::error_code ec;
  fs::remove_all(root_ / id.substr(0, 2) / id, ec);
}

uint64_t DiskCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}
uint64_t DiskCache::entries() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}
uint64_t DiskCache::evictions() const {
  std::lock_guard lock(mutex_);
  return evictions_;
}

}  // namespace pictor::cache
