// gongzhi realloc: parcel reallocation of a consolidation unit (权属调整), and
// gongzhi demo-parcels: a synthetic unit of contracted parcels to try it on.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/progress.h"
#include "services/realloc.h"
#include "storage/store.h"

namespace gz::cli {

namespace {
std::string access_text(int n) { return n < 0 ? "not checked" : std::to_string(n); }
// The field's criteria side by side, before and after.
void print_criteria(const services::ReallocResult& r) {
  const auto &b = r.before, &a = r.after;
  std::printf("  %-44s %12s %12s\n", "criterion", "before", "after");
  auto row = [](const char* name, double x, double y, const char* fmt) {
    char bx[32], by[32];
    std::snprintf(bx, sizeof bx, fmt, x);
    std::snprintf(by, sizeof by, fmt, y);
    std::printf("  %-44s %12s %12s\n", name, bx, by);
  };
  row("parcels", b.parcels, a.parcels, "%.0f");
  row("parcels per household", b.parcels_per_household, a.parcels_per_household, "%.2f");
  row("mean parcel area (m²)", b.mean_parcel_area_m2, a.mean_parcel_area_m2, "%.1f");
  row("holdings below the minimum parcel (%)", 100 * b.holdings_below_minimum_share,
      100 * a.holdings_below_minimum_share, "%.1f");
  row("shape index (perimeter / 4√area)", b.mean_shape_index, a.mean_shape_index, "%.2f");
  row("length/width ratio", b.mean_length_width_ratio, a.mean_length_width_ratio, "%.2f");
  row("distance to home (m, area-weighted)", b.mean_distance_m, a.mean_distance_m, "%.1f");
  row("narrowest parcel (m, inscribed circle)", b.narrowest_m, a.narrowest_m, "%.1f");
  row("median width (m)", b.median_width_m, a.median_width_m, "%.1f");
  char label[64];
  std::snprintf(label, sizeof label, "narrower than %.0f m", r.rules.min_width_m);
  row(label, b.narrower_than_minimum, a.narrower_than_minimum, "%.0f");
  std::snprintf(label, sizeof label, "smaller than %.0f m²", r.rules.min_area_m2);
  row(label, b.smaller_than_minimum, a.smaller_than_minimum, "%.0f");
  std::snprintf(label, sizeof label, "longer than %.0f × their width", r.rules.max_length_width_ratio);
  row(label, b.over_ratio, a.over_ratio, "%.0f");
  std::printf("  %-44s %12s %12s\n", "without access to a road or ditch", access_text(b.without_access).c_str(),
              access_text(a.without_access).c_str());
}
}  // namespace

void add_realloc_command(CLI::App& app, Action& action) {
  struct Options {
    std::string db, layer = "parcels", units = "units", unit, out, format = "table", stay, access = "roads";
    double tolerance = 0.02;
    std::optional<int> version;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "realloc",
      "Reallocate a unit's contracted parcels into blocks along the roads and ditches: each\n"
      "household keeps its land value within --tolerance in few regular strips close to home, every\n"
      "strip workable (minimum width, area, length/width ratio of data/realloc.json) and reaching a\n"
      "road or ditch of --access; households in --stay keep their parcels. Reports the field's\n"
      "criteria before/after and each household's value change; --out writes the new parcels.");
  cmd->add_option("--db", o->db, "database (SQLite file or pg:CONNINFO)")->required();
  cmd->add_option("--layer", o->layer, "contracted parcels layer (kind parcel; default parcels)");
  cmd->add_option("--version", o->version, "version of the parcels layer (default latest)");
  cmd->add_option("--units-layer", o->units, "consolidation units layer (default units)");
  cmd->add_option("--unit", o->unit, "unit code (DYBH); default: every parcel of the layer");
  cmd->add_option("--tolerance", o->tolerance, "allowed relative value change per household (default 0.02)");
  cmd->add_option("--stay", o->stay, "households (CBFBM) that keep their parcels, comma separated");
  cmd->add_option("--access", o->access,
                  "layers of roads and ditches (DLBM 1003/1004/1006/1107/1107A), comma separated "
                  "(default roads; a missing layer is skipped)");
  cmd->add_option("--out", o->out, "write the reallocated parcels as this new layer");
  cmd->add_option("--format", o->format, "table or json")->check(CLI::IsMember({"table", "json"}));
  cmd->callback([o, &action] {
    action = [o] {
      auto store = storage::Store::open(o->db);
      services::ReallocRequest req;
      req.layer = o->layer;
      req.version = o->version;
      req.units_layer = o->units;
      req.unit = o->unit;
      req.tolerance = o->tolerance;
      req.output_layer = o->out;
      req.access_layers.clear();
      for (std::size_t p = 0; p < o->access.size();) {
        auto e = o->access.find(',', p);
        if (e == std::string::npos) e = o->access.size();
        if (e > p) req.access_layers.push_back(o->access.substr(p, e - p));
        p = e + 1;
      }
      for (std::size_t p = 0; p < o->stay.size();) {
        auto e = o->stay.find(',', p);
        if (e == std::string::npos) e = o->stay.size();
        if (e > p) req.stay.push_back(o->stay.substr(p, e - p));
        p = e + 1;
      }
      std::unique_ptr<ProgressBar> bar;
      std::string phase;
      auto r = services::reallocate(*store, req, [&](const std::string& ph, std::int64_t d, std::int64_t t) {
        if (ph != phase) {
          if (bar) bar->finish();
          phase = ph;
          bar = std::make_unique<ProgressBar>("realloc " + ph);
        }
        bar->update(d, t);
      });
      if (bar) bar->finish();
      if (o->format == "json") {
        nlohmann::json hh = nlohmann::json::array();
        for (const auto& h : r.households_detail)
          hh.push_back({{"household", h.household}, {"stayed", h.stayed},
                        {"parcels_before", h.parcels_before}, {"parcels_after", h.parcels_after},
                        {"value_before", h.value_before}, {"value_after", h.value_after},
                        {"deviation", h.deviation}, {"rule", h.rule},
                        {"shape_index_before", h.shape_index_before}, {"shape_index_after", h.shape_index_after},
                        {"ratio_before", h.ratio_before}, {"ratio_after", h.ratio_after}});
        nlohmann::json below = nlohmann::json::array();
        for (const auto& b : r.below_minimum)
          below.push_back({{"household", b.household}, {"area_m2", b.area_m2}, {"value", b.value}, {"rule", b.rule}});
        nlohmann::json j = {{"households", r.households}, {"moving_households", r.moving_households},
                            {"parcels", r.parcels}, {"blocks", r.blocks},
                            {"before", services::fragmentation_json(r.before)}, {"after", services::fragmentation_json(r.after)},
                            {"max_abs_deviation", r.max_abs_deviation}, {"tolerance", o->tolerance},
                            {"within_tolerance", r.within_tolerance}, {"seconds", r.seconds},
                            {"rules", {{"min_width_m", r.rules.min_width_m}, {"min_area_m2", r.rules.min_area_m2},
                                       {"max_length_width_ratio", r.rules.max_length_width_ratio},
                                       {"access_distance_m", r.rules.access_distance_m},
                                       {"below_minimum", r.rules.below_minimum}}},
                            {"access_layers", r.access_layers_used},
                            {"shape_no_worse_share", r.shape_no_worse_share},
                            {"remnant_pieces", r.remnant_pieces}, {"remnant_area_m2", r.remnant_area_m2},
                            {"remnant_share", r.remnant_share},
                            {"below_minimum", below},
                            {"household_detail", hh}};
        if (r.written) j["written"] = {{"layer", r.written->layer}, {"version", r.written->version}};
        std::printf("%s\n", j.dump(2).c_str());
      } else {
        std::printf("%d households (%d moving), %d parcels → %d blocks, %.1f s\n", r.households,
                    r.moving_households, r.parcels, r.blocks, r.seconds);
        print_criteria(r);
        if (r.access_layers_used.empty())
          std::printf("  access NOT checked: none of the road/ditch layers (%s) exists\n", o->access.c_str());
        std::printf("  households whose shape index and ratio are no worse than before: %.1f%%\n",
                    100 * r.shape_no_worse_share);
        if (r.remnant_pieces > 0)
          std::printf("  %d remnant(s) narrower than %.0f m, %.0f m² (%.2f%% of the pool's value), left to the "
                      "collective as field margins; entitlements reduced in proportion\n",
                      r.remnant_pieces, r.rules.min_width_m, r.remnant_area_m2, 100 * r.remnant_share);
        for (const auto& b : r.below_minimum)
          std::printf("  household %s holds %.0f m², below the minimum parcel of %.0f m²: %s\n", b.household.c_str(),
                      b.area_m2, r.rules.min_area_m2,
                      b.rule == "keep" ? "keeps its parcels in place"
                                       : "gets no land; its land goes to the collective and its value is owed in cash "
                                         "(compensation ledger)");
        if (r.before.parcels_per_household > 0)
          std::printf("  parcels per household reduced by %.1f%%\n",
                      100 * (1 - r.after.parcels_per_household / r.before.parcels_per_household));
        std::printf("  largest value change of a household: %.4f%% (tolerance %.2f%%): %s\n",
                    100 * r.max_abs_deviation, 100 * o->tolerance,
                    r.within_tolerance ? "every household within tolerance" : "SOME HOUSEHOLDS OUTSIDE");
        if (r.written)
          std::printf("  written as layer %s version %d\n", r.written->layer.c_str(), r.written->version);
        else if (!o->out.empty())
          std::printf("  NOT written as layer %s: some households are outside the tolerance\n", o->out.c_str());
      }
      return r.within_tolerance ? kExitOk : kExitFindings;
    };
  });

  struct DemoOptions {
    std::string db, layer = "parcels", roads = "roads";
    int households = 1000, parcels = 5000;
    std::uint64_t seed = 1;
    bool irregular = false;
  };
  auto d = std::make_shared<DemoOptions>();
  auto* demo = app.add_subcommand("demo-parcels",
                                  "Write a synthetic unit of contracted parcels (scattered strips "
                                  "dealt out to households) and its roads and ditches to try realloc on;\n"
                                  "--irregular: bands between curved roads, a slanted outline and a ditch across.");
  demo->add_option("--db", d->db, "database (SQLite file or pg:CONNINFO)")->required();
  demo->add_option("--layer", d->layer, "layer to write (default parcels)");
  demo->add_option("--households", d->households, "households (default 1000)")->check(CLI::Range(1, 100000));
  demo->add_option("--parcels", d->parcels, "parcels in all (default 5000)")->check(CLI::Range(1, 1000000));
  demo->add_option("--seed", d->seed, "random seed (default 1)");
  demo->add_option("--roads-layer", d->roads, "layer of roads and ditches to write (default roads; \"\" for none)");
  demo->add_flag("--irregular", d->irregular, "non-rectangular blocks between curved roads");
  demo->callback([d, &action] {
    action = [d] {
      std::unique_ptr<storage::Store> store;
      storage::Store::create(d->db, [](storage::Store&) {});
      store = storage::Store::open(d->db);
      services::DemoLayout layout;
      layout.layer = d->layer;
      layout.roads_layer = d->roads;
      layout.households = d->households;
      layout.parcels = d->parcels;
      layout.seed = d->seed;
      layout.irregular = d->irregular;
      auto w = services::write_demo_layout(*store, layout);
      const auto& v = w.parcels;
      std::printf("wrote %lld parcels of %d households as layer %s version %d\n",
                  static_cast<long long>(v.feature_count), d->households, v.layer.c_str(), v.version);
      if (w.roads)
        std::printf("wrote %lld roads and ditches as layer %s version %d\n",
                    static_cast<long long>(w.roads->feature_count), w.roads->layer.c_str(), w.roads->version);
      return kExitOk;
    };
  });
}

}  // namespace gz::cli
