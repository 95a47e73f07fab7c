// What the libFuzzer harnesses (fuzz/, docs/fuzzing.md) found, sent over real HTTP to
// `gongzhi serve` as a client would. Each input once ended the process or got 500. Each is kept
// in its harness's seed corpus (fuzz/corpus/…) and read from there, so the corpus and this test
// hold the same bytes. Now each gets a 400 naming what is wrong, stores nothing, and the server
// goes on serving.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../services/assessment_fixture.h"
#include "live_support.h"
#include "services/password.h"
#include "storage/identity_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

namespace bhttp = boost::beast::http;

// A file of fuzz/corpus/.
std::string corpus_file(const std::string& name) {
  return read_file(source_dir() + "/fuzz/corpus/" + name);
}

// request_body_fuzz's inputs are three bytes (account, route, path parameters), then the body.
std::string request_body_of(const std::string& name) { return corpus_file("request_body/" + name).substr(3); }

class FuzzFindingsTest : public TempDirTest {
 protected:
  void SetUp() override {
    db_ = at("county.sqlite");
    {
      // Only the village plan layer of the two-village county: a plan change reads it first.
      auto store = storage::Store::open(db_, {.create = true});
      write_two_village_county(*store, {.land_use = false, .region = false, .units = false, .redline = false,
                                        .pbf = false, .village_plan = true, .parcels = false, .projects = false});
    }
    auto identity = storage::IdentityStore::open(db_);
    auto hash = services::hash_password(kPassword);
    identity->create_first_admin("root", hash, "cli:test");
    identity->add_user({"zhen", hash, {Grant{Role::township, "", kTownship}}}, "root");
    identity->add_user({"cun", hash, {Grant{Role::village_collective, "", kVillageA}}}, "root");
    server_ = std::make_unique<ServeProcess>(db_);
    zhen_ = sign_in(server_->port(), "zhen", kPassword);
    cun_ = sign_in(server_->port(), "cun", kPassword);
  }
  HttpReply call(const std::string& token, bhttp::verb verb, const std::string& target,
                 const std::string& body = "") {
    return api(server_->port(), verb, target, token, body);
  }
  // A 400 with `code` whose English message names `mention`, and the server still serving.
  void expect_refused(const HttpReply& r, const std::string& code, const std::string& mention,
                      const std::string& what) {
    EXPECT_EQ(r.status, 400) << what << ": " << r.body;
    EXPECT_EQ(r.code(), code) << what << ": " << r.body;
    if (r.status == 400)
      EXPECT_NE(r.json()["error"]["message_en"].get<std::string>().find(mention), std::string::npos) << r.body;
    auto alive = call(zhen_, bhttp::verb::get, "/api/v1/projects");
    EXPECT_EQ(alive.status, 200) << "after " << what << ": " << alive.body;
  }
  std::size_t count(const std::string& token, const std::string& target, const std::string& key) {
    auto r = call(token, bhttp::verb::get, target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    return r.status == 200 ? r.json()[key].size() : 0;
  }

  static constexpr const char* kPassword = "a long enough password";
  std::string db_, zhen_, cun_;
  std::unique_ptr<ServeProcess> server_;
};

// plan_upload_fuzz: a MultiPolygon with an empty position ([]) in its ring made GEOS's GeoJSON
// reader read through a null pointer (SIGSEGV), in the upload and wherever a plan's geometry is
// read.
TEST_F(FuzzFindingsTest, a_plan_with_an_empty_position_gets_400_and_the_server_keeps_serving) {
  const std::string file = corpus_file("plan_upload/crash_empty_position.geojson");
  ASSERT_NE(file.find("[]"), std::string::npos);
  expect_refused(call(zhen_, bhttp::verb::post, "/api/v1/plans/from-geojson", file), "invalid_geometry",
                 "fewer than two coordinates", "POST /api/v1/plans/from-geojson");
  // The same geometry as a new project's plan area.
  auto before = count(zhen_, "/api/v1/projects", "projects");
  nlohmann::json body = {{"name", "整治项目"}, {"type", "农用地整理"}, {"region_code", kTownship},
                         {"plan", {{"area", nlohmann::json::parse(file)}}}};
  expect_refused(call(zhen_, bhttp::verb::post, "/api/v1/projects", body.dump()), "invalid_geometry",
                 "fewer than two coordinates", "POST /api/v1/projects");
  EXPECT_EQ(count(zhen_, "/api/v1/projects", "projects"), before) << "nothing stored";
  auto stopped = server_->stop();
  EXPECT_EQ(stopped.exit_code, 0) << stopped.describe();
}

// plan_upload_fuzz: a feature whose "type" is an object made nlohmann's value("type", "") throw
// its type_error, which no route expects: 500 instead of a refusal.
TEST_F(FuzzFindingsTest, an_upload_whose_feature_type_is_no_text_gets_400_not_geojson) {
  expect_refused(call(zhen_, bhttp::verb::post, "/api/v1/plans/from-geojson",
                      corpus_file("plan_upload/crash_feature_type_object.geojson")),
                 "not_geojson", "features[0] is not a Feature", "POST /api/v1/plans/from-geojson");
}

// request_body_fuzz: the village collective's plan change whose zones' "type" is an object, or
// whose zone_use is a number, made the same value(key, "") throw: 500.
TEST_F(FuzzFindingsTest, a_plan_change_whose_type_or_zone_use_is_no_text_gets_400) {
  const std::string target = "/api/v1/village-plans/" + std::string(kVillageA) + "/changes";
  auto before = count(cun_, target, "changes");
  expect_refused(call(cun_, bhttp::verb::post, target, request_body_of("crash_zones_type_object")),
                 "invalid_zones", "zones must be a GeoJSON FeatureCollection", "zones.type {}");
  expect_refused(call(cun_, bhttp::verb::post, target, request_body_of("crash_zone_use_number")),
                 "invalid_zone_use", "not '5'", "zone_use 5");
  EXPECT_EQ(count(cun_, target, "changes"), before) << "nothing stored";
}

}  // namespace
}  // namespace gz::test
