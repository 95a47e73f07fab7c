// Village plan changes on both backends: a change that keeps off the control lines goes to
// review and, approved by the natural-resources bureau, becomes a new version of the village plan
// layer while the old version stays readable; a change that cuts the red line or builds on
// permanent basic farmland is refused with the finding (also when the red line moved onto it
// between request and approval); malformed zones, wrong roles and foreign villages are refused
// with nothing changed; every step is in the audit log.
#include "services/village_plans.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "../storage/store_backends.h"
#include "assessment_fixture.h"
#include "common/error.h"
#include "geo/geometry.h"
#include "services/password.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

using nlohmann::json;
using services::VillagePlanService;

template <class E, class F>
std::string code_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    if (auto* x = dynamic_cast<const Explained*>(&e)) return x->code();
    return "thrown";
  }
  return "none";
}

std::string zones(const std::vector<std::pair<std::string, std::array<double, 4>>>& list) {
  json fc = {{"type", "FeatureCollection"}, {"features", json::array()}};
  for (const auto& [use, r] : list)
    fc["features"].push_back({{"type", "Feature"},
                              {"properties", {{"zone_use", use}}},
                              {"geometry", json::parse(local_rect_geojson(r[0], r[1], r[2], r[3]))}});
  return fc.dump();
}

class VillagePlanTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    layers_ = storage::Store::open(location(), {.create = true});
    write_two_village_county(*layers_);
    identity_ = storage::IdentityStore::open(location(), {.create = true});
    store_ = storage::ProjectStore::open(location());
    static const std::string hash = services::hash_password("a long enough password");
    identity_->create_first_admin("root", hash, "cli:test");
    auto add = [&](const std::string& name, Role role, const std::string& dept, const std::string& region) {
      identity_->add_user({name, hash, {Grant{role, dept, region}}}, "root");
    };
    add("zhen", Role::township, "", kTownship);
    add("cun", Role::village_collective, "", kVillageA);
    add("xicun", Role::village_collective, "", kVillageB);
    add("cunmin", Role::villager, "", kVillageA);
    add("zrzy", Role::lead_department, "自然资源局", "340123");
    add("nyncj", Role::co_reviewing_department, "农业农村局", "340123");
    service_ = std::make_unique<VillagePlanService>(*layers_, *store_);
  }
  User user(const std::string& name) { return *identity_->find_user(name); }
  services::PlanChangeRequest submit(const std::string& who, const std::string& z,
                                     const std::string& region = kVillageA) {
    return service_->submit(user(who), {region, z, "新增村民安置点"});
  }
  std::size_t changes_stored() {
    return where_->query("SELECT count(*) FROM village_plan_changes").at(0) == "0"
               ? 0
               : std::stoul(where_->query("SELECT count(*) FROM village_plan_changes").at(0));
  }
  std::vector<std::string> audit_actions() {
    std::vector<std::string> out;
    for (const auto& e : identity_->audit_log()) out.push_back(e.action);
    return out;
  }
  static bool has_rule(const services::PlanChangeRequest& c, const std::string& rule) {
    for (const auto& f : c.findings)
      if (f.rule == rule) return true;
    return false;
  }

  std::unique_ptr<storage::Store> layers_;
  std::unique_ptr<storage::IdentityStore> identity_;
  std::unique_ptr<storage::ProjectStore> store_;
  std::unique_ptr<VillagePlanService> service_;
};

TEST_P(VillagePlanTest, an_approved_change_becomes_a_new_plan_version_and_the_old_stays_readable) {
  auto c = submit("cun", zones({{"construction", {100, 850, 400, 950}}}));
  EXPECT_EQ(c.status, "in_review");
  EXPECT_TRUE(c.findings.empty());
  EXPECT_EQ(c.base_version, 1);

  auto d = service_->decide(user("zrzy"), c.id, "approve", "同意");
  EXPECT_EQ(d.status, "approved");
  EXPECT_EQ(d.new_version, 2);
  EXPECT_EQ(d.decided_by, "zrzy");

  auto versions = service_->versions(user("cun"), kVillageA);
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0].zones, 2);
  EXPECT_EQ(versions[0].change_request, 0);
  EXPECT_EQ(versions[1].zones, 3);  // the agricultural zone cut around the new one, kept
  EXPECT_EQ(versions[1].change_request, c.id);

  auto old_zones = json::parse(service_->zones(user("cun"), kVillageA, 1));
  EXPECT_EQ(old_zones["version"], 1);
  EXPECT_EQ(old_zones["features"].size(), 2u);
  auto now = json::parse(service_->zones(user("cunmin"), kVillageA, std::nullopt));
  EXPECT_EQ(now["version"], 2);
  int construction = 0;
  for (const auto& f : now["features"])
    if (f["properties"]["zone_use"] == "construction") ++construction;
  EXPECT_EQ(construction, 2);

  auto actions = audit_actions();
  EXPECT_NE(std::find(actions.begin(), actions.end(), "village_plan.change_submit"), actions.end());
  EXPECT_NE(std::find(actions.begin(), actions.end(), "village_plan.change_approve"), actions.end());
  EXPECT_EQ(code_of<RuleError>([&] { service_->decide(user("zrzy"), c.id, "approve", ""); }),
            "change_not_in_review");
  EXPECT_EQ(service_->requests(user("zhen"), kVillageA).size(), 1u);
}

