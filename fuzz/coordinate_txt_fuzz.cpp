// libFuzzer harness: the ministry's coordinate TXT (部标准格式 界址点坐标文件) as `gongzhi import`
// reads it: the file's bytes (GBK, UTF-8 or UTF-16, detected as for a user's file) decoded,
// parsed, the plots' rings assembled into polygons and transformed from the file's
// Gauss–Krüger zone to CGCS2000 (geo::CoordinateTxtSource), and every feature handed out.
// A file either reads or is refused with gz::Error naming the line and the reason; anything
// else escaping, or a crash, is a finding.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/error.h"
#include "fuzz/fuzz_world.h"
#include "geo/coordinate_txt_source.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = (std::filesystem::path(gz::fuzz::run_directory()) / "plots.txt").string();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    gz::geo::CoordinateTxtSource source(path, {});
    gz::geo::SourceFeature f;
    std::int64_t n = 0;
    while (source.next(f)) {
      if (f.geometry.is_null()) std::abort();  // every plot has rings
      ++n;
    }
    if (n != source.feature_count()) std::abort();
  } catch (const gz::Error& e) {
    if (std::string(e.what()).empty()) std::abort();
  }
  return 0;
}
