// gongzhi monitor: the change spots (变化图斑) between two versions of a land-use layer and the
// warnings of data/monitoring.json on them (docs/monitoring.md). Exit code 0 when no rule is
// broken, 3 when warnings exist.
#include <charconv>
#include <cstdio>
#include <iostream>
#include <map>

#include "cli/command.h"
#include "cli/progress.h"
#include "common/data_dir.h"
#include "common/error.h"
#include "domain/land_use_classes.h"
#include "services/land_use_monitor.h"
#include "services/monitoring_output.h"
#include "services/staged_output.h"
#include "storage/project_store.h"

namespace gz::cli {

namespace {

struct MonitorOptions {
  std::string db, pg, layer, from, to, format = "table", output, rules, region;
  bool force = false;
};

// "2" or "LAYER:2"; the layer defaults to --layer.
std::pair<std::string, int> parse_version(const std::string& option, const std::string& text,
                                          const std::string& layer) {
  std::string name = layer, number = text;
  if (auto colon = text.rfind(':'); colon != std::string::npos) {
    name = text.substr(0, colon);
    number = text.substr(colon + 1);
  }
  int v = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), v);
  if (ec != std::errc{} || end != number.data() + number.size() || v < 1)
    throw UsageError(option + ": '" + text + "' is not a version number (N or LAYER:N, N ≥ 1)");
  if (name.empty()) throw UsageError(option + ": '" + text + "' names no layer");
  return {name, v};
}

void write_table(FILE* out, const services::MonitorResult& r) {
  std::fprintf(out, "变化图斑监测 land-use change monitoring: %s v%d → v%d (%lld → %lld spots, %lld matched by BSM)\n",
               r.from.layer.c_str(), r.from.version, r.to.version, static_cast<long long>(r.features_before),
               static_cast<long long>(r.features_after), static_cast<long long>(r.matched_by_bsm));
  std::fprintf(out, "管控图层 control layers:");
  for (const auto& c : r.controls)
    std::fprintf(out, " %s(%s v%d)", c.layer.c_str(), std::string(to_string(c.kind)).c_str(), c.version);
  std::fprintf(out, "\n\n");
  double total = 0;
  std::map<std::string, std::pair<int, double>> by_rule;
  std::map<std::string, std::string> rule_names;
  std::map<Severity, int> by_severity;
  if (!r.spots.empty())
    std::fprintf(out, "%-9s %-12s %-8s %-7s→%-7s %12s %10s %10s  %-6s %s\n", "spot", "region", "BSM", "before",
                 "after", "area m2", "area mu", "area ha", "level", "rules");
  for (const auto& s : r.spots) {
    total += s.area_m2;
    auto sev = s.severity();
    if (sev) ++by_severity[*sev];
    std::string rules;
    for (const auto& h : s.hits) {
      rules += (rules.empty() ? "" : ", ") + h.rule + (h.project.empty() ? "" : "(" + h.project + ")");
      by_rule[h.rule].first++;
      by_rule[h.rule].second += h.area_m2;
      rule_names[h.rule] = h.name_zh;
    }
    std::string bsm = s.bsm_after.empty() ? s.bsm_before : s.bsm_after;
    std::fprintf(out, "%-9s %-12s %-8s %-7s→%-7s %12.2f %10.2f %10.4f  %-6s %s\n", s.id.c_str(),
                 s.region_code.c_str(), bsm.c_str(), s.code_before.c_str(), s.code_after.c_str(), s.area_m2,
                 s.area_mu, s.area_ha, sev ? std::string(to_string(*sev)).c_str() : "-", rules.c_str());
  }
  std::fprintf(out, "\n%zu 变化图斑 change spots, %.2f m2 = %.2f mu = %.4f ha\n", r.spots.size(), total,
               total / kSquareMetresPerMu, total / kSquareMetresPerHectare);
  for (const auto& p : r.projects) {
    if (p.hit) {
      ++by_rule[p.hit->rule].first;
      by_rule[p.hit->rule].second += p.hit->area_m2;
      rule_names[p.hit->rule] = p.hit->name_zh;
      ++by_severity[p.hit->severity];
    }
    std::fprintf(out, "新增耕地核定 %s %s: claimed %.2f mu, surveyed %.2f mu, shortfall %.2f mu%s\n",
                 p.project.c_str(), p.project_name.c_str(), p.claimed_m2 / kSquareMetresPerMu,
                 p.surveyed_m2 / kSquareMetresPerMu, p.shortfall_m2 / kSquareMetresPerMu,
                 p.hit ? (" [" + std::string(to_string(p.hit->severity)) + "]").c_str() : "");
  }
  if (by_rule.empty()) {
    std::fprintf(out, "无预警 no warnings\n");
    return;
  }
  std::fprintf(out, "\n预警 warnings: red=%d orange=%d yellow=%d\n", by_severity[Severity::red],
               by_severity[Severity::orange], by_severity[Severity::yellow]);
  for (const auto& [rule, v] : by_rule)
    std::fprintf(out, "  %-32s %6d %14.2f mu  %s\n", rule.c_str(), v.first, v.second / kSquareMetresPerMu,
                 rule_names[rule].c_str());
}

