// gongzhi balance: a project's land-use balance sheet and the pilot-rule indicators.
// Exit code 0 when every indicator passes, 3 when one fails.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/text_width.h"
#include "domain/land_use_classes.h"
#include "domain/planning_classes.h"
#include "services/land_use_balance.h"

namespace gz::cli {

namespace {
std::string class_name(const std::string& code) { return services::balance_row_name(code, true); }
}  // namespace

void add_balance_command(CLI::App& app, Action& action) {
  struct Options {
    std::string db, project, layer, land_use, format = "table";
    std::optional<int> version;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "balance",
      "A project's land-use balance sheet before/after its planned changes (by class, ellipsoidal\n"
      "areas) and the pilot-rule indicators with their thresholds (data/indicators.json).\n"
      "Exit code 0 when every indicator passes, 3 when one fails.");
  cmd->add_option("--db", o->db, "SQLite file, or pg:CONNINFO / postgresql://… for PostgreSQL")->required();
  cmd->add_option("--project", o->project, "project id (XMBH)")->required();
  cmd->add_option("--layer", o->layer, "project layer (default: the only layer of kind project)");
  cmd->add_option("--version", o->version, "project layer version (default: latest)");
  cmd->add_option("--land-use", o->land_use, "land-use layer (default: the only land_use layer)");
  cmd->add_option("--format", o->format, "table or json")->check(CLI::IsMember({"table", "json"}));
  cmd->callback([o, &action] {
    action = [o] {
      auto store = storage::Store::open(o->db);
      auto r = services::land_use_balance(*store, {o->project, o->layer, o->land_use, o->version});
      if (o->format == "json") {
        nlohmann::ordered_json j;
        j["project_id"] = r.project_id;
        j["project_name"] = r.project_name;
        j["project_type"] = r.project_type;
        j["project_layer"] = {{"layer", r.project_layer.layer}, {"version", r.project_layer.version}};
        j["land_use_layer"] = {{"layer", r.land_use_layer.layer}, {"version", r.land_use_layer.version}};
        j["project_area_m2"] = r.project_area_m2;
        j["changes"] = r.changes;
        j["rows"] = nlohmann::ordered_json::array();
        for (const auto& row : r.rows) {
          j["rows"].push_back({{"code", row.code},
                               {"name", class_name(row.code)},
                               {"before_m2", row.before_m2},
                               {"after_m2", row.after_m2},
                               {"change_m2", row.after_m2 - row.before_m2},
                               {"before_mu", row.before_m2 / kSquareMetresPerMu},
                               {"after_mu", row.after_m2 / kSquareMetresPerMu}});
        }
        j["cultivated"] = {{"before_m2", r.cultivated_before}, {"after_m2", r.cultivated_after}};
        j["construction"] = {{"before_m2", r.construction_before}, {"after_m2", r.construction_after}};
        j["permanent_basic_farmland"] = {{"adjusted_out_m2", r.pbf_out_m2}, {"added_m2", r.pbf_in_m2}};
        j["indicators"] = nlohmann::ordered_json::array();
        for (const auto& i : r.indicators)
          j["indicators"].push_back({{"id", i.rule->id},
                                     {"name_zh", i.rule->name_zh},
                                     {"name_en", i.rule->name_en},
                                     {"value", i.value},
                                     {"op", i.rule->op},
                                     {"threshold", i.rule->threshold},
                                     {"applicable", i.applicable},
                                     {"passed", i.passed},
                                     {"basis", i.basis}});
        j["passed"] = r.all_passed();
        std::cout << j.dump(2) << "\n";
      } else {
        std::printf("项目 project %s %s (%s), area %.2f m2 = %.2f mu, %d planned changes\n",
                    r.project_id.c_str(), r.project_name.c_str(), r.project_type.c_str(),
                    r.project_area_m2, r.project_area_m2 / kSquareMetresPerMu, r.changes);
        std::printf("%-6s %-16s %14s %14s %14s\n", "code", "name", "before mu", "after mu", "change mu");
        for (const auto& row : r.rows) {
          std::printf("%-6s %s %14.2f %14.2f %+14.2f\n", row.code.c_str(),
                      pad_right(class_name(row.code), 16).c_str(),
                      row.before_m2 / kSquareMetresPerMu, row.after_m2 / kSquareMetresPerMu,
                      (row.after_m2 - row.before_m2) / kSquareMetresPerMu);
        }
        std::printf("\n指标 indicators\n");
        for (const auto& i : r.indicators)
          std::printf("  %-4s %s (%s): %.4f %s %.4f  [%s]\n",
                      !i.applicable ? "n/a" : (i.passed ? "ok" : "FAIL"), i.rule->name_zh.c_str(),
                      i.rule->id.c_str(), i.value, i.rule->op.c_str(), i.rule->threshold, i.basis.c_str());
      }
      return r.all_passed() ? kExitOk : kExitFindings;
    };
  });
}

}  // namespace gz::cli
