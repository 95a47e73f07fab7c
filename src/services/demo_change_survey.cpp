#include "services/demo_change_survey.h"

#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "common/error.h"
#include "domain/land_use_classes.h"
#include "domain/project.h"
#include "domain/survey_fields.h"
#include "geo/ellipsoid.h"
#include "geo/geometry.h"
#include "geo/spatial_index.h"
#include "storage/store.h"

namespace gz::services {

namespace {
using nlohmann::json;

std::uint64_t mix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}
// A uniform draw in [0, 1) for one spot and purpose, the same with every standard library.
double draw(std::uint64_t seed, std::uint64_t spot, std::uint64_t salt) {
  return static_cast<double>(mix64(seed ^ mix64(spot * 0x100000001B3ULL + salt)) >> 11) * 0x1.0p-53;
}
double round2(double x) { return std::round(x * 100.0) / 100.0; }

// Polygons of one layer, indexed, for "is this point inside".
class PointTest {
 public:
  void add(geo::Geometry g, std::size_t tag) {
    index_.insert(shapes_.size(), g.envelope());
    prepared_.push_back(std::make_unique<geo::PreparedGeometry>(g));
    shapes_.push_back(std::move(g));
    tags_.push_back(tag);
  }
  // Tag of the first shape containing (x, y), if any.
  std::optional<std::size_t> find(double x, double y) {
    if (shapes_.empty()) return std::nullopt;
    index_.query(Envelope{x, y, x, y}, hits_);
    if (hits_.empty()) return std::nullopt;
    char wkt[96];
    std::snprintf(wkt, sizeof wkt, "POINT(%.10f %.10f)", x, y);
    geo::Geometry p = geo::Geometry::from_wkt(wkt);
    for (auto i : hits_)
      if (prepared_[i]->contains(p)) return tags_[i];
    return std::nullopt;
  }

 private:
  std::vector<geo::Geometry> shapes_;
  std::vector<std::unique_ptr<geo::PreparedGeometry>> prepared_;
  std::vector<std::size_t> tags_;
  geo::SpatialIndex index_;
  std::vector<std::size_t> hits_;
};

struct PlannedChange {
  std::string to_code;
  bool done = true;
};

void set(Attributes& a, const char* name, AttributeValue v) {
  for (auto& x : a)
    if (x.name == name) {
      x.value = std::move(v);
      return;
    }
  a.push_back({name, std::move(v)});
}

// The attributes of a spot turned to `code` with area `tbmj`.
Attributes changed_attributes(Attributes a, const std::string& code, double tbmj, const LandUseClassTable& classes) {
  const LandUseClass* c = classes.find(code);
  set(a, "DLBM", code);
  set(a, "DLMC", c ? c->name_zh : std::string());
  set(a, "TBMJ", tbmj);
  double kcxs = 0;
  if (c && c->cultivated) {
    kcxs = ridge_deduction_coefficient(a);
    if (!attribute_text(a, "GDPDJB") || attribute_text(a, "GDPDJB")->empty()) set(a, "GDPDJB", std::string("1"));
  } else {
    set(a, "KCXS", 0.0);
    set(a, "KCDLBM", std::string());
    set(a, "GDLX", std::string());
    set(a, "GDPDJB", std::string());
  }
  double kcmj = round2(tbmj * kcxs);
  set(a, "KCMJ", kcmj);
  set(a, "TBDLMJ", round2(tbmj - kcmj));
  set(a, "CZCSXM", std::string(c && c->group == LandGroup::construction ? "203" : ""));
  return a;
}

// What a spot of class `code` becomes in a year, or "" for nothing.
std::string next_class(const std::string& code, bool in_farmland, double r, const LandUseClassTable& classes) {
  const LandUseClass* c = classes.find(code);
  if (!c) return "";
  if (c->cultivated) {
    if (in_farmland) {
      if (r < 0.15) return "0702";   // a house on permanent basic farmland (非农化)
      if (r < 0.30) return "0201K";  // orchards, forest, ponds (非粮化)
      if (r < 0.42) return "0301K";
      if (r < 0.50) return "1104A";
      if (r < 0.58) return "0204";
      return code == "0103" ? "0102" : "0103";  // irrigation works: still farmland
    }
    if (r < 0.25) return "0702";
    if (r < 0.40) return "1003";
    if (r < 0.55) return "0201";
    if (r < 0.65) return "0301";
    if (r < 0.72) return "1104A";
    return code == "0103" ? "0102" : "0103";
  }
  if (c->level1_code == "07") return r < 0.7 ? "0103" : "";  // 增减挂钩: rural housing reclaimed
  if (c->level1_code == "03" || c->level1_code == "04" || c->level1_code == "12")
    return r < 0.6 ? "0103" : "0702";  // 补充耕地, or new houses
  if (c->level1_code == "02") return r < 0.5 ? "0103" : "0301";
  return "";
}
}  // namespace

