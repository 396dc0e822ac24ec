#include "cache/cache.h"

namespace pictor::cache {

CachedPtr MemoryCache::get(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  order_.splice(order_.begin(), order_, it->second.position);
  return it->second.value;
}

void MemoryCache::put(const std::string& key, CachedPtr value) {
  const uint64_t size = value->bytes.size();
  if (size > max_bytes_) return;  // would evict everything else and still not fit
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    bytes_ -= it->second.value->bytes.size();
    it->second.value = std::move(value);
    order_.splice(order_.begin(), order_, it->second.position);
  } else {
    order_.push_front(key);
    entries_.emplace(key, Entry{std::move(value), order_.begin()});
  }
  bytes_ += size;
  evict_locked();
}

void MemoryCache::evict_locked() {
  while (bytes_ > max_bytes_ && !order_.empty()) {
    auto it = entries_.find(order_.back());
    bytes_ -= it->second.value->bytes.size();
    entries_.erase(it);
    order_.pop_back();
    ++evictions_;
  }
}

void MemoryCache::erase_prefix(const std::string& prefix) {
  std::lock_guard lock(mutex_);
  auto it = entries_.lower_bound(prefix);
  while (it != entries_.end() && it->first.compare(0, prefix.size(), prefix) == 0) {
    bytes_ -= it->second.value->bytes.size();
    order_.erase(it->second.position);
    it = entries_.erase(it);
  }
}

uint64_t MemoryCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}
uint64_t MemoryCache::entries() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}
uint64_t MemoryCache::evictions() const {
  std::lock_guard lock(mutex_);
  return evictions_;
}

}  // namespace pictor::cache
