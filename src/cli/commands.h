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

int convert_command(const ConvertArgs& args, const Config& config);
int ops_command(const std::string& style);  // "text", "json" or "markdown"
int canon_command(const std::string& chain, const Config& config);
int plan_command(const std::string& input, const std::string& chain, const Config& config);

}  // namespace pictor::cli
