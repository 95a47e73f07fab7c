// Progress for long work: a redrawn bar on a terminal, plain lines (every 10%) otherwise.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace gz::cli {

class ProgressBar {
 public:
  explicit ProgressBar(std::string label);
  ~ProgressBar();
  void update(std::int64_t done, std::int64_t total);
  void finish();

 private:
  std::string label_;
  bool tty_;
  bool finished_ = false;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace gz::cli
