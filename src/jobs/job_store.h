// The durable analysis queue: jobs, their callback deliveries and Idempotency-Keys.
//
// A job is one analysis of one source (a stored image or a URL). Workers claim jobs with a lease
// they renew while working; a job whose lease runs out (its worker died) is claimable again, so
// every job ends exactly once in a final state: the transition to it is conditional on the lease
// and written in the same transaction as its callback delivery. Deliveries are retried on a
// schedule until one succeeds or the last attempt fails (dead letter); retries keep the delivery
// id, so receivers can drop duplicates.
//
// The embedded default is SQLite (the tables live in DATA/pictor.db beside the image index); the
// scale-out milestone adds PostgreSQL (FOR UPDATE SKIP LOCKED) behind the same interface.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pictor/status.h"

namespace pictor::jobs {

enum class JobState { kQueued, kRunning, kSucceeded, kFailed, kCanceled };
std::string_view job_state_name(JobState state);
std::optional<JobState> job_state_from_name(std::string_view name);
inline bool is_final(JobState s) {
  return s == JobState::kSucceeded || s == JobState::kFailed || s == JobState::kCanceled;
}

enum class DeliveryState { kPending, kDelivered, kDead };
std::string_view delivery_state_name(DeliveryState state);
std::optional<DeliveryState> delivery_state_from_name(std::string_view name);

// Milliseconds since the Unix epoch (every time in this module).
int64_t now_ms();

struct Delivery {
  std::string id;  // "dlv_" + 24 hex; the same for every retry of this delivery
  std::string job_id;
  std::string event;  // "analysis.succeeded" | "analysis.failed"
  std::string url;
  std::string body;  // the JSON posted, fixed when the delivery is created
  DeliveryState state = DeliveryState::kPending;
  int attempts = 0;
  int64_t next_attempt_at = 0;
  std::optional<int> last_status;  // HTTP status of the last attempt
  std::string last_error;          // what went wrong in the last attempt ("" after success)
  int64_t created_at = 0;
  std::optional<int64_t> delivered_at;
  std::string secret;  // the job's callback secret (not part of any API answer)
};

struct Job {
  std::string id;  // "job_" + 24 hex
  JobState state = JobState::kQueued;
  std::string image_id;  // one of image_id and url is set
  std::string url;
  std::vector<std::string> features;  // sorted
  std::string callback_url;           // "" = none
  std::string metadata = "{}";        // the caller's JSON object, echoed in callbacks
  std::string secret;          // signs this job's callbacks (derived from the submitter's key)
  std::string origin = "api";  // "api" | "upload"
  int attempts = 0;            // runs started
  int64_t created_at = 0;
  std::optional<int64_t> started_at, finished_at;  // first run started; final state reached
  std::string result;                              // JSON text when succeeded
  std::string error;                               // JSON {"code","message"} when failed
  std::vector<Delivery> deliveries;                // filled by find()
};

// What POST /v1/analyses creates: one job per source, all or none.
struct Submission {
  std::vector<Job> jobs;  // id, source, features, callback_url, metadata, secret, origin set
  // With an Idempotency-Key: the key, who presented it, and a hash of the request body.
  std::string idempotency_key, idempotency_owner, request_hash;
};
struct Submitted {
  std::vector<std::string> job_ids;
  bool replayed = false;  // the key had been used with the same body: these are the first jobs
};

struct JobQuery {
  std::optional<JobState> state;
  std::optional<DeliveryState> delivery;  // jobs with a delivery in that state
  std::optional<std::string> image_id;
  int limit = 50;
  std::optional<std::string> cursor;
};
struct JobPage {
  std::vector<Job> jobs;  // newest first, without result or deliveries
  std::optional<std::string> next_cursor;
};

// How a run ended, as the worker reports it.
struct RunOutcome {
  enum class Kind { kSucceeded, kFailed, kRetry } kind = Kind::kSucceeded;
  std::string result;    // kSucceeded: JSON text
  std::string error;     // kFailed/kRetry: JSON {"code","message"}
  int64_t retry_at = 0;  // kRetry: not claimable before this
};

// Writes a delivery's JSON body from the job in its final state.
using CallbackBody = std::function<std::string(const Job& job, const std::string& delivery_id,
                                               const std::string& event)>;

// Counts for metrics.
struct QueueCounts {
  int64_t queued = 0, running = 0, succeeded = 0, failed = 0, canceled = 0;
  int64_t deliveries_pending = 0, deliveries_delivered = 0, deliveries_dead = 0;
};

class JobStore {
 public:
  virtual ~JobStore() = default;

  // Inserts every job at once. With a key already used by the same owner: the same body replays
  // the first jobs; another body is kConflict.
  virtual Result<Submitted> submit(const Submission& submission) = 0;
  // Claims up to `max` claimable jobs (queued and due, or running with an expired lease) that
  // ask for the same features as the oldest one, for `owner` until now + lease_ms.
  virtual Result<std::vector<Job>> claim(const std::string& owner, int max, int64_t lease_ms) = 0;
  // Extends the leases `owner` still holds.
  virtual Status renew(const std::vector<std::string>& job_ids, const std::string& owner,
                       int64_t lease_ms) = 0;
  // Records a run's end if `owner` still holds the job. A final outcome creates the callback
  // delivery (when the job has a callback URL) in the same transaction. false: the lease was lost
  // (another worker has the job) and nothing changed.
  virtual Result<bool> finish(const std::string& job_id, const std::string& owner,
                              const RunOutcome& outcome, const CallbackBody& callback_body) = 0;
  // Puts jobs `owner` holds back in the queue, their run not counted (a worker shutting down).
  virtual Status release(const std::vector<std::string>& job_ids, const std::string& owner) = 0;

  virtual Result<std::optional<Job>> find(const std::string& id) = 0;
  virtual Result<JobPage> list(const JobQuery& query) = 0;
  // A queued job becomes canceled (no callback); kConflict for a job in any other state.
  virtual Result<Job> cancel(const std::string& id) = 0;
  // A new delivery of a finished job's event to its callback URL, due now.
  virtual Result<Delivery> redeliver(const std::string& id, const CallbackBody& callback_body) = 0;

  // Claims up to `max` pending deliveries that are due, for lease_ms.
  virtual Result<std::vector<Delivery>> claim_deliveries(int max, int64_t lease_ms) = 0;
  // Records an attempt: delivered, or failed with the time of the next attempt (nullopt: dead).
  virtual Status record_attempt(const std::string& delivery_id, bool delivered,
                                std::optional<int> status, const std::string& error,
                                std::optional<int64_t> next_attempt_at) = 0;
  // The earliest time a pending delivery becomes due (senders sleep until then).
  virtual Result<std::optional<int64_t>> next_due() = 0;

  virtual Result<QueueCounts> counts() = 0;
  // Forgets finished jobs (and their deliveries) and Idempotency-Keys older than `before`.
  virtual Result<int64_t> prune(int64_t before) = 0;
};

// SQLite at `path` (the image index's database; WAL). Creates the tables when missing.
Result<std::unique_ptr<JobStore>> open_sqlite_job_store(const std::string& path);

// "job_" + 24 random hex digits, "dlv_" + 24 for deliveries.
std::string new_job_id();
std::string new_delivery_id();

}  // namespace pictor::jobs
