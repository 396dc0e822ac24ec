// JobStore on SQLite: the queue's tables in DATA/pictor.db, one connection guarded by a mutex.
// Claims run in BEGIN IMMEDIATE transactions, so processes sharing the file (pictor serve and
// pictor worker) never claim the same job twice while its lease holds.
#include <openssl/rand.h>

#include <chrono>
#include <mutex>

#include "jobs/job_store.h"
#include "storage/sqlite_db.h"

namespace pictor::jobs {
namespace {

using storage::Statement;

// The queue's schema, version 1. `available_at` is when a job may be claimed: for a queued job
// the earliest time it may run (retries wait), for a running one the end of its lease.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE IF NOT EXISTS jobs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  state TEXT NOT NULL,
  image_id TEXT,
  url TEXT,
  features TEXT NOT NULL,
  callback_url TEXT,
  metadata TEXT NOT NULL,
  secret TEXT NOT NULL,
  origin TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,
  available_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  result TEXT,
  error TEXT
);
CREATE INDEX IF NOT EXISTS jobs_claimable ON jobs(state, available_at, seq);
CREATE INDEX IF NOT EXISTS jobs_image ON jobs(image_id);
CREATE TABLE IF NOT EXISTS deliveries (
  id TEXT PRIMARY KEY,
  job_id TEXT NOT NULL,
  event TEXT NOT NULL,
  url TEXT NOT NULL,
  body TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  lease_until INTEGER NOT NULL DEFAULT 0,
  last_status INTEGER,
  last_error TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  delivered_at INTEGER
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(state, next_attempt_at);
CREATE INDEX IF NOT EXISTS deliveries_job ON deliveries(job_id);
CREATE TABLE IF NOT EXISTS idempotency_keys (
  owner TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  job_ids TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (owner, key)
);
)sql";

constexpr const char* kJobColumns =
    "id, state, image_id, url, features, callback_url, metadata, secret, origin, attempts, "
    "created_at, started_at, "
    "finished_at, result, error";
constexpr const char* kDeliveryColumns =
    "d.id, d.job_id, d.event, d.url, d.body, d.state, d.attempts, d.next_attempt_at, "
    "d.last_status, d.last_error, "
    "d.created_at, d.delivered_at, j.secret";

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

Job read_job(const Statement& s) {
  Job j;
  j.id = s.column_text(0);
  j.state = job_state_from_name(s.column_text(1)).value_or(JobState::kFailed);
  j.image_id = s.column_text(2);
  j.url = s.column_text(3);
  j.features = split(s.column_text(4));
  j.callback_url = s.column_text(5);
  j.metadata = s.column_text(6);
  j.secret = s.column_text(7);
  j.origin = s.column_text(8);
  j.attempts = static_cast<int>(s.column_int(9));
  j.created_at = s.column_int(10);
  j.started_at = s.column_optional(11);
  j.finished_at = s.column_optional(12);
  j.result = s.column_text(13);
  j.error = s.column_text(14);
  return j;
}

Delivery read_delivery(const Statement& s) {
  Delivery d;
  d.id = s.column_text(0);
  d.job_id = s.column_text(1);
  d.event = s.column_text(2);
  d.url = s.column_text(3);
  d.body = s.column_text(4);
  d.state = delivery_state_from_name(s.column_text(5)).value_or(DeliveryState::kDead);
  d.attempts = static_cast<int>(s.column_int(6));
  d.next_attempt_at = s.column_int(7);
  if (auto status = s.column_optional(8)) d.last_status = static_cast<int>(*status);
  d.last_error = s.column_text(9);
  d.created_at = s.column_int(10);
  d.delivered_at = s.column_optional(11);
  d.secret = s.column_text(12);
  return d;
}

std::string event_of(JobState state) {
  return state == JobState::kSucceeded ? "analysis.succeeded" : "analysis.failed";
}

std::string random_hex(size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  RAND_bytes(raw.data(), static_cast<int>(raw.size()));
  std::string out;
  for (unsigned char b : raw) out += fmt::format("{:02x}", b);
  return out;
}

class SqliteJobStore final : public JobStore {
 public:
  explicit SqliteJobStore(sqlite3* db) : db_(db) {}
  ~SqliteJobStore() override { sqlite3_close(db_); }

