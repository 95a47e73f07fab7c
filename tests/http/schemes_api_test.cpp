// Scheme comparison over real HTTP and on the command line, on both backends, on the demo
// county: an expert adds schemes (201), a county department lists and compares them with
// entropy and AHP weights, an inconsistent AHP matrix is a 400 naming the cells, a single scheme
// a 409; the expert simulates one (201, scenario layer); the neighbouring township gets 404, the
// department 403 for simulating; no session 401; bad bodies 400. `gongzhi schemes` does the same
// from the plan of a project layer.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../storage/store_backends.h"
#include "live_support.h"
#include "services/demo_county.h"
#include "services/password.h"
#include "services/projects.h"
#include "services/scheme_units.h"
#include "geo/geometry.h"
#include "domain/layer.h"
#include "storage/identity_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

namespace bhttp = boost::beast::http;
using nlohmann::json;

constexpr const char* kPassword = "a long enough password";

class SchemesApiTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    auto layers = storage::Store::open(location(), {.create = true});
    county_ = services::generate_demo_county(*layers, {.polygons = 2000, .seed = 7}).county_code;
    auto redline = services::project_from_layer(*layers, "projects", "XM2026-005");
    township_ = redline.region_code;
    plan_ = json::parse(redline.plan_json);
    // The consolidation unit the red-line project lies in (most area in common).
    std::string area_wkb = geo::Geometry::from_geojson(plan_["area"].dump()).wkb();
    double best = 0;
    for (const auto& f : layers->read_all(layers->layer_version("units", std::nullopt), {})) {
      auto code = attribute_text_any(f.attributes, {"DYBH"}).value();
      double a = services::area_in_unit_m2(services::find_consolidation_unit(*layers, code), area_wkb);
      if (a > best) {
        best = a;
        unit_ = code;
      }
    }
    ASSERT_FALSE(unit_.empty());
    auto hash = services::hash_password(kPassword);
    auto identity = storage::IdentityStore::open(location(), {.create = true});
    identity->create_first_admin("root", hash, "cli:test");
    std::string other = township_.substr(0, 6) + (township_.substr(6) == "100" ? "101" : "100");
    identity->add_user({"sheji", hash, {Grant{Role::expert, "", township_}}}, "root");
    identity->add_user({"sthj", hash, {Grant{Role::co_reviewing_department, "生态环境局", county_}}}, "root");
    identity->add_user({"zhen_b", hash, {Grant{Role::township, "", other}}}, "root");
  }

  json part(std::size_t from, std::size_t to) const {
    json p = plan_;
    p["changes"] = json::array();
    for (std::size_t i = from; i < to && i < plan_["changes"].size(); ++i) p["changes"].push_back(plan_["changes"][i]);
    return p;
  }

  std::string county_, township_, unit_;
  json plan_;
};

