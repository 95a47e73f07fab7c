// gongzhi stats: area by land-use class in m², hectares and mu, on the CGCS2000 ellipsoid.
#include <xlsxwriter.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/progress.h"
#include "cli/text_width.h"
#include "common/csv_table.h"
#include "common/error.h"
#include "domain/land_use_classes.h"
#include "services/land_use_stats.h"
#include "services/stats_table_output.h"
#include "services/stats_tables.h"

namespace gz::cli {

namespace {

void write_xlsx(const services::StatsResult& r, bool by, const std::string& path) {
  lxw_workbook* wb = workbook_new(path.c_str());
  if (!wb) throw Error("cannot create " + path);
  lxw_worksheet* ws = workbook_add_worksheet(wb, "地类面积统计");
  lxw_format* bold = workbook_add_format(wb);
  format_set_bold(bold);
  lxw_format* num = workbook_add_format(wb);
  format_set_num_format(num, "#,##0.00");
  std::vector<std::string> header;
  if (by) header = {"单元代码", "单元名称"};
  for (const char* h : {"地类编码", "地类名称", "面积(平方米)", "面积(公顷)", "面积(亩)",
                        "扣除田坎后面积(亩)", "图斑数"})
    header.push_back(h);
  for (std::size_t c = 0; c < header.size(); ++c)
    worksheet_write_string(ws, 0, static_cast<lxw_col_t>(c), header[c].c_str(), bold);
  const auto& classes = LandUseClassTable::standard();
  lxw_row_t row = 1;
  for (const auto& a : r.rows) {
    lxw_col_t c = 0;
    if (by) {
      worksheet_write_string(ws, row, c++, a.zone.c_str(), nullptr);
      worksheet_write_string(ws, row, c++, a.zone_name.c_str(), nullptr);
    }
    const auto* cls = classes.find(a.code);
    worksheet_write_string(ws, row, c++, a.code.c_str(), nullptr);
    worksheet_write_string(ws, row, c++, cls ? cls->name_zh.c_str() : "", nullptr);
    worksheet_write_number(ws, row, c++, a.gross_m2, num);
    worksheet_write_number(ws, row, c++, a.gross_m2 / kSquareMetresPerHectare, num);
    worksheet_write_number(ws, row, c++, a.gross_m2 / kSquareMetresPerMu, num);
    worksheet_write_number(ws, row, c++, a.net_m2 / kSquareMetresPerMu, num);
    worksheet_write_number(ws, row, c++, static_cast<double>(a.spots), nullptr);
    ++row;
  }
  worksheet_set_column(ws, 0, static_cast<lxw_col_t>(header.size()), 16, nullptr);
  if (workbook_close(wb) != LXW_NO_ERROR) throw Error("cannot write " + path);
}

template <class Options>
int summary_table(const Options& o) {
  if (!o.by.empty()) throw UsageError("--table counts by 坐落单位 (ZLDWDM); leave out --by");
  auto store = storage::Store::open(o.db);
  auto layer = store->layer_version(o.layer, o.version);
  services::TableRequest rq;
  rq.kind = *services::parse_table_kind(o.table);
  rq.level = o.level;
  rq.planning = o.classification == "yydh";
  rq.net = o.net;
  rq.unit = *services::parse_area_unit(o.unit);
  rq.region = o.region;
  rq.row_digits = o.rows == "county" ? 6 : o.rows == "township" ? 9 : o.rows == "village" ? 12 : 0;
  rq.names = services::region_names(*store);
  if (!o.region.empty() && rq.names.count(o.region)) rq.region_name = rq.names.at(o.region);
  ProgressBar bar("stats " + o.layer);
  auto tally = services::tally_spots(*store, layer, [&](std::size_t d) {
    bar.update(static_cast<std::int64_t>(d), layer.feature_count);
  });
  bar.finish();
  auto table = services::build_table(tally, rq);
  if (o.format == "xlsx") {
    services::write_table_xlsx(table, o.output);
    std::cout << "wrote " << o.output << "\n";
    return kExitOk;
  }
  std::string text = o.format == "json" ? services::table_json(table).dump(2) + "\n"
                     : o.format == "csv" ? services::table_csv(table)
                                         : table.title_zh + "\n" + table.unit_zh + "\n" +
                                               services::table_csv(table);
  FILE* out = stdout;
  if (!o.output.empty()) {
    out = std::fopen(o.output.c_str(), "w");
    if (!out) throw Error("cannot write " + o.output);
  }
  std::fwrite(text.data(), 1, text.size(), out);
  if (out != stdout) std::fclose(out);
  return kExitOk;
}
}  // namespace

void add_stats_command(CLI::App& app, Action& action) {
  struct Options {
    std::string db, layer, by, format = "table", output;
    std::optional<int> version;
    // The official summary tables (--table).
    std::string table, classification = "sandiao", unit = "ha", region, rows;
    int level = 2;
    bool net = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "stats",
      "Area of a land-use layer by class (三调 codes), ellipsoidal on CGCS2000, in m², hectares\n"
      "and mu, gross and net of field ridges; optionally by region, consolidation unit or layer.");
  cmd->add_option("--db", o->db, "SQLite file, or pg:CONNINFO / postgresql://… for PostgreSQL")->required();
  cmd->add_option("--layer", o->layer, "land-use layer")->required();
  cmd->add_option("--version", o->version, "layer version (default: latest)");
  cmd->add_option("--by", o->by, "region, consolidation_unit or a layer name");
  cmd->add_option("--format", o->format, "table, json, csv or xlsx")
      ->check(CLI::IsMember({"table", "json", "csv", "xlsx"}));
  cmd->add_option("--output", o->output, "output file (required for xlsx; default stdout)");
  cmd->add_option("--table", o->table,
                  "official summary table by 坐落单位 (ZLDWDM): class (土地利用现状分类面积汇总表), three\n"
                  "(三大类), czcs (城镇村及工矿用地), slope (耕地坡度分级)")
      ->check(CLI::IsMember({"class", "three", "czcs", "slope"}));
  cmd->add_option("--level", o->level, "with --table: class level, 1 or 2 (default 2)")
      ->check(CLI::IsMember({1, 2}));
  cmd->add_option("--classification", o->classification,
                  "with --table class: sandiao (三调, default) or yydh (用地用海 by the base conversion)")
      ->check(CLI::IsMember({"sandiao", "yydh"}));
  cmd->add_option("--unit", o->unit, "with --table: ha (default), mu or m2")
      ->check(CLI::IsMember({"ha", "mu", "m2"}));
  cmd->add_flag("--net", o->net, "with --table: areas net of field ridges (KCXS) instead of gross");
  cmd->add_option("--region", o->region, "with --table: only this region (6/9/12-digit code)");
  cmd->add_option("--rows", o->rows, "with --table: county, township or village rows (default: one level below --region)")
      ->check(CLI::IsMember({"county", "township", "village"}));
  cmd->callback([o, &action] {
    action = [o] {
      if (o->format == "xlsx" && o->output.empty())
        throw UsageError("--format xlsx needs --output FILE.xlsx");
      if (!o->table.empty()) return summary_table(*o);
      auto store = storage::Store::open(o->db);
      ProgressBar bar("stats " + o->layer);
      auto r = services::land_use_stats(*store, {o->layer, o->version, o->by},
                                        [&](auto d, auto t) { bar.update(d, t); });
      bar.finish();
      bool by = !o->by.empty();
      const auto& classes = LandUseClassTable::standard();
      if (o->format == "xlsx") {
        write_xlsx(r, by, o->output);
        std::cout << "wrote " << o->output << "\n";
        return kExitOk;
      }
      FILE* out = stdout;
      if (!o->output.empty()) {
        out = std::fopen(o->output.c_str(), "w");
        if (!out) throw Error("cannot write " + o->output);
      }
      if (o->format == "json") {
        nlohmann::json j;
        j["layer"] = r.layer.layer;
        j["version"] = r.layer.version;
        if (r.zones) j["by"] = {{"layer", r.zones->layer}, {"version", r.zones->version}};
        j["rows"] = nlohmann::json::array();
        for (const auto& a : r.rows) {
          const auto* cls = classes.find(a.code);
          nlohmann::json row = {{"code", a.code},
                                {"name", cls ? cls->name_zh : ""},
                                {"name_en", cls ? cls->name_en : ""},
                                {"area_m2", a.gross_m2},
                                {"area_ha", a.gross_m2 / kSquareMetresPerHectare},
                                {"area_mu", a.gross_m2 / kSquareMetresPerMu},
                                {"net_area_m2", a.net_m2},
                                {"net_area_mu", a.net_m2 / kSquareMetresPerMu},
                                {"spots", a.spots}};
          if (by) {
            row["zone"] = a.zone;
            row["zone_name"] = a.zone_name;
          }
          j["rows"].push_back(row);
        }
        j["total_area_m2"] = r.total_gross_m2;
        std::fprintf(out, "%s\n", j.dump(2).c_str());
      } else if (o->format == "csv") {
        std::fprintf(out, "%scode,name,area_m2,area_ha,area_mu,net_area_m2,net_area_mu,spots\n",
                     by ? "zone,zone_name," : "");
        for (const auto& a : r.rows) {
          const auto* cls = classes.find(a.code);
          if (by) std::fprintf(out, "%s,%s,", csv_field(a.zone).c_str(), csv_field(a.zone_name).c_str());
          std::fprintf(out, "%s,%s,%.2f,%.4f,%.2f,%.2f,%.2f,%lld\n", a.code.c_str(),
                       csv_field(cls ? cls->name_zh : "").c_str(), a.gross_m2,
                       a.gross_m2 / kSquareMetresPerHectare, a.gross_m2 / kSquareMetresPerMu,
                       a.net_m2, a.net_m2 / kSquareMetresPerMu, static_cast<long long>(a.spots));
        }
      } else {
        std::fprintf(out, "图层 layer %s v%d%s\n", r.layer.layer.c_str(), r.layer.version,
                     r.zones ? (" by " + r.zones->layer).c_str() : "");
        if (by) std::fprintf(out, "%-14s ", "zone");
        std::fprintf(out, "%-6s %-16s %16s %12s %14s %14s\n", "code", "name", "area m2", "ha", "mu",
                     "net mu");
        for (const auto& a : r.rows) {
          const auto* cls = classes.find(a.code);
          if (by) std::fprintf(out, "%-14s ", a.zone.c_str());
          std::fprintf(out, "%-6s %s %16.2f %12.4f %14.2f %14.2f\n", a.code.c_str(),
                       pad_right(cls ? cls->name_zh : "", 16).c_str(), a.gross_m2,
                       a.gross_m2 / kSquareMetresPerHectare, a.gross_m2 / kSquareMetresPerMu,
                       a.net_m2 / kSquareMetresPerMu);
        }
        std::fprintf(out, "合计 total %.2f m2 = %.4f ha = %.2f mu\n", r.total_gross_m2,
                     r.total_gross_m2 / kSquareMetresPerHectare, r.total_gross_m2 / kSquareMetresPerMu);
      }
      if (out != stdout) std::fclose(out);
      return kExitOk;
    };
  });
}

}  // namespace gz::cli
