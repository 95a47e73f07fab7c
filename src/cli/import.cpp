// gongzhi import: a GIS file becomes a new version of a layer.
#include <filesystem>
#include <memory>
#include <optional>
#include <iostream>

#include "cli/command.h"
#include "common/error.h"
#include "cli/acting_user.h"
#include "cli/progress.h"
#include "services/imagery.h"
#include "services/import_layer.h"
#include "services/village_figures.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"
#include "storage/imagery_store.h"
#include "storage/postgres/pg_store.h"
#include "storage/store.h"

namespace gz::cli {

namespace {
struct Options {
    std::string db, layer, kind, source, encoding, srs, source_layer, towgs84;
    bool repair = false;
    // --kind imagery
    std::string date, bands, format = "webp";
    int tile_size = 256, quality = 85;
    std::optional<int> min_zoom, max_zoom;
};

std::vector<int> parse_bands(const std::string& text) {
  std::vector<int> bands;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto end = text.find(',', pos);
    if (end == std::string::npos) end = text.size();
    auto item = text.substr(pos, end - pos);
    if (item.empty() || item.size() > 3 || item.find_first_not_of("0123456789") != std::string::npos)
      throw UsageError("--bands takes band numbers separated by commas, e.g. 3,2,1");
    bands.push_back(std::stoi(item));
    pos = end + 1;
  }
  return bands;
}

int import_imagery_file(const Options& o) {
  const bool dem = o.kind == "dem";
  if (o.date.empty())
    throw UsageError("--kind " + o.kind + " needs --date YYYY-MM (the date it shows)");
  services::ImageryImport r;
  r.layer = o.layer;
  r.date = o.date;
  r.source_path = o.source;
  if (!o.bands.empty()) r.options.bands = parse_bands(o.bands);
  r.options.assume_srs = o.srs;
  r.options.format = o.format;
  r.options.tile_size = o.tile_size;
  r.options.quality = o.quality;
  r.options.min_zoom = o.min_zoom;
  r.options.max_zoom = o.max_zoom;
  storage::validate_layer_name(r.layer);
  services::validate_imagery_date(r.date);
  // A first import makes an empty store (layer tables only) and then adds the imagery to it.
  if (!storage::is_postgres_location(o.db) && !std::filesystem::exists(o.db))
    storage::Store::create(o.db, [](storage::Store&) {});
  auto store = storage::ImageryStore::open(o.db);
  // A large source without overviews has them built first (on a temporary copy).
  std::unique_ptr<ProgressBar> overviews;
  r.options.on_overviews = [&](double fraction) {
    if (!overviews) overviews = std::make_unique<ProgressBar>("overviews " + o.layer);
    overviews->update(static_cast<std::int64_t>(fraction * 1000), 1000);
    if (fraction >= 1.0) overviews->finish();
  };
  ProgressBar bar("import " + o.layer + " " + o.date);
  auto progress = [&](auto done, auto total) { bar.update(done, total); };
  auto versions = dem ? services::import_dem(*store, r, progress)
                      : std::vector{services::import_imagery(*store, r, progress)};
  bar.finish();
  for (const auto& v : versions)
    std::cout << "imported " << v.kind << " '" << v.layer << "' " << v.date << ": " << v.tiles
              << " tiles (" << v.bytes / 1024 << " KiB " << v.format << ", zoom " << v.min_zoom
              << "-" << v.max_zoom << ", from " << v.source_srs << " to EPSG:3857)\n";
  return kExitOk;
}
// The villages' people and economy: a new version of the whole table, or nothing.
int import_village_figures(const Options& o) {
  if (!storage::is_postgres_location(o.db) && !std::filesystem::exists(o.db))
    throw UsageError("--db " + o.db + " does not exist: import the region layer and the regions "
                     "(gongzhi admin import-regions) first");
  auto identity = storage::IdentityStore::open(o.db);
  auto projects = storage::ProjectStore::open(o.db);
  services::VillageFigureService figures(*projects, *identity);
  auto v = figures.import_file(o.source, acting_user(o.db, "").username, o.encoding);
  std::cout << "imported village figures version " << v.version << ": " << v.rows
            << " rows from " << v.source << "\n";
  return kExitOk;
}
}  // namespace