  Result<Submitted> submit(const Submission& submission) override {
    std::lock_guard lock(mutex_);
    PICTOR_RETURN_IF_ERROR(begin());
    auto submitted = submit_locked(submission);
    PICTOR_RETURN_IF_ERROR(end(submitted.ok()));
    return submitted;
  }

  Result<std::vector<Job>> claim(const std::string& owner, int max, int64_t lease_ms) override {
    std::lock_guard lock(mutex_);
    PICTOR_RETURN_IF_ERROR(begin());
    auto claimed = claim_locked(owner, max, lease_ms);
    PICTOR_RETURN_IF_ERROR(end(claimed.ok()));
    return claimed;
  }

  Status renew(const std::vector<std::string>& job_ids, const std::string& owner,
               int64_t lease_ms) override {
    std::lock_guard lock(mutex_);
    for (const std::string& id : job_ids) {
      Statement s(db_,
                  "UPDATE jobs SET available_at = ? WHERE id = ? AND state = 'running' AND "
                  "lease_owner = ?");
      if (!s.integer(1, now_ms() + lease_ms).text(2, id).text(3, owner).run())
        return storage::sqlite_error(db_, "renew");
    }
    return Status::Ok();
  }

  Result<bool> finish(const std::string& job_id, const std::string& owner,
                      const RunOutcome& outcome, const CallbackBody& callback_body) override {
    std::lock_guard lock(mutex_);
    PICTOR_RETURN_IF_ERROR(begin());
    auto finished = finish_locked(job_id, owner, outcome, callback_body);
    PICTOR_RETURN_IF_ERROR(end(finished.ok()));
    return finished;
  }

  Status release(const std::vector<std::string>& job_ids, const std::string& owner) override {
    std::lock_guard lock(mutex_);
    for (const std::string& id : job_ids) {
      Statement s(db_,
                  "UPDATE jobs SET state = 'queued', lease_owner = NULL, available_at = ?, "
                  "attempts = attempts - 1 "
                  "WHERE id = ? AND state = 'running' AND lease_owner = ?");
      if (!s.integer(1, now_ms()).text(2, id).text(3, owner).run())
        return storage::sqlite_error(db_, "release");
    }
    return Status::Ok();
  }

  Result<std::optional<Job>> find(const std::string& id) override {
    std::lock_guard lock(mutex_);
    Statement s(db_, fmt::format("SELECT {} FROM jobs WHERE id = ?", kJobColumns));
    const int rc = s.text(1, id).step();
    if (rc == SQLITE_DONE) return std::optional<Job>();
    if (rc != SQLITE_ROW) return storage::sqlite_error(db_, "find job");
    Job job = read_job(s);
    Statement d(
        db_,
        fmt::format("SELECT {} FROM deliveries d JOIN jobs j ON j.id = d.job_id WHERE d.job_id = ? "
                    "ORDER BY d.created_at, d.rowid",
                    kDeliveryColumns));
    d.text(1, id);
    int drc;
    while ((drc = d.step()) == SQLITE_ROW) job.deliveries.push_back(read_delivery(d));
    if (drc != SQLITE_DONE) return storage::sqlite_error(db_, "find deliveries");
    return std::optional<Job>(std::move(job));
  }

