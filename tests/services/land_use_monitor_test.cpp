// Land-use change monitoring on both stores: two versions of a small land-use layer laid out in
// Gauss–Krüger metres (100 m × 100 m spots near the central meridian, where the ellipsoidal area
// is the planar one to 1e-7), control layers and platform projects around them, so that every
// rule's area can be worked out by hand: each spot is 10,000 m² = 15 mu, half a spot 5,000 m².
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "../storage/store_backends.h"
#include "common/error.h"
#include "domain/land_use_classes.h"
#include "geo/crs.h"
#include "geo/geometry.h"
#include "services/land_use_monitor.h"
#include "services/monitoring_output.h"
#include "services/progress.h"
#include "storage/project_store.h"
#include "storage/sql_identity_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

using services::ChangeSpot;
using services::MonitorRequest;
using services::MonitorResult;

// Metres east/north of a point on the central meridian 117°E at ~31.4°N (EPSG:4548).
constexpr double kX0 = 500000, kY0 = 3475000;

geo::Geometry rect(double x0, double y0, double x1, double y1) {
  static geo::CoordinateTransform to_ll("EPSG:4548", "EPSG:4490");
  std::vector<double> xy{kX0 + x0, kY0 + y0, kX0 + x1, kY0 + y0, kX0 + x1, kY0 + y1, kX0 + x0, kY0 + y1};
  to_ll.transform_interleaved(xy.data(), 4);
  geo::Ring ring;
  for (int i = 0; i < 4; ++i) ring.emplace_back(xy[2 * i], xy[2 * i + 1]);
  ring.push_back(ring.front());
  return geo::Geometry::polygon({ring});
}

struct Spot {
  std::string bsm;  // "" = none
  std::string code;
  double x0, x1;    // metres, y from 0 to 100
  std::string village = "340123100201";
};

constexpr double kSpot = 10000.0;  // m², one 100 m × 100 m spot

class LandUseMonitorTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    store_ = storage::Store::open(location(), {.create = true});
  }

  LayerVersion write(const std::string& layer, LayerKind kind, const std::vector<Spot>& spots) {
    auto w = store_->begin_layer_version({layer, kind, "test", "EPSG:4490"});
    int n = 0;
    for (const auto& s : spots) {
      auto g = rect(s.x0, 0, s.x1, 100);
      Attributes a;
      if (!s.bsm.empty()) a.push_back({"BSM", s.bsm});
      a.push_back({"DLBM", s.code});
      a.push_back({"ZLDWDM", s.village});
      a.push_back({"ZLDWMC", std::string("东村")});
      w->add(s.bsm.empty() ? "f" + std::to_string(++n) : s.bsm, g.wkb(), g.envelope(), a);
    }
    return w->commit();
  }
  LayerVersion write_zone(const std::string& layer, LayerKind kind, double x0, double x1, Attributes a = {}) {
    auto w = store_->begin_layer_version({layer, kind, "test", "EPSG:4490"});
    auto g = rect(x0, -50, x1, 150);
    w->add("1", g.wkb(), g.envelope(), a);
    return w->commit();
  }

  // The county in its two versions (see each spot's comment for what changes).
  void write_county() {
    std::vector<Spot> before{
        {"1", "0101", 0, 100},      // → 0702 in farmland: 非农化, 耕地流失, outside the boundaries
        {"2", "0103", 100, 200},    // → 0201K in farmland: 非粮化, 耕地流失
        {"3", "0102", 200, 300},    // → 0301, half in farmland: 非粮化 on 5,000 m², 耕地流失
        {"4", "0301", 300, 400},    // → 0101: a change that breaks no rule
        {"5", "0101", 400, 500},    // unchanged
        {"6", "0103", 500, 600},    // split: east half (new BSM 106) → 1104A, matched by geometry
        {"7", "0201", 600, 700},    // → 0601 inside the urban development boundary
        {"8", "0404", 700, 800},    // → 0702 inside a village construction zone
        {"", "0204", 800, 900},     // no BSM: → 0702 outside the boundaries, by geometry
        {"10", "0204", 900, 1000},  // project XM-A: → 0103 as its plan says
        {"11", "0305", 1000, 1100}, // project XM-A: → 0702, not in its plan: deviation
        {"12", "1202", 1100, 1200}, // project XM-B: → 0103 as planned (new cultivated land)
        {"13", "1206", 1200, 1300}, // project XM-B: planned → 0103, still 1206: shortfall
    };
    std::vector<Spot> after{
        {"1", "0702", 0, 100},    {"2", "0201K", 100, 200}, {"3", "0301", 200, 300},
        {"4", "0101", 300, 400},  {"5", "0101", 400, 500},  {"6", "0103", 500, 550},
        {"106", "1104A", 550, 600}, {"7", "0601", 600, 700}, {"8", "0702", 700, 800},
        {"", "0702", 800, 900},   {"10", "0103", 900, 1000}, {"11", "0702", 1000, 1100},
        {"12", "0103", 1100, 1200}, {"13", "1206", 1200, 1300},
    };
    v1_ = write("dltb", LayerKind::land_use, before);
    v2_ = write("dltb", LayerKind::land_use, after);
    write_zone("pbf", LayerKind::permanent_basic_farmland, 0, 250);
    write_zone("udb", LayerKind::urban_development_boundary, 600, 700);
    write_zone("cz", LayerKind::village_plan, 700, 800, {{"zone_use", std::string("construction")}});
  }

  // Platform projects: XM-A in implementation, XM-B accepted.
  void write_projects(std::optional<double> claimed_b_m2 = std::nullopt) {
    projects_ = storage::ProjectStore::open(location());
    auto geojson = [](double x0, double x1) {
      return nlohmann::json::parse(rect(x0, 0, x1, 100).geojson());
    };
    auto project = [&](const std::string& code, ProjectState state, double x0, double x1,
                       nlohmann::json changes) {
      storage::ProjectRecord p;
      p.code = code;
      p.name = code == "XM-A" ? "东村土地整理" : "东村复垦";
      p.type = "农用地整理";
      p.region_code = "340123100201";
      p.state = state;
      p.created_by = "test";
      p.plan_json = nlohmann::json{{"area", geojson(x0, x1)}, {"changes", changes}}.dump();
      return projects_->write([&](storage::ProjectTx& tx) { return tx.insert_project(p); });
    };
    project("XM-A", ProjectState::implementation, 900, 1100,
            nlohmann::json::array({{{"geometry", geojson(900, 1000)}, {"from_code", "0204"},
                                    {"to_code", "0103"}, {"measure", "土地平整"}}}));
    auto b = project("XM-B", ProjectState::accepted, 1100, 1300,
                     nlohmann::json::array({{{"geometry", geojson(1100, 1200)}, {"from_code", "1202"},
                                             {"to_code", "0103"}, {"measure", "复垦"}},
                                            {{"geometry", geojson(1200, 1300)}, {"from_code", "1206"},
                                             {"to_code", "0103"}, {"measure", "复垦"}}}));
    if (claimed_b_m2) {
      // The table the progress service keeps the indicators in (services/progress.cpp).
      projects_->ensure_tables(
          "CREATE TABLE IF NOT EXISTS progress_indicators(project_id bigint NOT NULL, indicator text NOT NULL, "
          "planned text NOT NULL DEFAULT '', achieved text NOT NULL DEFAULT '', updated_by text NOT NULL, "
          "updated_at text NOT NULL, PRIMARY KEY(project_id, indicator));");
      projects_->write([&](storage::ProjectTx& tx) {
        tx.session().query(
            "INSERT INTO progress_indicators(project_id, indicator, planned, achieved, updated_by, updated_at) "
            "VALUES ($1, 'new_cultivated_land', '20000', $2, 'test', '2026-12-01T00:00:00Z')",
            {std::to_string(b.id), std::to_string(*claimed_b_m2)});
      });
    }
  }

  MonitorResult run(MonitorRequest req = {}) {
    if (req.layer.empty()) req = MonitorRequest{"dltb", "", 1, 2, std::nullopt};
    return services::monitor_land_use(*store_, req, projects_.get());
  }

  static const ChangeSpot& spot(const MonitorResult& r, const std::string& before_bsm,
                                const std::string& before_code) {
    for (const auto& s : r.spots)
      if (s.bsm_before == before_bsm && s.code_before == before_code) return s;
    throw std::runtime_error("no change spot from " + before_bsm + " " + before_code);
  }
  static const services::RuleHit* hit(const ChangeSpot& s, const std::string& rule) {
    for (const auto& h : s.hits)
      if (h.rule == rule) return &h;
    return nullptr;
  }

  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<storage::ProjectStore> projects_;
  LayerVersion v1_, v2_;
};

