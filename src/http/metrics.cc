#include "http/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <sstream>
#include <unordered_map>

namespace pictor::http {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

namespace {

// Seconds, from 1 ms (a cache hit) to 10 s (the default deadline).
prometheus::Histogram::BucketBoundaries latency_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

}  // namespace

struct Metrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& requests =
      BuildCounter().Name("pictor_requests_total").Help("HTTP requests by route, method and status").Register(*registry);
  prometheus::Family<prometheus::Histogram>& latency =
      BuildHistogram().Name("pictor_request_duration_seconds").Help("Time from request header to response, by route").Register(*registry);
  prometheus::Family<prometheus::Histogram>& phases =
      BuildHistogram().Name("pictor_phase_duration_seconds").Help("Time in each phase: queue, decode, process, encode").Register(*registry);
  prometheus::Family<prometheus::Counter>& cache =
      BuildCounter().Name("pictor_cache_lookups_total").Help("Derivative cache lookups by result").Register(*registry);
  prometheus::Family<prometheus::Gauge>& cache_bytes =
      BuildGauge().Name("pictor_cache_bytes").Help("Bytes held by each cache tier").Register(*registry);
  prometheus::Family<prometheus::Gauge>& cache_entries =
      BuildGauge().Name("pictor_cache_entries").Help("Entries held by each cache tier").Register(*registry);
  prometheus::Counter& evictions =
      BuildCounter().Name("pictor_cache_evictions_total").Help("Cache entries evicted to stay in bounds").Register(*registry).Add({});
  prometheus::Gauge& queue_depth =
      BuildGauge().Name("pictor_queue_depth").Help("Requests waiting for a worker").Register(*registry).Add({});
  prometheus::Gauge& in_flight =
      BuildGauge().Name("pictor_requests_in_flight").Help("Requests between header and response").Register(*registry).Add({});

  prometheus::Family<prometheus::Gauge>& jobs =
      BuildGauge().Name("pictor_jobs").Help("Analysis jobs in the queue by state").Register(*registry);
  prometheus::Family<prometheus::Gauge>& deliveries =
      BuildGauge().Name("pictor_callback_deliveries").Help("Callback deliveries by state (dead: gave up)").Register(*registry);
  prometheus::Family<prometheus::Counter>& runs =
      BuildCounter().Name("pictor_job_runs_total").Help("Job runs finished by this process, by outcome").Register(*registry);
  prometheus::Family<prometheus::Counter>& attempts =
      BuildCounter().Name("pictor_callback_attempts_total").Help("Callback attempts by this process, by outcome").Register(*registry);
  prometheus::Counter& upload_analyses_lost =
      BuildCounter().Name("pictor_upload_analyses_not_queued_total").Help("Uploads whose background analysis could not be queued").Register(*registry).Add({});
  std::unordered_map<std::string, int64_t> last_runner;  // counters catch up at scrape time

  prometheus::Histogram& phase(const std::string& name) { return phases.Add({{"phase", name}}, latency_buckets()); }

  std::mutex mutex;  // guards `last` (counters catch up with cache stats at scrape time)
  cache::Stats last;

