// `pictor serve`: the HTTP service on the embedded defaults (files + SQLite under --data), and
// `pictor sign` for signed URLs.
#include <fmt/format.h>

#include <ctime>
#include <iostream>

#include "cli/commands.h"
#include "cli/file_io.h"
#include "http/auth.h"
#include "http/server.h"
#include "service/image_service.h"

namespace pictor::cli {

std::string settings_help() {
  std::string text =
      "Settings (config file given with --config as [section] key = value, or the environment variable):\n";
  for (const SettingDoc& s : describe_settings()) {
    text += fmt::format("  {:<30} {:<32} {:<16} default {}\n      {}\n", s.name, s.env, s.type, s.fallback, s.help);
  }
  text += "  types.NAME                     named thumbnail types: NAME = \"chain\" (config file only)\n";
  return text;
}

int serve_command(const ServeArgs& args, const Config& file_config) {
  Config config = file_config;
  ServerConfig& server = config.server;
  if (args.listen) server.listen = *args.listen;
  if (args.data_dir) server.data_dir = *args.data_dir;
  if (args.workers) server.workers = *args.workers;
  if (args.queue) server.queue = *args.queue;
  if (args.timeout_seconds) server.timeout_ms = static_cast<int64_t>(*args.timeout_seconds * 1000);

  http::ServerOptions options;
  const size_t colon = server.listen.rfind(':');
  try {
    if (colon == std::string::npos) throw std::invalid_argument("no port");
    options.host = server.listen.substr(0, colon);
    const int port = std::stoi(server.listen.substr(colon + 1));
    if (port < 0 || port > 65535) throw std::out_of_range("port");
    options.port = static_cast<uint16_t>(port);
  } catch (const std::exception&) {
    return report_error({ErrorCode::kConfigError, fmt::format("listen takes HOST:PORT, got '{}'", server.listen)});
  }
  options.workers = server.workers;
  options.queue_capacity = static_cast<size_t>(server.queue);
  options.timeout = std::chrono::milliseconds(server.timeout_ms);
  options.drain = std::chrono::milliseconds(server.drain_ms);
  options.log_format = server.log_format;
  Status init = initialize(config.engine);
  if (!init.ok()) return report_error(init);
  auto service = service::ImageService::open(config, server.data_dir);
  if (!service.ok()) return report_error(service.status());
  auto analyses = service::AnalysisService::open(**service, server.data_dir);
  if (!analyses.ok()) return report_error(analyses.status());
  // The analysis workers and callback senders run beside the HTTP workers (jobs.workers = 0
  // leaves analyses to `pictor worker` processes; callbacks are still sent from here).
  jobs::Runner runner((*analyses)->store(), **analyses, (*analyses)->runner_options());
  (*analyses)->on_submit([&runner] { runner.wake(); });
  (*analyses)->set_runner_counters(&runner.counters());
  runner.start();
  Status status = http::serve(**service, analyses->get(), options);
  runner.stop();  // after the drain: running jobs finish, claimed ones go back to the queue
  return status.ok() ? 0 : report_error(status);
}

int sign_command(const SignArgs& args, const Config& config) {
  if (args.target.empty() || args.target[0] != '/') {
    return report_error({ErrorCode::kInvalidValue, "the target is a path starting with /, e.g. /v1/images/ID?type=w320"});
  }
  const int64_t expires_at = args.expires_in > 0 ? static_cast<int64_t>(std::time(nullptr)) + args.expires_in : 0;
  auto signed_target = http::sign_target(config.server, args.target, expires_at);
  if (!signed_target.ok()) return report_error(signed_target.status());
  std::cout << *signed_target << "\n";
  return 0;
}

}  // namespace pictor::cli