constexpr double kTol = 0.01;  // m²

TEST_P(LandUseMonitorTest, finds_each_change_spot_with_classes_and_ellipsoidal_area) {
  write_county();
  auto r = run();
  // 1, 2, 3, 4, 6 (east half), 7, 8, the spot without BSM, 10, 11, 12: 11 spots; 5 and 13 did not change.
  ASSERT_EQ(r.spots.size(), 11u);
  EXPECT_EQ(r.features_before, 13);
  EXPECT_EQ(r.features_after, 14);
  const auto& s1 = spot(r, "1", "0101");
  EXPECT_EQ(s1.bsm_after, "1");
  EXPECT_EQ(s1.code_after, "0702");
  EXPECT_EQ(s1.name_before, "水田");
  EXPECT_EQ(s1.name_after, LandUseClassTable::standard().find("0702")->name_zh);
  EXPECT_TRUE(s1.matched_by_bsm);
  EXPECT_NEAR(s1.area_m2, kSpot, kTol);
  EXPECT_NEAR(s1.area_mu, 15.0, 1e-5);
  EXPECT_NEAR(s1.area_ha, 1.0, 1e-7);
  EXPECT_EQ(s1.region_code, "340123100201");
  // The split spot: only the east half changed, found by overlaying the changed areas.
  const auto& s6 = spot(r, "6", "0103");
  EXPECT_FALSE(s6.matched_by_bsm);
  EXPECT_EQ(s6.bsm_after, "106");
  EXPECT_EQ(s6.code_after, "1104A");
  EXPECT_NEAR(s6.area_m2, kSpot / 2, kTol);
  // Without BSM in either version: by geometry.
  const auto& s9 = spot(r, "", "0204");
  EXPECT_FALSE(s9.matched_by_bsm);
  EXPECT_EQ(s9.code_after, "0702");
  EXPECT_NEAR(s9.area_m2, kSpot, kTol);
  for (const auto& s : r.spots) EXPECT_NE(s.bsm_before, "5");
  // Ids are stable and unique.
  auto again = run();
  ASSERT_EQ(again.spots.size(), r.spots.size());
  for (std::size_t i = 0; i < r.spots.size(); ++i) {
    EXPECT_EQ(again.spots[i].id, r.spots[i].id);
    EXPECT_EQ(again.spots[i].bsm_before, r.spots[i].bsm_before);
  }
}

