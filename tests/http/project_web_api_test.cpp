// What the web app's project pages add to the project API, over real HTTP against `gongzhi serve`
// on both backends with the demo county loaded: the compliance preview (findings of the current
// plan in any state, nothing stored, no state change; applicants and the lead department only),
// a plan from an uploaded GeoJSON file (area polygons united, changes by from_code/to_code,
// every bad file a 400 naming the feature and the reason, an oversized one 413, nothing stored),
// and the project types for the create form.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../storage/store_backends.h"
#include "geo/geometry.h"
#include "live_support.h"
#include "services/demo_county.h"
#include "services/password.h"
#include "storage/identity_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

namespace bhttp = boost::beast::http;
using json = nlohmann::json;

constexpr const char* kPassword = "a long enough password";

json feature(const json& geometry, const json& props = json::object()) {
  return {{"type", "Feature"}, {"properties", props}, {"geometry", geometry}};
}
json fc(const std::vector<json>& features) { return {{"type", "FeatureCollection"}, {"features", features}}; }
json square(double lon, double lat, double size) { return square_area(lon, lat, size)["area"]; }

class ProjectWebApiTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    {
      auto store = storage::Store::open(location(), {.create = true});
      services::generate_demo_county(*store, {.polygons = 1000});
      for (auto& f : store->read_all(store->layer_version("projects", {}), {.decode_attributes = false})) {
        if (f.source_id.rfind("XM2026-005-P", 0) == 0 && change_.is_null())
          change_ = json::parse(geo::Geometry::from_wkb(f.wkb).geojson());
        if (f.source_id != "XM2026-005") continue;
        auto a = json::parse(f.attributes_json);
        area_ = json::parse(geo::Geometry::from_wkb(f.wkb).geojson());
        town_ = a["XZQDM"].get<std::string>();
      }
    }
    ASSERT_FALSE(town_.empty()) << "the demo county has no project XM2026-005";
    auto r = run({"admin", "import-regions", "--db", location(), "--layer", "region"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    auto hash = services::hash_password(kPassword);
    auto identity = storage::IdentityStore::open(location());
    std::string village;
    for (const auto& region : identity->regions())
      if (region.parent == town_ && village.empty()) village = region.code;
    identity->create_first_admin("root", hash, "cli:test");
    auto add = [&](const std::string& name, Role role, const std::string& dept, const std::string& region) {
      identity->add_user({name, hash, {Grant{role, dept, region}}}, "root");
    };
    add("zrj", Role::lead_department, "自然资源局", "340123");
    add("nync", Role::co_reviewing_department, "农业农村局", "340123");
    add("zhen", Role::township, "", town_);
    add("min", Role::villager, "", village);
    add("zrj_x", Role::lead_department, "自然资源局", "340124");
    server_ = std::make_unique<ServeProcess>(location());
    for (const char* u : {"zrj", "nync", "zhen", "min", "zrj_x"}) tokens_[u] = sign_in(server_->port(), u, kPassword);
  }
  HttpReply call(const std::string& user, bhttp::verb verb, const std::string& target, const std::string& body = "") {
    return api(server_->port(), verb, target, user.empty() ? "" : tokens_.at(user), body);
  }
  // A draft of the township with XM2026-005's area (it crosses the ecological red line).
  std::int64_t create_draft(bool with_area = true) {
    json body = {{"name", "网页端项目"}, {"type", "农用地整理"}, {"region_code", town_}};
    if (with_area) body["plan"] = {{"area", area_}};
    auto r = call("zhen", bhttp::verb::post, "/api/v1/projects", body.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json()["id"].get<std::int64_t>();
  }
  // Every project as stored (with plans and checks) and the audit log's length.
  std::string stored() {
    std::string out;
    for (const auto& p : call("zrj", bhttp::verb::get, "/api/v1/projects").json()["projects"])
      out += call("zrj", bhttp::verb::get, "/api/v1/projects/" + std::to_string(p["id"].get<std::int64_t>())).body + "\n";
    return out + std::to_string(storage::IdentityStore::open(location())->audit_log().size());
  }

  std::unique_ptr<ServeProcess> server_;
  std::map<std::string, std::string> tokens_;
  json area_, change_;  // XM2026-005's area and its first planned change
  std::string town_;
};

TEST_P(ProjectWebApiTest, compliance_preview_answers_the_findings_and_stores_nothing) {
  auto id = create_draft();
  std::string path = "/api/v1/projects/" + std::to_string(id) + "/compliance-preview";
  auto before = stored();
  for (const char* user : {"zhen", "zrj"}) {
    auto r = call(user, bhttp::verb::post, path);
    ASSERT_EQ(r.status, 200) << user << " " << r.body;
    auto c = r.json();
    EXPECT_GT(c["area_m2"].get<double>(), 10000) << user;
    EXPECT_FALSE(c["controls"].empty());
    bool redline = false;
    for (const auto& o : c["overlaps"]) {
      redline = redline || o["kind"] == "ecological_redline";
      EXPECT_GT(o["area_m2"].get<double>(), 0);
      EXPECT_TRUE(o["geometry"].is_object());
    }
    EXPECT_TRUE(redline) << "XM2026-005's area crosses the red line: " << c["overlaps"].dump().substr(0, 300);
    for (const auto& f : c["findings"]) {
      EXPECT_GT(f["area_m2"].get<double>(), 0);
      EXPECT_TRUE(f["geometry"].is_object());
    }
  }
  // Nothing stored, no audit entry, still a draft with no check on record.
  EXPECT_EQ(stored(), before);
  auto detail = call("zrj", bhttp::verb::get, "/api/v1/projects/" + std::to_string(id)).json();
  EXPECT_EQ(detail["state"], "draft");
  EXPECT_TRUE(detail["compliance"].is_null());
  // A co-reviewing department sees the project but does not run the check: 403; outside the
  // grants (villager before the notice, another county) and unknown ids: 404; no session: 401.
  EXPECT_EQ(call("nync", bhttp::verb::post, path).status, 403);
  EXPECT_EQ(call("nync", bhttp::verb::post, path).code(), "preview_not_permitted");
  EXPECT_EQ(call("min", bhttp::verb::post, path).status, 404);
  EXPECT_EQ(call("zrj_x", bhttp::verb::post, path).status, 404);
  EXPECT_EQ(call("zrj", bhttp::verb::post, "/api/v1/projects/99999/compliance-preview").status, 404);
  EXPECT_EQ(call("", bhttp::verb::post, path).status, 401);
  // Without an area there is nothing to check: 409.
  auto bare = create_draft(false);
  auto r = call("zhen", bhttp::verb::post, "/api/v1/projects/" + std::to_string(bare) + "/compliance-preview");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.code(), "no_plan");
}

