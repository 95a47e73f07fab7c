// An output file or directory written under a hidden name beside its final one and renamed
// into place once complete, so that no reader ever sees half of it; whatever is left of a
// failed write is removed. An existing output is replaced only when asked.
#pragma once

#include <filesystem>

namespace gz::services {

class StagedOutput {
 public:
  // Throws UsageError when `final_path` exists and `force` is false, or its directory is missing.
  StagedOutput(const std::filesystem::path& final_path, bool force);
  ~StagedOutput();
  StagedOutput(const StagedOutput&) = delete;
  StagedOutput& operator=(const StagedOutput&) = delete;

  // Where to write: a path in the staging directory with the final output's name (drivers go
  // by the extension, Shapefiles by the base name).
  std::filesystem::path file_path();
  // Moves the finished output into place. A Shapefile's parts move one by one, the .shp last
  // (tools open a Shapefile by its .shp); a directory (File Geodatabase) moves whole.
  void publish();

 private:
  std::filesystem::path final_, temp_;
  bool published_ = false;
};

}  // namespace gz::services
