// The derivative cache: LRU bounds in bytes, disk persistence across reopen, purge by image,
// and coalescing of concurrent misses.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "cache/cache.h"

namespace pictor::cache {
namespace {

namespace fs = std::filesystem;

CachedPtr image_of(size_t bytes, uint8_t fill = 1) {
  return std::make_shared<const CachedImage>(CachedImage{std::vector<uint8_t>(bytes, fill), Format::kJpeg});
}

class TempDir {
 public:
  TempDir() : path_(fs::temp_directory_path() / ("pictor-cache-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++))) {
    fs::remove_all(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

TEST(MemoryCache, EvictsTheLeastRecentlyUsedToStayWithinItsBytes) {
  MemoryCache cache(1000);
  cache.put("a/x/jpeg", image_of(400));
  cache.put("b/x/jpeg", image_of(400));
  ASSERT_NE(cache.get("a/x/jpeg"), nullptr);  // a is now more recent than b
  cache.put("c/x/jpeg", image_of(400));
  EXPECT_EQ(cache.get("b/x/jpeg"), nullptr) << "b was least recently used";
  EXPECT_NE(cache.get("a/x/jpeg"), nullptr);
  EXPECT_NE(cache.get("c/x/jpeg"), nullptr);
  EXPECT_EQ(cache.bytes(), 800u);
  EXPECT_EQ(cache.evictions(), 1u);
  cache.put("d/x/jpeg", image_of(2000));  // larger than the whole cache: not stored
  EXPECT_EQ(cache.get("d/x/jpeg"), nullptr);
  EXPECT_EQ(cache.bytes(), 800u);
}

TEST(MemoryCache, ErasePrefixRemovesOneImageOnly) {
  MemoryCache cache(10000);
  cache.put("img1/resize:w=1/jpeg", image_of(10));
  cache.put("img1/resize:w=2/webp", image_of(10));
  cache.put("img10/resize:w=1/jpeg", image_of(10));
  cache.erase_prefix("img1/");
  EXPECT_EQ(cache.get("img1/resize:w=1/jpeg"), nullptr);
  EXPECT_EQ(cache.get("img1/resize:w=2/webp"), nullptr);
  EXPECT_NE(cache.get("img10/resize:w=1/jpeg"), nullptr) << "a longer id sharing the prefix stays";
  EXPECT_EQ(cache.bytes(), 10u);
}

TEST(DiskCache, SurvivesReopenAndKeepsItsBound) {
  TempDir dir;
  const std::string id = "0123456789abcdef0123456789abcdef";
  {
    auto cache = DiskCache::open(dir.path(), 1000);
    ASSERT_TRUE(cache.ok());
    (*cache)->put(id + "/resize:w=320/webp", {std::vector<uint8_t>(300, 7), Format::kWebp});
    auto hit = (*cache)->get(id + "/resize:w=320/webp");
    ASSERT_TRUE(hit.has_value());
    EXPECT_EQ(hit->bytes, std::vector<uint8_t>(300, 7));
    EXPECT_EQ(hit->format, Format::kWebp);
  }
  auto reopened = DiskCache::open(dir.path(), 1000);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->bytes(), 300u);
  ASSERT_TRUE((*reopened)->get(id + "/resize:w=320/webp").has_value()) << "the index is rebuilt from the directory";
  for (int i = 0; i < 5; ++i) {
    (*reopened)->put(id + "/resize:w=" + std::to_string(i) + "/jpeg", {std::vector<uint8_t>(300, 1), Format::kJpeg});
  }
  EXPECT_LE((*reopened)->bytes(), 1000u);
  EXPECT_GT((*reopened)->evictions(), 0u);
  // The files on disk match the index.
  uint64_t on_disk = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir.path())) {
    if (entry.is_regular_file()) on_disk += entry.file_size();
  }
  EXPECT_EQ(on_disk, (*reopened)->bytes());
  (*reopened)->erase_image(id);
  EXPECT_EQ((*reopened)->bytes(), 0u);
  EXPECT_FALSE(fs::exists(dir.path() / id.substr(0, 2) / id));
}

TEST(DiskCache, RefusesKeysThatCouldEscapeTheDirectory) {
  TempDir dir;
  auto cache = DiskCache::open(dir.path(), 1000);
  ASSERT_TRUE(cache.ok());
  (*cache)->put("../../etc/x/jpeg", {std::vector<uint8_t>(10, 1), Format::kJpeg});  // id
  (*cache)->put("abcd/x/../..", {std::vector<uint8_t>(10, 1), Format::kJpeg});      // format
  EXPECT_EQ((*cache)->entries(), 0u);
  // The chain part is hashed, so dots and slashes in it cannot leave the image's directory.
  (*cache)->put("abcd/../../../x/jpeg", {std::vector<uint8_t>(10, 1), Format::kJpeg});
  EXPECT_EQ((*cache)->entries(), 1u);
  EXPECT_EQ(std::distance(fs::recursive_directory_iterator(dir.path() / "ab" / "abcd"), fs::recursive_directory_iterator()), 1);
}

TEST(TieredCache, ConcurrentMissesRenderOnce) {
  TieredCache cache(std::make_unique<MemoryCache>(1 << 20), nullptr);
  std::atomic<int> renders{0};
  auto slow_render = [&]() -> Result<CachedImage> {
    renders++;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    return CachedImage{std::vector<uint8_t>(100, 9), Format::kPng};
  };
  std::vector<std::thread> threads;
  std::atomic<int> coalesced{0}, ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto found = cache.get_or_render("id/chain/png", slow_render);
      if (found.ok() && found->image->bytes.size() == 100) ok++;
      if (found.ok() && found->outcome == Outcome::kCoalesced) coalesced++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(renders.load(), 1);
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(coalesced.load(), 7);
  const Stats stats = cache.stats();
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(stats.coalesced, 7u);
  auto again = cache.get_or_render("id/chain/png", slow_render);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->outcome, Outcome::kMemory);
  EXPECT_EQ(renders.load(), 1);
}

TEST(TieredCache, FailuresAreSharedButNotCached) {
  TieredCache cache(std::make_unique<MemoryCache>(1 << 20), nullptr);
  int renders = 0;
  auto failing = [&]() -> Result<CachedImage> {
    ++renders;
    return Status(ErrorCode::kCorruptImage, "bad pixels");
  };
  auto first = cache.get_or_render("id/c/jpeg", failing);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.status().code(), ErrorCode::kCorruptImage);
  auto second = cache.get_or_render("id/c/jpeg", failing);
  EXPECT_FALSE(second.ok());
  EXPECT_EQ(renders, 2) << "an error is not remembered";
}

TEST(TieredCache, DiskHitsArePromotedAndPurgeEmptiesBothTiers) {
  TempDir dir;
  const std::string id = "fedcba9876543210fedcba9876543210";
  const std::string key = id + "/resize:w=10/jpeg";
  auto render = [] { return Result<CachedImage>(CachedImage{std::vector<uint8_t>(50, 3), Format::kJpeg}); };
  {
    auto disk = DiskCache::open(dir.path(), 1 << 20);
    ASSERT_TRUE(disk.ok());
    TieredCache cache(std::make_unique<MemoryCache>(1 << 20), std::move(disk).value());
    ASSERT_EQ(cache.get_or_render(key, render)->outcome, Outcome::kMiss);
  }
  auto disk = DiskCache::open(dir.path(), 1 << 20);
  ASSERT_TRUE(disk.ok());
  TieredCache cache(std::make_unique<MemoryCache>(1 << 20), std::move(disk).value());
  EXPECT_EQ(cache.get_or_render(key, render)->outcome, Outcome::kDisk) << "a restart keeps the disk tier";
  EXPECT_EQ(cache.get_or_render(key, render)->outcome, Outcome::kMemory);
  cache.purge(id);
  EXPECT_EQ(cache.get_or_render(key, render)->outcome, Outcome::kMiss);
}

}  // namespace
}  // namespace pictor::cache
