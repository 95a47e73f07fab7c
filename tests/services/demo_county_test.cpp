// The demo county: deterministic, valid, a true tessellation with plausible land use, every layer
// of the one map present, and projects that a compliance check can tell apart.
#include "services/demo_county.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>

#include "common/error.h"
#include "domain/land_use_classes.h"
#include "domain/planning_classes.h"
#include "domain/survey_fields.h"
#include "geo/ellipsoid.h"
#include "geo/geometry.h"
#include "geo/spatial_index.h"
#include "storage/store.h"
#include "../test_support.h"

namespace gz {
namespace {

struct DemoLayer {
  LayerVersion version;
  std::vector<StoredFeature> features;
};

struct Demo {
  std::string path;
  services::DemoCountySummary summary;
  std::map<std::string, DemoLayer> layers;
  const std::vector<StoredFeature>& features(const std::string& layer) const {
    return layers.at(layer).features;
  }
};

std::filesystem::path temp_dir() {
  return std::filesystem::path(testing::TempDir()) / ("gongzhi-demo-" + std::to_string(::getpid()));
}

std::string temp_file(const std::string& name) {
  std::filesystem::create_directories(temp_dir());
  return (temp_dir() / name).string();
}

// The demo databases live for the whole test program and go with it.
class RemoveDemoFiles : public testing::Environment {
 public:
  void TearDown() override { std::filesystem::remove_all(temp_dir()); }
};
[[maybe_unused]] testing::Environment* const remove_demo_files =
    testing::AddGlobalTestEnvironment(new RemoveDemoFiles);

void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    std::filesystem::remove(path + suffix);
}

std::unique_ptr<Demo> generate(std::int64_t polygons, std::uint64_t seed, const std::string& name) {
  auto d = std::make_unique<Demo>();
  d->path = temp_file(name);
  remove_db(d->path);
  auto store = storage::Store::open(d->path, {.create = true});
  d->summary = services::generate_demo_county(*store, {polygons, seed});
  for (const auto& v : store->layers()) {
    DemoLayer& l = d->layers[v.layer];
    l.version = v;
    store->scan(v, [&](StoredFeature&& f) { l.features.push_back(std::move(f)); });
  }
  return d;
}

// Generated once per (polygons, seed) for the whole test program.
const Demo& demo(std::int64_t polygons, std::uint64_t seed) {
  static std::map<std::pair<std::int64_t, std::uint64_t>, std::unique_ptr<Demo>> cache;
  auto& slot = cache[{polygons, seed}];
  if (!slot)
    slot = generate(polygons, seed,
                    "demo-" + std::to_string(polygons) + "-" + std::to_string(seed) + ".sqlite");
  return *slot;
}

std::string text(const StoredFeature& f, const char* name) {
  return attribute_text(f.attributes, name).value_or("");
}
double number(const StoredFeature& f, const char* name) {
  auto v = attribute_number(f.attributes, name);
  return v ? *v : std::nan("");
}
bool has(const StoredFeature& f, const char* name) {
  return find_attribute(f.attributes, name) != nullptr;
}

geo::Geometry geometry(const StoredFeature& f) { return geo::Geometry::from_wkb(f.wkb); }

double area_of_layer(const Demo& d, const std::string& layer) {
  double a = 0;
  for (const auto& f : d.features(layer)) a += geo::ellipsoidal_area_m2(geometry(f));
  return a;
}

const StoredFeature& county_feature(const Demo& d) {
  for (const auto& f : d.features("region"))
    if (text(f, "level") == "county") return f;
  throw Error("no county");
}

constexpr std::int64_t kPolygons = 2000;
constexpr std::uint64_t kSeed = 2026;

TEST(demo_county, same_seed_gives_identical_layers_and_other_seed_differs) {
  const Demo& a = demo(kPolygons, 11);
  auto b = generate(kPolygons, 11, "demo-again.sqlite");
  ASSERT_EQ(a.layers.size(), b->layers.size());
  for (const auto& [name, layer] : a.layers) {
    const auto& other = b->features(name);
    ASSERT_EQ(layer.features.size(), other.size()) << name;
    for (std::size_t k = 0; k < other.size(); ++k) {
      const auto& fa = layer.features[k];
      const auto& fb = other[k];
      ASSERT_EQ(fa.source_id, fb.source_id) << name;
      ASSERT_EQ(fa.wkb, fb.wkb) << name << " " << fa.source_id;
      ASSERT_EQ(fa.attributes.size(), fb.attributes.size()) << name << " " << fa.source_id;
      for (std::size_t q = 0; q < fa.attributes.size(); ++q) {
        EXPECT_EQ(fa.attributes[q].name, fb.attributes[q].name);
        EXPECT_TRUE(fa.attributes[q].value == fb.attributes[q].value)
            << name << " " << fa.source_id << " " << fa.attributes[q].name;
      }
    }
  }
  const Demo& c = demo(kPolygons, 12);
  for (const char* layer : {"land_use", "redline", "pbf"}) {
    const auto& fa = a.features(layer);
    const auto& fc = c.features(layer);
    bool differs = fa.size() != fc.size();
    for (std::size_t k = 0; !differs && k < fa.size(); ++k)
      differs = fa[k].wkb != fc[k].wkb || !(fa[k].attributes.size() == fc[k].attributes.size());
    EXPECT_TRUE(differs) << layer << " is the same for seeds 11 and 12";
  }
}

TEST(demo_county, control_lines_do_not_depend_on_the_polygon_count) {
  const Demo& small = demo(kPolygons, kSeed);
  const Demo& larger = demo(3000, kSeed);
  for (const char* layer : {"redline", "pbf", "udb"}) {
    const auto& fa = small.features(layer);
    const auto& fb = larger.features(layer);
    ASSERT_EQ(fa.size(), fb.size()) << layer;
    for (std::size_t k = 0; k < fa.size(); ++k)
      EXPECT_EQ(fa[k].wkb, fb[k].wkb) << layer << " " << k;
  }
  EXPECT_EQ(larger.features("land_use").size(), 3000u);
}

TEST(demo_county, every_geometry_is_a_valid_polygon) {
  const Demo& d = demo(kPolygons, kSeed);
  for (const auto& [name, layer] : d.layers) {
    ASSERT_FALSE(layer.features.empty()) << name;
    for (const auto& f : layer.features) {
      geo::Geometry g = geometry(f);
      ASSERT_TRUE(g.is_polygonal()) << name << " " << f.source_id << " is a " << g.type_name();
      geo::Validity v = g.validity();
      ASSERT_TRUE(v.valid) << name << " " << f.source_id << ": " << v.reason;
      Envelope e = g.envelope();
      EXPECT_GT(e.minx, 116.9);
      EXPECT_LT(e.maxx, 117.6);
      EXPECT_GT(e.miny, 31.2);
      EXPECT_LT(e.maxy, 31.7);
    }
  }
}

TEST(demo_county, land_use_spots_tessellate_the_county_and_lie_in_one_village_each) {
  const Demo& d = demo(kPolygons, kSeed);
  const auto& spots = d.features("land_use");
  ASSERT_EQ(static_cast<std::int64_t>(spots.size()), kPolygons);
  double county_area = geo::ellipsoidal_area_m2(geometry(county_feature(d)));
  EXPECT_NEAR(county_area, d.summary.county_area_m2, 1e-6 * county_area);
  EXPECT_NEAR(county_area, 1.6e9, 0.01 * 1.6e9);  // 40 × 40 km

  std::vector<geo::Geometry> geoms;
  double sum = 0;
  geo::SpatialIndex index;
  for (std::size_t k = 0; k < spots.size(); ++k) {
    geoms.push_back(geometry(spots[k]));
    double a = geo::ellipsoidal_area_m2(geoms.back());
    sum += a;
    EXPECT_NEAR(number(spots[k], "TBMJ"), a, 0.006) << spots[k].source_id;
    index.insert(k, geoms.back().envelope());
  }
  EXPECT_NEAR(sum, county_area, 1e-6 * county_area);

  // No two spots overlap (neighbours share edges only).
  for (std::size_t k = 0; k < geoms.size(); ++k) {
    double own = geoms[k].planar_area();
    for (std::size_t n : index.query(geoms[k].envelope())) {
      if (n <= k) continue;
      double overlap = geoms[k].intersection(geoms[n]).polygonal_part().planar_area();
      ASSERT_LT(overlap, 1e-9 * own) << spots[k].source_id << " overlaps " << spots[n].source_id;
    }
  }

  // Each spot is covered by the village its ZLDWDM names; villages tile the county too.
  std::map<std::string, std::unique_ptr<geo::PreparedGeometry>> villages;
  std::map<std::string, geo::Geometry> village_geoms;
  double village_sum = 0;
  for (const auto& f : d.features("region"))
    if (text(f, "level") == "village") {
      village_geoms[text(f, "XZQDM")] = geometry(f);
      village_sum += geo::ellipsoidal_area_m2(village_geoms[text(f, "XZQDM")]);
    }
  EXPECT_NEAR(village_sum, county_area, 1e-6 * county_area);
  for (auto& [code, g] : village_geoms) villages[code] = std::make_unique<geo::PreparedGeometry>(g);
  for (std::size_t k = 0; k < spots.size(); ++k) {
    std::string code = text(spots[k], "ZLDWDM").substr(0, 12);
    ASSERT_TRUE(villages.count(code)) << spots[k].source_id << " names unknown village " << code;
    EXPECT_TRUE(villages[code]->covers(geoms[k]))
        << spots[k].source_id << " leaves village " << code;
  }
}

// The demo county's survey looks like a real county's: 湿地 along the river, K codes among
// the plain's orchards and woods, aquaculture ponds and main canals, and every CZCSXM kind, in
// shares of the order a county has them.
TEST(demo_county, survey_has_wetland_k_and_a_codes_and_czcs_in_realistic_shares) {
  const Demo& d = demo(kPolygons, kSeed);
  const auto& table = LandUseClassTable::standard();
  double total = 0, wetland = 0, plantation_forest = 0, adjustable = 0, ponds = 0, aquaculture = 0;
  std::map<std::string, double> czcs;
  std::set<std::string> kinds;
  for (const auto& f : d.features("land_use")) {
    const LandUseClass* c = table.find(text(f, "DLBM"));
    ASSERT_NE(c, nullptr);
    double a = number(f, "TBMJ");
    total += a;
    if (c->level1_code == "00") wetland += a;
    if (c->level1_code == "02" || c->level1_code == "03") plantation_forest += a;
    if (c->kind == ClassKind::adjustable) adjustable += a;
    if (c->count_as == "1104") ponds += a;
    if (c->code == "1104A") aquaculture += a;
    if (c->kind == ClassKind::sub) kinds.insert(c->code);
    if (!text(f, "CZCSXM").empty()) czcs[text(f, "CZCSXM")] += a;
  }
  EXPECT_GT(wetland / total, 0.001);
  EXPECT_LT(wetland / total, 0.03);
  EXPECT_GT(adjustable / plantation_forest, 0.02);
  EXPECT_LT(adjustable / plantation_forest, 0.25);
  EXPECT_GT(aquaculture / ponds, 0.3);
  EXPECT_LT(aquaculture / ponds, 0.6);
  EXPECT_TRUE(kinds.count("1104A")) << "A codes used";
  for (const char* code : {"201", "201A", "202", "203", "204", "205"}) EXPECT_GT(czcs[code], 0) << code;
  // Villages hold most of the 城镇村 land, the town less, mining and special land a little.
  EXPECT_GT(czcs["203"], czcs["204"] + czcs["205"]);
  double towns = czcs["201"] + czcs["201A"] + czcs["202"] + czcs["203"] + czcs["204"] + czcs["205"];
  EXPECT_GT(towns / total, 0.06);
  EXPECT_LT(towns / total, 0.2);
}

TEST(demo_county, land_use_and_control_line_shares_are_plausible) {
  const Demo& d = demo(kPolygons, kSeed);
  const auto& table = LandUseClassTable::standard();
  double total = 0, cultivated = 0, forest = 0, construction = 0, water = 0;
  for (const auto& f : d.features("land_use")) {
    std::string code = text(f, "DLBM");
    const LandUseClass* c = table.find(code);
    ASSERT_NE(c, nullptr) << code;
    double a = number(f, "TBMJ");
    total += a;
    if (c->cultivated) cultivated += a;
    if (c->level1_code == "03") forest += a;
    if (table.is_construction(code)) construction += a;
    if (c->level1_code == "11") water += a;
  }
  EXPECT_GE(cultivated / total, 0.35);
  EXPECT_LE(cultivated / total, 0.40);
  EXPECT_GE(forest / total, 0.25);
  EXPECT_LE(forest / total, 0.30);
  EXPECT_GE(construction / total, 0.10);
  EXPECT_LE(construction / total, 0.14);
  EXPECT_GE(water / total, 0.06);
  EXPECT_LE(water / total, 0.09);
  EXPECT_NEAR(d.summary.shares.cultivated, cultivated / total, 1e-9);

  double county = d.summary.county_area_m2;
  double redline = area_of_layer(d, "redline") / county, pbf = area_of_layer(d, "pbf") / county,
         udb = area_of_layer(d, "udb") / county;
  EXPECT_GE(redline, 0.10);
  EXPECT_LE(redline, 0.15);
  EXPECT_GE(pbf, 0.25);
  EXPECT_LE(pbf, 0.30);
  EXPECT_GE(udb, 0.03);
  EXPECT_LE(udb, 0.05);
}

TEST(demo_county, control_lines_are_cut_into_pieces_that_do_not_overlap) {
  const Demo& d = demo(kPolygons, kSeed);
  for (const char* layer : {"redline", "pbf", "udb"}) {
    const auto& fs = d.features(layer);
    ASSERT_GT(fs.size(), 3u) << layer;
    std::vector<geo::Geometry> gs;
    geo::SpatialIndex index;
    for (std::size_t k = 0; k < fs.size(); ++k) {
      gs.push_back(geometry(fs[k]));
      Envelope e = gs.back().envelope();
      EXPECT_LT(e.maxx - e.minx, 0.025) << layer << " piece wider than a 2 km tile";
      EXPECT_LT(e.maxy - e.miny, 0.025) << layer << " piece taller than a 2 km tile";
      index.insert(k, e);
    }
    for (std::size_t k = 0; k < gs.size(); ++k)
      for (std::size_t n : index.query(gs[k].envelope()))
        if (n > k) {
          EXPECT_LT(gs[k].intersection(gs[n]).polygonal_part().planar_area(),
                    1e-9 * gs[k].planar_area())
              << layer << " " << fs[k].source_id << " overlaps " << fs[n].source_id;
        }
  }
}

TEST(demo_county, writes_every_layer_with_its_kind_and_standard_codes) {
  const Demo& d = demo(kPolygons, kSeed);
  std::map<std::string, LayerKind> expected = {{"region", LayerKind::region},
                                               {"land_use", LayerKind::land_use},
                                               {"redline", LayerKind::ecological_redline},
                                               {"pbf", LayerKind::permanent_basic_farmland},
                                               {"udb", LayerKind::urban_development_boundary},
                                               {"village_plan", LayerKind::village_plan},
                                               {"units", LayerKind::consolidation_unit},
                                               {"projects", LayerKind::project}};
  ASSERT_EQ(d.layers.size(), expected.size());
  for (const auto& [name, kind] : expected) {
    ASSERT_TRUE(d.layers.count(name)) << name;
    EXPECT_EQ(d.layers.at(name).version.kind, kind) << name;
    EXPECT_EQ(d.layers.at(name).version.feature_count,
              static_cast<std::int64_t>(d.features(name).size()));
  }

  // Regions: one county, about six townships, about eight villages each, codes nested.
  std::map<std::string, std::string> level_of;
  int townships = 0, villages = 0;
  for (const auto& f : d.features("region")) level_of[text(f, "XZQDM")] = text(f, "level");
  for (const auto& f : d.features("region")) {
    std::string code = text(f, "XZQDM"), level = text(f, "level"), parent = text(f, "PARENT");
    EXPECT_FALSE(text(f, "XZQMC").empty());
    if (level == "county") {
      EXPECT_EQ(code, "340123");
    } else if (level == "township") {
      ++townships;
      EXPECT_TRUE(std::regex_match(code, std::regex("340123[0-9]{3}"))) << code;
      EXPECT_EQ(parent, "340123");
    } else {
      ASSERT_EQ(level, "village");
      ++villages;
      EXPECT_TRUE(std::regex_match(code, std::regex("340123[0-9]{6}"))) << code;
      EXPECT_EQ(level_of[parent], "township") << code;
      EXPECT_EQ(code.substr(0, 9), parent);
    }
  }
  EXPECT_GE(townships, 5);
  EXPECT_LE(townships, 7);
  EXPECT_GE(villages, 5 * townships);
  EXPECT_LE(villages, 10 * townships);

  // 三调 DLTB fields.
  const auto& table = LandUseClassTable::standard();
  for (const auto& f : d.features("land_use")) {
    std::string code = text(f, "DLBM");
    const LandUseClass* c = table.find(code);
    ASSERT_NE(c, nullptr) << code;
    EXPECT_EQ(text(f, "DLMC"), c->name_zh);
    EXPECT_EQ(level_of[text(f, "ZLDWDM").substr(0, 12)], "village");
    EXPECT_TRUE(text(f, "QSXZ") == "10" || text(f, "QSXZ") == "30");
    double tbmj = number(f, "TBMJ"), kcxs = number(f, "KCXS"), kcmj = number(f, "KCMJ");
    EXPECT_NEAR(number(f, "TBDLMJ"), tbmj - kcmj, 0.0051);
    EXPECT_NEAR(kcmj, tbmj * kcxs, 0.0051);
    if (kcxs > 0) {
      EXPECT_TRUE(c->cultivated) << code << " has a ridge deduction";
      EXPECT_EQ(text(f, "KCDLBM"), "1203");
      EXPECT_GE(kcxs, 0.05);
      EXPECT_LE(kcxs, 0.2);
    }
    if (c->cultivated) {
      std::string grade = text(f, "GDPDJB");
      ASSERT_EQ(grade.size(), 1u);
      EXPECT_TRUE(grade[0] >= '1' && grade[0] <= '5');
      EXPECT_EQ(kcxs > 0, grade != "1");
    }
    std::string czcs = text(f, "CZCSXM");
    EXPECT_TRUE(czcs.empty() || SurveyCodeTable::standard().find("CZCSXM", czcs)) << czcs;
    if (!czcs.empty()) {
      EXPECT_TRUE(table.is_construction(code) || code == "1202") << code;
    }
  }

  // Village plans name their village; units have codes and cross village borders.
  // One village's plan is in 用地用海 codes (GHDLBM), the others name their zone use.
  std::set<std::string> uses, planning_villages;
  for (const auto& f : d.features("village_plan")) {
    EXPECT_EQ(level_of[text(f, "XZQDM")], "village");
    uses.insert(village_zone_use(f.attributes).value_or(""));
    if (!text(f, "GHDLBM").empty()) {
      planning_villages.insert(text(f, "XZQDM"));
      const PlanningClass* c = PlanningClassTable::standard().find(text(f, "GHDLBM"));
      ASSERT_NE(c, nullptr) << text(f, "GHDLBM");
      EXPECT_EQ(text(f, "GHDLMC"), c->name_zh);
      EXPECT_GT(number(f, "GHDLMJ"), 0);
    } else {
      EXPECT_FALSE(text(f, "YDYT").empty());
    }
  }
  EXPECT_EQ(uses, (std::set<std::string>{"agricultural", "construction", "ecological"}));
  EXPECT_EQ(planning_villages.size(), 1u);
  const auto& units = d.features("units");
  EXPECT_GE(units.size(), 3u);
  EXPECT_LE(units.size(), 5u);
  std::map<std::string, std::set<std::string>> villages_of_unit;
  std::vector<geo::Geometry> unit_geoms;
  for (const auto& u : units) {
    EXPECT_FALSE(text(u, "DYBH").empty());
    EXPECT_FALSE(text(u, "DYMC").empty());
    unit_geoms.push_back(geometry(u));
  }
  // A village "crosses" a unit border when some of its spots are in a unit and some are not
  // (or are in another unit).
  std::map<std::string, std::set<int>> units_of_village;
  std::vector<int> unit_of_spot(d.features("land_use").size(), -1);
  for (std::size_t k = 0; k < units.size(); ++k) {
    geo::PreparedGeometry pu(unit_geoms[k]);
    for (std::size_t q = 0; q < d.features("land_use").size(); ++q) {
      const auto& f = d.features("land_use")[q];
      geo::Geometry g = geometry(f);
      if (pu.covers(g)) {
        villages_of_unit[text(units[k], "DYBH")].insert(text(f, "ZLDWDM"));
        unit_of_spot[q] = static_cast<int>(k);
      } else {
        EXPECT_LT(unit_geoms[k].intersection(g).polygonal_part().planar_area(),
                  1e-9 * g.planar_area())
            << "spot " << f.source_id << " straddles unit " << text(units[k], "DYBH");
      }
    }
  }
  for (std::size_t q = 0; q < unit_of_spot.size(); ++q)
    units_of_village[text(d.features("land_use")[q], "ZLDWDM")].insert(unit_of_spot[q]);
  std::size_t crossing = 0;
  for (const auto& [v, us] : units_of_village) crossing += us.size() > 1;
  EXPECT_GT(crossing, 0u) << "unit borders follow village borders";
  for (const auto& [u, vs] : villages_of_unit) EXPECT_GT(vs.size(), 1u) << u;
}

// What a compliance check sees in the projects layer.
struct ProjectView {
  const StoredFeature* area = nullptr;
  std::vector<const StoredFeature*> patches;
  double original_cultivated = 0, new_cultivated = 0;
};

TEST(demo_county, projects_mix_compliant_and_deliberately_rule_breaking_patches) {
  const Demo& d = demo(kPolygons, kSeed);
  const auto& table = LandUseClassTable::standard();
  std::map<std::string, ProjectView> projects;
  for (const auto& f : d.features("projects")) {
    auto id = project_id(f.attributes);
    ASSERT_TRUE(id) << f.source_id;
    EXPECT_TRUE(std::regex_match(*id, std::regex("XM2026-[0-9]{3}"))) << *id;
    if (planned_from_code(f.attributes) || planned_to_code(f.attributes))
      projects[*id].patches.push_back(&f);
    else {
      EXPECT_EQ(projects[*id].area, nullptr) << *id << " has two project areas";
      projects[*id].area = &f;
    }
  }
  EXPECT_GE(projects.size(), 7u);
  EXPECT_LE(projects.size(), 9u);

  // Land-use spots by geometry: every patch is a whole spot, and its from_code is that spot's
  // class.
  std::map<std::string, const StoredFeature*> spot_by_wkb;
  for (const auto& f : d.features("land_use")) spot_by_wkb[f.wkb] = &f;

  auto union_of = [&](const char* layer) {
    std::vector<geo::Geometry> parts;
    for (const auto& f : d.features(layer)) parts.push_back(geometry(f));
    return geo::Geometry::union_all(std::move(parts));
  };
  geo::Geometry redline = union_of("redline"), pbf = union_of("pbf"), udb = union_of("udb");
  std::vector<geo::Geometry> zone_parts;
  for (const auto& f : d.features("village_plan"))
    if (village_zone_allows_construction(f.attributes)) zone_parts.push_back(geometry(f));
  geo::Geometry zones = geo::Geometry::union_all(std::move(zone_parts));
  auto share_in = [](const geo::Geometry& g, const geo::Geometry& line) {
    return g.intersection(line).polygonal_part().planar_area() / g.planar_area();
  };

  bool redline_breach = false, pbf_breach = false, stray_construction = false;
  int planning_targets = 0;
  int compliant = 0, short_of_new_farmland = 0;
  for (auto& [id, p] : projects) {
    ASSERT_NE(p.area, nullptr) << id << " has patches but no project area";
    EXPECT_FALSE(text(*p.area, "XMMC").empty());
    std::string type = text(*p.area, "XMLX");
    EXPECT_TRUE(type == "农用地整理" || type == "建设用地整理" || type == "生态保护修复") << type;
    EXPECT_FALSE(text(*p.area, "status").empty());
    ASSERT_FALSE(p.patches.empty()) << id;
    geo::Geometry area = geometry(*p.area);
    geo::PreparedGeometry prepared(area);
    for (const auto& f : d.features("land_use")) {
      geo::Geometry g = geometry(f);
      if (table.is_cultivated(text(f, "DLBM")) && prepared.covers(g))
        p.original_cultivated += geo::ellipsoidal_area_m2(g);
    }
    bool any_note = has(*p.area, "demo_note");
    for (const StoredFeature* patch : p.patches) {
      // A target planned in 用地用海 (GHDLBM) counts as its 三调 class of the same name.
      auto target = planned_target(patch->attributes);
      ASSERT_TRUE(target) << patch->source_id;
      if (target->planning) ++planning_targets;
      std::string from = *planned_from_code(patch->attributes), to = target->survey_code;
      ASSERT_NE(table.find(from), nullptr) << from;
      ASSERT_NE(table.find(to), nullptr) << to;
      geo::Geometry g = geometry(*patch);
      EXPECT_TRUE(prepared.covers(g)) << patch->source_id << " lies outside project " << id;
      ASSERT_TRUE(spot_by_wkb.count(patch->wkb)) << patch->source_id << " is not a land-use spot";
      EXPECT_EQ(text(*spot_by_wkb[patch->wkb], "DLBM"), from) << patch->source_id;
      if (has(*patch, "pbf_adjust")) {
        EXPECT_TRUE(text(*patch, "pbf_adjust") == "in" || text(*patch, "pbf_adjust") == "out");
      }
      if (!table.is_cultivated(from) && table.is_cultivated(to))
        p.new_cultivated += geo::ellipsoidal_area_m2(g);
      if (!has(*patch, "demo_note")) continue;
      any_note = true;
      bool engineering = table.is_construction(to) || to.rfind("10", 0) == 0;
      if (engineering && share_in(g, redline) > 0.5) redline_breach = true;
      if (table.is_cultivated(from) && to == "0301" && share_in(g, pbf) > 0.5) pbf_breach = true;
      if (to == "0601" && !g.intersects(udb) && !g.intersects(zones)) stray_construction = true;
    }
    double ratio = p.original_cultivated > 0 ? p.new_cultivated / p.original_cultivated : 0;
    if (ratio < 0.05) {
      ++short_of_new_farmland;
      EXPECT_TRUE(any_note) << id << " misses the 5% indicator without saying so";
    }
    if (!any_note) {
      // A compliant project: clear of the red line, no new construction outside the zones, no
      // permanent basic farmland lost, and at least 5% new cultivated land.
      EXPECT_FALSE(area.intersects(redline)) << id;
      EXPECT_GE(ratio, 0.05) << id;
      for (const StoredFeature* patch : p.patches) {
        std::string from = *planned_from_code(patch->attributes),
                    to = planned_target(patch->attributes)->survey_code;
        geo::Geometry g = geometry(*patch);
        if (table.is_construction(to) && !table.is_construction(from)) {
          EXPECT_TRUE(zones.contains(g) || udb.contains(g)) << patch->source_id;
        }
        if (!table.is_cultivated(to)) {
          EXPECT_LT(share_in(g, pbf), 1e-6) << patch->source_id;
        }
      }
      ++compliant;
    }
  }
  EXPECT_GE(compliant, 1);
  EXPECT_GE(short_of_new_farmland, 1);
  EXPECT_TRUE(redline_breach) << "no engineering patch inside the ecological red line";
  EXPECT_TRUE(pbf_breach) << "no permanent basic farmland turned to forest";
  EXPECT_TRUE(stray_construction) << "no new construction outside the development zones";
  EXPECT_GE(planning_targets, 1) << "no planned change names its target in 用地用海";
}

TEST(demo_county, rejects_polygon_counts_out_of_range) {
  std::string path = temp_file("demo-too-small.sqlite");
  remove_db(path);
  auto store = storage::Store::open(path, {.create = true});
  EXPECT_THROW(services::generate_demo_county(*store, {10, 1}), UsageError);
  EXPECT_TRUE(store->layers().empty());
}

int run_cli(const std::string& args) {
  std::string cmd = test::gongzhi_binary() + " " + args + " >/dev/null 2>&1";
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

TEST(demo_county, cli_refuses_to_overwrite_an_existing_file_without_force) {
  std::string path = temp_file("demo-cli.sqlite");
  remove_db(path);
  {
    std::ofstream out(path);
    out << "precious";
  }
  EXPECT_EQ(run_cli("demo --out " + path + " --polygons 1000"), 2);
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  EXPECT_EQ(content.str(), "precious");

  EXPECT_EQ(run_cli("demo --out " + path + " --polygons 1000 --seed 5 --force"), 0);
  auto store = storage::Store::open(path);
  // Version 1 is the survey of 1,000 polygons; the latest is the year's change survey (2).
  EXPECT_EQ(store->layer_version("land_use", 1).feature_count, 1000);
  EXPECT_EQ(store->layer_version("land_use", std::nullopt).version, 2);
  EXPECT_EQ(store->layers().size(), 8u);
  EXPECT_EQ(run_cli("demo --out " + path + " --polygons 10 --force"), 2);
}

}  // namespace
}  // namespace gz