TEST_P(VillagePlanTest, a_change_that_cuts_a_control_line_is_refused_with_the_finding) {
  auto cut = submit("cun", zones({{"construction", {750, 750, 850, 850}}}));
  EXPECT_EQ(cut.status, "refused");
  EXPECT_TRUE(has_rule(cut, "plan_cuts_redline"));
  EXPECT_TRUE(has_rule(cut, "redline_engineering"));  // data/rules.json via the compliance check
  for (const auto& f : cut.findings) EXPECT_NEAR(f.area_m2, 10000, 20) << f.rule;

  auto farm = submit("cun", zones({{"agricultural", {750, 750, 850, 850}}}));
  EXPECT_EQ(farm.status, "refused");
  EXPECT_TRUE(has_rule(farm, "plan_cuts_redline"));

  auto pbf = submit("cun", zones({{"construction", {100, 100, 200, 200}}}));
  EXPECT_EQ(pbf.status, "refused");
  EXPECT_TRUE(has_rule(pbf, "plan_builds_on_pbf"));
  EXPECT_TRUE(has_rule(pbf, "pbf_conversion"));

  auto outside = submit("cun", zones({{"agricultural", {1300, 100, 1400, 200}}}));
  EXPECT_EQ(outside.status, "refused");
  EXPECT_TRUE(has_rule(outside, "zone_outside_village"));

  // Ecological zones on the red line and farmland zones on farmland keep the lines.
  auto fine = submit("cun", zones({{"ecological", {750, 750, 850, 850}}, {"agricultural", {100, 100, 200, 200}}}));
  EXPECT_EQ(fine.status, "in_review");
  EXPECT_EQ(code_of<RuleError>([&] { service_->decide(user("zrzy"), cut.id, "approve", ""); }),
            "change_not_in_review");
  EXPECT_EQ(layers_->versions("village_plan").size(), 1u);  // nothing written
  auto actions = audit_actions();
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "village_plan.change_refused"), 4);
}

TEST_P(VillagePlanTest, approval_checks_again_and_refuses_when_the_red_line_now_covers_the_zone) {
  auto c = submit("cun", zones({{"construction", {100, 850, 400, 950}}}));
  ASSERT_EQ(c.status, "in_review");
  // The red line is redrawn over the site after the request.
  {
    auto w = layers_->begin_layer_version({"redline", LayerKind::ecological_redline, "test", "EPSG:4490"});
    std::string wkb = local_rect_wkb(0, 800, 1200, 1000);
    w->add("R1", wkb, geo::Geometry::from_wkb(wkb).envelope(), {});
    w->commit();
  }
  auto d = service_->decide(user("zrzy"), c.id, "approve", "");
  EXPECT_EQ(d.status, "refused");
  EXPECT_TRUE(has_rule(d, "plan_cuts_redline"));
  EXPECT_EQ(layers_->versions("village_plan").size(), 1u);
}

