#include <fmt/format.h>
#include <sqlite3.h>

#include <ctime>
#include <mutex>

#include "storage/sqlite_db.h"
#include "storage/storage.h"

namespace pictor::storage {
namespace {

// Version 1 is the first schema (kept as is so old data directories open); each later version
// is one migration step. PRAGMA user_version records where a database is.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE IF NOT EXISTS images (
  id TEXT PRIMARY KEY,
  sha256 TEXT NOT NULL,
  md5 TEXT NOT NULL,
  format TEXT NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  frames INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS images_sha256 ON images(sha256);
)sql";

constexpr const char* kMigrationV2 = R"sql(
ALTER TABLE images ADD COLUMN orientation INTEGER NOT NULL DEFAULT 1;
ALTER TABLE images ADD COLUMN has_alpha INTEGER NOT NULL DEFAULT 0;
ALTER TABLE images ADD COLUMN title TEXT NOT NULL DEFAULT '';
ALTER TABLE images ADD COLUMN caption TEXT NOT NULL DEFAULT '';
ALTER TABLE images ADD COLUMN tags TEXT NOT NULL DEFAULT '';
ALTER TABLE images ADD COLUMN taken_at INTEGER;
ALTER TABLE images ADD COLUMN time INTEGER NOT NULL DEFAULT 0;
ALTER TABLE images ADD COLUMN masters TEXT NOT NULL DEFAULT '';
UPDATE images SET time = created_at;
CREATE INDEX images_time ON images(time DESC, id DESC);
CREATE TABLE image_tags (
  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  tag TEXT NOT NULL,
  PRIMARY KEY (tag, image_id)
);
CREATE INDEX image_tags_image ON image_tags(image_id);
)sql";

// The info extractors' results, by content (records sharing an original share them).
constexpr const char* kMigrationV3 = R"sql(
CREATE TABLE image_features (
  sha256 TEXT NOT NULL,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  value TEXT NOT NULL,
  computed_at INTEGER NOT NULL,
  PRIMARY KEY (sha256, name)
);
)sql";

constexpr const char* kColumns =
    "id, sha256, md5, format, width, height, frames, bytes, created_at, orientation, has_alpha, title, caption, tags, "
    "taken_at, masters";