TEST_P(ProjectWebApiTest, an_uploaded_geojson_file_becomes_a_checked_plan) {
  const std::string path = "/api/v1/plans/from-geojson";
  auto before = stored();
  // The area with one planned change inside it.
  auto change = square(117.05, 31.45, 0.002);
  auto r = call("zhen", bhttp::verb::post, path,
                fc({feature(square(117.05, 31.45, 0.01), {{"name", "项目区"}}),
                    feature(change, {{"from_code", "0103"}, {"to_code", "0101"}, {"measure", "土地平整"}})}).dump());
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = r.json();
  EXPECT_EQ(j["area_features"], 1);
  EXPECT_EQ(j["changes"], 1);
  EXPECT_EQ(j["plan"]["area"]["type"], "Polygon");
  ASSERT_EQ(j["plan"]["changes"].size(), 1u);
  EXPECT_EQ(j["plan"]["changes"][0]["from_code"], "0103");
  EXPECT_EQ(j["plan"]["changes"][0]["measure"], "土地平整");
  double one = j["area_m2"].get<double>();
  EXPECT_NEAR(one, 1.11e6 * 0.95, 0.1e6);  // 0.01° square at 31.45°N: ~1.11 km × 0.95 km
  // Two overlapping squares are united into one area.
  r = call("zrj", bhttp::verb::post, path,
           fc({feature(square(117.05, 31.45, 0.01)), feature(square(117.055, 31.45, 0.01))}).dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["area_features"], 2);
  EXPECT_NEAR(r.json()["area_m2"].get<double>(), 1.5 * one, 0.01 * one);
  EXPECT_EQ(r.json()["plan"]["area"]["type"], "Polygon");
  // A bare geometry and a single Feature are files too.
  EXPECT_EQ(call("zhen", bhttp::verb::post, path, square(117.05, 31.45, 0.01).dump()).status, 200);
  EXPECT_EQ(call("zhen", bhttp::verb::post, path, feature(square(117.05, 31.45, 0.01)).dump()).status, 200);
  // Nothing of it stored.
  EXPECT_EQ(stored(), before);

  // Bad files: 400 with a code and a message naming the feature.
  auto refused = [&](const std::string& body, const std::string& code, const std::string& mentions) {
    auto reply = call("zhen", bhttp::verb::post, path, body);
    EXPECT_EQ(reply.status, 400) << body.substr(0, 200) << ": " << reply.body;
    if (reply.status != 400) return;
    EXPECT_EQ(reply.code(), code) << reply.body;
    auto e = reply.json()["error"];
    EXPECT_NE(e["message_en"].get<std::string>().find(mentions), std::string::npos) << reply.body;
    EXPECT_FALSE(e["message_zh"].get<std::string>().empty());
  };
  auto area = feature(square(117.05, 31.45, 0.01));
  refused("{\"type\": \"FeatureCollection\", ", "malformed_json", "JSON");
  refused("[1, 2]", "not_geojson", "GeoJSON");
  refused(R"({"type": "Topology"})", "not_geojson", "Topology");
  refused(R"({"type": "FeatureCollection"})", "not_geojson", "features");
  refused(fc({area, feature({{"type", "LineString"}, {"coordinates", {{117.05, 31.45}, {117.06, 31.46}}}})}).dump(),
          "invalid_geometry", "features[1].geometry must be a Polygon or MultiPolygon, not LineString");
  refused(fc({area, feature(change, {{"from_code", "0103"}})}).dump(), "missing_field", "features[1]");
  refused(fc({area, feature(change, {{"from_code", 103}, {"to_code", "0101"}})}).dump(), "wrong_type", "features[1].properties.from_code");
  refused(fc({area, feature(change, {{"from_code", "0103"}, {"to_code", "9999"}})}).dump(), "unknown_class", "9999");
  refused(fc({area, feature(square(117.2, 31.45, 0.002), {{"from_code", "0103"}, {"to_code", "0101"}})}).dump(),
          "change_outside_area", "outside the project area");
  refused(fc({feature(square(500000, 3480000, 1000))}).dump(), "outside_extent", "longitude");
  refused(fc({feature(change, {{"from_code", "0103"}, {"to_code", "0101"}})}).dump(), "no_area", "no project area");
  json bow = {{"type", "Polygon"},
              {"coordinates", {{{117.05, 31.45}, {117.06, 31.46}, {117.06, 31.45}, {117.05, 31.46}, {117.05, 31.45}}}}};
  refused(fc({feature(bow)}).dump(), "invalid_geometry", "features[0].geometry is not valid");
  // Over the 1 MiB body limit: 413.
  std::string huge = R"({"type": "FeatureCollection", "features": [], "pad": ")" + std::string(1200000, 'x') + "\"}";
  EXPECT_EQ(call("zhen", bhttp::verb::post, path, huge).status, 413);
  // Only applicants: a villager and a co-reviewing department get 403; no session 401.
  std::string good = fc({area}).dump();
  EXPECT_EQ(call("min", bhttp::verb::post, path, good).status, 403);
  EXPECT_EQ(call("nync", bhttp::verb::post, path, good).status, 403);
  EXPECT_EQ(call("nync", bhttp::verb::post, path, good).code(), "not_an_applicant");
  EXPECT_EQ(call("", bhttp::verb::post, path, good).status, 401);
  EXPECT_EQ(stored(), before);
}

