// gongzhi import: a GIS file becomes a new version of a layer.
#include <filesystem>
#include <iostream>

#include "cli/command.h"
#include "cli/progress.h"
#include "services/import_layer.h"
#include "storage/postgres/pg_store.h"
#include "storage/store.h"

namespace gz::cli {

void add_import_command(CLI::App& app, Action& action) {
  struct Options {
    std::string db, layer, kind, source, encoding, srs, source_layer, towgs84;
    bool repair = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "import",
      "Import a Shapefile, GeoPackage, GeoJSON, File Geodatabase or the ministry's coordinate TXT\n"
      "(部标准格式 界址点坐标, .txt) as a new version of a layer.\n"
      "Reprojects to CGCS2000 (EPSG:4490), validates every geometry, and stores everything in\n"
      "one transaction: on any error nothing is stored.");
  cmd->add_option("--db", o->db,
                  "SQLite database file (created when missing), or a PostgreSQL database: "
                  "pg:CONNINFO or postgresql://…")
      ->required();
  cmd->add_option("--layer", o->layer, "layer name (letters, digits, _ or -)")->required();
  cmd->add_option("--kind", o->kind,
                  "land_use, ecological_redline, permanent_basic_farmland, "
                  "urban_development_boundary, village_plan, consolidation_unit, project, parcel, "
                  "region")
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
  cmd->callback([o, &action] {
    action = [o] {
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