TEST_P(VillagePlanTest, bad_zones_wrong_roles_and_foreign_villages_change_nothing) {
  const std::string good = zones({{"construction", {100, 850, 400, 950}}});
  json bowtie = {{"type", "FeatureCollection"},
                 {"features",
                  {{{"type", "Feature"},
                    {"properties", {{"zone_use", "construction"}}},
                    {"geometry",
                     {{"type", "Polygon"},
                      {"coordinates", {{{117.30, 31.80}, {117.31, 31.81}, {117.31, 31.80}, {117.30, 31.81}, {117.30, 31.80}}}}}}}}}};
  EXPECT_EQ(code_of<InvalidRequest>([&] { submit("cun", bowtie.dump()); }), "invalid_geometry");
  EXPECT_EQ(code_of<InvalidRequest>([&] { submit("cun", zones({{"industrial", {100, 850, 400, 950}}})); }),
            "invalid_zone_use");
  EXPECT_EQ(code_of<InvalidRequest>([&] { submit("cun", R"({"type":"FeatureCollection","features":[]})"); }),
            "no_zones");
  EXPECT_EQ(code_of<InvalidRequest>([&] { submit("cun", "not json"); }), "invalid_zones");
  EXPECT_EQ(code_of<InvalidRequest>([&] {
              submit("cun", R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"zone_use":"construction"},"geometry":{"type":"LineString","coordinates":[[117.3,31.8],[117.31,31.81]]}}]})");
            }),
            "invalid_geometry");
  EXPECT_EQ(code_of<InvalidRequest>([&] { submit("zhen", good, kTownship); }), "not_a_village");
  EXPECT_EQ(code_of<InvalidRequest>([&] { submit("cun", good, "34012310020X"); }), "invalid_region");
  EXPECT_THROW(submit("xicun", good), NotFoundError);           // another village's plan
  EXPECT_EQ(code_of<Forbidden>([&] { submit("cunmin", good); }), "not_a_submitter");
  EXPECT_THROW(service_->versions(user("xicun"), kVillageA), NotFoundError);
  EXPECT_EQ(changes_stored(), 0u);

  auto c = submit("zhen", good);  // the township may ask for its villages
  EXPECT_EQ(c.status, "in_review");
  EXPECT_EQ(code_of<Forbidden>([&] { service_->decide(user("nyncj"), c.id, "approve", ""); }),
            "not_the_approver");
  EXPECT_EQ(code_of<Forbidden>([&] { service_->decide(user("cun"), c.id, "approve", ""); }),
            "not_the_approver");
  EXPECT_THROW(service_->decide(user("xicun"), c.id, "approve", ""), NotFoundError);
  EXPECT_EQ(code_of<InvalidRequest>([&] { service_->decide(user("zrzy"), c.id, "maybe", ""); }),
            "invalid_decision");
  EXPECT_EQ(code_of<InvalidRequest>([&] { service_->decide(user("zrzy"), c.id, "reject", ""); }),
            "empty_field");
  EXPECT_THROW(service_->request(user("zrzy"), 9999), NotFoundError);
  auto r = service_->decide(user("zrzy"), c.id, "reject", "选址靠近水源地，另行选址");
  EXPECT_EQ(r.status, "rejected");
  EXPECT_EQ(layers_->versions("village_plan").size(), 1u);
  EXPECT_EQ(changes_stored(), 1u);
}

// ---- all-or-nothing approvals (docs/village_plans.md, "Transactions") ---------------------------

// A rule of the database refuses to record decisions: the approval fails after its plan version
// was written in the same transaction.
void freeze_decisions(StoreLocation& where, bool postgres) {
  if (postgres)
    where.exec(
        "CREATE FUNCTION freeze_changes() RETURNS trigger LANGUAGE plpgsql AS "
        "$f$ BEGIN RAISE EXCEPTION 'decisions are frozen'; END $f$; "
        "CREATE TRIGGER freeze_changes BEFORE UPDATE ON village_plan_changes FOR EACH ROW "
        "EXECUTE FUNCTION freeze_changes()");
  else
    where.exec(
        "CREATE TRIGGER freeze_changes BEFORE UPDATE ON village_plan_changes "
        "BEGIN SELECT RAISE(ABORT, 'decisions are frozen'); END");
}

TEST_P(VillagePlanTest, an_approval_whose_decision_cannot_be_recorded_leaves_no_plan_version) {
  auto c = submit("cun", zones({{"construction", {100, 850, 400, 950}}}));
  ASSERT_EQ(c.status, "in_review");
  auto actions = audit_actions();
  auto events = store_->last_event_seq();
  auto features = where_->query("SELECT count(*) FROM feature");
  freeze_decisions(*where_, postgres());

  EXPECT_THROW(service_->decide(user("zrzy"), c.id, "approve", "同意"), StorageError);
  EXPECT_EQ(layers_->versions("village_plan").size(), 1u);
  EXPECT_EQ(where_->query("SELECT count(*) FROM feature"), features);
  EXPECT_EQ(audit_actions(), actions);
  EXPECT_EQ(store_->last_event_seq(), events);
  EXPECT_EQ(service_->request(user("zrzy"), c.id).status, "in_review");
  EXPECT_EQ(service_->versions(user("cun"), kVillageA).size(), 1u);

  // Once decisions can be recorded again the approval takes the version number nothing used.
  where_->exec(postgres() ? "DROP TRIGGER freeze_changes ON village_plan_changes"
                          : "DROP TRIGGER freeze_changes");
  auto d = service_->decide(user("zrzy"), c.id, "approve", "同意");
  EXPECT_EQ(d.new_version, 2);
  auto versions = service_->versions(user("cun"), kVillageA);
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[1].change_request, c.id);
}