  Result<JobPage> list(const JobQuery& q) override {
    std::string sql = fmt::format("SELECT {}, seq FROM jobs WHERE 1", kJobColumns);
    int64_t before = 0;
    if (q.cursor) {
      const std::string& c = *q.cursor;
      if (c.empty() || c.size() > 18 || c.find_first_not_of("0123456789") != std::string::npos) {
        return Result<JobPage>(ErrorCode::kInvalidValue, "cursor is not one this server returned");
      }
      before = std::stoll(c);
      sql += " AND seq < ?1";
    }
    if (q.state) sql += " AND state = ?2";
    if (q.delivery) sql += " AND id IN (SELECT job_id FROM deliveries WHERE state = ?3)";
    if (q.image_id) sql += " AND image_id = ?4";
    sql += " ORDER BY seq DESC LIMIT ?5";
    std::lock_guard lock(mutex_);
    Statement s(db_, sql);
    if (q.cursor) s.integer(1, before);
    if (q.state) s.text(2, std::string(job_state_name(*q.state)));
    if (q.delivery) s.text(3, std::string(delivery_state_name(*q.delivery)));
    if (q.image_id) s.text(4, *q.image_id);
    s.integer(5, q.limit + 1);
    JobPage page;
    std::vector<int64_t> seqs;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      page.jobs.push_back(read_job(s));
      page.jobs.back().result.clear();
      seqs.push_back(s.column_int(15));
    }
    if (rc != SQLITE_DONE) return storage::sqlite_error(db_, "list jobs");
    if (static_cast<int>(page.jobs.size()) > q.limit) {
      page.jobs.pop_back();
      page.next_cursor = std::to_string(seqs[page.jobs.size() - 1]);
    }
    return page;
  }