int run_monitor(const MonitorOptions& o) {
  if (o.db.empty() == o.pg.empty()) throw UsageError("monitor needs --db FILE or --pg CONNINFO");
  if (o.format == "xlsx" && o.output.empty()) throw UsageError("--format xlsx needs --output FILE.xlsx");
  std::string location = o.db;
  if (!o.pg.empty())
    location = o.pg.rfind("postgresql://", 0) == 0 || o.pg.rfind("postgres://", 0) == 0 || o.pg.rfind("pg:", 0) == 0
                   ? o.pg
                   : "pg:" + o.pg;
  auto [from_layer, from_version] = parse_version("--from-version", o.from, o.layer);
  auto [to_layer, to_version] = parse_version("--to-version", o.to, o.layer);
  std::optional<MonitoringRules> custom;
  if (!o.rules.empty()) custom = MonitoringRules::parse(read_file(o.rules), o.rules);
  std::optional<services::StagedOutput> staged;
  if (!o.output.empty()) staged.emplace(o.output, o.force);
  auto store = storage::Store::open(location);
  services::MonitorRequest req;
  req.layer = from_layer;
  req.to_layer = to_layer;
  req.from_version = from_version;
  req.to_version = to_version;
  if (!o.region.empty()) req.region_prefixes = std::vector<std::string>{o.region};
  // The versions are checked before the project tables are opened (which makes them when missing).
  store->layer_version(from_layer, from_version);
  store->layer_version(to_layer, to_version);
  std::unique_ptr<storage::ProjectStore> projects;
  if (from_layer == to_layer && from_version != to_version) projects = storage::ProjectStore::open(location);
  std::optional<ProgressBar> bar;
  std::string phase;
  auto r = services::monitor_land_use(
      *store, req, projects.get(), custom ? *custom : MonitoringRules::standard(),
      [&](const std::string& p, std::int64_t done, std::int64_t total) {
        if (p != phase) {
          if (bar) bar->finish();
          phase = p;
          bar.emplace("monitor " + o.layer + " " + p);
        }
        bar->update(done, total);
      });
  if (bar) bar->finish();
  bool warnings = false;
  for (const auto& s : r.spots) warnings |= !s.hits.empty();
  for (const auto& p : r.projects) warnings |= p.hit.has_value();
  if (o.format == "xlsx") {
    services::write_report_xlsx(services::monitor_sheet(r), staged->file_path().string());
    staged->publish();
    std::cerr << "wrote " << r.spots.size() << " change spots to " << o.output << "\n";
    return warnings ? kExitFindings : kExitOk;
  }
  std::string path = staged ? staged->file_path().string() : "";
  FILE* out = stdout;
  if (staged) {
    out = std::fopen(path.c_str(), "w");
    if (!out) throw Error("cannot write " + o.output);
  }
  if (o.format == "json") {
    std::string text = services::monitor_json(r, false).dump(1);
    std::fwrite(text.data(), 1, text.size(), out);
    std::fputc('\n', out);
  } else if (o.format == "geojson") {
    std::string text = services::monitor_geojson(r);
    std::fwrite(text.data(), 1, text.size(), out);
  } else {
    write_table(out, r);
  }
  if (staged) {
    if (std::fclose(out) != 0) throw Error("cannot write " + o.output);
    staged->publish();
  }
  return warnings ? kExitFindings : kExitOk;
}
}  // namespace

void add_monitor_command(CLI::App& app, Action& action) {
  auto o = std::make_shared<MonitorOptions>();
  auto* cmd = app.add_subcommand(
      "monitor",
      "Change spots (变化图斑) between two versions of a land-use layer, matched by BSM where both\n"
      "versions carry it and by geometry where not, with before/after classes and ellipsoidal\n"
      "areas (m², mu, ha), and the warnings of data/monitoring.json (黄/橙/红): cultivated land\n"
      "lost, 非农化 / 非粮化 of permanent basic farmland, new construction outside the urban\n"
      "development boundary and village construction zones, deviation from approved plans, new\n"
      "cultivated land claimed but not surveyed. Exit code 0 without warnings, 3 with warnings,\n"
      "1 on errors, 2 on bad usage.");
  auto* db = cmd->add_option("--db", o->db, "SQLite file, or pg:CONNINFO / postgresql://… for PostgreSQL");
  auto* pg = cmd->add_option("--pg", o->pg, "PostgreSQL connection instead of --db (libpq conninfo)");
  db->excludes(pg);
  pg->excludes(db);
  cmd->add_option("--layer", o->layer, "the land-use layer")->required();
  cmd->add_option("--from-version", o->from, "the earlier version (N, or LAYER:N)")->required();
  cmd->add_option("--to-version", o->to, "the later version (N, or LAYER:N)")->required();
  cmd->add_option("--format", o->format, "table, json, geojson or xlsx (xlsx needs --output)")
      ->check(CLI::IsMember({"table", "json", "geojson", "xlsx"}));
  cmd->add_option("--output", o->output, "output file (default stdout), written under a temporary name");
  cmd->add_flag("--force", o->force, "replace an existing output");
  cmd->add_option("--region", o->region, "only spots in this region (code prefix, e.g. a township's 9 digits)");
  cmd->add_option("--rules", o->rules, "rule file (default data/monitoring.json)");
  cmd->callback([o, &action] { action = [o] { return run_monitor(*o); }; });
}

}  // namespace gz::cli
