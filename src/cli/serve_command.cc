// `pictor serve`: the HTTP service on the embedded defaults (files + SQLite under --data).
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/file_io.h"
#include "http/server.h"
#include "service/image_service.h"

namespace pictor::cli {

int serve_command(const ServeArgs& args, const Config& config) {
  const size_t colon = args.listen.rfind(':');
  http::ServerOptions options;
  try {
    if (colon == std::string::npos) throw std::invalid_argument("no port");
    options.host = args.listen.substr(0, colon);
    const int port = std::stoi(args.listen.substr(colon + 1));
    if (port < 0 || port > 65535) throw std::out_of_range("port");
    options.port = static_cast<uint16_t>(port);
  } catch (const std::exception&) {
    return report_error({ErrorCode::kConfigError, fmt::format("--listen takes HOST:PORT, got '{}'", args.listen)});
  }
  options.workers = args.workers;
  options.queue_capacity = static_cast<size_t>(args.queue);
  options.timeout = std::chrono::milliseconds(static_cast<int64_t>(args.timeout_seconds * 1000));
  Status init = initialize(config.engine);
  if (!init.ok()) return report_error(init);
  auto service = service::ImageService::open(config, args.data_dir);
  if (!service.ok()) return report_error(service.status());
  Status status = http::serve(**service, options);
  return status.ok() ? 0 : report_error(status);
}

}  // namespace pictor::cli
