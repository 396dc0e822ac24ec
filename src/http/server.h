// The HTTP server (Boost.Beast): I/O threads read requests and write responses; the routes run
// on a bounded worker pool, and a full queue answers 429. No pixel code lives here.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "pictor/status.h"
#include "service/analysis_service.h"
#include "service/image_service.h"

namespace pictor::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  int io_threads = 1;
  int workers = 0;                           // 0 = one per core
  size_t queue_capacity = 64;                // requests waiting for a worker before 429
  std::chrono::milliseconds timeout{10000};  // per-request processing deadline
  std::chrono::milliseconds drain{30000};    // on SIGTERM/SIGINT: time for in-flight requests
  std::string log_format = "json";           // json | text | off
};

// Runs until SIGINT/SIGTERM, then stops accepting, lets in-flight requests finish (up to
// `drain`) and returns. Prints the URL once listening. Fails when it cannot listen.
// `analyses` (may be null) serves the analysis routes; its jobs run elsewhere (jobs::Runner).
Status serve(service::ImageService& service, service::AnalysisService* analyses, const ServerOptions& options);

}  // namespace pictor::http