TEST_P(ProjectWebApiTest, the_project_types_for_the_create_form) {
  auto r = call("zhen", bhttp::verb::get, "/api/v1/project-types");
  ASSERT_EQ(r.status, 200) << r.body;
  auto types = r.json()["types"];
  EXPECT_NE(std::find(types.begin(), types.end(), "农用地整理"), types.end()) << types.dump();
  EXPECT_NE(std::find(types.begin(), types.end(), "生态保护修复"), types.end()) << types.dump();
  EXPECT_EQ(call("", bhttp::verb::get, "/api/v1/project-types").status, 401);
}

// A planned change with a 用地用海 target over HTTP: the classes for the editor (all three
// levels by name), the plan saved with to_ghdlbm and read back, the GeoJSON upload's GHDLBM, and
// the refusals naming the change or feature, the code and the nearest known codes.
TEST_P(ProjectWebApiTest, a_change_may_name_a_planning_class_target) {
  auto classes = call("zhen", bhttp::verb::get, "/api/v1/land-use-classes");
  ASSERT_EQ(classes.status, 200) << classes.body;
  std::map<std::string, json> yydh;
  json list = classes.json()["planning_classes"];
  for (const auto& c : list) yydh[c["code"].get<std::string>()] = c;
  ASSERT_TRUE(yydh.count("07") && yydh.count("0703") && yydh.count("070301")) << list.dump().substr(0, 300);
  EXPECT_EQ(yydh["0703"]["name_zh"], "农村宅基地");
  EXPECT_EQ(yydh["0703"]["level"], 2);
  EXPECT_EQ(yydh["0703"]["parent"], "07");
  EXPECT_EQ(yydh["0703"]["group"], "construction");
  EXPECT_EQ(yydh["0703"]["survey_code"], "0702");
  EXPECT_EQ(yydh["070301"]["level"], 3);
  EXPECT_EQ(yydh["07"]["level"], 1);
  EXPECT_EQ(yydh["1311"]["survey_code"], "1107A");
  EXPECT_EQ(yydh["0902"]["survey_code"], "") << "a class a person decides has no same-name 三调 class";

  // PUT plan with a 用地用海 target; the project answers it as stored.
  ASSERT_TRUE(change_.is_object());
  auto id = create_draft();
  std::string project = "/api/v1/projects/" + std::to_string(id);
  auto row_version = [&] { return call("zhen", bhttp::verb::get, project).json()["row_version"].get<std::int64_t>(); };
  auto put = [&](const json& change) {
    json body = {{"plan", {{"area", area_}, {"changes", json::array({change})}}}, {"row_version", row_version()}};
    return call("zhen", bhttp::verb::put, project + "/plan", body.dump());
  };
  auto before = stored();
  auto bad = put({{"geometry", change_}, {"from_code", "0103"}, {"to_ghdlbm", "1006"}});
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(bad.code(), "unknown_class");
  std::string bad_zh = bad.json()["error"]["message_zh"].get<std::string>();
  EXPECT_NE(bad_zh.find("plan.changes[0].to_ghdlbm"), std::string::npos) << bad_zh;
  EXPECT_NE(bad_zh.find("三调工作分类的地类编码「农村道路」"), std::string::npos) << bad_zh;
  bad = put({{"geometry", change_}, {"from_code", "0103"}, {"to_ghdlbm", "0703"}, {"to_code", "0702"}});
  EXPECT_EQ(bad.code(), "ambiguous_target") << bad.body;
  EXPECT_EQ(stored(), before) << "a refused plan changed something";
  auto ok = put({{"geometry", change_}, {"from_code", "0103"}, {"to_ghdlbm", "0703"}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  auto detail = call("zrj", bhttp::verb::get, project).json();
  ASSERT_EQ(detail["plan"]["changes"].size(), 1u);
  EXPECT_EQ(detail["plan"]["changes"][0]["to_ghdlbm"], "0703");
  EXPECT_FALSE(detail["plan"]["changes"][0].contains("to_code"));
  // The preview names the change's target by its Chinese name where it finds something on it.
  auto preview = call("zhen", bhttp::verb::post, project + "/compliance-preview");
  ASSERT_EQ(preview.status, 200) << preview.body;

  // The upload: a feature with from_code and GHDLBM is a change whose target is 用地用海.
  const std::string upload = "/api/v1/plans/from-geojson";
  auto inner = square(117.05, 31.45, 0.002);
  auto area = feature(square(117.05, 31.45, 0.01));
  auto r = call("zhen", bhttp::verb::post, upload,
                fc({area, feature(inner, {{"from_code", "0103"}, {"GHDLBM", "070301"}})}).dump());
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.json()["plan"]["changes"].size(), 1u);
  EXPECT_EQ(r.json()["plan"]["changes"][0]["to_ghdlbm"], "070301");
  EXPECT_FALSE(r.json()["plan"]["changes"][0].contains("to_code"));
  before = stored();
  auto refused = [&](const json& props, const std::string& code, const std::vector<std::string>& mentions) {
    auto reply = call("zhen", bhttp::verb::post, upload, fc({area, feature(inner, props)}).dump());
    EXPECT_EQ(reply.status, 400) << props.dump() << ": " << reply.body;
    EXPECT_EQ(reply.code(), code) << reply.body;
    auto e = reply.json()["error"];
    std::string text = e["message_zh"].get<std::string>() + " | " + e["message_en"].get<std::string>();
    for (const auto& m : mentions) EXPECT_NE(text.find(m), std::string::npos) << m << " in " << text;
  };
  refused({{"from_code", "0103"}, {"GHDLBM", "0799"}}, "unknown_class",
          {"features[1].properties.GHDLBM", "'0799'", "nearest known codes: 07"});
  refused({{"from_code", "0103"}, {"GHDLBM", "1006"}}, "unknown_class",
          {"features[1].properties.GHDLBM", "'1006'", "三调 survey code", "0601 农村道路"});
  refused({{"from_code", "0103"}, {"to_code", "0703"}}, "unknown_class",
          {"features[1].properties.to_code", "'0703'", "用地用海 planning code", "0702 农村宅基地"});
  refused({{"from_code", "0103"}, {"to_code", "0702"}, {"GHDLBM", "0703"}}, "ambiguous_target", {"features[1]"});
  refused({{"GHDLBM", "0703"}}, "missing_field", {"features[1]", "from_code"});
  EXPECT_EQ(stored(), before);
}

INSTANTIATE_TEST_SUITE_P(Backends, ProjectWebApiTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
