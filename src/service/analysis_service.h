// Background analyses (docs/analyses.md): what POST /v1/analyses accepts, how a job runs (the
// info extractors on a stored image or on a downloaded URL) and what its callback says. The
// queue itself is jobs::JobStore; the threads are jobs::Runner. No HTTP types here.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "jobs/job_store.h"
#include "jobs/runner.h"
#include "net/http_client.h"
#include "service/image_service.h"

namespace pictor::service {

// The caller's part of a submission.
struct AnalysisCaller {
  std::string api_key;          // the key presented ("" without one): picks the callback secret
  std::string idempotency_key;  // the Idempotency-Key header ("" without one)
};

class AnalysisService final : public jobs::Analyzer {
 public:
  AnalysisService(ImageService& images, std::unique_ptr<jobs::JobStore> store,
                  std::string server_secret, net::AddressPolicy policy);

  // Opens the queue in DATA/pictor.db and the callback secret (jobs.callback_secret, else
  // DATA/callback_secret, created on first start).
  static Result<std::unique_ptr<AnalysisService>> open(ImageService& images,
                                                       const std::string& data_dir);

  // Validates a POST /v1/analyses body and queues one job per source, all or none.
  Result<jobs::Submitted> submit(std::string_view body, const AnalysisCaller& caller);
  // Queues the configured on-upload analysis of a new image (jobs.on_upload), if any.
  Status analyse_upload(const storage::ImageRecord& record);

  Result<jobs::Job> find(const std::string& id);
  Result<jobs::JobPage> list(const jobs::JobQuery& query) { return store_->list(query); }
  Result<jobs::Job> cancel(const std::string& id) { return store_->cancel(id); }
  Result<jobs::Delivery> redeliver(const std::string& id);
  Result<jobs::QueueCounts> counts() { return store_->counts(); }

  // The secret that signs callbacks of jobs submitted with `api_key`.
  std::string callback_secret(const std::string& api_key) const;

  // Called after jobs are queued in this process (the runner's wake-up).
  void on_submit(std::function<void()> notify) { notify_ = std::move(notify); }

  jobs::JobStore& store() { return *store_; }
  // The counters of the runner working this process's share of the queue (for /metrics).
  void set_runner_counters(const jobs::RunnerCounters* counters) { counters_ = counters; }
  const jobs::RunnerCounters* runner_counters() const { return counters_; }
  // The runner settings from the configuration.
  jobs::RunnerOptions runner_options() const;

  // jobs::Analyzer
  jobs::RunOutcome run(const jobs::Job& job) override;
  std::string callback_body(const jobs::Job& job, const std::string& delivery_id,
                            const std::string& event) override;

 private:
  Result<std::vector<jobs::Job>> parse_sources(const nlohmann::json& body);
  jobs::RunOutcome run_on_image(const jobs::Job& job);
  jobs::RunOutcome run_on_url(const jobs::Job& job);
  Result<jobs::Submitted> queue(jobs::Submission submission);

  ImageService& images_;
  std::unique_ptr<jobs::JobStore> store_;
  const std::string server_secret_;
  const net::AddressPolicy policy_;
  std::function<void()> notify_;
  const jobs::RunnerCounters* counters_ = nullptr;
};

// A job as the API shows it (GET /v1/analyses/{id} and callbacks): `with_result` adds the result
// (or error) and the deliveries.
nlohmann::json job_json(const jobs::Job& job, bool with_result);

}  // namespace pictor::service