std::string join(const std::vector<std::string>& items, char separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(separator, start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// Masters as "jpeg:2048x1365,jpeg:512x341".
std::string masters_text(const std::vector<Master>& masters) {
  std::vector<std::string> items;
  for (const Master& m : masters) items.push_back(fmt::format("{}:{}x{}", format_name(m.format), m.width, m.height));
  return join(items, ',');
}

std::vector<Master> parse_masters(const std::string& text) {
  std::vector<Master> out;
  for (const std::string& item : split(text, ',')) {
    Master m;
    char format[16] = {0};
    if (std::sscanf(item.c_str(), "%15[a-z]:%dx%d", format, &m.width, &m.height) != 3) continue;
    m.format = format_from_name(format).value_or(Format::kUnknown);
    if (m.format != Format::kUnknown) out.push_back(m);
  }
  return out;
}

// Reads a row selected with kColumns.
ImageRecord read_record(const Statement& stmt) {
  ImageRecord r;
  r.id = stmt.column_text(0);
  r.sha256 = stmt.column_text(1);
  r.md5 = stmt.column_text(2);
  r.format = format_from_name(stmt.column_text(3)).value_or(Format::kUnknown);
  r.width = static_cast<int>(stmt.column_int(4));
  r.height = static_cast<int>(stmt.column_int(5));
  r.frames = static_cast<int>(stmt.column_int(6));
  r.bytes = static_cast<uint64_t>(stmt.column_int(7));
  r.created_at = stmt.column_int(8);
  r.orientation = static_cast<int>(stmt.column_int(9));
  r.has_alpha = stmt.column_int(10) != 0;
  r.title = stmt.column_text(11);
  r.caption = stmt.column_text(12);
  r.tags = split(stmt.column_text(13), ',');
  if (!stmt.column_null(14)) r.taken_at = stmt.column_int(14);
  r.masters = parse_masters(stmt.column_text(15));
  return r;
}

// Cursor text "time.id" (both parts checked before use).
std::optional<std::pair<int64_t, std::string>> parse_cursor(const std::string& cursor) {
  const size_t dot = cursor.find('.');
  if (dot == std::string::npos || dot == 0) return std::nullopt;
  const std::string id = cursor.substr(dot + 1);
  if (id.size() != 32 || id.find_first_not_of("0123456789abcdef") != std::string::npos) return std::nullopt;
  try {
    size_t used = 0;
    const int64_t time = std::stoll(cursor.substr(0, dot), &used);
    if (used != dot) return std::nullopt;
    return std::make_pair(time, id);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

class SqliteImageIndex final : public ImageIndex {
 public:
  explicit SqliteImageIndex(sqlite3* db) : db_(db) {}
  ~SqliteImageIndex() override { sqlite3_close(db_); }

  Status insert(const ImageRecord& r) override {
    std::lock_guard lock(mutex_);
    PICTOR_RETURN_IF_ERROR(exec("BEGIN IMMEDIATE"));
    Status status = insert_locked(r);
    PICTOR_RETURN_IF_ERROR(exec(status.ok() ? "COMMIT" : "ROLLBACK"));
    return status;
  }

  Result<std::optional<ImageRecord>> find(const std::string& id) override {
    std::lock_guard lock(mutex_);
    return find_locked(id);
  }

  Result<ImagePage> list(const ListQuery& q) override {
    std::string sql = fmt::format("SELECT {} FROM images WHERE 1", kColumns);
    std::optional<std::pair<int64_t, std::string>> cursor;
    if (q.cursor) {
      cursor = parse_cursor(*q.cursor);
      if (!cursor) return Result<ImagePage>(ErrorCode::kInvalidValue, "cursor is not one this server returned");
      sql += " AND (time < ?1 OR (time = ?1 AND id < ?2))";
    }
    if (q.tag) sql += " AND id IN (SELECT image_id FROM image_tags WHERE tag = ?3)";
    if (q.sha256) sql += " AND sha256 = ?4";
    if (q.from) sql += " AND time >= ?5";
    if (q.to) sql += " AND time <= ?6";
    sql += " ORDER BY time DESC, id DESC LIMIT ?7";
    std::lock_guard lock(mutex_);
    Statement stmt(db_, sql);
    if (cursor) stmt.integer(1, cursor->first).text(2, cursor->second);
    if (q.tag) stmt.text(3, *q.tag);
    if (q.sha256) stmt.text(4, *q.sha256);
    if (q.from) stmt.integer(5, *q.from);
    if (q.to) stmt.integer(6, *q.to);
    stmt.integer(7, q.limit + 1);  // one more tells whether there is a next page
    ImagePage page;
    int rc;
    while ((rc = stmt.step()) == SQLITE_ROW) page.images.push_back(read_record(stmt));
    if (rc != SQLITE_DONE) return failure<ImagePage>("list");
    if (static_cast<int>(page.images.size()) > q.limit) {
      page.images.pop_back();
      const ImageRecord& last = page.images.back();
      page.next_cursor = fmt::format("{}.{}", last.time(), last.id);
    }
    return page;
  }

  Result<std::optional<ImageRecord>> remove(const std::string& id) override {
    std::lock_guard lock(mutex_);
    auto found = find_locked(id);
    if (!found.ok() || !found->has_value()) return found;
    PICTOR_RETURN_IF_ERROR(exec("BEGIN IMMEDIATE"));
    Statement tags(db_, "DELETE FROM image_tags WHERE image_id = ?");
    Statement image(db_, "DELETE FROM images WHERE id = ?");
    const bool ok = tags.text(1, id).step() == SQLITE_DONE && image.text(1, id).step() == SQLITE_DONE;
    PICTOR_RETURN_IF_ERROR(exec(ok ? "COMMIT" : "ROLLBACK"));
    if (!ok) return failure<std::optional<ImageRecord>>("delete");
    return found;
  }

  Result<int64_t> count_sha256(const std::string& sha256) override {
    std::lock_guard lock(mutex_);
    Statement stmt(db_, "SELECT COUNT(*) FROM images WHERE sha256 = ?");
    if (stmt.text(1, sha256).step() != SQLITE_ROW) return failure<int64_t>("count");
    return stmt.column_int(0);
  }

  Result<std::vector<StoredFeature>> features(const std::string& sha256) override {
    std::lock_guard lock(mutex_);
    Statement stmt(db_, "SELECT name, version, ok, value FROM image_features WHERE sha256 = ? ORDER BY name");
    stmt.text(1, sha256);
    std::vector<StoredFeature> out;
    int rc;
    while ((rc = stmt.step()) == SQLITE_ROW) {
      out.push_back({stmt.column_text(0), static_cast<int>(stmt.column_int(1)), stmt.column_int(2) != 0,
                     stmt.column_text(3)});
    }
    if (rc != SQLITE_DONE) return failure<std::vector<StoredFeature>>("read features");
    return out;
  }

  Status put_feature(const std::string& sha256, const StoredFeature& f) override {
    std::lock_guard lock(mutex_);
    Statement stmt(db_,
                   "INSERT OR REPLACE INTO image_features (sha256, name, version, ok, value, computed_at) "
                   "VALUES (?, ?, ?, ?, ?, ?)");
    stmt.text(1, sha256).text(2, f.name).integer(3, f.version).integer(4, f.ok ? 1 : 0).text(5, f.value);
    stmt.integer(6, static_cast<int64_t>(std::time(nullptr)));
    if (stmt.step() != SQLITE_DONE) return error("store feature");
    return Status::Ok();
  }

  Status remove_features(const std::string& sha256) override {
    std::lock_guard lock(mutex_);
    Statement stmt(db_, "DELETE FROM image_features WHERE sha256 = ?");
    if (stmt.text(1, sha256).step() != SQLITE_DONE) return error("delete features");
    return Status::Ok();
  }

  Status check() override {
    std::lock_guard lock(mutex_);
    Statement stmt(db_, "SELECT 1 FROM images LIMIT 1");
    const int rc = stmt.step();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return {ErrorCode::kNotReady, fmt::format("sqlite: {}", sqlite3_errmsg(db_))};
    return Status::Ok();
  }

 private:
  Status insert_locked(const ImageRecord& r) {
    Statement stmt(db_, fmt::format("INSERT INTO images ({}, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                                    "?11, ?12, ?13, ?14, ?15, ?16, ?17)",
                                    kColumns));
    stmt.text(1, r.id).text(2, r.sha256).text(3, r.md5).text(4, std::string(format_name(r.format)));
    stmt.integer(5, r.width).integer(6, r.height).integer(7, r.frames).integer(8, static_cast<int64_t>(r.bytes));
    stmt.integer(9, r.created_at).integer(10, r.orientation).integer(11, r.has_alpha ? 1 : 0);
    stmt.text(12, r.title).text(13, r.caption).text(14, join(r.tags, ','));
    if (r.taken_at) stmt.integer(15, *r.taken_at); else stmt.null(15);
    stmt.text(16, masters_text(r.masters)).integer(17, r.time());
    if (stmt.step() != SQLITE_DONE) return error("insert");
    for (const std::string& tag : r.tags) {
      Statement tag_stmt(db_, "INSERT OR IGNORE INTO image_tags (image_id, tag) VALUES (?, ?)");
      if (tag_stmt.text(1, r.id).text(2, tag).step() != SQLITE_DONE) return error("insert tag");
    }
    return Status::Ok();
  }

  Result<std::optional<ImageRecord>> find_locked(const std::string& id) {
    Statement stmt(db_, fmt::format("SELECT {} FROM images WHERE id = ?", kColumns));
    const int rc = stmt.text(1, id).step();
    if (rc == SQLITE_ROW) return std::optional<ImageRecord>(read_record(stmt));
    if (rc != SQLITE_DONE) return failure<std::optional<ImageRecord>>("find");
    return std::optional<ImageRecord>();
  }

  Status exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) == SQLITE_OK) return Status::Ok();
    Status status(ErrorCode::kIoError, fmt::format("sqlite {}: {}", sql, message ? message : "error"));
    sqlite3_free(message);
    return status;
  }
  Status error(std::string_view what) { return {ErrorCode::kIoError, fmt::format("sqlite {}: {}", what, sqlite3_errmsg(db_))}; }
  template <class T>
  Result<T> failure(std::string_view what) { return error(what); }

  sqlite3* db_;
  std::mutex mutex_;
};

