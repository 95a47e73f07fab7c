// gongzhi assess: consolidation potential, ecological risk and social impact per village or per
// consolidation unit (services/assessment.h; method in data/assessment.json, docs/assessment.md).
#include <cstdio>
#include <iostream>

#include "cli/command.h"
#include "cli/progress.h"
#include "cli/text_width.h"
#include "common/csv_table.h"
#include "common/error.h"
#include "domain/land_use_classes.h"
#include "services/assessment.h"

namespace gz::cli {

namespace {

double measure(const services::ZoneAssessment& z, const char* id) {
  auto it = z.measures.find(id);
  return it == z.measures.end() ? 0.0 : it->second;
}
}  // namespace

void add_assess_command(CLI::App& app, Action& action) {
  struct Options {
    std::string db, layer, by = "village", zone, zones, format = "table", output, dem;
    std::optional<int> version;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "assess",
      "Consolidation potential (farmland, construction land, ecological restoration), ecological\n"
      "risk and social impact per village or consolidation unit, scored 0–100 by the method in\n"
      "data/assessment.json (docs/assessment.md). Areas ellipsoidal on CGCS2000.");
  cmd->add_option("--db", o->db, "SQLite file, or pg:CONNINFO / postgresql://… for PostgreSQL")->required();
  cmd->add_option("--layer", o->layer, "land-use layer (三调 DLTB)")->required();
  cmd->add_option("--version", o->version, "land-use layer version (default: latest)");
  cmd->add_option("--by", o->by, "village or consolidation_unit")
      ->check(CLI::IsMember({"village", "consolidation_unit"}));
  cmd->add_option("--zones", o->zones, "zone layer (default: the only region / consolidation_unit layer)");
  cmd->add_option("--zone", o->zone, "only this village, region (its villages) or unit code");
  cmd->add_option("--dem", o->dem, "DEM raster (elevation in metres, any GDAL format) for the slope indicator");
  cmd->add_option("--format", o->format, "table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}));
  cmd->add_option("--output", o->output, "output file (default stdout)");
  cmd->callback([o, &action] {
    action = [o] {
      auto store = storage::Store::open(o->db);
      services::AssessmentRequest req;
      req.land_use_layer = o->layer;
      req.version = o->version;
      req.by = o->by;
      req.zones_layer = o->zones;
      req.zone = o->zone;
      req.dem_path = o->dem;
      ProgressBar bar("assess " + o->layer);
      auto r = services::assess(*store, req, services::AssessmentMethod::standard(),
                                [&](auto d, auto t) {
                                  bar.update(static_cast<std::int64_t>(d), static_cast<std::int64_t>(t));
                                });
      bar.finish();
      FILE* out = stdout;
      if (!o->output.empty()) {
        out = std::fopen(o->output.c_str(), "w");
        if (!out) throw Error("cannot write " + o->output);
      }
      const auto& method = services::AssessmentMethod::standard();
      if (o->format == "json") {
        std::fprintf(out, "%s\n", services::assessment_json(r).c_str());
      } else if (o->format == "csv") {
        std::fprintf(out, "zone,name,villages,projects,area_m2,cultivated_m2");
        for (const auto& d : method.dimensions) std::fprintf(out, ",%s", d.id.c_str());
        for (const auto& i : method.indicators) std::fprintf(out, ",%s", i.id.c_str());
        std::fprintf(out, "\n");
        for (const auto& z : r.zones_assessed) {
          std::fprintf(out, "%s,%s,%zu,%zu,%.2f,%.2f", csv_field(z.code).c_str(),
                       csv_field(z.name).c_str(), z.villages.size(), z.projects.size(),
                       measure(z, "area_m2"), measure(z, "cultivated_m2"));
          for (const auto& d : z.dimensions) std::fprintf(out, ",%.1f", d.score);
          for (const auto& d : z.dimensions)
            for (const auto& i : d.indicators) {
              if (i.value)
                std::fprintf(out, ",%.6g", *i.value);
              else
                std::fprintf(out, ",");
            }
          std::fprintf(out, "\n");
        }
      } else {
        std::fprintf(out, "评估 assessment of %s v%d by %s (%s v%d), method %s\n",
                     r.land_use.layer.c_str(), r.land_use.version, o->by.c_str(),
                     r.zones.layer.c_str(), r.zones.version, method.version.c_str());
        if (!r.missing.empty()) {
          std::string m;
          for (const auto& s : r.missing) m += (m.empty() ? "" : ", ") + s;
          std::fprintf(out, "缺少 missing (indicators left out): %s\n", m.c_str());
        }
        const bool units = o->by == "consolidation_unit";
        std::fprintf(out, "%-14s %s %12s", "zone", pad_right("name", 24).c_str(), "area mu");
        if (units) std::fprintf(out, " %8s %8s", "villages", "projects");
        for (const auto& d : method.dimensions)
          std::fprintf(out, " %s", pad_right(d.name_zh, 16).c_str());
        std::fprintf(out, "\n");
        for (const auto& z : r.zones_assessed) {
          std::fprintf(out, "%-14s %s %12.1f", z.code.c_str(), pad_right(z.name, 24).c_str(),
                       measure(z, "area_m2") / kSquareMetresPerMu);
          if (units) std::fprintf(out, " %8zu %8zu", z.villages.size(), z.projects.size());
          for (const auto& d : z.dimensions) {
            char cell[64];
            std::snprintf(cell, sizeof cell, "%.1f %s", d.score, d.grade.c_str());
            std::fprintf(out, " %s", pad_right(cell, 16).c_str());
          }
          std::fprintf(out, "\n");
        }
        std::fprintf(out, "%zu zones; scores 0–100 (高 ≥ 60, 中 ≥ 30); details: --format json\n",
                     r.zones_assessed.size());
      }
      if (out != stdout) std::fclose(out);
      return kExitOk;
    };
  });
}

}  // namespace gz::cli
