// Prometheus metrics of the server (prometheus-cpp core, served by our own /metrics route).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "cache/cache.h"
#include "jobs/job_store.h"
#include "jobs/runner.h"
#include "pictor/engine.h"

namespace prometheus {
class Registry;
}

namespace pictor::http {

class Metrics {
 public:
  Metrics();
  ~Metrics();

  // One finished request: its route label ("image", "thumbnail", "upload"...), method, status
  // and total time from header to response.
  void request(std::string_view route, std::string_view method, unsigned status, double seconds);
  // Time a request waited for a worker.
  void queued(double seconds);
  // Where a render's time went.
  void render(const Timings& timings);
  void set_queue_depth(size_t depth);
  void add_in_flight(int delta);

  // An upload stored whose background analysis could not be queued.
  void upload_analysis_not_queued();
  // The analysis queue's contents and what this process's runner did (null: no runner here).
  void jobs(const jobs::QueueCounts& queue, const jobs::RunnerCounters* runner);

  // The text exposition, with the cache counters brought up to date from `stats`.
  std::string scrape(const cache::Stats& stats);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pictor::http
