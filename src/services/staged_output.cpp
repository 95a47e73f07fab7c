#include "services/staged_output.h"

#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/error.h"

namespace gz::services {

namespace fs = std::filesystem;

StagedOutput::StagedOutput(const fs::path& final_path, bool force) : final_(final_path) {
  if (final_.filename().empty()) throw UsageError("--output needs a file name");
  fs::path dir = final_.parent_path().empty() ? fs::path(".") : final_.parent_path();
  if (!fs::is_directory(dir))
    throw UsageError("the directory of --output " + final_.string() + " does not exist");
  if (fs::exists(final_) && !force)
    throw UsageError(final_.string() + " exists; pass --force to replace it");
  temp_ = dir / ("." + final_.filename().string() + ".partial-" + std::to_string(getpid()));
  fs::remove_all(temp_);
}

StagedOutput::~StagedOutput() {
  std::error_code ec;
  if (!published_) fs::remove_all(temp_, ec);
}

fs::path StagedOutput::file_path() {
  fs::create_directories(temp_);
  return temp_ / final_.filename();
}

void StagedOutput::publish() {
  fs::path built = temp_ / final_.filename();
  fs::path dir = temp_.parent_path();
  if (fs::is_directory(built)) {
    if (fs::exists(final_)) fs::rename(final_, temp_ / ".replaced");
    fs::rename(built, final_);
  } else {
    std::vector<fs::path> parts;
    for (const auto& e : fs::directory_iterator(temp_)) parts.push_back(e.path());
    std::stable_partition(parts.begin(), parts.end(),
                          [&](const fs::path& p) { return p.filename() != final_.filename(); });
    for (const auto& p : parts) fs::rename(p, dir / p.filename());
  }
  published_ = true;
  std::error_code ec;
  fs::remove_all(temp_, ec);
}

}  // namespace gz::services
