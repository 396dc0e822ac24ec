#include "service/analysis_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/digest.h"
#include "jobs/callbacks.h"
#include "pictor/info.h"

namespace pictor::service {
namespace {

using nlohmann::json;
constexpr size_t kMaxMetadataBytes = 16 * 1024;
constexpr size_t kMaxIdempotencyKey = 255;

bool transient(ErrorCode code) {
  return code == ErrorCode::kTimeout || code == ErrorCode::kIoError ||
         code == ErrorCode::kNotReady || code == ErrorCode::kOverloaded;
}

std::string error_text(const Status& status) {
  return json{{"code", error_code_name(status.code())}, {"message", status.message()}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
}

// A failed run: retried later when the failure may pass (storage, time), else final.
jobs::RunOutcome failure(const jobs::Job& job, const Status& status) {
  jobs::RunOutcome outcome;
  outcome.error = error_text(status);
  if (!transient(status.code())) {
    outcome.kind = jobs::RunOutcome::Kind::kFailed;
    return outcome;
  }
  outcome.kind = jobs::RunOutcome::Kind::kRetry;
  const int64_t backoff = std::min<int64_t>(int64_t{1000} << std::min(job.attempts, 9), 300000);
  outcome.retry_at = jobs::now_ms() + backoff;
  return outcome;
}

Status invalid(std::string message) {
  return {ErrorCode::kInvalidValue, std::move(message)};
}

// "features": a list of names or one comma-separated string; sorted, without repeats.
Result<std::vector<std::string>> parse_feature_list(const json& value) {
  std::string text;
  if (value.is_string()) {
    text = value.get<std::string>();
  } else if (value.is_array()) {
    for (const json& item : value) {
      if (!item.is_string()) return invalid("features must be a list of names");
      text += (text.empty() ? "" : ",") + item.get<std::string>();
    }
  } else {
    return invalid("features must be a list of names");
  }
  if (text.empty())
    return Result<std::vector<std::string>>(ErrorCode::kMissingParameter,
                                            "features must name at least one extractor");
  auto names = parse_features(text);
  if (!names.ok()) return names.status();
  std::sort(names->begin(), names->end());
  names->erase(std::unique(names->begin(), names->end()), names->end());
  return names;
}

bool printable_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
}

json parse_or_null(const std::string& text) {
  if (text.empty()) return nullptr;
  json value = json::parse(text, nullptr, false);
  return value.is_discarded() ? json(nullptr) : value;
}

}  // namespace

AnalysisService::AnalysisService(ImageService& images, std::unique_ptr<jobs::JobStore> store,
                                 std::string server_secret, net::AddressPolicy policy)
    : images_(images),
      store_(std::move(store)),
      server_secret_(std::move(server_secret)),
      policy_(std::move(policy)) {}

Result<std::unique_ptr<AnalysisService>> AnalysisService::open(ImageService& images,
                                                               const std::string& data_dir) {
  const Config& config = images.config();
  auto policy = net::AddressPolicy::parse(config.net.allow_hosts);
  if (!policy.ok()) return policy.status();
  auto secret =
      jobs::load_or_create_secret(config.jobs.callback_secret, data_dir + "/callback_secret");
  if (!secret.ok()) return secret.status();
  auto store = jobs::open_sqlite_job_store(data_dir + "/pictor.db");
  if (!store.ok()) return store.status();
  return std::make_unique<AnalysisService>(images, std::move(store).value(),
                                           std::move(secret).value(), std::move(policy).value());
}

std::string AnalysisService::callback_secret(const std::string& api_key) const {
  return jobs::callback_secret_for(server_secret_, api_key);
}

jobs::RunnerOptions AnalysisService::runner_options() const {
  const JobsConfig& c = images_.config().jobs;
  jobs::RunnerOptions o;
  o.workers = c.workers;
  o.batch_size = c.batch_size;
  o.max_attempts = c.max_attempts;
  o.lease_ms = c.lease_ms;
  o.poll_ms = c.poll_ms;
  o.retry_delays_ms = c.retry_delays_ms;
  o.delivery_threads = c.delivery_threads;
  o.callback_timeout_ms = c.callback_timeout_ms;
  o.retention_ms = c.retention_hours * 3600 * 1000;
  o.policy = policy_;
  return o;
}

Result<std::vector<jobs::Job>> AnalysisService::parse_sources(const json& body) {
  const bool has_images = body.contains("images"), has_url = body.contains("url");
  if (has_images == has_url) {
    return Result<std::vector<jobs::Job>>(ErrorCode::kMissingParameter,
                                          "give either images (a list of ids) or url");
  }
  std::vector<jobs::Job> jobs;
  if (has_url) {
    if (!body["url"].is_string()) return invalid("url must be a string");
    const std::string url = body["url"].get<std::string>();
    PICTOR_RETURN_IF_ERROR(net::check_url(url, policy_));
    jobs.emplace_back().url = url;
    return jobs;
  }
  const json& images = body["images"];
  const int max = images_.config().jobs.max_images;
  if (!images.is_array() || images.empty())
    return invalid("images must be a non-empty list of image ids");
  if (static_cast<int>(images.size()) > max) {
    return invalid(fmt::format("{} images in one request; the limit is {} (jobs.max_images)",
                               images.size(), max));
  }
  for (const json& id : images) {
    if (!id.is_string()) return invalid("images must be a list of image ids");
    auto record = images_.find(id.get<std::string>());
    if (!record.ok()) {
      if (record.status().code() != ErrorCode::kNotFound) return record.status();
      return Result<std::vector<jobs::Job>>(
          ErrorCode::kNotFound, fmt::format("no image '{:.64}'", id.get<std::string>()));
    }
    jobs.emplace_back().image_id = record->id;
  }
  return jobs;
}

Result<jobs::Submitted> AnalysisService::submit(std::string_view text,
                                                const AnalysisCaller& caller) {
  const json body = json::parse(text, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return Result<jobs::Submitted>(ErrorCode::kBadRequest, "the body must be a JSON object");
  for (const auto& [key, value] : body.items()) {
    static const std::vector<std::string> kKnown = {"callback_url", "features", "images",
                                                    "metadata", "url"};
    if (std::find(kKnown.begin(), kKnown.end(), key) == kKnown.end()) {
      return Result<jobs::Submitted>(ErrorCode::kUnknownParameter,
                                     fmt::format("unknown field '{:.40}'", key));
    }
  }
  if (!body.contains("features"))
    return Result<jobs::Submitted>(ErrorCode::kMissingParameter, "features is required");
  auto features = parse_feature_list(body["features"]);
  if (!features.ok()) return features.status();
  std::string callback_url;
  if (body.contains("callback_url") && !body["callback_url"].is_null()) {
    if (!body["callback_url"].is_string()) return invalid("callback_url must be a string");
    callback_url = body["callback_url"].get<std::string>();
    PICTOR_RETURN_IF_ERROR(net::check_url(callback_url, policy_));
  }
  std::string metadata = "{}";
  if (body.contains("metadata") && !body["metadata"].is_null()) {
    if (!body["metadata"].is_object()) return invalid("metadata must be a JSON object");
    metadata = body["metadata"].dump(-1, ' ', false, json::error_handler_t::replace);
    if (metadata.size() > kMaxMetadataBytes)
      return invalid(fmt::format("metadata is over {} bytes", kMaxMetadataBytes));
  }
  const std::string& key = caller.idempotency_key;
  if (key.size() > kMaxIdempotencyKey || !printable_ascii(key)) {
    return invalid("Idempotency-Key is 1-255 printable ASCII characters");
  }
  auto sources = parse_sources(body);
  if (!sources.ok()) return sources.status();

  jobs::Submission submission;
  for (jobs::Job& job : *sources) {
    job.id = jobs::new_job_id();
    job.features = *features;
    job.callback_url = callback_url;
    job.metadata = metadata;
    job.secret = callback_secret(caller.api_key);
    submission.jobs.push_back(std::move(job));
  }
  if (!key.empty()) {
    submission.idempotency_key = key;
    submission.idempotency_owner = sha256_hex(std::string_view(caller.api_key)).substr(0, 16);
    // The parsed body, re-serialised: the same request with other spacing or key order is the same.
    submission.request_hash =
        sha256_hex(std::string_view(body.dump(-1, ' ', false, json::error_handler_t::replace)));
  }
  return queue(std::move(submission));
}

Result<jobs::Submitted> AnalysisService::queue(jobs::Submission submission) {
  auto submitted = store_->submit(submission);
  if (submitted.ok() && !submitted->replayed && notify_) notify_();
  return submitted;
}

Status AnalysisService::analyse_upload(const storage::ImageRecord& record) {
  const JobsConfig& config = images_.config().jobs;
  if (config.on_upload.empty()) return Status::Ok();
  jobs::Job job;
  job.id = jobs::new_job_id();
  job.image_id = record.id;
  job.features = config.on_upload;
  std::sort(job.features.begin(), job.features.end());
  job.callback_url = config.on_upload_callback;
  job.secret = callback_secret("");
  job.origin = "upload";
  jobs::Submission submission;
  submission.jobs.push_back(std::move(job));
  return queue(std::move(submission)).status();
}

Result<jobs::Job> AnalysisService::find(const std::string& id) {
  auto job = store_->find(id);
  if (!job.ok()) return job.status();
  if (!job->has_value())
    return Result<jobs::Job>(ErrorCode::kNotFound, "no analysis job with that id");
  return std::move(**job);
}

Result<jobs::Delivery> AnalysisService::redeliver(const std::string& id) {
  auto delivery = store_->redeliver(
      id, [this](const jobs::Job& job, const std::string& delivery_id, const std::string& event) {
        return callback_body(job, delivery_id, event);
      });
  if (delivery.ok() && notify_) notify_();
  return delivery;
}

jobs::RunOutcome AnalysisService::run(const jobs::Job& job) {
  return job.url.empty() ? run_on_image(job) : run_on_url(job);
}

jobs::RunOutcome AnalysisService::run_on_image(const jobs::Job& job) {
  auto record = images_.find(job.image_id);
  if (!record.ok()) return failure(job, record.status());
  auto info = images_.info(*record, job.features);
  if (!info.ok()) return failure(job, info.status());
  json result = {{"image_id", record->id}, {"sha256", record->sha256}};
  result.update(*info);
  return {jobs::RunOutcome::Kind::kSucceeded,
          result.dump(-1, ' ', false, json::error_handler_t::replace), "", 0};
}

jobs::RunOutcome AnalysisService::run_on_url(const jobs::Job& job) {
  const Config& config = images_.config();
  net::FetchLimits limits;
  limits.max_bytes = config.limits.max_input_bytes;
  limits.timeout = std::chrono::milliseconds(config.jobs.fetch_timeout_ms);
  auto bytes = net::fetch(job.url, limits, policy_);
  if (!bytes.ok()) return failure(job, bytes.status());
  auto info = extract_info(*bytes, {config.limits, job.features, false});
  if (!info.ok()) return failure(job, info.status());
  json result = {{"url", job.url},
                 {"sha256", sha256_hex(std::span<const uint8_t>(*bytes))},
                 {"bytes", bytes->size()}};
  result.update(*info);
  return {jobs::RunOutcome::Kind::kSucceeded,
          result.dump(-1, ' ', false, json::error_handler_t::replace), "", 0};
}

std::string AnalysisService::callback_body(const jobs::Job& job, const std::string& delivery_id,
                                           const std::string& event) {
  const json body = {{"type", event},
                     {"delivery_id", delivery_id},
                     {"created_at", jobs::now_ms() / 1000},
                     {"job", job_json(job, true)}};
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

json job_json(const jobs::Job& job, bool with_result) {
  auto seconds = [](std::optional<int64_t> ms) { return ms ? json(*ms / 1000) : json(nullptr); };
  json out = {{"id", job.id},
              {"state", jobs::job_state_name(job.state)},
              {"features", job.features},
              {"callback_url", job.callback_url.empty() ? json(nullptr) : json(job.callback_url)},
              {"metadata", parse_or_null(job.metadata)},
              {"origin", job.origin},
              {"attempts", job.attempts},
              {"created_at", job.created_at / 1000},
              {"started_at", seconds(job.started_at)},
              {"finished_at", seconds(job.finished_at)},
              {"status_url", "/v1/analyses/" + job.id}};
  if (job.url.empty())
    out["image_id"] = job.image_id;
  else
    out["url"] = job.url;
  json timings = json::object();
  if (job.started_at) timings["queued_ms"] = *job.started_at - job.created_at;
  if (job.started_at && job.finished_at) timings["run_ms"] = *job.finished_at - *job.started_at;
  if (job.finished_at) timings["total_ms"] = *job.finished_at - job.created_at;
  out["timings"] = timings;
  if (with_result) {
    if (job.state == jobs::JobState::kSucceeded) out["result"] = parse_or_null(job.result);
    // A queued job may carry the transient error its last run met (it will run again).
    if (!job.error.empty())
      out[job.state == jobs::JobState::kFailed ? "error" : "last_error"] = parse_or_null(job.error);
  }
  return out;
}

}  // namespace pictor::service
