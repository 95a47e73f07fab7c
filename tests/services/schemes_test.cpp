// Scheme comparison on both backends, on the demo county: schemes made from the red-line
// project's plan (all its changes, part of them) are measured on entry (balance, potential,
// red-line risk), stored and audited; ranked by TOPSIS with entropy and AHP weights; simulated
// as a scenario layer whose measured land use equals the predicted after-column while the
// original layer stays exactly as it was. Bad input of the issue: a scheme with no changes,
// overlapping changes, a single scheme, all-equal schemes, inconsistent and non-reciprocal AHP
// matrices — clear errors or explained results, nothing stored. Jurisdiction: 404 outside, 403
// for a role that may read but not write.
#include "services/schemes.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "../storage/store_backends.h"
#include "common/error.h"
#include "services/demo_county.h"
#include "services/land_use_balance.h"
#include "services/projects.h"
#include "services/scheme_json.h"
#include "services/scheme_units.h"
#include "geo/geometry.h"
#include "geo/ellipsoid.h"
#include "domain/layer.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"
#include "storage/sql_identity_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

using nlohmann::json;
using services::CompareOptions;
using services::NewScheme;
using services::SchemeService;

User user(const std::string& name, Role role, const std::string& dept, const std::string& region) {
  User u;
  u.username = name;
  u.grants.push_back({role, dept, region});
  return u;
}

CompareOptions with(const std::string& weights, const std::string& matrix) {
  CompareOptions o;
  o.weights = weights;
  o.ahp_matrix_json = matrix;
  return o;
}

template <class F>
std::string refusal_code(F&& f) {
  try {
    f();
  } catch (const Explained& e) {
    return e.code();
  } catch (const NotFoundError&) {
    return "not_found";
  }
  return "none";
}

class SchemeServiceTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    layers_ = storage::Store::open(location(), {.create = true});
    auto summary = services::generate_demo_county(*layers_, {.polygons = 2000, .seed = 7});
    county_ = summary.county_code;
    projects_ = storage::ProjectStore::open(location());
    identity_ = storage::IdentityStore::open(location());
    service_ = std::make_unique<SchemeService>(*layers_, *projects_);
    auto redline = services::project_from_layer(*layers_, "projects", "XM2026-005");
    township_ = redline.region_code;
    plan_ = json::parse(redline.plan_json);
    ASSERT_GE(plan_["changes"].size(), 3u);
    expert_ = user("sheji", Role::expert, "", township_);
    other_ = user("zhen_b", Role::township, "", township_.substr(0, 6) + (township_.substr(6) == "100" ? "101" : "100"));
    ecology_ = user("sthj", Role::co_reviewing_department, "生态环境局", county_);
    // The unit the red-line project lies in (most area in common), and one far from it that
    // spans no village of its township.
    std::string area_wkb = geo::Geometry::from_geojson(plan_["area"].dump()).wkb();
    double best = 0;
    auto units = layers_->read_all(layers_->layer_version("units", std::nullopt), {});
    for (const auto& f : units) {
      auto code = attribute_text_any(f.attributes, {"DYBH"}).value();
      auto u = services::find_consolidation_unit(*layers_, code);
      double a = services::area_in_unit_m2(u, area_wkb);
      if (a > best) {
        best = a;
        unit_ = code;
      }
      bool near = a > 0;
      for (const auto& v : u.villages) near |= v.rfind(township_, 0) == 0;
      if (!near && !u.villages.empty() && far_unit_.empty()) {
        far_unit_ = code;
        far_village_ = u.villages.front();
      }
    }
    ASSERT_FALSE(unit_.empty());
    ASSERT_FALSE(far_unit_.empty());
  }

  // The plan with only the changes [from, to).
  std::string part(std::size_t from, std::size_t to) const {
    json p = plan_;
    p["changes"] = json::array();
    for (std::size_t i = from; i < to && i < plan_["changes"].size(); ++i) p["changes"].push_back(plan_["changes"][i]);
    return p.dump();
  }
  NewScheme scheme(const std::string& name, const std::string& plan, std::int64_t fen) const {
    return {unit_, township_, name, "", fen, plan, "", std::nullopt};
  }
  std::size_t audit_length() { return identity_->audit_log().size(); }
  std::int64_t stored_schemes() {
    return projects_->read([](storage::ProjectTx& tx) {
      return std::stoll(tx.session().query("SELECT COUNT(*) FROM schemes").at(0).at(0));
    });
  }

  std::unique_ptr<storage::Store> layers_;
  std::unique_ptr<storage::ProjectStore> projects_;
  std::unique_ptr<storage::IdentityStore> identity_;
  std::unique_ptr<SchemeService> service_;
  std::string county_, township_, unit_, far_unit_, far_village_;
  json plan_;
  User expert_, other_, ecology_;
};

