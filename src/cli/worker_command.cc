// `pictor worker`: runs analysis jobs and sends their callbacks from the queue in the data
// directory, beside (or instead of) the workers inside `pictor serve`. Stops on SIGINT/SIGTERM
// after the jobs it is running; jobs it had claimed but not started go back to the queue.
#include <fmt/format.h>
#include <signal.h>

#include <iostream>

#include "cli/commands.h"
#include "cli/file_io.h"
#include "jobs/runner.h"
#include "service/analysis_service.h"
#include "service/image_service.h"

namespace pictor::cli {

int worker_command(const WorkerArgs& args, const Config& file_config) {
  Config config = file_config;
  if (args.data_dir) config.server.data_dir = *args.data_dir;
  if (args.workers) config.jobs.workers = *args.workers;
  if (config.jobs.workers < 1)
    config.jobs.workers = 1;  // a worker process that runs no jobs is pointless
  // Blocked before any thread starts, so every thread inherits the mask and sigwait sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  Status init = initialize(config.engine);
  if (!init.ok()) return report_error(init);
  auto service = service::ImageService::open(config, config.server.data_dir);
  if (!service.ok()) return report_error(service.status());
  auto analyses = service::AnalysisService::open(**service, config.server.data_dir);
  if (!analyses.ok()) return report_error(analyses.status());
  jobs::Runner runner((*analyses)->store(), **analyses, (*analyses)->runner_options());
  runner.start();
  std::cout << fmt::format("pictor: worker {} on {} ({} analysis threads)", runner.owner(),
                           config.server.data_dir, config.jobs.workers)
            << std::endl;
  int signal = 0;
  sigwait(&stop_signals, &signal);
  std::cout << fmt::format("pictor: worker stopping (signal {})", signal) << std::endl;
  runner.stop();
  return 0;
}

}  // namespace pictor::cli