TEST_P(VillagePlanTest, concurrent_decisions_on_one_request_leave_exactly_one_outcome) {
  // A second server process: its own connections to the same database.
  auto other_layers = storage::Store::open(location());
  auto other_store = storage::ProjectStore::open(location());
  VillagePlanService other(*other_layers, *other_store);
  int approved = 0;
  for (int round = 0; round < 3; ++round) {
    double y = 850 - round * 60;
    auto c = submit("cun", zones({{"construction", {100, y, 400, y + 40}}}));
    ASSERT_EQ(c.status, "in_review");
    std::string approve_error, reject_error;
    auto run = [&](VillagePlanService& s, const std::string& decision, std::string& error) {
      try {
        s.decide(user("zrzy"), c.id, decision, "意见");
      } catch (const RuleError& e) {
        error = e.code();
      } catch (const std::exception& e) {
        error = e.what();
      }
    };
    std::thread a([&] { run(*service_, "approve", approve_error); });
    std::thread b([&] { run(other, "reject", reject_error); });
    a.join();
    b.join();
    // One of them decided; the other was told the request was decided meanwhile.
    EXPECT_TRUE((approve_error.empty() && reject_error == "change_not_in_review") ||
                (reject_error.empty() && approve_error == "change_not_in_review"))
        << "approve: " << approve_error << "; reject: " << reject_error;
    auto decided = service_->request(user("zrzy"), c.id);
    if (decided.status == "approved") {
      ++approved;
      EXPECT_EQ(decided.new_version, 1 + approved);
    } else {
      EXPECT_EQ(decided.status, "rejected");
      EXPECT_EQ(decided.new_version, 0);
    }
  }
  // Every plan version but the imported one is explained by an approved request.
  auto versions = service_->versions(user("cun"), kVillageA);
  ASSERT_EQ(versions.size(), static_cast<std::size_t>(1 + approved));
  for (std::size_t i = 1; i < versions.size(); ++i) EXPECT_NE(versions[i].change_request, 0) << i;
  auto actions = audit_actions();
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "village_plan.change_approve") +
                std::count(actions.begin(), actions.end(), "village_plan.change_reject"),
            3);
}

TEST_P(VillagePlanTest, approvals_of_two_villages_at_once_both_reach_the_latest_plan) {
  auto a = submit("cun", zones({{"construction", {100, 850, 400, 950}}}));
  auto b = submit("xicun", zones({{"ecological", {1500, 300, 1700, 450}}}), kVillageB);
  ASSERT_EQ(a.status, "in_review");
  ASSERT_EQ(b.status, "in_review");
  auto other_layers = storage::Store::open(location());
  auto other_store = storage::ProjectStore::open(location());
  VillagePlanService other(*other_layers, *other_store);
  std::string error_a, error_b;
  std::thread ta([&] {
    try {
      service_->decide(user("zrzy"), a.id, "approve", "");
    } catch (const std::exception& e) {
      error_a = e.what();
    }
  });
  std::thread tb([&] {
    try {
      other.decide(user("zrzy"), b.id, "approve", "");
    } catch (const std::exception& e) {
      error_b = e.what();
    }
  });
  ta.join();
  tb.join();
  ASSERT_EQ(error_a, "");
  ASSERT_EQ(error_b, "");
  // Each approval built on the version before it: the latest has both villages' new zones.
  auto latest_a = json::parse(service_->zones(user("zrzy"), kVillageA, std::nullopt));
  auto latest_b = json::parse(service_->zones(user("zrzy"), kVillageB, std::nullopt));
  EXPECT_EQ(latest_a["version"], 3);
  auto has_request = [](const json& fc, std::int64_t id) {
    for (const auto& f : fc["features"])
      if (f["properties"].value("change_request", std::int64_t{0}) == id) return true;
    return false;
  };
  EXPECT_TRUE(has_request(latest_a, a.id));
  EXPECT_TRUE(has_request(latest_b, b.id));
}

INSTANTIATE_TEST_SUITE_P(Backends, VillagePlanTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
