// The CLI's commands. Each returns the process exit status.
#pragma once

#include <string>

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

struct ServeArgs {
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "data";
  int workers = 0;  // 0 = one per core
  int queue = 64;
  double timeout_seconds = 10;
};

int convert_command(const ConvertArgs& args, const Config& config);
int serve_command(const ServeArgs& args, const Config& config);
int ops_command(const std::string& style);  // "text", "json" or "markdown"
int canon_command(const std::string& chain, const Config& config);
int plan_command(const std::string& input, const std::string& chain, const Config& config);

}  // namespace pictor::cli
