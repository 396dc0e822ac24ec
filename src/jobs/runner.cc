#include "jobs/runner.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <random>

#include "jobs/callbacks.h"

namespace pictor::jobs {
namespace {

std::string make_owner() {
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  std::random_device random;
  return fmt::format("{}:{}:{:08x}", host, ::getpid(), random());
}

std::string error_text(ErrorCode code, const std::string& message) {
  return nlohmann::json{{"code", error_code_name(code)}, {"message", message}}.dump();
}

}  // namespace

Runner::Runner(JobStore& store, Analyzer& analyzer, RunnerOptions options)
    : store_(store), analyzer_(analyzer), options_(std::move(options)), owner_(make_owner()) {}

Runner::~Runner() {
  stop();
}

void Runner::start() {
  for (int i = 0; i < options_.workers; ++i) threads_.emplace_back([this] { work(); });
  for (int i = 0; i < options_.delivery_threads; ++i) threads_.emplace_back([this] { send(); });
  threads_.emplace_back([this] { keep_leases(); });
}

void Runner::wake() {
  {
    std::lock_guard lock(mutex_);
    ++wakes_;
  }
  wake_.notify_all();
}

void Runner::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

bool Runner::idle(int64_t ms) {
  std::unique_lock lock(mutex_);
  const uint64_t seen = wakes_;
  wake_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(ms, 1)),
                 [&] { return stopping_ || wakes_ != seen; });
  return !stopping_;
}

void Runner::work() {
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    auto batch = store_.claim(owner_, options_.batch_size, options_.lease_ms);
    if (!batch.ok() || batch->empty()) {
      if (!idle(options_.poll_ms)) return;
      continue;
    }
    run_batch(std::move(batch).value());
  }
}

void Runner::run_batch(std::vector<Job> batch) {
  {
    std::lock_guard lock(mutex_);
    for (const Job& job : batch) held_.insert(job.id);
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    const Job& job = batch[i];
    bool stopping;
    {
      std::lock_guard lock(mutex_);
      stopping = stopping_;
    }
    if (stopping) {
      // The rest of the batch goes back to the queue for another worker (or this one, restarted).
      std::vector<std::string> rest;
      for (size_t j = i; j < batch.size(); ++j) rest.push_back(batch[j].id);
      (void)store_.release(rest, owner_);
      std::lock_guard lock(mutex_);
      for (const std::string& id : rest) held_.erase(id);
      return;
    }
    RunOutcome outcome;
    if (job.attempts > options_.max_attempts) {
      // Its earlier runs never finished: the worker died each time (a poison image, perhaps).
      outcome.kind = RunOutcome::Kind::kFailed;
      outcome.error = error_text(
          ErrorCode::kInternal,
          fmt::format("the job's worker stopped before finishing it {} times", job.attempts - 1));
    } else {
      outcome = analyzer_.run(job);
      if (outcome.kind == RunOutcome::Kind::kRetry && job.attempts >= options_.max_attempts) {
        outcome.kind = RunOutcome::Kind::kFailed;
      }
    }
    finish(job, outcome);
  }
}

void Runner::finish(const Job& job, const RunOutcome& outcome) {
  auto body = [this](const Job& final_job, const std::string& delivery_id,
                     const std::string& event) {
    return analyzer_.callback_body(final_job, delivery_id, event);
  };
  // A store that is briefly unavailable (a locked database) must not lose a finished analysis.
  Result<bool> finished = store_.finish(job.id, owner_, outcome, body);
  for (int retry = 0; !finished.ok() && retry < 5; ++retry) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200 << retry));
    finished = store_.finish(job.id, owner_, outcome, body);
  }
  {
    std::lock_guard lock(mutex_);
    held_.erase(job.id);
  }
  if (!finished.ok() || !*finished) {
    counters_.leases_lost++;  // another worker has it (or will): its run counts
    return;
  }
  switch (outcome.kind) {
    case RunOutcome::Kind::kSucceeded:
      counters_.runs_succeeded++;
      break;
    case RunOutcome::Kind::kFailed:
      counters_.runs_failed++;
      break;
    case RunOutcome::Kind::kRetry:
      counters_.runs_retried++;
      break;
  }
  wake();  // a delivery may be due now
}

void Runner::send() {
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    // Leased for longer than an attempt can take, so no other sender picks it meanwhile; after a
    // crash the lease runs out and the delivery is sent again.
    auto due = store_.claim_deliveries(1, options_.callback_timeout_ms + 5000);
    if (!due.ok() || due->empty()) {
      int64_t wait = options_.poll_ms;
      // Never a busy loop: a delivery due already but not claimable (another sender holds it, or
      // the store failed) is looked at again after a short pause.
      if (auto next = store_.next_due(); next.ok() && *next) wait = std::clamp<int64_t>(**next - now_ms(), 10, wait);
      if (!idle(wait)) return;
      continue;
    }
    for (const Delivery& delivery : *due) deliver(delivery);
  }
}

void Runner::deliver(const Delivery& d) {
  thread_local std::mt19937_64 random{std::random_device{}()};
  const int64_t sent_at = now_ms() / 1000;
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"Content-Type", "application/json"},
      {"Pictor-Event", d.event},
      {"Pictor-Delivery", d.id},
      {"Pictor-Timestamp", std::to_string(sent_at)},
      {"Pictor-Signature", callback_signature(d.secret, sent_at, d.body)},
  };
  const net::PostOutcome outcome =
      net::post(d.url, headers, d.body, std::chrono::milliseconds(options_.callback_timeout_ms),
                options_.policy);
  if (outcome.ok()) {
    counters_.deliveries_ok++;
    (void)store_.record_attempt(d.id, true, outcome.status, "", std::nullopt);
    return;
  }
  const std::string error = outcome.error.empty()
                                ? fmt::format("the receiver answered {}", outcome.status)
                                : outcome.error;
  std::optional<int64_t> next;
  // A refused address stays refused: retrying would only postpone the dead letter.
  if (!outcome.refused) {
    if (auto delay = next_attempt_delay(d.attempts + 1, options_.retry_delays_ms, random))
      next = now_ms() + *delay;
  }
  (next ? counters_.deliveries_failed : counters_.deliveries_dead)++;
  (void)store_.record_attempt(
      d.id, false, outcome.status ? std::optional<int>(outcome.status) : std::nullopt, error, next);
}

void Runner::keep_leases() {
  int64_t last_prune = 0;
  while (true) {
    {
      // Timed only: wake() is for work, and renewing on every finished job would be waste.
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(options_.lease_ms / 3, 10)),
                     [&] { return stopping_ && held_.empty(); });
      // Leases are kept until the workers have finished their last jobs.
      if (stopping_ && held_.empty()) return;
    }
    std::vector<std::string> held;
    {
      std::lock_guard lock(mutex_);
      held.assign(held_.begin(), held_.end());
    }
    if (!held.empty()) (void)store_.renew(held, owner_, options_.lease_ms);
    if (now_ms() - last_prune > 3600 * 1000) {
      last_prune = now_ms();
      (void)store_.prune(now_ms() - options_.retention_ms);
    }
  }
}

}  // namespace pictor::jobs
