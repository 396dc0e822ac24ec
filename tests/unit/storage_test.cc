// The SQLite image index: records round-trip, pages and filters, reference counts, and
// migration of a database written by the first schema.
#include <gtest/gtest.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <filesystem>

#include "storage/storage.h"

namespace pictor::storage {
namespace {

namespace fs = std::filesystem;

std::string db_path(const std::string& name) {
  const fs::path path = fs::temp_directory_path() / ("pictor-storage-" + std::to_string(::getpid()) + "-" + name);
  fs::remove(path);
  fs::remove(path.string() + "-wal");
  fs::remove(path.string() + "-shm");
  return path.string();
}

ImageRecord record(int n, int64_t created_at, std::vector<std::string> tags = {}) {
  ImageRecord r;
  r.id = fmt::format("{:032x}", n);
  r.sha256 = std::string(64, 'a' + static_cast<char>(n % 3));
  r.md5 = std::string(32, '0');
  r.format = Format::kJpeg;
  r.width = 400;
  r.height = 300;
  r.bytes = 1000 + n;
  r.created_at = created_at;
  r.tags = std::move(tags);
  return r;
}

TEST(SqliteIndex, RecordsRoundTripWithEveryField) {
  auto index = open_sqlite_index(db_path("roundtrip.db"));
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  ImageRecord r = record(1, 100, {"beach", "2024 trip"});
  r.title = "Sunset";
  r.caption = "line one\nline two";
  r.taken_at = 42;
  r.orientation = 6;
  r.has_alpha = true;
  r.frames = 1;
  r.masters = {{Format::kJpeg, 2048, 1536}, {Format::kWebp, 512, 384}};
  ASSERT_TRUE((*index)->insert(r).ok());
  auto found = (*index)->find(r.id);
  ASSERT_TRUE(found.ok() && found->has_value());
  const ImageRecord& f = **found;
  EXPECT_EQ(f.title, "Sunset");
  EXPECT_EQ(f.caption, "line one\nline two");
  EXPECT_EQ(f.tags, (std::vector<std::string>{"beach", "2024 trip"}));
  EXPECT_EQ(f.taken_at, 42);
  EXPECT_EQ(f.orientation, 6);
  EXPECT_TRUE(f.has_alpha);
  ASSERT_EQ(f.masters.size(), 2u);
  EXPECT_EQ(f.masters[1].format, Format::kWebp);
  EXPECT_EQ(f.masters[1].width, 512);
  EXPECT_EQ(f.time(), 42) << "taken_at orders the timeline when known";
  EXPECT_FALSE((*index)->insert(r).ok()) << "ids are unique";
}

TEST(SqliteIndex, PagesAreNewestFirstAndCursorsResume) {
  auto index = open_sqlite_index(db_path("pages.db"));
  ASSERT_TRUE(index.ok());
  for (int i = 0; i < 25; ++i) {
    ASSERT_TRUE((*index)->insert(record(i, 1000 + i / 2, i % 5 == 0 ? std::vector<std::string>{"five"} : std::vector<std::string>{})).ok());
  }
  std::vector<std::string> seen;
  ListQuery q;
  q.limit = 7;
  while (true) {
    auto page = (*index)->list(q);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (const ImageRecord& r : page->images) seen.push_back(r.id);
    if (!page->next_cursor) break;
    q.cursor = page->next_cursor;
  }
  ASSERT_EQ(seen.size(), 25u) << "every record once, across pages, even with equal times";
  EXPECT_EQ(seen.front(), fmt::format("{:032x}", 24));
  EXPECT_EQ(seen.back(), fmt::format("{:032x}", 0));

  ListQuery tagged;
  tagged.tag = "five";
  auto page = (*index)->list(tagged);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->images.size(), 5u);
  ListQuery window;
  window.from = 1003;
  window.to = 1004;
  page = (*index)->list(window);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->images.size(), 4u);  // created_at 1003 (i = 6, 7) and 1004 (i = 8, 9)
  ListQuery bad;
  bad.cursor = "not-a-cursor";
  EXPECT_EQ((*index)->list(bad).status().code(), ErrorCode::kInvalidValue);
}

TEST(SqliteIndex, RemoveReturnsTheRecordAndCountsShareTheBytes) {
  auto index = open_sqlite_index(db_path("remove.db"));
  ASSERT_TRUE(index.ok());
  ImageRecord a = record(3, 10, {"t"}), b = record(6, 11);  // 3 % 3 == 6 % 3: same sha256
  ASSERT_EQ(a.sha256, b.sha256);
  ASSERT_TRUE((*index)->insert(a).ok());
  ASSERT_TRUE((*index)->insert(b).ok());
  EXPECT_EQ(*(*index)->count_sha256(a.sha256), 2);
  auto removed = (*index)->remove(a.id);
  ASSERT_TRUE(removed.ok() && removed->has_value());
  EXPECT_EQ((*removed)->id, a.id);
  EXPECT_EQ(*(*index)->count_sha256(a.sha256), 1);
  EXPECT_FALSE((*(*index)->remove(a.id)).has_value()) << "a second delete finds nothing";
  ListQuery tagged;
  tagged.tag = "t";
  EXPECT_TRUE((*index)->list(tagged)->images.empty()) << "tags go with the record";
}

TEST(SqliteIndex, MigratesADatabaseFromTheFirstSchema) {
  const std::string path = db_path("v1.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const char* v1 =
      "CREATE TABLE images (id TEXT PRIMARY KEY, sha256 TEXT NOT NULL, md5 TEXT NOT NULL, format TEXT NOT NULL, "
      "width INTEGER NOT NULL, height INTEGER NOT NULL, frames INTEGER NOT NULL, bytes INTEGER NOT NULL, "
      "created_at INTEGER NOT NULL);"
      "INSERT INTO images VALUES ('0123456789abcdef0123456789abcdef', 'aa', 'bb', 'png', 10, 20, 1, 99, 1700000000);";
  ASSERT_EQ(sqlite3_exec(db, v1, nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto index = open_sqlite_index(path);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  auto found = (*index)->find("0123456789abcdef0123456789abcdef");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->format, Format::kPng);
  EXPECT_EQ((*found)->time(), 1700000000);
  EXPECT_EQ((*index)->list({})->images.size(), 1u) << "old rows are listed by their upload time";
  index = open_sqlite_index(path);  // opening again is a no-op
  ASSERT_TRUE(index.ok()) << index.status().ToString();
}

TEST(BlobKeys, OnlyDigestsAndDerivedSuffixes) {
  const std::string sha(64, 'f');
  EXPECT_TRUE(valid_blob_key(sha));
  EXPECT_TRUE(valid_blob_key(sha + ".m2048"));
  EXPECT_FALSE(valid_blob_key(sha + "/../x"));
  EXPECT_FALSE(valid_blob_key(sha + "."));
  EXPECT_FALSE(valid_blob_key("../" + sha));
  EXPECT_FALSE(valid_blob_key(std::string(64, 'F')));
  EXPECT_EQ(master_key(sha, {Format::kJpeg, 1536, 2048}), sha + ".m2048");
}

}  // namespace
}  // namespace pictor::storage