TEST_P(SchemeServiceTest, a_scheme_is_measured_on_entry_stored_and_audited) {
  auto before = audit_length();
  auto s = service_->add(expert_, scheme("全部工程", plan_.dump(), 1'234'567'89));
  EXPECT_EQ(s.code.substr(0, 2), "FA");
  EXPECT_EQ(s.changes, static_cast<std::int64_t>(plan_["changes"].size()));
  EXPECT_GT(s.area_m2, 10000);
  auto a = json::parse(s.assessment_json);
  EXPECT_EQ(a["land_use"]["layer"], "land_use");
  // The red-line project puts works inside the red line: the risk is an area, not a yes/no.
  EXPECT_GT(a["criteria"]["redline_overlap_m2"].get<double>(), 1.0) << a.dump();
  EXPECT_EQ(a["criteria"]["cost_fen"].get<std::int64_t>(), 123456789);
  EXPECT_FALSE(a["balance"]["rows"].empty());
  EXPECT_EQ(a["balance"]["indicators"].size(), 3u);
  EXPECT_DOUBLE_EQ(a["potential"]["new_cultivated_m2"].get<double>(),
                   a["balance"]["cultivated_after_m2"].get<double>() - a["balance"]["cultivated_before_m2"].get<double>());
  auto log = identity_->audit_log();
  ASSERT_EQ(log.size(), before + 1);
  EXPECT_EQ(log.back().action, "scheme.create");
  EXPECT_EQ(log.back().object, "scheme:" + s.code);
  EXPECT_EQ(log.back().actor, "sheji");

  auto second = service_->add(expert_, scheme("部分工程", part(0, 2), 5'000'000'00));
  EXPECT_NE(second.code, s.code);
  EXPECT_EQ(service_->list(expert_, unit_).size(), 2u);
  EXPECT_EQ(service_->list(ecology_).size(), 2u);  // a county department reads
  EXPECT_EQ(service_->get(ecology_, s.id).plan_hash, s.plan_hash);
  auto j = services::scheme_json(service_->get(expert_, s.id), true);
  EXPECT_EQ(j["plan"]["changes"].size(), plan_["changes"].size());
}

TEST_P(SchemeServiceTest, bad_schemes_are_refused_and_change_nothing) {
  auto before = audit_length();
  EXPECT_EQ(refusal_code([&] { service_->add(expert_, scheme("空方案", part(0, 0), 100)); }), "no_changes");
  json overlapping = plan_;
  overlapping["changes"] = json::array({plan_["changes"][0], plan_["changes"][0]});
  overlapping["changes"][1]["to_code"] = "0301";
  EXPECT_EQ(refusal_code([&] { service_->add(expert_, scheme("重叠", overlapping.dump(), 100)); }),
            "overlapping_changes");
  EXPECT_EQ(refusal_code([&] { service_->add(expert_, scheme("负投资", part(0, 1), -1)); }), "invalid_cost");
  EXPECT_EQ(refusal_code([&] { service_->add(expert_, scheme("坏计划", "{\"area\": 3}", 1)); }), "invalid_geometry");
  EXPECT_EQ(refusal_code([&] { service_->add(expert_, scheme("", part(0, 1), 1)); }), "empty_field");
  auto bad_region = scheme("x", part(0, 1), 1);
  bad_region.region_code = "12ab";
  EXPECT_EQ(refusal_code([&] { service_->add(expert_, bad_region); }), "invalid_region");
  // A department that reviews may read schemes but not draw them; another township may not
  // draw in this one.
  EXPECT_EQ(refusal_code([&] { service_->add(ecology_, scheme("x", part(0, 1), 1)); }), "scheme_not_permitted");
  EXPECT_EQ(refusal_code([&] { service_->add(other_, scheme("x", part(0, 1), 1)); }), "scheme_not_permitted");
  EXPECT_EQ(stored_schemes(), 0);
  EXPECT_EQ(audit_length(), before);
}

TEST_P(SchemeServiceTest, schemes_outside_the_jurisdiction_do_not_exist_for_the_user) {
  auto s = service_->add(expert_, scheme("全部工程", plan_.dump(), 100));
  EXPECT_EQ(refusal_code([&] { service_->get(other_, s.id); }), "not_found");
  EXPECT_TRUE(service_->list(other_).empty());
  EXPECT_EQ(refusal_code([&] { service_->simulate(other_, s.id); }), "not_found");
  EXPECT_EQ(refusal_code([&] { service_->simulate(ecology_, s.id); }), "scheme_not_permitted");
  // The unit itself lies outside the neighbouring township: the same 404 as an unknown one.
  EXPECT_EQ(refusal_code([&] { service_->compare(other_, unit_, {}); }), "unknown_unit");
  auto villager = user("cunmin", Role::villager, "", township_ + "201");
  EXPECT_EQ(refusal_code([&] { service_->get(villager, s.id); }), "not_found");
  EXPECT_EQ(refusal_code([&] { service_->get(expert_, 9999); }), "not_found");
}

TEST_P(SchemeServiceTest, schemes_are_ranked_by_topsis_with_entropy_or_ahp_weights) {
  auto full = service_->add(expert_, scheme("全部工程", plan_.dump(), 300'000'000));
  // One scheme: nothing to compare with.
  EXPECT_EQ(refusal_code([&] { service_->compare(expert_, unit_, {}); }), "too_few_schemes");
  std::size_t n = plan_["changes"].size();
  auto half = service_->add(expert_, scheme("一半工程", part(0, n / 2), 150'000'000));
  auto rest = service_->add(expert_, scheme("其余工程", part(n / 2, n), 180'000'000));

  auto c = service_->compare(expert_, unit_, {});
  ASSERT_EQ(c.schemes.size(), 3u);
  double sum = 0;
  for (double w : c.weights) sum += w;
  EXPECT_NEAR(sum, 1.0, 1e-9);
  std::set<int> ranks;
  for (const auto& row : c.topsis.rows) {
    EXPECT_GE(row.closeness, 0.0);
    EXPECT_LE(row.closeness, 1.0);
    ranks.insert(row.rank);
    double contributions = 0;
    for (const auto& cell : row.cells) contributions += cell.contribution;
    EXPECT_NEAR(contributions, row.d_minus * row.d_minus - row.d_plus * row.d_plus, 1e-12);
  }
  EXPECT_EQ(ranks.count(1), 1u);
  // The cost column is what was entered.
  std::size_t cost = 0;
  while (c.criteria[cost].id != "cost_fen") ++cost;
  EXPECT_DOUBLE_EQ(c.values[1][cost], 150'000'000);
  auto j = services::comparison_json(c);
  EXPECT_EQ(j["ranking"].size(), 3u);
  EXPECT_EQ(j["schemes"][0]["explanation"].size(), c.criteria.size());

  // AHP: the cost matters most, the rest equally (consistent: CR = 0).
  std::size_t k = c.criteria.size();
  json m = json::array();
  for (std::size_t i = 0; i < k; ++i) {
    json row = json::array();
    for (std::size_t t = 0; t < k; ++t)
      row.push_back(i == t ? json(1) : i == cost ? json(3) : t == cost ? json("1/3") : json(1));
    m.push_back(row);
  }
  auto a = service_->compare(expert_, unit_, with("ahp", m.dump()));
  ASSERT_TRUE(a.ahp);
  EXPECT_LT(a.ahp->cr, 1e-9);
  EXPECT_NEAR(a.weights[cost], 3.0 / (3.0 + (k - 1)), 1e-9);

  // The same matrix with criteria named in another order gives the same weights.
  json named = {{"criteria", json::array()}, {"matrix", json::array()}};
  for (std::size_t i = k; i-- > 0;) {
    named["criteria"].push_back(c.criteria[i].id);
    json row = json::array();
    for (std::size_t t = k; t-- > 0;) row.push_back(m[i][t]);
    named["matrix"].push_back(row);
  }
  auto b = service_->compare(expert_, unit_, with("ahp", named.dump()));
  for (std::size_t i = 0; i < k; ++i) EXPECT_NEAR(b.weights[i], a.weights[i], 1e-12);

  // Inconsistent, non-reciprocal, malformed.
  json bad = m;
  bad[0][1] = 9;
  bad[1][0] = "1/9";
  bad[1][2] = 9;
  bad[2][1] = "1/9";
  bad[2][0] = 9;
  bad[0][2] = "1/9";
  EXPECT_EQ(refusal_code([&] { service_->compare(expert_, unit_, with("ahp", bad.dump())); }), "ahp_inconsistent");
  json skew = m;
  skew[0][1] = 2;
  EXPECT_EQ(refusal_code([&] { service_->compare(expert_, unit_, with("ahp", skew.dump())); }), "ahp_not_reciprocal");
  EXPECT_EQ(refusal_code([&] { service_->compare(expert_, unit_, with("ahp", "[[1]]")); }), "ahp_not_square");
  EXPECT_EQ(refusal_code([&] { service_->compare(expert_, unit_, with("ahp", "[[1, \"x\"]]")); }), "ahp_bad_value");
  EXPECT_EQ(refusal_code([&] { service_->compare(expert_, unit_, with("ahp", "{\"criteria\": [\"a\"], \"matrix\": [[1]]}")); }),
            "ahp_criteria");
  EXPECT_EQ(refusal_code([&] { service_->compare(expert_, unit_, with("ahp", "")); }), "missing_field");
  EXPECT_EQ(refusal_code([&] { service_->compare(expert_, unit_, with("magic", "")); }), "unknown_weights");
  (void)full;
  (void)half;
  (void)rest;
}

TEST_P(SchemeServiceTest, identical_schemes_are_explained_not_divided_by_zero) {
  service_->add(expert_, scheme("甲", part(0, 2), 100));
  service_->add(expert_, scheme("乙", part(0, 2), 100));
  auto c = service_->compare(expert_, unit_, {});
  EXPECT_TRUE(c.topsis.all_equal);
  EXPECT_TRUE(c.entropy->uniform_fallback);
  EXPECT_FALSE(c.notes_en.empty());
  for (const auto& row : c.topsis.rows) {
    EXPECT_DOUBLE_EQ(row.closeness, 0.5);
    EXPECT_EQ(row.rank, 1);
  }
  EXPECT_NO_THROW(services::comparison_json(c).dump());  // NaN would not serialise as a number
  EXPECT_EQ(services::comparison_json(c).dump().find("null"), std::string::npos);
}

TEST_P(SchemeServiceTest, simulation_writes_a_scenario_layer_and_leaves_the_original_alone) {
  auto s = service_->add(expert_, scheme("全部工程", plan_.dump(), 100));
  auto original = layers_->layer_version("land_use", std::nullopt);
  auto original_features = layers_->read_all(original, {});
  auto before = audit_length();

  auto r = service_->simulate(expert_, s.id);
  EXPECT_EQ(r.scenario.layer, "scenario-" + s.code);
  EXPECT_EQ(r.scenario.kind, LayerKind::land_use);
  EXPECT_EQ(r.scenario.version, 1);
  EXPECT_TRUE(services::is_scenario_layer(r.scenario));
  EXPECT_EQ(r.original.layer, "land_use");
  // The scenario measured over the scheme's area is the balance sheet's after-column.
  EXPECT_LT(r.max_deviation_m2, 1.0);
  EXPECT_GT(r.balance.changes, 0);
  bool changed = false;
  for (const auto& row : r.balance.rows) changed |= std::fabs(row.after_m2 - row.before_m2) > 1;
  EXPECT_TRUE(changed);
  EXPECT_EQ(r.scheme.scenario_layer, r.scenario.layer);
  EXPECT_EQ(r.scheme.scenario_version, 1);

  // The original is exactly as before: one version, same features.
  EXPECT_EQ(layers_->versions("land_use").size(), 1u);
  auto after = layers_->read_all(layers_->layer_version("land_use", std::nullopt), {});
  ASSERT_EQ(after.size(), original_features.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].wkb, original_features[i].wkb);
    EXPECT_EQ(after[i].attributes_json, original_features[i].attributes_json);
  }
  // The scenario never becomes the default current land use.
  EXPECT_EQ(services::single_layer_of_kind(*layers_, LayerKind::land_use, "--land-use").layer, "land_use");

  auto log = identity_->audit_log();
  ASSERT_EQ(log.size(), before + 1);
  EXPECT_EQ(log.back().action, "scheme.simulate");
  auto again = service_->simulate(expert_, s.id);
  EXPECT_EQ(again.scenario.version, 2);
  EXPECT_EQ(again.scenario.feature_count, r.scenario.feature_count);
}

// ---- all-or-nothing simulation (docs/schemes.md, "Transactions") -------------------------------

TEST_P(SchemeServiceTest, a_simulation_whose_record_cannot_be_written_leaves_no_scenario_version) {
  auto s = service_->add(expert_, scheme("全部工程", plan_.dump(), 100));
  auto audit = audit_length();
  auto events = projects_->last_event_seq();
  auto features = where_->query("SELECT count(*) FROM feature");
  // A rule of the database refuses to change schemes: the record of the simulation fails after
  // the scenario version was written in the same transaction.
  if (postgres())
    where_->exec(
        "CREATE FUNCTION freeze_schemes() RETURNS trigger LANGUAGE plpgsql AS "
        "$f$ BEGIN RAISE EXCEPTION 'schemes are frozen'; END $f$; "
        "CREATE TRIGGER freeze_schemes BEFORE UPDATE ON schemes FOR EACH ROW "
        "EXECUTE FUNCTION freeze_schemes()");
  else
    where_->exec("CREATE TRIGGER freeze_schemes BEFORE UPDATE ON schemes "
                 "BEGIN SELECT RAISE(ABORT, 'schemes are frozen'); END");
  EXPECT_THROW(service_->simulate(expert_, s.id), StorageError);
  EXPECT_THROW(layers_->versions("scenario-" + s.code), NotFoundError);
  EXPECT_EQ(where_->query("SELECT count(*) FROM feature"), features);
  EXPECT_EQ(audit_length(), audit);
  EXPECT_EQ(projects_->last_event_seq(), events);
  EXPECT_EQ(service_->get(expert_, s.id).scenario_layer, "");

  where_->exec(postgres() ? "DROP TRIGGER freeze_schemes ON schemes" : "DROP TRIGGER freeze_schemes");
  auto r = service_->simulate(expert_, s.id);
  EXPECT_EQ(r.scenario.version, 1);
  EXPECT_EQ(audit_length(), audit + 1);
}

TEST_P(SchemeServiceTest, a_scenario_layer_name_taken_by_another_kind_refuses_with_nothing_written) {
  auto s = service_->add(expert_, scheme("全部工程", plan_.dump(), 100));
  auto taken = layers_->begin_layer_version({"scenario-" + s.code, LayerKind::parcel, "x", "EPSG:4490"});
  taken->commit();
  taken.reset();
  auto audit = audit_length();
  EXPECT_THROW(service_->simulate(expert_, s.id), UsageError);
  EXPECT_EQ(layers_->versions("scenario-" + s.code).size(), 1u);
  EXPECT_EQ(audit_length(), audit);
  EXPECT_EQ(service_->get(expert_, s.id).scenario_layer, "");
}

TEST_P(SchemeServiceTest, simulations_run_at_once_each_leave_a_version_with_its_audit_entry) {
  auto s = service_->add(expert_, scheme("全部工程", plan_.dump(), 100));
  auto other_layers = storage::Store::open(location());
  auto other_projects = storage::ProjectStore::open(location());
  SchemeService other(*other_layers, *other_projects);
  auto audit = audit_length();
  std::string error_a, error_b;
  std::thread a([&] {
    try {
      service_->simulate(expert_, s.id);
    } catch (const std::exception& e) {
      error_a = e.what();
    }
  });
  std::thread b([&] {
    try {
      other.simulate(expert_, s.id);
    } catch (const std::exception& e) {
      error_b = e.what();
    }
  });
  a.join();
  b.join();
  ASSERT_EQ(error_a, "");
  ASSERT_EQ(error_b, "");
  auto versions = layers_->versions("scenario-" + s.code);
  ASSERT_EQ(versions.size(), 2u);
  auto log = identity_->audit_log();
  ASSERT_EQ(log.size(), audit + 2);
  std::set<int> audited;
  for (std::size_t i = audit; i < log.size(); ++i)
    audited.insert(json::parse(log[i].detail)["scenario"]["version"].get<int>());
  EXPECT_EQ(audited, (std::set<int>{1, 2}));
  EXPECT_EQ(service_->get(expert_, s.id).scenario_version, 2);  // the last committed
}

TEST_P(SchemeServiceTest, a_scheme_unit_must_be_a_consolidation_unit_the_user_may_see) {
  auto before = audit_length();
  auto unknown = scheme("全部工程", plan_.dump(), 100);
  unknown.unit = "DY-NOWHERE";
  // Unknown: a 404 naming the unit, nothing stored.
  try {
    service_->add(expert_, unknown);
    ADD_FAILURE() << "an unknown unit was accepted";
  } catch (const services::UnknownUnit& e) {
    EXPECT_EQ(e.code(), "unknown_unit");
    EXPECT_NE(std::string(e.what()).find("DY-NOWHERE"), std::string::npos);
    EXPECT_NE(e.message_zh().find("DY-NOWHERE"), std::string::npos);
  }
  EXPECT_EQ(refusal_code([&] { service_->list(expert_, "DY-NOWHERE"); }), "unknown_unit");
  EXPECT_EQ(refusal_code([&] { service_->compare(expert_, "DY-NOWHERE", {}); }), "unknown_unit");
  // A unit of another township is outside the expert's jurisdiction: the same 404.
  auto far = scheme("别处", plan_.dump(), 100);
  far.unit = far_unit_;
  EXPECT_EQ(refusal_code([&] { service_->add(expert_, far); }), "unknown_unit");
  EXPECT_EQ(refusal_code([&] { service_->list(expert_, far_unit_); }), "unknown_unit");
  EXPECT_EQ(refusal_code([&] { service_->compare(expert_, far_unit_, {}); }), "unknown_unit");
  // The county's natural-resources bureau sees every unit, but a scheme's region must be one
  // the unit spans and its area must lie in the unit.
  auto county = user("zrzy", Role::lead_department, "自然资源局", county_);
  far.region_code = township_;
  EXPECT_EQ(refusal_code([&] { service_->add(county, far); }), "unit_region_mismatch");
  far.region_code = far_village_;
  EXPECT_EQ(refusal_code([&] { service_->add(county, far); }), "scheme_outside_unit");
  EXPECT_EQ(stored_schemes(), 0);
  EXPECT_EQ(audit_length(), before);

  // Schemes of one comparison share the unit.
  auto a = service_->add(expert_, scheme("甲", part(0, 2), 100));
  auto b = service_->add(expert_, scheme("乙", plan_.dump(), 300));
  CompareOptions named;
  named.schemes = {a.code, std::to_string(b.id)};
  EXPECT_EQ(service_->compare(expert_, unit_, named).schemes.size(), 2u);
  EXPECT_EQ(refusal_code([&] { service_->compare(county, far_unit_, named); }), "scheme_unit_mismatch");
  named.schemes = {a.code, "FA1999-999"};
  EXPECT_EQ(refusal_code([&] { service_->compare(expert_, unit_, named); }), "not_found");
  EXPECT_EQ(service_->list(county, unit_).size(), 2u);
}

TEST_P(SchemeServiceTest, a_scheme_relocating_more_households_ranks_lower_all_else_equal) {
  // The same works at the same cost; only the resettlement plans differ.
  auto many = scheme("多搬迁", plan_.dump(), 200'000'000);
  many.relocated_households = 12;
  auto few = scheme("少搬迁", plan_.dump(), 200'000'000);
  few.relocated_households = 3;
  auto a = service_->add(expert_, many);
  auto b = service_->add(expert_, few);
  EXPECT_EQ(json::parse(a.assessment_json)["social"]["relocation_basis"], "declared");
  std::size_t k = 0;
  auto c = service_->compare(expert_, unit_, {});
  while (c.criteria[k].id != "relocated_households") ++k;
  EXPECT_EQ(c.criteria[k].direction, CriterionDirection::cost);
  EXPECT_DOUBLE_EQ(c.values[0][k], 12);
  EXPECT_DOUBLE_EQ(c.values[1][k], 3);
  EXPECT_EQ(c.topsis.rows[1].rank, 1);  // fewer relocations first
  EXPECT_EQ(c.topsis.rows[0].rank, 2);
  EXPECT_LT(c.topsis.rows[0].closeness, c.topsis.rows[1].closeness);
  // The explanation names relocations as what pulls the first scheme down.
  EXPECT_LT(c.topsis.rows[0].cells[k].contribution, 0);
  EXPECT_GT(c.topsis.rows[1].cells[k].contribution, 0);
  auto j = services::comparison_json(c);
  EXPECT_EQ(j["ranking"][0], b.code);
  EXPECT_EQ(j["schemes"][0]["explanation"][k]["criterion"], "relocated_households");
  EXPECT_EQ(j["schemes"][0]["social"]["relocated_households"], 12);
  // With AHP weights (all criteria equally important) the order is the same.
  std::size_t n = c.criteria.size();
  json m = json::array();
  for (std::size_t i = 0; i < n; ++i) m.push_back(json(std::vector<int>(n, 1)));
  auto ahp = service_->compare(expert_, unit_, with("ahp", m.dump()));
  EXPECT_LT(ahp.topsis.rows[0].closeness, ahp.topsis.rows[1].closeness);
  auto negative = scheme("负数", plan_.dump(), 1);
  negative.relocated_households = -1;
  EXPECT_EQ(refusal_code([&] { service_->add(expert_, negative); }), "invalid_relocations");
}

TEST_P(SchemeServiceTest, social_impact_is_measured_from_homesteads_and_contracted_parcels) {
  // Contracted parcels: household H1 (5 people) holds the ground of the first change, H2 (no
  // head count) that of the second, H3 land elsewhere in the area.
  auto area = geo::Geometry::from_geojson(plan_["area"].dump());
  auto writer = layers_->begin_layer_version({"cbdk", LayerKind::parcel, "test parcels", "EPSG:4490"});
  auto add_parcel = [&](const std::string& id, const geo::Geometry& g, Attributes a) {
    writer->add(id, g.wkb(), g.envelope(), a);
  };
  auto c0 = geo::Geometry::from_geojson(plan_["changes"][0]["geometry"].dump());
  auto c1 = geo::Geometry::from_geojson(plan_["changes"][1]["geometry"].dump());
  add_parcel("p1", c0, {{"CBFBM", std::string("H1")}, {"JTCYSL", std::int64_t{5}}});
  add_parcel("p2", c1, {{"CBFBM", std::string("H2")}});
  auto rest = area.difference(c0).difference(c1).polygonal_part();
  auto elsewhere = rest.difference(geo::Geometry::from_geojson(plan_["changes"][2]["geometry"].dump())).polygonal_part();
  if (!elsewhere.is_empty()) add_parcel("p3", elsewhere, {{"CBFBM", std::string("H3")}});
  writer->commit();
  writer.reset();

  auto s = service_->add(expert_, scheme("两户", part(0, 2), 100));
  auto social = json::parse(s.assessment_json)["social"];
  EXPECT_EQ(social["parcel_layer"]["layer"], "cbdk") << social.dump();
  EXPECT_EQ(social["affected_households"], 2) << social.dump();
  EXPECT_NEAR(social["affected_people"].get<double>(), 5 + 3.2, 1e-9);  // 3.2 = people_per_household
  EXPECT_TRUE(social["people_estimated"].get<bool>());
  double a0 = geo::ellipsoidal_area_m2(c0), a1 = geo::ellipsoidal_area_m2(c1);
  EXPECT_NEAR(social["taken_m2"].get<double>(), a0 + a1, 1.0);
  EXPECT_NEAR(social["taken_m2_per_household"].get<double>(), (a0 + a1) / 2, 1.0);
  // Relocations estimated from the homestead land the changes take (200 m² a household).
  EXPECT_EQ(social["relocation_basis"], "estimated");
  EXPECT_EQ(social["relocated_households"].get<std::int64_t>(),
            std::llround(social["homestead_taken_m2"].get<double>() / 200.0));
  auto criteria = json::parse(s.assessment_json)["criteria"];
  EXPECT_EQ(criteria["affected_households"], 2);
  EXPECT_EQ(criteria["relocated_households"], social["relocated_households"]);

  // A scheme reclaiming a piece of homestead land in the unit relocates its households, estimated.
  auto outline = geo::Geometry::from_wkb(services::find_consolidation_unit(*layers_, unit_).wkb);
  std::string homestead;
  double homestead_m2 = 0;
  layers_->scan_bbox(layers_->layer_version("land_use", std::nullopt), outline.envelope(), [&](StoredFeature&& f) {
    auto code = attribute_text_any(f.attributes, {"DLBM"});
    if (!homestead.empty() || !code || *code != "0702") return;
    auto in_unit = geo::Geometry::from_wkb(f.wkb).intersection(outline).polygonal_part();
    if (in_unit.is_empty()) return;
    auto env = in_unit.envelope();
    double x = (env.minx + env.maxx) / 2, y = (env.miny + env.maxy) / 2, d = 0.0004;
    auto box = geo::Geometry::from_wkt("POLYGON((" + std::to_string(x - d) + " " + std::to_string(y - d) + ", " +
                                       std::to_string(x + d) + " " + std::to_string(y - d) + ", " +
                                       std::to_string(x + d) + " " + std::to_string(y + d) + ", " +
                                       std::to_string(x - d) + " " + std::to_string(y + d) + ", " +
                                       std::to_string(x - d) + " " + std::to_string(y - d) + "))");
    auto piece = in_unit.intersection(box).polygonal_part();
    if (piece.is_empty() || piece.num_parts() > 1 || geo::ellipsoidal_area_m2(piece) < 1000) return;
    homestead = piece.geojson();
    homestead_m2 = geo::ellipsoidal_area_m2(piece);
  });
  ASSERT_FALSE(homestead.empty());
  json reclaim = {{"area", json::parse(homestead)}};
  reclaim["changes"] = json::array({{{"geometry", json::parse(homestead)}, {"from_code", "0702"}, {"to_code", "0103"},
                                     {"measure", "宅基地复垦"}}});
  auto r = service_->add(expert_, scheme("复垦", reclaim.dump(), 100));
  auto rs = json::parse(r.assessment_json)["social"];
  EXPECT_NEAR(rs["homestead_taken_m2"].get<double>(), homestead_m2, 1.0) << rs.dump();
  EXPECT_EQ(rs["relocated_households"].get<std::int64_t>(), std::llround(homestead_m2 / 200.0));
  EXPECT_GE(rs["relocated_households"].get<std::int64_t>(), 3);
}

INSTANTIATE_TEST_SUITE_P(Backends, SchemeServiceTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
