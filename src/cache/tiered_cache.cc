#include "cache/cache.h"

namespace pictor::cache {

std::string_view outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::kMemory: return "memory";
    case Outcome::kDisk: return "disk";
    case Outcome::kMiss: return "miss";
    case Outcome::kCoalesced: return "coalesced";
  }
  return "miss";
}

std::optional<TieredCache::Found> TieredCache::lookup(const std::string& key) {
  if (memory_) {
    if (CachedPtr hit = memory_->get(key)) return Found{std::move(hit), Outcome::kMemory};
  }
  if (disk_) {
    if (auto hit = disk_->get(key)) {
      auto image = std::make_shared<const CachedImage>(std::move(*hit));
      if (memory_) memory_->put(key, image);  // promote
      return Found{std::move(image), Outcome::kDisk};
    }
  }
  return std::nullopt;
}

Result<TieredCache::Found> TieredCache::get_or_render(const std::string& key, const Render& render) {
  auto count = [&](Outcome outcome) {
    std::lock_guard lock(stats_mutex_);
    switch (outcome) {
      case Outcome::kMemory: ++stats_.memory_hits; break;
      case Outcome::kDisk: ++stats_.disk_hits; break;
      case Outcome::kMiss: ++stats_.misses; break;
      case Outcome::kCoalesced: ++stats_.coalesced; break;
    }
  };
  if (auto found = lookup(key)) {
    count(found->outcome);
    return *found;
  }
  std::shared_ptr<Flight> flight;
  bool leader = false;
  {
    std::lock_guard lock(flights_mutex_);
    auto [it, inserted] = flights_.try_emplace(key);
    if (inserted) it->second = std::make_shared<Flight>();
    flight = it->second;
    leader = inserted;
  }
  if (!leader) {
    std::unique_lock lock(flight->mutex);
    flight->done.wait(lock, [&] { return flight->finished; });
    count(Outcome::kCoalesced);
    if (!flight->result->ok()) return flight->result->status();
    return Found{**flight->result, Outcome::kCoalesced};
  }
  // The leader looks again: another leader may have finished between our lookup and our flight.
  std::optional<Result<CachedPtr>> result;
  Outcome outcome = Outcome::kMiss;
  if (auto found = lookup(key)) {
    result = found->image;
    outcome = found->outcome;
  } else {
    auto rendered = render();
    if (rendered.ok()) {
      auto image = std::make_shared<const CachedImage>(std::move(rendered).value());
      if (disk_) disk_->put(key, *image);
      if (memory_) memory_->put(key, image);
      result = CachedPtr(image);
    } else {
      result = Result<CachedPtr>(rendered.status());
    }
  }
  {
    std::lock_guard lock(flights_mutex_);
    flights_.erase(key);
  }
  {
    std::lock_guard lock(flight->mutex);
    flight->result = *result;
    flight->finished = true;
  }
  flight->done.notify_all();
  count(outcome);
  if (!result->ok()) return result->status();
  return Found{**result, outcome};
}

CachedPtr TieredCache::peek_memory(const std::string& key) {
  if (!memory_) return nullptr;
  CachedPtr hit = memory_->get(key);
  if (hit) {
    std::lock_guard lock(stats_mutex_);
    ++stats_.memory_hits;
  }
  return hit;
}

void TieredCache::purge(const std::string& image_id) {
  if (memory_) memory_->erase_prefix(image_id + "/");
  if (disk_) disk_->erase_image(image_id);
}

Stats TieredCache::stats() const {
  Stats s;
  {
    std::lock_guard lock(stats_mutex_);
    s = stats_;
  }
  if (memory_) {
    s.memory_bytes = memory_->bytes();
    s.memory_entries = memory_->entries();
    s.evictions += memory_->evictions();
  }
  if (disk_) {
    s.disk_bytes = disk_->bytes();
    s.disk_entries = disk_->entries();
    s.evictions += disk_->evictions();
  }
  return s;
}

}  // namespace pictor::cache
