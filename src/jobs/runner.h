// The threads that work the queue: analysis workers and callback senders. The same code runs
// inside `pictor serve` and in `pictor worker` processes; any number of them may share a store.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "jobs/job_store.h"
#include "net/http_client.h"

namespace pictor::jobs {

// What a job does (the service's analysis), called on a worker thread.
class Analyzer {
 public:
  virtual ~Analyzer() = default;
  // Runs one job: succeeded with its result, failed with its error, or retry (a transient
  // failure; the runner turns it into a failure once the job has used its attempts).
  virtual RunOutcome run(const Job& job) = 0;
  // The JSON posted to the callback URL for a job in its final state.
  virtual std::string callback_body(const Job& job, const std::string& delivery_id,
                                    const std::string& event) = 0;
};

struct RunnerOptions {
  int workers = 1;  // analysis threads (0: this process only sends callbacks)
  int batch_size = 8;
  int max_attempts = 5;
  int64_t lease_ms = 60000;
  int64_t poll_ms = 1000;
  std::vector<int64_t> retry_delays_ms;
  int delivery_threads = 4;  // 0: this process sends no callbacks
  int64_t callback_timeout_ms = 10000;
  int64_t retention_ms = 7 * 24 * 3600 * 1000LL;
  net::AddressPolicy policy;
};

// What the runner did since it started, for /metrics.
struct RunnerCounters {
  std::atomic<int64_t> runs_succeeded{0}, runs_failed{0}, runs_retried{0}, leases_lost{0};
  std::atomic<int64_t> deliveries_ok{0}, deliveries_failed{0}, deliveries_dead{0};
};

class Runner {
 public:
  Runner(JobStore& store, Analyzer& analyzer, RunnerOptions options);
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  void start();
  // New work in this process: idle threads look now instead of at their next poll.
  void wake();
  // Stops claiming work, lets each worker finish the job it is running (the rest of its batch
  // goes back to the queue) and the senders their current attempt, then joins the threads.
  void stop();

  const RunnerCounters& counters() const { return counters_; }
  const std::string& owner() const { return owner_; }

 private:
  void work();
  void run_batch(std::vector<Job> batch);
  void finish(const Job& job, const RunOutcome& outcome);
  void send();
  void deliver(const Delivery& delivery);
  void keep_leases();
  // Sleeps up to `ms` or until wake()/stop(); false once stopping.
  bool idle(int64_t ms);

  JobStore& store_;
  Analyzer& analyzer_;
  const RunnerOptions options_;
  const std::string owner_;  // this process's name in leases
  RunnerCounters counters_;

  std::mutex mutex_;
  std::condition_variable wake_;
  uint64_t wakes_ = 0;
  bool stopping_ = false;
  std::set<std::string> held_;  // jobs this runner has claimed and not finished (renewed)
  std::vector<std::thread> threads_;
};

}  // namespace pictor::jobs
