// The routes: a complete request in, a response out. Runs on a worker thread; knows HTTP
// semantics (status codes, headers, JSON shapes) but no pixel code, which is in the service.
#pragma once

#include <boost/beast/http.hpp>

#include <chrono>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <string>

#include "http/metrics.h"
#include "pictor/config.h"
#include "service/analysis_service.h"
#include "service/image_service.h"

namespace pictor::http {

using Response = boost::beast::http::response<boost::beast::http::vector_body<uint8_t>>;

// What the router needs from a request (the transport has already read the body to a file).
struct Request {
  std::string method;  // "GET"...
  std::string target;  // raw path and query
  std::string if_none_match, accept, authorization, api_key, content_type, idempotency_key;
  std::string body_path;  // POST bodies: the file the body was streamed into
  bool loopback_listener = false;
  bool draining = false;  // the server is shutting down (readiness says so)
};

struct Routed {
  Response response;
  std::string route;  // metrics label: "image", "thumbnail", "upload", "list", "delete"...
  std::string cache;  // "memory", "disk", "miss", "coalesced" or "" when no derivative
  std::string error;  // the error code when the response is an error
};

class Router {
 public:
  // `analyses` may be null: the analysis routes then answer 404.
  Router(service::ImageService& service, service::AnalysisService* analyses, Metrics& metrics,
         std::chrono::milliseconds timeout)
      : service_(service), analyses_(analyses), metrics_(metrics), timeout_(timeout) {}

  Routed handle(const Request& request);

  // Answers a repeated thumbnail request whose bytes are in the memory cache, without the
  // database, the planner or a worker: cheap enough for an I/O thread. nullopt when the request
  // must take the normal path (first time, evicted, signed, keyed reads...).
  std::optional<Routed> fast_hit(const Request& request);

 private:
  // What identifies a thumbnail request's answer, remembered by raw target (and Accept when the
  // format is negotiated) once it has been served.
  struct Memo {
    std::string id, cache_key, etag, decoded;
    bool vary = false;
  };
  static std::string memo_key(const Request& request);
  void remember(const Request& request, Memo memo);
  void forget(const std::string& id);

  Routed route(const Request& request);
  Routed upload(const Request& request);
  Routed list(const Request& request);
  Routed image(const Request& request, const std::string& id, const std::string& rest);
  Routed derivative(const Request& request, const storage::ImageRecord& record, const std::string& chain_text,
                    bool is_type);
  Routed original(const Request& request, const storage::ImageRecord& record);
  // POST/GET /v1/analyses, GET/DELETE /v1/analyses/{id}, POST /v1/analyses/{id}/redeliver,
  // GET /v1/callback-secret (analyses_routes.cc).
  Routed analyses(const Request& request);
  Routed callback_secret(const Request& request);

  service::ImageService& service_;
  service::AnalysisService* analyses_;
  Metrics& metrics_;
  const std::chrono::milliseconds timeout_;
  std::mutex memo_mutex_;
  std::unordered_map<std::string, Memo> memo_;
};

// The error body every route uses: {"error": {"code": "...", "message": "..."}}.
Response error_response(const Status& status);

}  // namespace pictor::http
