#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

namespace gz::cli {

ProgressBar::ProgressBar(std::string label)
    : label_(std::move(label)), tty_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() {
  if (tty_ && !finished_ && last_decile_ >= 0) std::fputc('\n', stderr);
}

void ProgressBar::update(std::int64_t done, std::int64_t total) {
  auto now = std::chrono::steady_clock::now();
  double secs = std::chrono::duration<double>(now - start_).count();
  if (tty_) {
    if (now - last_draw_ < std::chrono::milliseconds(100) && done != total) return;
    last_draw_ = now;
    last_decile_ = 0;
    if (total > 0) {
      int width = 30;
      int filled = static_cast<int>(width * done / total);
      std::string bar(filled, '#');
      bar.resize(width, '.');
      std::fprintf(stderr, "\r%s [%s] %3d%% %lld/%lld %.1fs", label_.c_str(), bar.c_str(),
                   static_cast<int>(100 * done / total), static_cast<long long>(done),
                   static_cast<long long>(total), secs);
    } else {
      std::fprintf(stderr, "\r%s %lld %.1fs", label_.c_str(), static_cast<long long>(done), secs);
    }
    std::fflush(stderr);
  } else {
    int decile = total > 0 ? static_cast<int>(10 * done / total) : -1;
    if (total > 0 && decile != last_decile_) {
      last_decile_ = decile;
      std::fprintf(stderr, "%s: %d%% (%lld/%lld) %.1fs\n", label_.c_str(), decile * 10,
                   static_cast<long long>(done), static_cast<long long>(total), secs);
    }
  }
}

void ProgressBar::finish() {
  if (tty_ && last_decile_ >= 0 && !finished_) std::fputc('\n', stderr);
  finished_ = true;
}

}  // namespace gz::cli
