#include <fmt/format.h>
#include <sqlite3.h>

#include <mutex>

#include "storage/storage.h"

namespace pictor::storage {
namespace {

constexpr const char* kSchema = R"sql(
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

class SqliteImageIndex final : public ImageIndex {
 public:
  explicit SqliteImageIndex(sqlite3* db) : db_(db) {}
  ~SqliteImageIndex() override { sqlite3_close(db_); }

  Status insert(const ImageRecord& r) override {
    std::lock_guard lock(mutex_);
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db_,
                       "INSERT INTO images (id, sha256, md5, format, width, height, frames, bytes, created_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       -1, &stmt, nullptr);
    const std::string format(format_name(r.format));
    sqlite3_bind_text(stmt, 1, r.id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, r.sha256.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 3, r.md5.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 4, format.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(stmt, 5, r.width);
    sqlite3_bind_int(stmt, 6, r.height);
    sqlite3_bind_int(stmt, 7, r.frames);
    sqlite3_bind_int64(stmt, 8, static_cast<sqlite3_int64>(r.bytes));
    sqlite3_bind_int64(stmt, 9, r.created_at);
    const int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) return {ErrorCode::kIoError, fmt::format("sqlite insert: {}", sqlite3_errmsg(db_))};
    return Status::Ok();
  }

  Result<std::optional<ImageRecord>> find(const std::string& id) override {
    std::lock_guard lock(mutex_);
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db_,
                       "SELECT id, sha256, md5, format, width, height, frames, bytes, created_at FROM images WHERE id = ?",
                       -1, &stmt, nullptr);
    sqlite3_bind_text(stmt, 1, id.c_str(), -1, SQLITE_TRANSIENT);
    std::optional<ImageRecord> found;
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      ImageRecord r;
      auto text = [&](int col) { return std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, col))); };
      r.id = text(0);
      r.sha256 = text(1);
      r.md5 = text(2);
      r.format = format_from_name(text(3)).value_or(Format::kUnknown);
      r.width = sqlite3_column_int(stmt, 4);
      r.height = sqlite3_column_int(stmt, 5);
      r.frames = sqlite3_column_int(stmt, 6);
      r.bytes = static_cast<uint64_t>(sqlite3_column_int64(stmt, 7));
      r.created_at = sqlite3_column_int64(stmt, 8);
      found = r;
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      return Result<std::optional<ImageRecord>>(ErrorCode::kIoError, fmt::format("sqlite find: {}", sqlite3_errmsg(db_)));
    }
    return found;
  }

 private:
  sqlite3* db_;
  std::mutex mutex_;
};

}  // namespace

Result<std::unique_ptr<ImageIndex>> open_sqlite_index(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) !=
      SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Result<std::unique_ptr<ImageIndex>>(ErrorCode::kIoError, fmt::format("open {}: {}", path, message));
  }
  // WAL + synchronous=FULL: a committed upload survives a crash of the process or the machine.
  char* error = nullptr;
  const std::string setup = std::string("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;") + kSchema;
  if (sqlite3_exec(db, setup.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    sqlite3_close(db);
    return Result<std::unique_ptr<ImageIndex>>(ErrorCode::kIoError, fmt::format("schema of {}: {}", path, message));
  }
  return std::unique_ptr<ImageIndex>(new SqliteImageIndex(db));
}

}  // namespace pictor::storage