Status run_script(sqlite3* db, const std::string& sql, const std::string& path) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) == SQLITE_OK) return Status::Ok();
  Status status(ErrorCode::kIoError, fmt::format("schema of {}: {}", path, error ? error : "unknown error"));
  sqlite3_free(error);
  return status;
}

Status migrate(sqlite3* db, const std::string& path) {
  PICTOR_RETURN_IF_ERROR(run_script(db, kSchemaV1, path));
  Statement version(db, "PRAGMA user_version");
  const int64_t at = version.step() == SQLITE_ROW ? version.column_int(0) : 0;
  if (at < 2) {
    // One transaction per step: a crash mid-migration leaves the previous version intact.
    PICTOR_RETURN_IF_ERROR(run_script(db, std::string("BEGIN IMMEDIATE;") + kMigrationV2 + "PRAGMA user_version = 2; COMMIT;", path));
  }
  if (at < 3) {
    PICTOR_RETURN_IF_ERROR(run_script(db, std::string("BEGIN IMMEDIATE;") + kMigrationV3 + "PRAGMA user_version = 3; COMMIT;", path));
  }
  return Status::Ok();
}

}  // namespace

SourceInfo ImageRecord::source_info() const {
  SourceInfo s;
  s.format = format;
  s.orientation = orientation;
  s.width = orientation >= 5 ? height : width;
  s.height = orientation >= 5 ? width : height;
  s.frames = frames;
  s.has_alpha = has_alpha;
  s.bytes = bytes;
  return s;
}

Result<sqlite3*> open_sqlite(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) !=
      SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Result<sqlite3*>(ErrorCode::kIoError, fmt::format("open {}: {}", path, message));
  }
  // WAL + synchronous=FULL: a commit survives a crash of the process or the machine.
  Status status = run_script(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;", path);
  if (!status.ok()) {
    sqlite3_close(db);
    return status;
  }
  return db;
}

Result<std::unique_ptr<ImageIndex>> open_sqlite_index(const std::string& path) {
  auto db = open_sqlite(path);
  if (!db.ok()) return db.status();
  Status status = migrate(*db, path);
  if (!status.ok()) {
    sqlite3_close(*db);
    return status;
  }
  return std::unique_ptr<ImageIndex>(new SqliteImageIndex(*db));
}

}  // namespace pictor::storage