TEST_P(SchemesApiTest, schemes_are_added_compared_and_simulated_over_http) {
  ServeProcess server(location());
  auto port = server.port();
  auto expert = sign_in(port, "sheji", kPassword);
  auto ecology = sign_in(port, "sthj", kPassword);
  auto other = sign_in(port, "zhen_b", kPassword);
  auto post = [&](const std::string& token, const std::string& target, const json& body) {
    return api(port, bhttp::verb::post, target, token, body.dump());
  };
  json body = {{"unit", unit_}, {"region_code", township_}, {"name", "全部工程"},
               {"cost_fen", 300000000}, {"plan", plan_}};
  EXPECT_EQ(post("", "/api/v1/schemes", body).status, 401);
  auto a = post(expert, "/api/v1/schemes", body);
  ASSERT_EQ(a.status, 201) << a.body;
  EXPECT_EQ(a.json()["cost_yuan"], "3000000.00");
  EXPECT_GT(a.json()["risks"]["redline_overlap_m2"].get<double>(), 1.0);
  EXPECT_FALSE(a.json()["balance"]["rows"].empty());
  auto id = a.json()["id"].get<std::int64_t>();

  // A single scheme cannot be ranked.
  auto single = post(ecology, "/api/v1/schemes/compare", {{"unit", unit_}});
  EXPECT_EQ(single.status, 409) << single.body;
  EXPECT_EQ(single.code(), "too_few_schemes");

  body["name"] = "一半工程";
  body["plan"] = part(0, plan_["changes"].size() / 2);
  body["cost_fen"] = 120000000;
  ASSERT_EQ(post(expert, "/api/v1/schemes", body).status, 201);

  // Bad input: no changes, unknown field, department may not draw schemes.
  body["plan"] = part(0, 0);
  auto empty = post(expert, "/api/v1/schemes", body);
  EXPECT_EQ(empty.status, 400);
  EXPECT_EQ(empty.code(), "no_changes");
  body["plan"] = part(0, 1);
  body["colour"] = "red";
  EXPECT_EQ(post(expert, "/api/v1/schemes", body).code(), "unknown_field");
  body.erase("colour");
  EXPECT_EQ(post(ecology, "/api/v1/schemes", body).status, 403);

  auto list = api(port, bhttp::verb::get, "/api/v1/schemes?unit=" + unit_ + "&geometry=1", ecology);
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.json()["schemes"].size(), 2u);
  EXPECT_TRUE(list.json()["schemes"][0]["plan"].contains("area"));
  EXPECT_TRUE(api(port, bhttp::verb::get, "/api/v1/schemes", other).json()["schemes"].empty());
  EXPECT_EQ(api(port, bhttp::verb::get, "/api/v1/schemes/" + std::to_string(id), other).status, 404);
  EXPECT_EQ(api(port, bhttp::verb::get, "/api/v1/schemes/" + std::to_string(id), ecology).status, 200);

  auto c = post(ecology, "/api/v1/schemes/compare", {{"unit", unit_}, {"weights", "entropy"}});
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(c.json()["ranking"].size(), 2u);
  EXPECT_EQ(c.json()["schemes"][0]["explanation"].size(), c.json()["criteria"].size());
  std::size_t k = c.json()["criteria"].size();
  json m = json::array();
  for (std::size_t i = 0; i < k; ++i) {
    json row = json::array();
    for (std::size_t t = 0; t < k; ++t) row.push_back(1);
    m.push_back(row);
  }
  auto ahp = post(ecology, "/api/v1/schemes/compare", {{"unit", unit_}, {"weights", "ahp"}, {"ahp_matrix", m}});
  ASSERT_EQ(ahp.status, 200) << ahp.body;
  EXPECT_NEAR(ahp.json()["ahp"]["cr"].get<double>(), 0.0, 1e-9);
  m[0][1] = 9;
  m[1][0] = "1/9";
  m[1][2] = 9;
  m[2][1] = "1/9";
  m[2][0] = 9;
  m[0][2] = "1/9";
  auto bad = post(ecology, "/api/v1/schemes/compare", {{"unit", unit_}, {"weights", "ahp"}, {"ahp_matrix", m}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.code(), "ahp_inconsistent");
  EXPECT_NE(bad.json()["error"]["message_en"].get<std::string>().find("matrix["), std::string::npos) << bad.body;
  EXPECT_EQ(post(other, "/api/v1/schemes/compare", {{"unit", unit_}}).status, 404);
  // The unit is checked against the consolidation-unit layer; a comparison's schemes share it.
  auto unknown = post(ecology, "/api/v1/schemes/compare", {{"unit", "DY-NOWHERE"}});
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.code(), "unknown_unit");
  EXPECT_NE(unknown.json()["error"]["message_zh"].get<std::string>().find("DY-NOWHERE"), std::string::npos);
  EXPECT_EQ(api(port, bhttp::verb::get, "/api/v1/schemes?unit=DY-NOWHERE", ecology).code(), "unknown_unit");
  body["unit"] = "DY-NOWHERE";
  auto unknown_add = post(expert, "/api/v1/schemes", body);
  EXPECT_EQ(unknown_add.status, 404);
  EXPECT_EQ(unknown_add.code(), "unknown_unit");
  body["unit"] = unit_;
  auto named = post(ecology, "/api/v1/schemes/compare", {{"unit", unit_}, {"schemes", {id, "FA1999-001"}}});
  EXPECT_EQ(named.status, 404) << named.body;
  EXPECT_EQ(post(ecology, "/api/v1/schemes/compare", {{"unit", unit_}, {"schemes", "x"}}).code(), "invalid_field");

  std::string sim = "/api/v1/schemes/" + std::to_string(id) + "/simulate";
  EXPECT_EQ(post(other, sim, json::object()).status, 404);
  EXPECT_EQ(post(ecology, sim, json::object()).status, 403);
  auto s = post(expert, sim, json::object());
  ASSERT_EQ(s.status, 201) << s.body;
  EXPECT_EQ(s.json()["original"]["layer"], "land_use");
  EXPECT_EQ(s.json()["scenario"]["version"], 1);
  EXPECT_LT(s.json()["max_deviation_m2"].get<double>(), 1.0);
  EXPECT_EQ(s.json()["indicators"].size(), 3u);
  auto versions = api(port, bhttp::verb::get, "/api/v1/layers/land_use/versions", expert);
  if (versions.status == 200) {
    EXPECT_EQ(versions.json()["versions"].size(), 1u) << versions.body;
  }
}

