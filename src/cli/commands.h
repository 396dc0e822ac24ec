// The CLI's commands. Each returns the process exit status.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pictor/config.h"

namespace pictor::cli {

struct ConvertArgs {
  std::string input, output;
  std::string chain;  // --cmd
  std::string type;   // --type
  int jobs = 0;       // 0 = one per core
  double timeout_seconds = 0;  // 0 = none
  bool progress = true;
};

// Command-line values override the config file's [server] settings.
struct ServeArgs {
  std::optional<std::string> listen, data_dir;
  std::optional<int> workers, queue;
  std::optional<double> timeout_seconds;
};

// `pictor worker`: analysis jobs from the queue in --data, without the HTTP service.
struct WorkerArgs {
  std::optional<std::string> data_dir;
  std::optional<int> workers;  // jobs.workers
};

struct UploadArgs {
  std::vector<std::string> paths;  // files and directories
  std::string server = "http://127.0.0.1:8080";
  std::string key;   // API key; PICTOR_API_KEY when empty
  std::string tags;  // comma-separated, applied to every file
  int jobs = 4;
  bool progress = true;
};

struct SignArgs {
  std::string target;       // "/v1/images/ID?type=w320"
  int64_t expires_in = 0;   // seconds from now; 0 = no expiry
};

struct InfoArgs {
  std::string input;
  bool json = false;
  std::string features;  // comma-separated; empty = every extractor
  bool raw_tags = false;
};

struct SimilarArgs {
  std::string first, second;
  bool json = false;
};

int convert_command(const ConvertArgs& args, const Config& config);
int serve_command(const ServeArgs& args, const Config& config);
int upload_command(const UploadArgs& args);
int worker_command(const WorkerArgs& args, const Config& config);
int sign_command(const SignArgs& args, const Config& config);
// The settings table printed by `pictor serve --help`.
std::string settings_help();
int ops_command(const std::string& style);  // "text", "json" or "markdown"
int canon_command(const std::string& chain, const Config& config);
int plan_command(const std::string& input, const std::string& chain, const Config& config);
int info_command(const InfoArgs& args, const Config& config);
int similar_command(const SimilarArgs& args, const Config& config);

}  // namespace pictor::cli