void add_import_command(CLI::App& app, Action& action) {
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "import",
      "Import a Shapefile, GeoPackage, GeoJSON, File Geodatabase or the ministry's coordinate TXT\n"
      "(部标准格式 界址点坐标, .txt) as a new version of a layer.\n"
      "Reprojects to CGCS2000 (EPSG:4490), validates every geometry, and stores everything in\n"
      "one transaction: on any error nothing is stored.\n"
      "--kind imagery --date YYYY-MM imports an orthoimage (GeoTIFF / COG, any CRS, 8-bit RGB(A))\n"
      "as a Web Mercator tile pyramid of that date (docs/imagery.md).\n"
      "--kind village-figures imports the villages' people and economy (人口经济: xlsx, ods or\n"
      "csv in GBK or UTF-8, by 12-digit village code and year) as a new version "
      "(docs/village_figures.md).");
  cmd->add_option("--db", o->db,
                  "SQLite database file (created when missing), or a PostgreSQL database: "
                  "pg:CONNINFO or postgresql://…")
      ->required();
  cmd->add_option("--layer", o->layer,
                  "layer name (letters, digits, _ or -); not for --kind village-figures");
  cmd->add_option("--kind", o->kind,
                  "land_use, ecological_redline, permanent_basic_farmland, "
                  "urban_development_boundary, village_plan, consolidation_unit, project, parcel, "
                  "region, imagery (orthoimage tiles), dem (terrain and slope tiles), "
                  "village-figures (人口经济 table)")
      ->required();
  cmd->add_option("source", o->source, "file to import")->required();
  cmd->add_option("--encoding", o->encoding,
                  "text encoding of a Shapefile without .cpg, or of a coordinate TXT (detected "
                  "otherwise: UTF-16/UTF-8 BOM, UTF-8, else GBK), e.g. GBK");
  cmd->add_option("--srs", o->srs,
                  "CRS to assume when the source declares none, e.g. EPSG:4490; for a TXT the CRS "
                  "of its points without zone prefix, with its +towgs84 shift");
  cmd->add_option("--towgs84", o->towgs84,
                  "coordinate TXT in 1980西安/1954北京 without 转换参数: dx,dy,dz,rx,ry,rz,ppm to "
                  "CGCS2000");
  cmd->add_option("--source-layer", o->source_layer, "layer inside a multi-layer source");
  cmd->add_flag("--repair", o->repair, "repair invalid geometries with GEOS MakeValid");
  cmd->add_option("--date", o->date, "imagery: the date it shows, YYYY-MM or YYYY-MM-DD");
  cmd->add_option("--bands", o->bands, "imagery: source bands for R,G,B[,A], e.g. 3,2,1");
  cmd->add_option("--format", o->format, "imagery: tile encoding webp (default), jpeg or png");
  cmd->add_option("--tile-size", o->tile_size, "imagery: 256 (default) or 512 pixels");
  cmd->add_option("--quality", o->quality, "imagery: webp/jpeg quality 1-100 (100: lossless webp)");
  cmd->add_option("--min-zoom", o->min_zoom, "imagery: lowest zoom (default: the whole in a tile)");
  cmd->add_option("--max-zoom", o->max_zoom, "imagery: highest zoom (default: the resolution's)");
  cmd->callback([o, &action] {
    action = [o] {
      if (o->kind == "village-figures") return import_village_figures(*o);
      if (o->layer.empty()) throw UsageError("--layer is required (the layer to import into)");
      if (o->kind == "imagery" || o->kind == "dem") return import_imagery_file(*o);
      services::ImportRequest r;
      r.layer = o->layer;
      r.kind = parse_layer_kind(o->kind);
      r.source_path = o->source;
      r.source = {o->encoding, o->srs, o->source_layer, o->towgs84};
      r.repair = o->repair;
      storage::validate_layer_name(r.layer);
      services::ImportResult result;
      auto import_into = [&](storage::Store& store) {
        ProgressBar bar("import " + o->layer);
        result = services::import_layer(store, r,
                                        [&](auto done, auto total) { bar.update(done, total); });
        bar.finish();
      };
      // A first import builds the database aside and publishes it only when complete, so a
      // failure leaves no file behind and a concurrent first import is never deleted under its
      // feet. When another import created the database meanwhile, add a version to that one.
      // A PostgreSQL database is not a file: its store opens (and sets itself up) in place.
      bool created = !storage::is_postgres_location(o->db) && !std::filesystem::exists(o->db) &&
                     storage::Store::create(o->db, import_into);
      if (!created) {
        auto store = storage::Store::open(o->db, {.create = false});
        import_into(*store);
      }
      std::cout << "imported " << result.version.feature_count << " features into layer '"
                << result.version.layer << "' version " << result.version.version << " (from "
                << result.version.source_srs << " to EPSG:4490";
      if (result.repaired) std::cout << ", " << result.repaired << " geometries repaired";
      std::cout << ")\n";
      for (const auto& w : result.warnings) std::cerr << "warning: " << w << "\n";
      return kExitOk;
    };
  });
}

}  // namespace gz::cli
