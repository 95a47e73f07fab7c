// gongzhi schemes: alternative schemes of a consolidation unit or project (方案比选) — add one
// (measured on entry: balance, potential, risks), list them, rank them by TOPSIS with entropy or
// AHP weights with the reasons per criterion, and simulate one as a scenario land-use layer.
// Acts as the named user (--as, with that user's jurisdiction) or as the operator (all regions).
#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/acting_user.h"
#include "cli/command.h"
#include "common/data_dir.h"
#include "common/error.h"
#include "domain/land_use_classes.h"
#include "services/projects.h"
#include "services/scheme_json.h"
#include "services/schemes.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"

namespace gz::cli {

namespace {

using nlohmann::json;

struct Common {
  std::string db, as, format = "table";
};

void add_common(CLI::App* cmd, Common& c) {
  cmd->add_option("--db", c.db, "SQLite file, or pg:CONNINFO / postgresql://… for PostgreSQL")->required();
  cmd->add_option("--as", c.as, "act as this user (their roles and jurisdiction); default: the operator, all regions");
  cmd->add_option("--format", c.format, "table or json")->check(CLI::IsMember({"table", "json"}));
}

struct Open {
  std::unique_ptr<storage::Store> layers;
  std::unique_ptr<storage::ProjectStore> projects;
  std::unique_ptr<services::SchemeService> schemes;
  User user;
};

Open open_all(const Common& c) {
  Open o;
  const std::string& location = c.db;
  o.layers = storage::Store::open(location);
  o.projects = storage::ProjectStore::open(location);
  o.schemes = std::make_unique<services::SchemeService>(*o.layers, *o.projects);
  o.user = acting_user(location, c.as);
  return o;
}

std::int64_t scheme_id(services::SchemeService& s, const User& user, const std::string& ref) {
  if (!ref.empty() && ref.find_first_not_of("0123456789") == std::string::npos) return std::stoll(ref);
  for (const auto& r : s.list(user))
    if (r.code == ref) return r.id;
  throw NotFoundError("no scheme " + ref);
}

double mu(double m2) { return m2 / kSquareMetresPerMu; }

void print_scheme_line(const json& s) {
  const auto& c = s["criteria"];
  std::printf("%4lld  %-11s %-10s %-20s %12s  %+10.2f %+10.2f %+10.2f %10.2f %10.2f %8lld %8lld %10.2f\n",
              s["id"].get<long long>(), s["code"].get<std::string>().c_str(),
              s["unit"].get<std::string>().c_str(), s["name"].get<std::string>().c_str(),
              s["cost_yuan"].get<std::string>().c_str(), mu(c.value("new_cultivated_m2", 0.0)),
              mu(c.value("construction_reduced_m2", 0.0)), mu(c.value("ecological_restored_m2", 0.0)),
              mu(c.value("redline_overlap_m2", 0.0)), mu(c.value("pbf_loss_m2", 0.0)),
              static_cast<long long>(c.value("relocated_households", 0.0)),
              static_cast<long long>(c.value("affected_households", 0.0)), mu(c.value("taken_m2_per_household", 0.0)));
}

void print_scheme_header() {
  std::printf("%4s  %-11s %-10s %-20s %12s  %10s %10s %10s %10s %10s %8s %8s %10s\n", "id", "code", "unit", "name",
              "cost yuan", "+耕地 mu", "-建设 mu", "+生态 mu", "红线 mu", "基本农田 mu", "搬迁户", "受影响户",
              "户均调整 mu");
}

}  // namespace

void add_schemes_command(CLI::App& app, Action& action) {
  auto* schemes = app.add_subcommand(
      "schemes",
      "Alternative schemes of a consolidation unit (方案比选): add, list, compare\n"
      "(TOPSIS with entropy or AHP weights, explained per criterion), simulate (a scenario\n"
      "land-use layer). Criteria and directions: data/scheme_criteria.json; see docs/schemes.md.");
  schemes->require_subcommand(1);

  {
    struct Options : Common {
      std::string unit, region, name, description, plan, plan_layer, project, land_use;
      std::int64_t cost_fen = 0;
      std::int64_t relocated = 0;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = schemes->add_subcommand(
        "add", "Add a scheme: its area and planned changes from a plan file ({\"area\", \"changes\"},\n"
               "as a project plan) or from a project of a project layer; measured on entry.");
    add_common(cmd, *o);
    cmd->add_option("--unit", o->unit, "consolidation unit (DYBH of the consolidation_unit layer) the scheme is for")->required();
    cmd->add_option("--region", o->region, "region code (township or village) it lies in")->required();
    cmd->add_option("--name", o->name, "scheme name")->required();
    cmd->add_option("--description", o->description, "what the scheme does");
    cmd->add_option("--cost-fen", o->cost_fen, "estimated cost in fen (integer)")->required();
    cmd->add_option("--plan", o->plan, "plan JSON file {\"area\": geometry, \"changes\": [...]}");
    cmd->add_option("--plan-layer", o->plan_layer, "take the plan from this project layer (with --project)");
    cmd->add_option("--project", o->project, "project code (XMBH) in --plan-layer");
    auto* relocated = cmd->add_option("--relocated-households", o->relocated,
                    "households the scheme's resettlement plan relocates (default: estimated from the homestead land it takes)");
    cmd->add_option("--land-use", o->land_use, "land-use layer (default: the only land_use layer)");
    cmd->callback([o, relocated, &action] {
      bool declared = relocated->count() > 0;
      action = [o, declared] {
        auto a = open_all(*o);
        services::NewScheme in{o->unit, o->region, o->name, o->description, o->cost_fen, "", o->land_use, std::nullopt};
        if (declared) in.relocated_households = o->relocated;
        if (!o->plan.empty() == !o->plan_layer.empty())
          throw UsageError("give the plan with either --plan FILE or --plan-layer LAYER --project CODE");
        if (!o->plan.empty()) {
          in.plan_json = read_file(o->plan);
        } else {
          if (o->project.empty()) throw UsageError("--plan-layer needs --project CODE");
          in.plan_json = services::project_from_layer(*a.layers, o->plan_layer, o->project).plan_json;
        }
        auto s = a.schemes->add(a.user, in);
        auto j = services::scheme_json(s, false);
        if (o->format == "json") {
          std::cout << j.dump(2) << "\n";
        } else {
          std::printf("方案 scheme %s added (id %lld), %lld changes, area %.2f mu\n", s.code.c_str(),
                      static_cast<long long>(s.id), static_cast<long long>(s.changes), mu(s.area_m2));
          print_scheme_header();
          print_scheme_line(j);
        }
        return kExitOk;
      };
    });
  }
  {
    struct Options : Common {
      std::string unit;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = schemes->add_subcommand("list", "List the schemes (of one unit with --unit).");
    add_common(cmd, *o);
    cmd->add_option("--unit", o->unit, "only this unit's schemes");
    cmd->callback([o, &action] {
      action = [o] {
        auto a = open_all(*o);
        json list = json::array();
        for (const auto& s : a.schemes->list(a.user, o->unit)) list.push_back(services::scheme_json(s, false));
        if (o->format == "json") {
          std::cout << json{{"schemes", list}}.dump(2) << "\n";
        } else {
          print_scheme_header();
          for (const auto& s : list) print_scheme_line(s);
        }
        return kExitOk;
      };
    });
  }
  {
    struct Options : Common {
      std::string unit, weights = "entropy", ahp_matrix;
      std::vector<std::string> schemes;
      bool explain = false;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = schemes->add_subcommand(
        "compare", "Rank the unit's schemes by TOPSIS closeness to the ideal scheme.");
    add_common(cmd, *o);
    cmd->add_option("--unit", o->unit, "the unit whose schemes are compared")->required();
    cmd->add_option("--weights", o->weights, "entropy (from the data) or ahp (from --ahp-matrix)")
        ->check(CLI::IsMember({"entropy", "ahp"}));
    cmd->add_option("--ahp-matrix", o->ahp_matrix,
                    "pairwise comparison matrix JSON: {\"criteria\": [ids], \"matrix\": [[1, 3, \"1/5\"], ...]}");
    cmd->add_option("--schemes", o->schemes, "only these schemes of the unit (ids or codes, comma-separated)")
        ->delimiter(',');
    cmd->add_flag("--explain", o->explain, "show each scheme's normalised values, weights and contributions");
    cmd->callback([o, &action] {
      action = [o] {
        auto a = open_all(*o);
        services::CompareOptions opt;
        opt.weights = o->weights;
        opt.schemes = o->schemes;
        if (!o->ahp_matrix.empty()) opt.ahp_matrix_json = read_file(o->ahp_matrix);
        auto c = a.schemes->compare(a.user, o->unit, opt);
        auto j = services::comparison_json(c);
        if (o->format == "json") {
          std::cout << j.dump(2) << "\n";
          return kExitOk;
        }
        std::printf("单元 unit %s: %zu schemes, TOPSIS with %s weights\n", c.unit.c_str(), c.schemes.size(),
                    c.weights_method == "ahp" ? "AHP" : "entropy");
        if (c.ahp)
          std::printf("AHP: lambda_max %.4f, CI %.4f, RI %.2f, CR %.4f (< 0.1)\n", c.ahp->lambda_max, c.ahp->ci,
                      c.ahp->ri, c.ahp->cr);
        std::printf("\n%-26s %-8s %8s\n", "criterion", "dir", "weight");
        for (std::size_t k = 0; k < c.criteria.size(); ++k)
          std::printf("%-26s %-8s %8.4f\n", c.criteria[k].id.c_str(),
                      c.criteria[k].direction == CriterionDirection::benefit ? "benefit" : "cost", c.weights[k]);
        std::printf("\n%4s  %-11s %-20s %10s %10s %10s\n", "rank", "code", "name", "closeness", "D+", "D-");
        for (const auto& s : j["schemes"])
          std::printf("%4d  %-11s %-20s %10.4f %10.4f %10.4f\n", s["rank"].get<int>(),
                      s["code"].get<std::string>().c_str(), s["name"].get<std::string>().c_str(),
                      s["closeness"].get<double>(), s["d_plus"].get<double>(), s["d_minus"].get<double>());
        std::printf("\n社会影响 social impact\n");
        for (const auto& s : j["schemes"]) {
          const auto& so = s["social"];
          if (so.empty()) continue;
          std::printf("  %-11s 搬迁 %lld 户 (%s), 受影响 %lld 户 %.1f 人, 户均调整 %.2f mu%s\n",
                      s["code"].get<std::string>().c_str(), so.value("relocated_households", 0LL),
                      so.value("relocation_basis", "").c_str(), so.value("affected_households", 0LL),
                      so.value("affected_people", 0.0), mu(so.value("taken_m2_per_household", 0.0)),
                      so.value("parcel_note", "").empty() ? "" : ("  [" + so.value("parcel_note", "") + "]").c_str());
        }
        if (o->explain)
          for (const auto& s : j["schemes"]) {
            std::printf("\n%s %s\n  %-26s %14s %10s %8s %10s %12s\n", s["code"].get<std::string>().c_str(),
                        s["name"].get<std::string>().c_str(), "criterion", "value", "normalised", "weight",
                        "weighted", "contribution");
            for (const auto& e : s["explanation"])
              std::printf("  %-26s %14.2f %10.4f %8.4f %10.4f %+12.6f\n", e["criterion"].get<std::string>().c_str(),
                          e["value"].get<double>(), e["normalised"].get<double>(), e["weight"].get<double>(),
                          e["weighted"].get<double>(), e["contribution"].get<double>());
          }
        for (const auto& n : c.notes_zh) std::printf("注 %s\n", n.c_str());
        for (const auto& n : c.notes_en) std::printf("note: %s\n", n.c_str());
        return kExitOk;
      };
    });
  }
  {
    struct Options : Common {
      std::string scheme;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = schemes->add_subcommand(
        "simulate", "Apply a scheme's changes to its land-use layer as a new scenario layer\n"
                    "(scenario-<code>; the original is never changed) and show the before/after\n"
                    "balance and the indicators. Exit code 3 when an indicator fails.");
    add_common(cmd, *o);
    cmd->add_option("--scheme", o->scheme, "scheme id or code")->required();
    cmd->callback([o, &action] {
      action = [o] {
        auto a = open_all(*o);
        auto r = a.schemes->simulate(a.user, scheme_id(*a.schemes, a.user, o->scheme));
        auto j = services::simulation_json(r);
        if (o->format == "json") {
          std::cout << j.dump(2) << "\n";
        } else {
          std::printf("方案 scheme %s: %s v%d -> scenario %s v%d (%lld features)\n", r.scheme.code.c_str(),
                      r.original.layer.c_str(), r.original.version, r.scenario.layer.c_str(), r.scenario.version,
                      static_cast<long long>(r.scenario.feature_count));
          std::printf("%-6s %-14s %12s %12s %12s %12s\n", "code", "name", "before mu", "after mu", "change mu",
                      "scenario mu");
          for (const auto& row : j["rows"])
            std::printf("%-6s %-14s %12.2f %12.2f %+12.2f %12.2f\n", row["code"].get<std::string>().c_str(),
                        row["name_zh"].get<std::string>().c_str(), mu(row["before_m2"].get<double>()),
                        mu(row["after_m2"].get<double>()), mu(row["change_m2"].get<double>()),
                        mu(row["scenario_m2"].get<double>()));
          std::printf("\n指标 indicators\n");
          for (const auto& i : r.balance.indicators)
            std::printf("  %-4s %s (%s): %.4f %s %.4f  [%s]\n", !i.applicable ? "n/a" : (i.passed ? "ok" : "FAIL"),
                        i.rule->name_zh.c_str(), i.rule->id.c_str(), i.value, i.rule->op.c_str(),
                        i.rule->threshold, i.basis.c_str());
          std::printf("scenario measured vs predicted: max deviation %.3f m2\n", r.max_deviation_m2);
        }
        return r.balance.all_passed() ? kExitOk : kExitFindings;
      };
    });
  }
}

}  // namespace gz::cli