  Result<Job> cancel(const std::string& id) override {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "UPDATE jobs SET state = 'canceled', finished_at = ?, available_at = 0 WHERE id = "
                "? AND state = 'queued'");
    if (!s.integer(1, now_ms()).text(2, id).run()) return storage::sqlite_error(db_, "cancel");
    const bool canceled = sqlite3_changes(db_) == 1;
    Statement f(db_, fmt::format("SELECT {} FROM jobs WHERE id = ?", kJobColumns));
    const int rc = f.text(1, id).step();
    if (rc == SQLITE_DONE) return Result<Job>(ErrorCode::kNotFound, "no analysis job with that id");
    if (rc != SQLITE_ROW) return storage::sqlite_error(db_, "cancel");
    Job job = read_job(f);
    if (!canceled) {
      return Result<Job>(ErrorCode::kConflict,
                         fmt::format("the job is {}; only a queued job can be canceled",
                                     job_state_name(job.state)));
    }
    return job;
  }

  Result<Delivery> redeliver(const std::string& id, const CallbackBody& callback_body) override {
    std::lock_guard lock(mutex_);
    Statement f(db_, fmt::format("SELECT {} FROM jobs WHERE id = ?", kJobColumns));
    const int rc = f.text(1, id).step();
    if (rc == SQLITE_DONE)
      return Result<Delivery>(ErrorCode::kNotFound, "no analysis job with that id");
    if (rc != SQLITE_ROW) return storage::sqlite_error(db_, "redeliver");
    const Job job = read_job(f);
    if (job.state != JobState::kSucceeded && job.state != JobState::kFailed) {
      return Result<Delivery>(ErrorCode::kConflict,
                              fmt::format("the job is {}; only a finished job can be redelivered",
                                          job_state_name(job.state)));
    }
    if (job.callback_url.empty())
      return Result<Delivery>(ErrorCode::kConflict, "the job has no callback_url");
    Delivery d = new_delivery(job, callback_body);
    PICTOR_RETURN_IF_ERROR(insert_delivery(d));
    return d;
  }

  Result<std::vector<Delivery>> claim_deliveries(int max, int64_t lease_ms) override {
    std::lock_guard lock(mutex_);
    PICTOR_RETURN_IF_ERROR(begin());
    const int64_t now = now_ms();
    std::vector<Delivery> out;
    Statement s(
        db_,
        fmt::format(
            "SELECT {} FROM deliveries d JOIN jobs j ON j.id = d.job_id WHERE d.state = 'pending' "
            "AND d.next_attempt_at <= ?1 AND d.lease_until <= ?1 ORDER BY d.next_attempt_at LIMIT "
            "?2",
            kDeliveryColumns));
    s.integer(1, now).integer(2, max);
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_delivery(s));
    bool ok = rc == SQLITE_DONE;
    for (const Delivery& d : out) {
      Statement u(db_, "UPDATE deliveries SET lease_until = ? WHERE id = ?");
      ok = ok && u.integer(1, now + lease_ms).text(2, d.id).run();
    }
    PICTOR_RETURN_IF_ERROR(end(ok));
    if (!ok) return storage::sqlite_error(db_, "claim deliveries");
    return out;
  }

  Status record_attempt(const std::string& delivery_id, bool delivered, std::optional<int> status,
                        const std::string& error, std::optional<int64_t> next_attempt_at) override {
    std::lock_guard lock(mutex_);
    const char* state = delivered ? "delivered" : next_attempt_at ? "pending" : "dead";
    Statement s(db_,
                "UPDATE deliveries SET state = ?, attempts = attempts + 1, last_status = ?, "
                "last_error = ?, "
                "next_attempt_at = ?, lease_until = 0, delivered_at = ? WHERE id = ?");
    s.text(1, state)
        .integer_or_null(2, status ? std::optional<int64_t>(*status) : std::nullopt)
        .text(3, error);
    s.integer(4, next_attempt_at.value_or(0))
        .integer_or_null(5, delivered ? std::optional<int64_t>(now_ms()) : std::nullopt);
    if (!s.text(6, delivery_id).run()) return storage::sqlite_error(db_, "record attempt");
    return Status::Ok();
  }

  Result<std::optional<int64_t>> next_due() override {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT MIN(MAX(next_attempt_at, lease_until)) FROM deliveries WHERE state = 'pending'");
    if (s.step() != SQLITE_ROW) return storage::sqlite_error(db_, "next due");
    return s.column_optional(0);
  }

  Result<QueueCounts> counts() override {
    std::lock_guard lock(mutex_);
    QueueCounts c;
    Statement jobs(db_, "SELECT state, COUNT(*) FROM jobs GROUP BY state");
    while (jobs.step() == SQLITE_ROW) {
      const int64_t n = jobs.column_int(1);
      switch (job_state_from_name(jobs.column_text(0)).value_or(JobState::kFailed)) {
        case JobState::kQueued:
          c.queued = n;
          break;
        case JobState::kRunning:
          c.running = n;
          break;
        case JobState::kSucceeded:
          c.succeeded = n;
          break;
        case JobState::kFailed:
          c.failed = n;
          break;
        case JobState::kCanceled:
          c.canceled = n;
          break;
      }
    }
    Statement deliveries(db_, "SELECT state, COUNT(*) FROM deliveries GROUP BY state");
    while (deliveries.step() == SQLITE_ROW) {
      const int64_t n = deliveries.column_int(1);
      switch (delivery_state_from_name(deliveries.column_text(0)).value_or(DeliveryState::kDead)) {
        case DeliveryState::kPending:
          c.deliveries_pending = n;
          break;
        case DeliveryState::kDelivered:
          c.deliveries_delivered = n;
          break;
        case DeliveryState::kDead:
          c.deliveries_dead = n;
          break;
      }
    }
    return c;
  }

  Result<int64_t> prune(int64_t before) override {
    std::lock_guard lock(mutex_);
    PICTOR_RETURN_IF_ERROR(begin());
    // A job goes with its deliveries, but not while one of them is still being retried.
    constexpr const char* kOld =
        "SELECT id FROM jobs WHERE finished_at IS NOT NULL AND finished_at < ?1 AND id NOT IN "
        "(SELECT job_id FROM deliveries WHERE state = 'pending')";
    Statement d(db_, fmt::format("DELETE FROM deliveries WHERE job_id IN ({})", kOld));
    Statement j(db_, fmt::format("DELETE FROM jobs WHERE id IN ({})", kOld));
    bool ok = d.integer(1, before).run() && j.integer(1, before).run();
    const int64_t removed = sqlite3_changes(db_);
    Statement k(db_, "DELETE FROM idempotency_keys WHERE created_at < ?");
    ok = ok && k.integer(1, before).run();
    PICTOR_RETURN_IF_ERROR(end(ok));
    if (!ok) return storage::sqlite_error(db_, "prune");
    return removed;
  }

 private:
  Status begin() { return storage::exec_sql(db_, "BEGIN IMMEDIATE", "begin"); }
  Status end(bool commit) {
    return storage::exec_sql(db_, commit ? "COMMIT" : "ROLLBACK", commit ? "commit" : "rollback");
  }

  Result<Submitted> submit_locked(const Submission& sub) {
    if (!sub.idempotency_key.empty()) {
      Statement s(db_,
                  "SELECT request_hash, job_ids FROM idempotency_keys WHERE owner = ? AND key = ?");
      const int rc = s.text(1, sub.idempotency_owner).text(2, sub.idempotency_key).step();
      if (rc == SQLITE_ROW) {
        if (s.column_text(0) != sub.request_hash) {
          return Result<Submitted>(ErrorCode::kConflict,
                                   "this Idempotency-Key was used with a different request body");
        }
        return Submitted{split(s.column_text(1)), true};
      }
      if (rc != SQLITE_DONE) return storage::sqlite_error(db_, "idempotency key");
    }
    const int64_t now = now_ms();
    Submitted out;
    for (const Job& j : sub.jobs) {
      Statement s(db_,
                  "INSERT INTO jobs (id, state, image_id, url, features, callback_url, metadata, "
                  "secret, origin, "
                  "available_at, created_at) VALUES (?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      s.text(1, j.id).text_or_null(2, j.image_id).text_or_null(3, j.url).text(4, join(j.features));
      s.text_or_null(5, j.callback_url).text(6, j.metadata).text(7, j.secret).text(8, j.origin);
      if (!s.integer(9, now).integer(10, now).run())
        return storage::sqlite_error(db_, "insert job");
      out.job_ids.push_back(j.id);
    }
    if (!sub.idempotency_key.empty()) {
      Statement s(db_,
                  "INSERT INTO idempotency_keys (owner, key, request_hash, job_ids, created_at) "
                  "VALUES (?, ?, ?, ?, ?)");
      s.text(1, sub.idempotency_owner).text(2, sub.idempotency_key).text(3, sub.request_hash);
      if (!s.text(4, join(out.job_ids)).integer(5, now).run())
        return storage::sqlite_error(db_, "insert idempotency key");
    }
    return out;
  }

  Result<std::vector<Job>> claim_locked(const std::string& owner, int max, int64_t lease_ms) {
    const int64_t now = now_ms();
    constexpr const char* kClaimable = "state IN ('queued', 'running') AND available_at <= ?1";
    Statement first(
        db_, fmt::format("SELECT features FROM jobs WHERE {} ORDER BY seq LIMIT 1", kClaimable));
    const int rc = first.integer(1, now).step();
    if (rc == SQLITE_DONE) return std::vector<Job>();
    if (rc != SQLITE_ROW) return storage::sqlite_error(db_, "claim");
    const std::string features = first.column_text(0);
    Statement pick(
        db_,
        fmt::format(
            "UPDATE jobs SET state = 'running', lease_owner = ?2, available_at = ?3, "
            "attempts = attempts + 1, started_at = COALESCE(started_at, ?1) WHERE seq IN "
            "(SELECT seq FROM jobs WHERE {} AND features = ?4 ORDER BY seq LIMIT ?5) RETURNING {}",
            kClaimable, kJobColumns));
    pick.integer(1, now)
        .text(2, owner)
        .integer(3, now + lease_ms)
        .text(4, features)
        .integer(5, max);
    std::vector<Job> jobs;
    int step;
    while ((step = pick.step()) == SQLITE_ROW) jobs.push_back(read_job(pick));
    if (step != SQLITE_DONE) return storage::sqlite_error(db_, "claim");
    return jobs;
  }

  Result<bool> finish_locked(const std::string& job_id, const std::string& owner,
                             const RunOutcome& outcome, const CallbackBody& callback_body) {
    const int64_t now = now_ms();
    if (outcome.kind == RunOutcome::Kind::kRetry) {
      Statement s(
          db_,
          "UPDATE jobs SET state = 'queued', lease_owner = NULL, available_at = ?, error = ? "
          "WHERE id = ? AND state = 'running' AND lease_owner = ?");
      s.integer(1, outcome.retry_at).text(2, outcome.error).text(3, job_id).text(4, owner);
      if (!s.run()) return storage::sqlite_error(db_, "requeue");
      return sqlite3_changes(db_) == 1;
    }
    const bool ok = outcome.kind == RunOutcome::Kind::kSucceeded;
    Statement s(db_,
                "UPDATE jobs SET state = ?, lease_owner = NULL, available_at = 0, finished_at = ?, "
                "result = ?, error = ? "
                "WHERE id = ? AND state = 'running' AND lease_owner = ? RETURNING " +
                    std::string(kJobColumns));
    s.text(1, ok ? "succeeded" : "failed")
        .integer(2, now)
        .text_or_null(3, ok ? outcome.result : "");
    s.text_or_null(4, ok ? "" : outcome.error).text(5, job_id).text(6, owner);
    const int rc = s.step();
    if (rc == SQLITE_DONE) return false;  // the lease went to another worker
    if (rc != SQLITE_ROW) return storage::sqlite_error(db_, "finish");
    const Job job = read_job(s);
    if (s.step() != SQLITE_DONE) return storage::sqlite_error(db_, "finish");
    if (!job.callback_url.empty())
      PICTOR_RETURN_IF_ERROR(insert_delivery(new_delivery(job, callback_body)));
    return true;
  }

  Delivery new_delivery(const Job& job, const CallbackBody& body) {
    Delivery d;
    d.id = new_delivery_id();
    d.job_id = job.id;
    d.event = event_of(job.state);
    d.url = job.callback_url;
    d.body = body(job, d.id, d.event);
    d.created_at = d.next_attempt_at = now_ms();
    return d;
  }

  Status insert_delivery(const Delivery& d) {
    Statement s(
        db_,
        "INSERT INTO deliveries (id, job_id, event, url, body, state, next_attempt_at, created_at) "
        "VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)");
    s.text(1, d.id).text(2, d.job_id).text(3, d.event).text(4, d.url).text(5, d.body);
    if (!s.integer(6, d.next_attempt_at).integer(7, d.created_at).run())
      return storage::sqlite_error(db_, "insert delivery");
    return Status::Ok();
  }

  sqlite3* db_;
  std::mutex mutex_;
};