TEST_P(SchemesApiTest, the_schemes_command_adds_compares_and_simulates) {
  auto add = [&](const std::string& name, const std::string& project, const std::string& fen) {
    return run({"schemes", "add", "--db", location(), "--unit", unit_, "--region", township_, "--name", name,
                "--cost-fen", fen, "--plan-layer", "projects", "--project", project, "--format", "json"});
  };
  auto one = add("红线方案", "XM2026-005", "250000000");
  ASSERT_EQ(one.exit_code, 0) << one.describe();
  auto code = json::parse(one.out)["code"].get<std::string>();
  auto single = run({"schemes", "compare", "--db", location(), "--unit", unit_});
  EXPECT_EQ(single.exit_code, 1) << single.describe();
  EXPECT_NE(single.err.find("at least two"), std::string::npos) << single.describe();
  TempDir dir;
  json half = part(0, plan_["changes"].size() / 2);
  write_file(dir.file("half.json"), half.dump());
  auto two = run({"schemes", "add", "--db", location(), "--unit", unit_, "--region", township_, "--name", "一半工程",
                  "--cost-fen", "180000000", "--plan", dir.file("half.json"), "--format", "json"});
  ASSERT_EQ(two.exit_code, 0) << two.describe();
  auto c = run({"schemes", "compare", "--db", location(), "--unit", unit_, "--explain"});
  ASSERT_EQ(c.exit_code, 0) << c.describe();
  EXPECT_NE(c.out.find("closeness"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find(code), std::string::npos) << c.out;
  write_file(dir.file("ahp.json"), R"({"criteria": ["cost_fen", "new_cultivated_m2"], "matrix": [[1, 3], ["1/3", 1]]})");
  auto partial = run({"schemes", "compare", "--db", location(), "--unit", unit_, "--weights", "ahp",
                      "--ahp-matrix", dir.file("ahp.json")});
  EXPECT_EQ(partial.exit_code, 2) << partial.describe();
  EXPECT_NE(partial.err.find("criteria"), std::string::npos) << partial.describe();
  auto sim = run({"schemes", "simulate", "--db", location(), "--scheme", code, "--format", "json"});
  EXPECT_TRUE(sim.exit_code == 0 || sim.exit_code == 3) << sim.describe();
  auto j = json::parse(sim.out);
  EXPECT_EQ(j["scenario"]["layer"], "scenario-" + code);
  auto listed = run({"schemes", "list", "--db", location(), "--as", "zhen_b", "--format", "json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.describe();
  EXPECT_TRUE(json::parse(listed.out)["schemes"].empty());
  // An unknown unit is refused naming it; so is a comparison mixing units.
  auto unknown = run({"schemes", "compare", "--db", location(), "--unit", "DY-NOWHERE"});
  EXPECT_NE(unknown.exit_code, 0) << unknown.describe();
  EXPECT_NE(unknown.err.find("DY-NOWHERE"), std::string::npos) << unknown.describe();
  auto subset = run({"schemes", "compare", "--db", location(), "--unit", unit_, "--schemes", code + "," + code});
  EXPECT_EQ(subset.exit_code, 1) << subset.describe();  // one scheme named twice: too few
  EXPECT_NE(subset.err.find("at least two"), std::string::npos) << subset.describe();
  // The balance command still finds the one current land-use layer.
  auto balance = run({"balance", "--db", location(), "--project", "XM2026-001", "--format", "json"});
  EXPECT_NE(balance.exit_code, 2) << balance.describe();
  EXPECT_EQ(json::parse(balance.out)["land_use_layer"]["layer"], "land_use");
}

INSTANTIATE_TEST_SUITE_P(Backends, SchemesApiTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