DemoChangeSurveySummary write_demo_change_survey(
    const std::string& location, storage::ProjectStore* projects, const DemoChangeSurveyOptions& options,
    const std::function<void(std::int64_t, std::int64_t)>& progress) {
  const auto& classes = LandUseClassTable::standard();
  auto reader = storage::Store::open(location);
  auto writer_store = storage::Store::open(location);
  const LayerVersion v1 = reader->layer_version("land_use", std::nullopt);
  if (v1.kind != LayerKind::land_use) throw Error("demo change survey: land_use is not a land-use layer");

  // Permanent basic farmland, for telling 非农化 / 非粮化 examples apart.
  PointTest farmland;
  for (const auto& v : reader->layers_of_kind(LayerKind::permanent_basic_farmland))
    reader->scan(v, [&](StoredFeature&& f) { farmland.add(geo::Geometry::from_wkb(f.wkb), 0); });

  // The plans of projects under way or done.
  std::vector<PlannedChange> changes;
  PointTest planned, implementation_areas;
  std::vector<bool> deviation_placed;
  if (projects) {
    auto records = projects->read([](storage::ProjectTx& tx) { return tx.projects(std::nullopt, true); });
    bool first_accepted = true;
    for (const auto& p : records) {
      bool implementation = p.state == ProjectState::implementation;
      bool done = p.state == ProjectState::completed || p.state == ProjectState::accepted ||
                  p.state == ProjectState::evaluated || p.state == ProjectState::maintenance;
      if (!implementation && !done) continue;
      json plan = json::parse(p.plan_json.empty() ? "{}" : p.plan_json, nullptr, false);
      if (!plan.is_object()) continue;
      bool short_one = done && first_accepted;
      if (done) first_accepted = false;
      const json list = plan.value("changes", json::array());
      for (std::size_t k = 0; k < list.size(); ++k) {
        const auto& c = list[k];
        if (!c.is_object() || !c.contains("geometry") || !c["geometry"].is_object()) continue;
        bool applied = implementation ? k % 2 == 0 : !(short_one && k % 3 == 2);
        planned.add(geo::Geometry::from_geojson(c["geometry"].dump()), changes.size());
        changes.push_back({c.value("to_code", ""), applied});
      }
      if (implementation && plan.contains("area") && plan["area"].is_object()) {
        implementation_areas.add(geo::Geometry::from_geojson(plan["area"].dump()), deviation_placed.size());
        deviation_placed.push_back(false);
      }
    }
  }

  DemoChangeSurveySummary summary;
  auto writer = writer_store->begin_layer_version(
      {"land_use", LayerKind::land_use, "年度变更调查（演示）", v1.source_srs});
  std::int64_t next_bsm = v1.feature_count + 1, n = 0;
  reader->scan(v1, [&](StoredFeature&& f) {
    if (++n % 16384 == 0 && progress) progress(n, v1.feature_count);
    const std::string code = land_use_code(f.attributes).value_or("");
    const double cx = (f.bbox.minx + f.bbox.maxx) / 2, cy = (f.bbox.miny + f.bbox.maxy) / 2;
    const std::uint64_t key = static_cast<std::uint64_t>(
        attribute_number(f.attributes, "BSM").value_or(static_cast<double>(f.id)));
    std::string to;
    bool may_split = false;
    if (auto c = planned.find(cx, cy)) {
      if (changes[*c].done && changes[*c].to_code != code && classes.find(changes[*c].to_code))
        to = changes[*c].to_code;
    } else if (auto a = implementation_areas.find(cx, cy);
               a && !deviation_placed[*a] && classes.find(code) &&
               classes.find(code)->group != LandGroup::construction && classes.find(code)->level1_code != "11") {
      to = "0702";  // built without a plan: the deviation of this project
      deviation_placed[*a] = true;
    } else if (draw(options.seed, key, 1) < options.change_share) {
      to = next_class(code, farmland.find(cx, cy).has_value(), draw(options.seed, key, 2), classes);
      may_split = draw(options.seed, key, 3) < 0.25;
    }
    if (to.empty() || to == code) {
      writer->add(f.source_id, f.wkb, f.bbox, f.attributes);
      return;
    }
    ++summary.changed;
    geo::Geometry g = geo::Geometry::from_wkb(f.wkb);
    if (may_split) {
      // The west half keeps its class and BSM; the east half changed and is a new spot.
      geo::Geometry west_box = geo::Geometry::polygon(
          {{{f.bbox.minx - 1, f.bbox.miny - 1}, {cx, f.bbox.miny - 1}, {cx, f.bbox.maxy + 1}, {f.bbox.minx - 1, f.bbox.maxy + 1}}});
      geo::Geometry west = g.intersection(west_box).polygonal_part();
      geo::Geometry east = g.difference(west_box).polygonal_part();
      if (!west.is_empty() && !east.is_empty() && west.num_parts() <= 1 && east.num_parts() <= 1) {
        ++summary.split;
        double wa = round2(geo::ellipsoidal_area_m2(west)), ea = round2(geo::ellipsoidal_area_m2(east));
        writer->add(f.source_id, west.wkb(), west.envelope(), changed_attributes(f.attributes, code, wa, classes));
        Attributes ea_attrs = changed_attributes(f.attributes, to, ea, classes);
        std::int64_t bsm = next_bsm++;
        set(ea_attrs, "BSM", bsm);
        writer->add(std::to_string(bsm), east.wkb(), east.envelope(), ea_attrs);
        return;
      }
    }
    double tbmj = round2(geo::ellipsoidal_area_m2(g));
    writer->add(f.source_id, f.wkb, f.bbox, changed_attributes(f.attributes, to, tbmj, classes));
  });
  summary.version = writer->commit();
  if (progress) progress(v1.feature_count, v1.feature_count);
  return summary;
}

}  // namespace gz::services