constexpr std::string_view kJobStates[] = {"queued", "running", "succeeded", "failed", "canceled"};
constexpr std::string_view kDeliveryStates[] = {"pending", "delivered", "dead"};

}  // namespace

std::string_view job_state_name(JobState state) {
  return kJobStates[static_cast<int>(state)];
}
std::optional<JobState> job_state_from_name(std::string_view name) {
  for (size_t i = 0; i < std::size(kJobStates); ++i) {
    if (kJobStates[i] == name) return static_cast<JobState>(i);
  }
  return std::nullopt;
}
std::string_view delivery_state_name(DeliveryState state) {
  return kDeliveryStates[static_cast<int>(state)];
}
std::optional<DeliveryState> delivery_state_from_name(std::string_view name) {
  for (size_t i = 0; i < std::size(kDeliveryStates); ++i) {
    if (kDeliveryStates[i] == name) return static_cast<DeliveryState>(i);
  }
  return std::nullopt;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string new_job_id() {
  return "job_" + random_hex(12);
}
std::string new_delivery_id() {
  return "dlv_" + random_hex(12);
}

Result<std::unique_ptr<JobStore>> open_sqlite_job_store(const std::string& path) {
  auto db = storage::open_sqlite(path);
  if (!db.ok()) return db.status();
  Status status = storage::exec_sql(*db, kSchemaV1, "queue schema");
  if (!status.ok()) {
    sqlite3_close(*db);
    return status;
  }
  return std::unique_ptr<JobStore>(new SqliteJobStore(*db));
}

}  // namespace pictor::jobs
