#include "cli/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace pictor::cli {

ProgressBar::ProgressBar(size_t total, bool enabled)
    : total_(total), enabled_(enabled && ::isatty(STDERR_FILENO)) {}

void ProgressBar::advance(bool failed) {
  ++done_;
  if (failed) ++failed_;
  if (!enabled_) return;
  std::lock_guard lock(draw_mutex_);
  const auto now = std::chrono::steady_clock::now();
  // Redraw at most 20 times a second; the terminal is slower than the work.
  if (done_ < total_ && now - last_draw_ < std::chrono::milliseconds(50)) return;
  last_draw_ = now;
  draw();
}

void ProgressBar::draw() {
  constexpr int kWidth = 30;
  const size_t done = done_;
  const int filled = total_ ? static_cast<int>(kWidth * done / total_) : kWidth;
  std::fputs(fmt::format("\r[{}{}] {}/{}{}", std::string(filled, '#'),
                         std::string(kWidth - filled, ' '), done, total_,
                         failed_ ? fmt::format(", {} failed", failed_.load()) : "")
                 .c_str(),
             stderr);
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (!enabled_) return;
  std::lock_guard lock(draw_mutex_);
  draw();
  std::fputs("\n", stderr);
}

}  // namespace pictor::cli