// Land only one version holds is a change spot with the class "none" on the other side.
TEST_P(LandUseMonitorTest, land_present_in_only_one_version_is_a_spot_from_or_to_none) {
  v1_ = write("dltb", LayerKind::land_use,
              {{"1", "0101", 0, 100},     // unchanged
               {"2", "0101", 100, 200},   // removed: 10,000 m² of 水田 → none
               {"3", "0103", 300, 350},   // grows east to 400 (same class): 5,000 m² none → 0103
               {"", "0204", 500, 600}});  // no BSM, unchanged in shape and class
  v2_ = write("dltb", LayerKind::land_use,
              {{"1", "0101", 0, 100},
               {"3", "0103", 300, 400},
               {"", "0204", 500, 600},
               {"4", "0702", 600, 650},     // new: 5,000 m² none → 0702 outside every boundary
               {"", "0601", 700, 725}});   // new, no BSM: 2,500 m² none → 0601
  auto r = run();
  ASSERT_EQ(r.spots.size(), 4u);
  const auto& removed = spot(r, "2", "0101");
  EXPECT_EQ(removed.code_after, kNoLand);
  EXPECT_EQ(removed.name_after, "无");
  EXPECT_EQ(removed.bsm_after, "");
  EXPECT_FALSE(removed.matched_by_bsm);
  EXPECT_NEAR(removed.area_m2, kSpot, kTol);
  const auto* lost = hit(removed, "cultivated_loss");
  ASSERT_TRUE(lost);
  EXPECT_NEAR(lost->area_m2, kSpot, kTol);
  EXPECT_EQ(lost->severity, Severity::orange);  // 15 mu
  std::map<std::string, const ChangeSpot*> added;
  for (const auto& s : r.spots)
    if (s.code_before == kNoLand) added[s.code_after] = &s;
  ASSERT_EQ(added.size(), 3u);
  EXPECT_EQ(added["0103"]->bsm_after, "3");
  EXPECT_EQ(added["0103"]->name_before, "无");
  EXPECT_NEAR(added["0103"]->area_m2, kSpot / 2, kTol);
  EXPECT_TRUE(added["0103"]->hits.empty());
  EXPECT_EQ(added["0702"]->bsm_after, "4");
  EXPECT_NEAR(added["0702"]->area_m2, kSpot / 2, kTol);
  const auto* built = hit(*added["0702"], "construction_outside_boundary");
  ASSERT_TRUE(built);
  EXPECT_NEAR(built->area_m2, kSpot / 2, kTol);
  EXPECT_EQ(built->severity, Severity::red);  // 7.5 mu ≥ 3 mu
  EXPECT_FALSE(hit(*added["0702"], "cultivated_loss"));
  EXPECT_NEAR(added["0601"]->area_m2, kSpot / 4, kTol);
  EXPECT_TRUE(hit(*added["0601"], "construction_outside_boundary"));
}

TEST_P(LandUseMonitorTest, cultivated_land_lost_is_warned_with_its_area) {
  write_county();
  auto r = run();
  // 0101 → 0702, 0103 → 0201K (a K code is not cultivated), 0102 → 0301, half of 0103 → 1104A.
  const auto* h1 = hit(spot(r, "1", "0101"), "cultivated_loss");
  ASSERT_TRUE(h1);
  EXPECT_NEAR(h1->area_m2, kSpot, kTol);
  EXPECT_EQ(h1->severity, Severity::orange);  // 15 mu: ≥ 5 mu, < 30 mu
  ASSERT_TRUE(hit(spot(r, "2", "0103"), "cultivated_loss"));
  ASSERT_TRUE(hit(spot(r, "3", "0102"), "cultivated_loss"));
  const auto* h6 = hit(spot(r, "6", "0103"), "cultivated_loss");
  ASSERT_TRUE(h6);
  EXPECT_NEAR(h6->area_m2, kSpot / 2, kTol);
  EXPECT_EQ(h6->severity, Severity::orange);  // 7.5 mu
  // Gains and changes among other classes are no loss.
  EXPECT_FALSE(hit(spot(r, "4", "0301"), "cultivated_loss"));
  EXPECT_FALSE(hit(spot(r, "12", "1202"), "cultivated_loss"));
  int losses = 0;
  for (const auto& s : r.spots) losses += hit(s, "cultivated_loss") != nullptr;
  EXPECT_EQ(losses, 4);
}

TEST_P(LandUseMonitorTest, farmland_turned_to_construction_inside_permanent_basic_farmland_is_red) {
  write_county();
  auto r = run();
  const auto* h = hit(spot(r, "1", "0101"), "pbf_non_agricultural");
  ASSERT_TRUE(h);
  EXPECT_NEAR(h->area_m2, kSpot, kTol);
  EXPECT_EQ(h->severity, Severity::red);
  EXPECT_EQ(spot(r, "1", "0101").severity(), Severity::red);
  EXPECT_EQ(spot(r, "1", "0101").hits.front().severity, Severity::red);  // highest first
  // Outside the farmland (spot 6 → pond, spot 11 → construction) no 非农化.
  int count = 0;
  for (const auto& s : r.spots) count += hit(s, "pbf_non_agricultural") != nullptr;
  EXPECT_EQ(count, 1);
}

