#include "common/data_dir.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/error.h"

namespace gz {

std::string data_dir() {
  if (const char* d = std::getenv("GONGZHI_DATA_DIR"); d && *d) return d;
  return GONGZHI_DATA_DIR;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace gz