  // The per-request series, found by a short key instead of building label maps every time
  // (Family::Add hashes a std::map of labels: measurable on the cache-hit path).
  struct Series {
    prometheus::Counter* requests;
    prometheus::Histogram* latency;
  };
  std::mutex series_mutex;
  std::unordered_map<std::string, Series> series;
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

void Metrics::request(std::string_view route, std::string_view method, unsigned status, double seconds) {
  std::string key;
  key.reserve(route.size() + method.size() + 8);
  key.append(route).append(1, ' ').append(method).append(1, ' ').append(std::to_string(status));
  Impl::Series series;
  {
    std::lock_guard lock(impl_->series_mutex);
    auto it = impl_->series.find(key);
    if (it == impl_->series.end()) {
      Impl::Series created{
          &impl_->requests.Add({{"route", std::string(route)}, {"method", std::string(method)}, {"status", std::to_string(status)}}),
          &impl_->latency.Add({{"route", std::string(route)}}, latency_buckets())};
      it = impl_->series.emplace(std::move(key), created).first;
    }
    series = it->second;
  }
  series.requests->Increment();
  series.latency->Observe(seconds);
}

void Metrics::queued(double seconds) { impl_->phase("queue").Observe(seconds); }

void Metrics::render(const Timings& t) {
  impl_->phase("decode").Observe(t.load_ms / 1000);
  impl_->phase("process").Observe(t.process_ms / 1000);
  impl_->phase("encode").Observe(t.encode_ms / 1000);
}

void Metrics::set_queue_depth(size_t depth) { impl_->queue_depth.Set(static_cast<double>(depth)); }
void Metrics::add_in_flight(int delta) { impl_->in_flight.Increment(delta); }

void Metrics::upload_analysis_not_queued() { impl_->upload_analyses_lost.Increment(); }

void Metrics::jobs(const jobs::QueueCounts& q, const jobs::RunnerCounters* runner) {
  std::lock_guard lock(impl_->mutex);
  const std::pair<const char*, int64_t> states[] = {{"queued", q.queued},       {"running", q.running},
                                                    {"succeeded", q.succeeded}, {"failed", q.failed},
                                                    {"canceled", q.canceled}};
  for (const auto& [name, n] : states) impl_->jobs.Add({{"state", name}}).Set(static_cast<double>(n));
  impl_->deliveries.Add({{"state", "pending"}}).Set(static_cast<double>(q.deliveries_pending));
  impl_->deliveries.Add({{"state", "delivered"}}).Set(static_cast<double>(q.deliveries_delivered));
  impl_->deliveries.Add({{"state", "dead"}}).Set(static_cast<double>(q.deliveries_dead));
  if (!runner) return;
  auto catch_up = [&](prometheus::Family<prometheus::Counter>& family, const char* outcome, int64_t now) {
    int64_t& before = impl_->last_runner[std::string(family.GetName()) + outcome];
    prometheus::Counter& counter = family.Add({{"outcome", outcome}});
    if (now > before) counter.Increment(static_cast<double>(now - before));
    before = now;
  };
  catch_up(impl_->runs, "succeeded", runner->runs_succeeded);
  catch_up(impl_->runs, "failed", runner->runs_failed);
  catch_up(impl_->runs, "retried", runner->runs_retried);
  catch_up(impl_->runs, "lease_lost", runner->leases_lost);
  catch_up(impl_->attempts, "delivered", runner->deliveries_ok);
  catch_up(impl_->attempts, "failed", runner->deliveries_failed);
  catch_up(impl_->attempts, "dead", runner->deliveries_dead);
}

std::string Metrics::scrape(const cache::Stats& s) {
  {
    std::lock_guard lock(impl_->mutex);
    cache::Stats& last = impl_->last;
    auto catch_up = [&](const char* result, uint64_t now, uint64_t& before) {
      if (now > before) impl_->cache.Add({{"result", result}}).Increment(static_cast<double>(now - before));
      else impl_->cache.Add({{"result", result}});  // present from the start, at 0
      before = now;
    };
    catch_up("memory_hit", s.memory_hits, last.memory_hits);
    catch_up("disk_hit", s.disk_hits, last.disk_hits);
    catch_up("miss", s.misses, last.misses);
    catch_up("coalesced", s.coalesced, last.coalesced);
    if (s.evictions > last.evictions) impl_->evictions.Increment(static_cast<double>(s.evictions - last.evictions));
    last.evictions = s.evictions;
    impl_->cache_bytes.Add({{"tier", "memory"}}).Set(static_cast<double>(s.memory_bytes));
    impl_->cache_bytes.Add({{"tier", "disk"}}).Set(static_cast<double>(s.disk_bytes));
    impl_->cache_entries.Add({{"tier", "memory"}}).Set(static_cast<double>(s.memory_entries));
    impl_->cache_entries.Add({{"tier", "disk"}}).Set(static_cast<double>(s.disk_entries));
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, impl_->registry->Collect());
  return out.str();
}

}  // namespace pictor::http
