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
void print_fragmentation(const char* label, const services::Fragmentation& f) {
  std::printf("  %-8s %6.2f parcels/household  %9.1f m² mean parcel  shape index %.2f  %7.1f m to home\n",
              label, f.parcels_per_household, f.mean_parcel_area_m2, f.mean_shape_index,
              f.mean_distance_m);
}
nlohmann::json fragmentation_json(const services::Fragmentation& f) {
  return {{"parcels_per_household", f.parcels_per_household},
          {"mean_parcel_area_m2", f.mean_parcel_area_m2},
          {"mean_shape_index", f.mean_shape_index},
          {"mean_distance_m", f.mean_distance_m}};
}
}  // namespace

void add_realloc_command(CLI::App& app, Action& action) {
  struct Options {
    std::string db, layer = "parcels", units = "units", unit, out, format = "table", stay;
    double tolerance = 0.02;
    std::optional<int> version;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "realloc",
      "Reallocate a unit's contracted parcels into consolidated blocks: each household keeps its\n"
      "land value within --tolerance, in few, compact pieces close to home (min-cost flow, LEMON);\n"
      "households in --stay keep their parcels. Reports fragmentation before/after and each\n"
      "household's value change; --out writes the new parcels as a new layer.");
  cmd->add_option("--db", o->db, "database (SQLite file or pg:CONNINFO)")->required();
  cmd->add_option("--layer", o->layer, "contracted parcels layer (kind parcel; default parcels)");
  cmd->add_option("--version", o->version, "version of the parcels layer (default latest)");
  cmd->add_option("--units-layer", o->units, "consolidation units layer (default units)");
  cmd->add_option("--unit", o->unit, "unit code (DYBH); default: every parcel of the layer");
  cmd->add_option("--tolerance", o->tolerance, "allowed relative value change per household (default 0.02)");
  cmd->add_option("--stay", o->stay, "households (CBFBM) that keep their parcels, comma separated");
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
                        {"deviation", h.deviation}});
        nlohmann::json j = {{"households", r.households}, {"moving_households", r.moving_households},
                            {"parcels", r.parcels}, {"blocks", r.blocks},
                            {"before", fragmentation_json(r.before)}, {"after", fragmentation_json(r.after)},
                            {"max_abs_deviation", r.max_abs_deviation}, {"tolerance", o->tolerance},
                            {"within_tolerance", r.within_tolerance}, {"seconds", r.seconds},
                            {"household_detail", hh}};
        if (r.written) j["written"] = {{"layer", r.written->layer}, {"version", r.written->version}};
        std::printf("%s\n", j.dump(2).c_str());
      } else {
        std::printf("%d households (%d moving), %d parcels → %d blocks, %.1f s\n", r.households,
                    r.moving_households, r.parcels, r.blocks, r.seconds);
        print_fragmentation("before", r.before);
        print_fragmentation("after", r.after);
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
    std::string db, layer = "parcels";
    int households = 1000, parcels = 5000;
    std::uint64_t seed = 1;
  };
  auto d = std::make_shared<DemoOptions>();
  auto* demo = app.add_subcommand("demo-parcels",
                                  "Write a synthetic unit of contracted parcels (scattered strips "
                                  "dealt out to households) to try realloc on.");
  demo->add_option("--db", d->db, "database (SQLite file or pg:CONNINFO)")->required();
  demo->add_option("--layer", d->layer, "layer to write (default parcels)");
  demo->add_option("--households", d->households, "households (default 1000)")->check(CLI::Range(1, 100000));
  demo->add_option("--parcels", d->parcels, "parcels in all (default 5000)")->check(CLI::Range(1, 1000000));
  demo->add_option("--seed", d->seed, "random seed (default 1)");
  demo->callback([d, &action] {
    action = [d] {
      std::unique_ptr<storage::Store> store;
      storage::Store::create(d->db, [](storage::Store&) {});
      store = storage::Store::open(d->db);
      auto v = services::write_demo_parcels(*store, d->layer, d->households, d->parcels, d->seed);
      std::printf("wrote %lld parcels of %d households as layer %s version %d\n",
                  static_cast<long long>(v.feature_count), d->households, v.layer.c_str(), v.version);
      return kExitOk;
    };
  });
}

}  // namespace gz::cli
