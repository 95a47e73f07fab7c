// gongzhi export: a version of a layer as a GIS file, a spreadsheet or the coordinate TXT.
#include <filesystem>
#include <iostream>

#include "cli/acting_user.h"
#include "cli/command.h"
#include "cli/progress.h"
#include "common/error.h"
#include "http/api_services.h"
#include "services/export_layer.h"
#include "services/pilot_package.h"
#include "services/project_parts.h"
#include "services/staged_output.h"
#include "storage/store.h"

namespace gz::cli {

namespace {
struct ExportOptions {
  std::string db, layer, format, output, srs, zone, encoding, package, project, land_use, part, as;
  int version = 0;
  bool force = false;
};

int export_package(const ExportOptions& o) {
  if (o.package != "pilot") throw UsageError("--package takes 'pilot', not '" + o.package + "'");
  if (o.project.empty()) throw UsageError("--package pilot needs --project XM…");
  services::PilotPackageRequest r;
  r.project_id = o.project;
  r.output = o.output;
  r.project_layer = o.layer;
  r.land_use_layer = o.land_use;
  if (!o.encoding.empty()) r.encoding = o.encoding;
  r.force = o.force;
  auto store = storage::Store::open(o.db, {.create = false});
  auto result = services::export_pilot_package(*store, r);
  std::cout << "exported the pilot results package of " << result.project_id << " to " << o.output
            << ":";
  for (const auto& [layer, n] : result.features) std::cout << " " << layer << " " << n;
  std::cout << "\n";
  return kExitOk;
}
// A platform project's boundary or new cultivated plots, as the project page downloads them.
int export_project_part(const ExportOptions& o, const services::ExportRequest& r) {
  if (o.project.empty()) throw UsageError("--part needs --project (the project's code XM… or id)");
  auto part = services::parse_project_part(o.part);
  // Refused before anything is read: an existing output without --force.
  if (!r.force && std::filesystem::exists(r.output)) services::StagedOutput check(r.output, false);
  auto store = storage::Store::open(o.db, {.create = false});
  auto identity = storage::IdentityStore::open(o.db);
  auto projects = storage::ProjectStore::open(o.db);
  http::ApiServices api(*store, *identity, *projects);
  User user = acting_user(o.db, o.as);
  std::int64_t id = 0;
  if (o.project.find_first_not_of("0123456789") == std::string::npos) {
    id = std::stoll(o.project);
  } else {
    for (const auto& p : api.projects.list(user))
      if (p.code == o.project) id = p.id;
    if (id == 0) throw NotFoundError("no project " + o.project + " that " + user.username + " may see");
  }
  auto got = services::project_part(api.projects, user, id, part);
  std::string code = got.project.code;
  auto result = services::export_features(code + "_" + std::string(services::to_string(part)),
                                          std::move(got.features), r);
  std::cout << "exported " << result.features << " " << services::part_name_zh(part) << " features of project "
            << code << " to " << o.output << " (" << services::to_string(r.format) << ", " << result.srs
            << ")\n";
  return kExitOk;
}
}  // namespace

void add_export_command(CLI::App& app, Action& action) {
  using Options = ExportOptions;
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "export",
      "Export a version of a layer: gpkg (GeoPackage), shp (Shapefile, GBK .cpg, DBF names of at\n"
      "most 10 bytes, .prj), gdb (File Geodatabase), geojson, csv (geometry as WKT), xlsx\n"
      "(attributes and ellipsoidal areas) or txt (the ministry's coordinate TXT, 部标准格式).\n"
      "The file is written under a temporary name and renamed when complete.\n"
      "--package pilot --project XM… writes a project's pilot results package (ZZQY,\n"
      "SDQYZZHDLTB, YJJBNTTZTB, CZGHTB) to OUTPUT.gdb, or as GBK Shapefiles into a directory.\n"
      "--part boundary|new_cultivated --project XM… writes a platform project's boundary or new\n"
      "cultivated plots (the project page's downloads); its TXT imports again as --kind project.");
  cmd->add_option("--db", o->db, "SQLite database file, or pg:CONNINFO / postgresql://…")->required();
  cmd->add_option("--layer", o->layer, "layer name (with --package: the project layer)");
  cmd->add_option("--version", o->version, "layer version (default: latest)");
  cmd->add_option("--format", o->format, "gpkg, shp, gdb, geojson, csv, xlsx or txt");
  cmd->add_option("--package", o->package, "'pilot': the pilot results package of --project");
  cmd->add_option("--project", o->project, "project id (XMBH) for --package or --part");
  cmd->add_option("--part", o->part,
                  "a platform project's 'boundary' (项目区范围) or 'new_cultivated' (新增耕地地块), as "
                  "the project page downloads it")
      ->check(CLI::IsMember({"boundary", "new_cultivated"}));
  cmd->add_option("--as", o->as, "with --part: act as this user (default: the operator, all regions)");
  cmd->add_option("--land-use", o->land_use, "land-use layer for --package (default: the only one)");
  cmd->add_option("--output", o->output, "file (a .gdb directory for gdb) to write")->required();
  cmd->add_option("--srs", o->srs,
                  "CRS to write, e.g. EPSG:4549 (default: EPSG:4490; txt: the data's 3-degree "
                  "Gauss-Kruger zone)");
  cmd->add_option("--zone", o->zone, "'auto': the data's 3-degree Gauss-Kruger zone (EPSG:4534–4554)");
  cmd->add_option("--encoding", o->encoding, "text encoding of a Shapefile's DBF or a TXT (default GBK)");
  cmd->add_flag("--force", o->force, "replace an existing output");
  cmd->callback([o, &action] {
    action = [o] {
      if (!o->package.empty()) return export_package(*o);
      if (o->format.empty() || (o->layer.empty() && o->part.empty()))
        throw UsageError("export needs --layer and --format (or --part with --project and --format, "
                         "or --package pilot --project XM…)");
      if (!o->part.empty() && !o->layer.empty()) throw UsageError("give --layer or --part, not both");
      services::ExportRequest r;
      r.layer = o->layer;
      if (o->version > 0) r.version = o->version;
      r.format = services::parse_export_format(o->format);
      r.output = o->output;
      if (!o->zone.empty() && o->zone != "auto")
        throw UsageError("--zone takes 'auto' (or give the CRS with --srs EPSG:…)");
      if (!o->zone.empty() && !o->srs.empty()) throw UsageError("give --srs or --zone, not both");
      r.srs = o->zone.empty() ? o->srs : "auto";
      r.encoding = o->encoding;
      r.force = o->force;
      if (!o->part.empty()) return export_project_part(*o, r);
      auto store = storage::Store::open(o->db, {.create = false});
      ProgressBar bar("export " + o->layer);
      auto result = services::export_layer(*store, r, [&](auto done, auto total) { bar.update(done, total); });
      bar.finish();
      for (const auto& [from, to] : result.renamed_fields)
        std::cerr << "field " << from << " is named " << to << " in the DBF (at most 10 bytes)\n";
      std::cout << "exported " << result.features << " features of layer '" << result.version.layer
                << "' version " << result.version.version << " to " << o->output << " ("
                << services::to_string(r.format) << ", " << result.srs << ")\n";
      return kExitOk;
    };
  });
}

}  // namespace gz::cli
