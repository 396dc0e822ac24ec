// The analysis routes (docs/analyses.md): HTTP in and out, the rest in service::AnalysisService.
// Every one needs write access (an API key, or loopback without keys): jobs carry callback URLs
// and the caller's metadata, which are nobody else's business.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "http/auth.h"
#include "http/responses.h"
#include "http/router.h"

namespace pictor::http {
namespace {

namespace bhttp = boost::beast::http;
using json = nlohmann::json;
constexpr uintmax_t kMaxBody = 1 << 20;

json delivery_json(const jobs::Delivery& d) {
  return {
      {"id", d.id},
      {"event", d.event},
      {"url", d.url},
      {"state", jobs::delivery_state_name(d.state)},
      {"attempts", d.attempts},
      {"last_status", d.last_status ? json(*d.last_status) : json(nullptr)},
      {"last_error", d.last_error.empty() ? json(nullptr) : json(d.last_error)},
      {"next_attempt_at",
       d.state == jobs::DeliveryState::kPending ? json(d.next_attempt_at / 1000) : json(nullptr)},
      {"created_at", d.created_at / 1000},
      {"delivered_at", d.delivered_at ? json(*d.delivered_at / 1000) : json(nullptr)}};
}

json full_job_json(const jobs::Job& job) {
  json out = service::job_json(job, true);
  json deliveries = json::array();
  for (const jobs::Delivery& d : job.deliveries) deliveries.push_back(delivery_json(d));
  out["deliveries"] = deliveries;
  return out;
}

Result<std::string> read_body(const std::string& path) {
  std::error_code ec;
  const uintmax_t size = path.empty() ? 0 : std::filesystem::file_size(path, ec);
  if (ec || size == 0)
    return Result<std::string>(ErrorCode::kBadRequest, "the body must be a JSON object");
  if (size > kMaxBody)
    return Result<std::string>(ErrorCode::kInputTooLarge,
                               fmt::format("the body is over {} bytes", kMaxBody));
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Routed Router::analyses(const Request& request) {
  const char* route = "analyses";
  if (!analyses_)
    return failed(route, {ErrorCode::kNotFound, "analyses are not enabled on this server"});
  const std::string key = presented_key(request.authorization, request.api_key);
  Status allowed = authorize_write(service_.config().server, key, request.loopback_listener);
  if (!allowed.ok()) return failed(route, allowed);
  const Target target = parse_target(request.target);
  const std::string& m = request.method;
  const bool read = m == "GET" || m == "HEAD";

  if (target.path == "/v1/analyses") {
    if (m == "POST") {
      if (auto name = target.unknown({})) return failed(route, unknown_parameter(*name));
      auto body = read_body(request.body_path);
      if (!body.ok()) return failed(route, body.status());
      auto submitted = analyses_->submit(*body, {key, request.idempotency_key});
      if (!submitted.ok()) return failed(route, submitted.status());
      json jobs = json::array();
      for (const std::string& id : submitted->job_ids) {
        auto job = analyses_->find(id);
        if (!job.ok()) return failed(route, job.status());
        jobs.push_back(service::job_json(*job, false));
      }
      Routed r{json_response(202, {{"jobs", jobs}}), route, "", ""};
      if (jobs.size() == 1)
        r.response.set(bhttp::field::location, "/v1/analyses/" + submitted->job_ids[0]);
      if (submitted->replayed) r.response.set("Idempotent-Replayed", "true");
      return r;
    }
    if (!read)
      return failed(route, {ErrorCode::kMethodNotAllowed, "use POST to submit or GET to list"});
    if (auto name = target.unknown({"state", "delivery", "image_id", "limit", "cursor"})) {
      return failed(route, unknown_parameter(*name));
    }
    jobs::JobQuery query;
    if (auto state = target.param("state")) {
      query.state = jobs::job_state_from_name(*state);
      if (!query.state)
        return failed(route, {ErrorCode::kInvalidValue,
                              "state is queued, running, succeeded, failed or canceled"});
    }
    if (auto delivery = target.param("delivery")) {
      query.delivery = jobs::delivery_state_from_name(*delivery);
      if (!query.delivery)
        return failed(route, {ErrorCode::kInvalidValue, "delivery is pending, delivered or dead"});
    }
    query.image_id = target.param("image_id");
    query.cursor = target.param("cursor");
    auto limit = limit_param(target);
    if (!limit.ok()) return failed(route, limit.status());
    query.limit = *limit;
    auto page = analyses_->list(query);
    if (!page.ok()) return failed(route, page.status());
    json jobs = json::array();
    for (const jobs::Job& job : page->jobs) jobs.push_back(service::job_json(job, false));
    return {json_response(200, {{"jobs", jobs},
                                {"next_cursor",
                                 page->next_cursor ? json(*page->next_cursor) : json(nullptr)}}),
            route, "", ""};
  }

  const std::string rest = target.path.substr(std::string_view("/v1/analyses/").size());
  const size_t slash = rest.find('/');
  const std::string id = rest.substr(0, slash),
                    action = slash == std::string::npos ? "" : rest.substr(slash + 1);
  if (auto name = target.unknown({})) return failed(route, unknown_parameter(*name));
  if (action == "redeliver") {
    if (m != "POST") return failed(route, {ErrorCode::kMethodNotAllowed, "use POST to redeliver"});
    auto delivery = analyses_->redeliver(id);
    if (!delivery.ok()) return failed(route, delivery.status());
    return {json_response(202, {{"delivery", delivery_json(*delivery)}}), route, "", ""};
  }
  if (!action.empty())
    return failed(route, {ErrorCode::kNotFound, "no such route: " + target.path.substr(0, 200)});
  if (m == "DELETE") {
    auto job = analyses_->cancel(id);
    if (!job.ok()) return failed(route, job.status());
    return {json_response(200, {{"job", service::job_json(*job, true)}}), route, "", ""};
  }
  if (!read)
    return failed(route, {ErrorCode::kMethodNotAllowed, "use GET, DELETE or POST .../redeliver"});
  auto job = analyses_->find(id);
  if (!job.ok()) return failed(route, job.status());
  return {json_response(200, full_job_json(*job)), route, "", ""};
}

Routed Router::callback_secret(const Request& request) {
  const char* route = "callback_secret";
  if (!analyses_)
    return failed(route, {ErrorCode::kNotFound, "analyses are not enabled on this server"});
  const std::string key = presented_key(request.authorization, request.api_key);
  Status allowed = authorize_write(service_.config().server, key, request.loopback_listener);
  if (!allowed.ok()) return failed(route, allowed);
  if (request.method != "GET") return failed(route, {ErrorCode::kMethodNotAllowed, "use GET"});
  return {json_response(
              200, {{"secret", analyses_->callback_secret(key)},
                    {"header", "Pictor-Signature"},
                    {"scheme", "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"<t>.<body>\")>"}}),
          route, "", ""};
}

}  // namespace pictor::http
