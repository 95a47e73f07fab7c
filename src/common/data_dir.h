// Where the data files (class table, rules, thresholds) are read from.
#pragma once

#include <string>

namespace gz {

// $GONGZHI_DATA_DIR if set, else the source tree's data/ the binary was built from.
std::string data_dir();
// Reads a whole file; throws Error naming the file when it cannot.
std::string read_file(const std::string& path);

}  // namespace gz