TEST_P(LandUseMonitorTest, farmland_turned_to_plantation_or_forest_inside_farmland_counts_only_the_part_inside) {
  write_county();
  auto r = run();
  const auto* h2 = hit(spot(r, "2", "0103"), "pbf_non_grain");  // → 0201K, a K code
  ASSERT_TRUE(h2);
  EXPECT_NEAR(h2->area_m2, kSpot, kTol);
  EXPECT_EQ(h2->severity, Severity::red);  // 15 mu ≥ 10
  const auto* h3 = hit(spot(r, "3", "0102"), "pbf_non_grain");  // → 0301, farmland up to x = 250
  ASSERT_TRUE(h3);
  EXPECT_NEAR(h3->area_m2, kSpot / 2, kTol);
  EXPECT_EQ(h3->severity, Severity::orange);  // 7.5 mu
  // The pond (1104A) is outside the farmland: no 非粮化 there.
  EXPECT_FALSE(hit(spot(r, "6", "0103"), "pbf_non_grain"));
  EXPECT_FALSE(hit(spot(r, "1", "0101"), "pbf_non_grain"));
}

TEST_P(LandUseMonitorTest, new_construction_is_warned_only_outside_the_boundary_and_village_zones) {
  write_county();
  auto r = run();
  const auto* h1 = hit(spot(r, "1", "0101"), "construction_outside_boundary");
  ASSERT_TRUE(h1);
  EXPECT_NEAR(h1->area_m2, kSpot, kTol);
  const auto* h9 = hit(spot(r, "", "0204"), "construction_outside_boundary");
  ASSERT_TRUE(h9);
  EXPECT_NEAR(h9->area_m2, kSpot, kTol);
  EXPECT_EQ(h9->severity, Severity::red);  // 15 mu ≥ 3
  EXPECT_FALSE(hit(spot(r, "7", "0201"), "construction_outside_boundary"));  // inside the boundary
  EXPECT_FALSE(hit(spot(r, "8", "0404"), "construction_outside_boundary"));  // village construction zone
  EXPECT_TRUE(hit(spot(r, "11", "0305"), "construction_outside_boundary"));
}

TEST_P(LandUseMonitorTest, changes_inside_a_project_area_that_its_plan_does_not_make_are_deviations) {
  write_county();
  write_projects();
  auto r = run();
  const auto* h = hit(spot(r, "11", "0305"), "plan_deviation");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->project, "XM-A");
  EXPECT_EQ(h->project_name, "东村土地整理");
  EXPECT_NEAR(h->area_m2, kSpot, kTol);
  EXPECT_EQ(h->severity, Severity::red);  // 15 mu ≥ 10
  // As planned: no deviation.
  EXPECT_FALSE(hit(spot(r, "10", "0204"), "plan_deviation"));
  EXPECT_FALSE(hit(spot(r, "12", "1202"), "plan_deviation"));
  // Without the project store the plan rules are not applied.
  projects_.reset();
  auto bare = run();
  EXPECT_FALSE(hit(spot(bare, "11", "0305"), "plan_deviation"));
  EXPECT_TRUE(bare.projects.empty());
}

TEST_P(LandUseMonitorTest, new_cultivated_land_claimed_by_an_accepted_project_is_checked_against_the_survey) {
  write_county();
  write_projects();
  auto r = run();
  ASSERT_EQ(r.projects.size(), 1u);  // XM-A is not completed
  const auto& p = r.projects[0];
  EXPECT_EQ(p.project, "XM-B");
  // Claimed: its two new cultivated plots, 20,000 m²; the survey shows one cultivated.
  EXPECT_NEAR(p.claimed_m2, 2 * kSpot, kTol);
  EXPECT_NEAR(p.surveyed_m2, kSpot, kTol);
  EXPECT_NEAR(p.shortfall_m2, kSpot, kTol);
  ASSERT_TRUE(p.hit);
  EXPECT_EQ(p.hit->rule, "new_cultivated_shortfall");
  EXPECT_EQ(p.hit->severity, Severity::red);  // 50 % ≥ 20 %
}

TEST_P(LandUseMonitorTest, the_achieved_new_cultivated_land_is_the_claim_when_recorded) {
  write_county();
  write_projects(10500.0);  // achieved 10,500 m², the survey finds 10,000: 4.76 % short
  auto r = run();
  ASSERT_EQ(r.projects.size(), 1u);
  const auto& p = r.projects[0];
  EXPECT_NEAR(p.claimed_m2, 10500.0, 1e-9);
  EXPECT_NEAR(p.shortfall_m2, 500.0, kTol);
  ASSERT_TRUE(p.hit);
  EXPECT_EQ(p.hit->severity, Severity::yellow);  // > 1 %, < 5 %
}

