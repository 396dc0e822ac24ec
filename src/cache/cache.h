// The derivative cache: rendered thumbnails keyed by "<image id>/<canonical chain>/<format>".
//
// Two tiers, both bounded in bytes with least-recently-used eviction: memory, then a directory.
// Concurrent misses for one key are coalesced: one caller renders, the others wait for it.
// Keys start with the image id so that purging an image's derivatives is one prefix.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "pictor/engine.h"
#include "pictor/status.h"

namespace pictor::cache {

struct CachedImage {
  std::vector<uint8_t> bytes;
  Format format = Format::kJpeg;
};
using CachedPtr = std::shared_ptr<const CachedImage>;

// Where a lookup was answered from.
enum class Outcome { kMemory, kDisk, kMiss, kCoalesced };
std::string_view outcome_name(Outcome outcome);  // "memory", "disk", "miss", "coalesced"

struct Stats {
  uint64_t memory_hits = 0, disk_hits = 0, misses = 0, coalesced = 0;
  uint64_t memory_bytes = 0, memory_entries = 0, disk_bytes = 0, disk_entries = 0;
  uint64_t evictions = 0;
};

// Least-recently-used map bounded by the sum of value sizes. Thread-safe.
class MemoryCache {
 public:
  explicit MemoryCache(uint64_t max_bytes) : max_bytes_(max_bytes) {}
  CachedPtr get(const std::string& key);
  void put(const std::string& key, CachedPtr value);
  // Removes every key that starts with `prefix`.
  void erase_prefix(const std::string& prefix);
  uint64_t bytes() const;
  uint64_t entries() const;
  uint64_t evictions() const;

 private:
  using Order = std::list<std::string>;  // front = most recently used
  struct Entry {
    CachedPtr value;
    Order::iterator position;
  };
  void evict_locked();

  const uint64_t max_bytes_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;  // ordered: prefix erase is a range
  Order order_;
  uint64_t bytes_ = 0, evictions_ = 0;
};

// Files under a directory, DIR/<id>/<digest of key>.<ext>, bounded in bytes with LRU eviction.
// The index lives in memory and is rebuilt from the directory at open (oldest mtime first), so
// the cache survives restarts. Thread-safe; one process per directory.
class DiskCache {
 public:
  static Result<std::unique_ptr<DiskCache>> open(const std::filesystem::path& root, uint64_t max_bytes);
  std::optional<CachedImage> get(const std::string& key);
  void put(const std::string& key, const CachedImage& value);
  void erase_image(const std::string& id);
  uint64_t bytes() const;
  uint64_t entries() const;
  uint64_t evictions() const;

 private:
  DiskCache(std::filesystem::path root, uint64_t max_bytes) : root_(std::move(root)), max_bytes_(max_bytes) {}
  using Order = std::list<std::string>;  // relative paths, front = most recently used
  struct Entry {
    uint64_t size;
    Order::iterator position;
  };
  std::string relative_path(const std::string& key, Format format) const;
  void add_locked(const std::string& rel, uint64_t size);
  void evict_locked();

  const std::filesystem::path root_;
  const uint64_t max_bytes_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  Order order_;
  uint64_t bytes_ = 0, evictions_ = 0;
};

// Memory in front of disk, with coalescing of concurrent misses.
class TieredCache {
 public:
  // Either tier may be absent (a zero size disables it).
  TieredCache(std::unique_ptr<MemoryCache> memory, std::unique_ptr<DiskCache> disk)
      : memory_(std::move(memory)), disk_(std::move(disk)) {}

  using Render = std::function<Result<CachedImage>()>;
  struct Found {
    CachedPtr image;
    Outcome outcome;
  };
  // The cached value for `key`, or the result of `render` (stored in both tiers). A failed render
  // is not cached; every caller waiting on it gets the same error.
  Result<Found> get_or_render(const std::string& key, const Render& render);
  // The memory tier's entry, or null; never touches the disk or renders (cheap enough for an I/O
  // thread). A hit counts as a memory hit.
  CachedPtr peek_memory(const std::string& key);
  // Removes every derivative of an image from both tiers.
  void purge(const std::string& image_id);
  Stats stats() const;

 private:
  struct Flight {
    std::mutex mutex;
    std::condition_variable done;
    bool finished = false;
    std::optional<Result<CachedPtr>> result;
  };
  std::optional<Found> lookup(const std::string& key);

  std::unique_ptr<MemoryCache> memory_;
  std::unique_ptr<DiskCache> disk_;
  std::mutex flights_mutex_;
  std::unordered_map<std::string, std::shared_ptr<Flight>> flights_;
  mutable std::mutex stats_mutex_;
  Stats stats_;
};

}  // namespace pictor::cache
