// Small helpers over the SQLite C API shared by the stores that live in DATA/pictor.db.
#pragma once

#include <fmt/format.h>
#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pictor/status.h"

namespace pictor::storage {

// A prepared statement that finalises itself. Binding is chained; columns are read by index.
class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql) {
    sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& text(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.c_str(), -1, SQLITE_TRANSIENT);
    return *this;
  }
  Statement& integer(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& null(int i) {
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  // NULL for an empty string / nullopt.
  Statement& text_or_null(int i, const std::string& v) { return v.empty() ? null(i) : text(i, v); }
  Statement& integer_or_null(int i, std::optional<int64_t> v) {
    return v ? integer(i, *v) : null(i);
  }
  int step() { return stmt_ ? sqlite3_step(stmt_) : SQLITE_ERROR; }
  // Runs a statement that returns no rows; true on success.
  bool run() { return step() == SQLITE_DONE; }

  std::string column_text(int col) const {
    const unsigned char* t = sqlite3_column_text(stmt_, col);
    return t ? reinterpret_cast<const char*>(t) : "";
  }
  int64_t column_int(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool column_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::optional<int64_t> column_optional(int col) const {
    return column_null(col) ? std::nullopt : std::optional<int64_t>(column_int(col));
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// Runs SQL text (one or more statements); kIoError with SQLite's message on failure.
inline Status exec_sql(sqlite3* db, const std::string& sql, std::string_view what) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) == SQLITE_OK) return Status::Ok();
  Status status(ErrorCode::kIoError,
                fmt::format("sqlite {}: {}", what, message ? message : "error"));
  sqlite3_free(message);
  return status;
}

// kIoError naming what failed, with the connection's last message.
inline Status sqlite_error(sqlite3* db, std::string_view what) {
  return {ErrorCode::kIoError, fmt::format("sqlite {}: {}", what, sqlite3_errmsg(db))};
}

// Opens (creating) a database in WAL mode with synchronous=FULL and a busy timeout: what is
// committed survives a crash of the process or the machine, and connections wait for each other.
Result<sqlite3*> open_sqlite(const std::string& path);

}  // namespace pictor::storage