TEST_P(LandUseMonitorTest, a_region_sees_only_its_spots) {
  write_county();
  auto all = run();
  MonitorRequest req{"dltb", "", 1, 2, std::vector<std::string>{"340123101"}};
  EXPECT_TRUE(run(req).spots.empty());
  req.region_prefixes = std::vector<std::string>{"340123100"};
  auto mine = run(req);
  EXPECT_EQ(mine.spots.size(), all.spots.size());
  EXPECT_EQ(mine.spots.front().id, all.spots.front().id);
}

TEST_P(LandUseMonitorTest, versions_of_different_layers_or_missing_versions_are_refused_and_nothing_changes) {
  write_county();
  write("other", LayerKind::land_use, {{"1", "0101", 0, 100}});
  write("other", LayerKind::land_use, {{"1", "0103", 0, 100}});
  write_zone("pbf", LayerKind::permanent_basic_farmland, 0, 50);
  std::string before = where_->dump();
  try {
    run({"dltb", "other", 1, 2, std::nullopt});
    FAIL() << "different layers accepted";
  } catch (const InvalidRequest& e) {
    EXPECT_EQ(e.code(), "versions_of_different_layers");
    EXPECT_NE(std::string(e.what()).find("'other'"), std::string::npos) << e.what();
  }
  try {
    run({"dltb", "", 1, 7, std::nullopt});
    FAIL() << "missing version accepted";
  } catch (const NotFoundError& e) {
    EXPECT_NE(std::string(e.what()).find("7"), std::string::npos) << e.what();
  }
  EXPECT_THROW(run({"nope", "", 1, 2, std::nullopt}), NotFoundError);
  EXPECT_THROW(run({"pbf", "", 1, 2, std::nullopt}), InvalidRequest);  // not land use
  EXPECT_THROW(run({"dltb", "", 2, 2, std::nullopt}), InvalidRequest);
  EXPECT_EQ(where_->dump(), before);
}

TEST_P(LandUseMonitorTest, json_and_sheet_carry_every_spot_and_the_totals) {
  write_county();
  write_projects();
  auto r = run();
  auto j = services::monitor_json(r, true);
  ASSERT_EQ(j["spots"].size(), r.spots.size());
  EXPECT_EQ(j["spots"][0]["geometry"]["type"], "Polygon");
  EXPECT_EQ(j["summary"]["by_rule"]["plan_deviation"], 1);
  EXPECT_EQ(j["summary"]["by_rule"]["new_cultivated_shortfall"], 1);
  EXPECT_NEAR(j["summary"]["changed_m2"].get<double>(), 10 * kSpot + kSpot / 2, 11 * kTol);
  auto sheet = services::monitor_sheet(r);
  EXPECT_EQ(sheet.rows.size(), r.spots.size() + 1);  // + 合计
  EXPECT_TRUE(sheet.rows.back().total);
}

INSTANTIATE_TEST_SUITE_P(Backends, LandUseMonitorTest, GZ_ALL_BACKENDS, backend_name);

TEST(MonitoringRules, bad_rule_files_are_refused_naming_the_rule_and_field) {
  auto refused = [](const std::string& text) {
    try {
      MonitoringRules::parse(text, "m.json");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(refused(R"({"rules":[{"id":"a","name_zh":"甲","name_en":"A","type":"change","severity":"紫"}]})")
                .find("severity"),
            std::string::npos);
  EXPECT_NE(refused(R"({"rules":[{"id":"a","name_zh":"甲","name_en":"A","type":"change","severity":"黄","to":{"level1":["77"]}}]})")
                .find("to.level1"),
            std::string::npos);
  EXPECT_NE(refused(R"({"rules":[{"id":"a","name_zh":"甲","name_en":"A","type":"plan_deviation","severity":"黄","project_states":["flying"]}]})")
                .find("rule a"),
            std::string::npos);
  EXPECT_EQ(MonitoringRules::standard().rules.size(), 6u);
}

}  // namespace
}  // namespace gz::test
