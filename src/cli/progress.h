// A progress bar on stderr for batch work; silent when stderr is not a terminal.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>

namespace pictor::cli {

class ProgressBar {
 public:
  ProgressBar(size_t total, bool enabled);
  void advance(bool failed);
  void finish();

 private:
  void draw();
  const size_t total_;
  const bool enabled_;
  std::atomic<size_t> done_{0}, failed_{0};
  std::mutex draw_mutex_;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace pictor::cli
