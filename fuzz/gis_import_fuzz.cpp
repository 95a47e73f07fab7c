// libFuzzer harness: importing Shapefile, GeoPackage and GeoJSON bytes into a store through the
// import every user of `gongzhi import` runs (services::import_layer: GDAL reading, CRS to
// CGCS2000, geometry and attribute checks, one transaction), with the files in GDAL's /vsimem/.
//
// An input is a header byte and then files, each a record [tag][length: 4 bytes, little-endian]
// [bytes] (a length past the end takes what is left). The tag picks the file's extension: 0 .shp,
// 1 .shx, 2 .dbf, 3 .prj, 4 .cpg, 5 .gpkg, 6 .geojson (modulo 7). The import opens in.shp when
// there is one, else in.gpkg, else in.geojson. The header byte picks the layer kind (low nibble,
// modulo the kinds), --repair (bit 4) and --encoding GBK (bit 5). fuzz/corpus/gis_import holds
// real small files in this layout (fuzz/pack_gis_seed.py packs them).
//
// An import either stores a version or is refused with gz::Error (InputError naming the file,
// feature and reason); anything else escaping, or a crash, is a finding.
#include <cpl_vsi.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "common/error.h"
#include "fuzz/fuzz_world.h"
#include "services/import_layer.h"
#include "storage/store.h"

namespace {

using namespace gz;

constexpr const char* kExtensions[] = {".shp", ".shx", ".dbf", ".prj", ".cpg", ".gpkg", ".geojson"};

struct ImportWorld {
  std::string location;
  std::unique_ptr<storage::Store> store;
  int stored = 0;
};

// A store of the run's own; started afresh every 500 imports so a long run does not grow
// one database without end.
storage::Store& store() {
  static ImportWorld w;
  if (!w.store || w.stored >= 500) {
    w.store.reset();
    w.location = (std::filesystem::path(fuzz::run_directory()) / "import.sqlite").string();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(w.location + suffix);
    w.store = storage::Store::open(w.location, {.create = true});
    w.stored = 0;
  }
  ++w.stored;
  return *w.store;
}

std::uint32_t read_u32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 | std::uint32_t{p[3]} << 24;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t header = data[0];
  static int serial = 0;
  const std::string dir = "/vsimem/gongzhi-fuzz-" + std::to_string(++serial);
  VSIMkdir(dir.c_str(), 0755);
  bool present[7] = {};
  for (std::size_t pos = 1; pos + 5 <= size;) {
    int tag = data[pos] % 7;
    std::size_t length = read_u32(data + pos + 1);
    pos += 5;
    if (length > size - pos) length = size - pos;
    std::string path = dir + "/in" + kExtensions[tag];
    // A copy GDAL owns (and frees at VSIUnlink): a later record of the same name replaces it.
    auto* copy = static_cast<GByte*>(VSIMalloc(length ? length : 1));
    std::copy(data + pos, data + pos + length, copy);
    VSIFCloseL(VSIFileFromMemBuffer(path.c_str(), copy, length, TRUE));
    present[tag] = true;
    pos += length;
  }
  std::string main = present[0] ? "in.shp" : present[5] ? "in.gpkg" : present[6] ? "in.geojson" : "";
  if (!main.empty()) {
    const auto& kinds = all_layer_kinds();
    services::ImportRequest request;
    request.layer = "fuzz";
    request.kind = kinds[(header & 0x0f) % kinds.size()];
    request.source_path = dir + "/" + main;
    request.repair = header & 0x10;
    if (header & 0x20) request.source.encoding = "GBK";
    try {
      services::import_layer(store(), request);
    } catch (const gz::Error& e) {
      // A refusal a user sees: it must say what was wrong.
      if (std::string(e.what()).empty()) std::abort();
    }
  }
  VSIRmdirRecursive(dir.c_str());
  return 0;
}
