// Supervision orders over real HTTP against `gongzhi serve`, on both backends: an order's life
// through the API with the live feed of the users concerned, and bad requests refused with their
// code and message and nothing changed (a unit outside the issuer's remit, malformed units and
// photos, evidence from a user not addressed, a closure without the required photo).
#include <gtest/gtest.h>
#include <sodium.h>

#include <nlohmann/json.hpp>

#include "../services/png_fixture.h"
#include "../storage/store_backends.h"
#include "http_client.h"
#include "live_support.h"
#include "services/password.h"
#include "storage/identity_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

namespace bhttp = boost::beast::http;
using nlohmann::json;

constexpr const char* kPassword = "a long enough password";
constexpr const char* kEast = "340123100201";
constexpr const char* kWest = "340123100202";

std::string base64(const std::string& bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);
  return out;
}

class OrdersApiTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    storage::Store::open(location(), {.create = true});
    auto hash = services::hash_password(kPassword);
    auto identity = storage::IdentityStore::open(location(), {.create = true});
    identity->create_first_admin("root", hash, "cli:test");
    auto add = [&](const std::string& name, Role role, const std::string& region, const std::string& dept = "") {
      identity->add_user({name, hash, {Grant{role, dept, region}}}, "root");
    };
    add("zrzy", Role::lead_department, "340123", "自然资源局");
    add("zhen", Role::township, "340123100");
    add("cun", Role::village_collective, kEast);
    add("xicun", Role::village_collective, kWest);
    add("shenji", Role::auditor, "");
    server_ = std::make_unique<ServeProcess>(location());
    for (const auto* u : {"zrzy", "zhen", "cun", "xicun", "shenji"}) tokens_[u] = sign_in(server_->port(), u, kPassword);
  }
  HttpReply get(const std::string& who, const std::string& target) {
    return api(server_->port(), bhttp::verb::get, target, tokens_.at(who));
  }
  HttpReply post(const std::string& who, const std::string& target, const json& body) {
    return http_request(server_->port(), bhttp::verb::post, target, body.dump(),
                        {{"Authorization", "Bearer " + tokens_.at(who)}, {"Content-Type", "application/json"}});
  }
  json order_to(const std::string& kind, const std::string& region, const std::string& dept = "") {
    json unit = {{"kind", kind}, {"region_code", region}};
    if (!dept.empty()) unit["department"] = dept;
    return {{"source", "manual"}, {"title", "机耕路积水"}, {"unit", unit}, {"due_date", "2099-06-30"},
            {"evidence_required", {"photo"}}};
  }
  std::string everything() {
    // The orders as the auditor reads them, with each one's history: "nothing changed" is equal text.
    std::string out;
    for (const auto& o : get("shenji", "/api/v1/orders").json()["orders"])
      out += get("shenji", "/api/v1/orders/" + o["id"].dump()).body;
    return out;
  }

  std::unique_ptr<ServeProcess> server_;
  std::map<std::string, std::string> tokens_;
};

TEST_P(OrdersApiTest, an_order_is_issued_answered_refused_closure_returned_and_closed_with_live_events) {
  SseClient cun_feed(server_->port(), tokens_.at("cun"), "0"), west_feed(server_->port(), tokens_.at("xicun"), "0");
  ASSERT_EQ(cun_feed.status(), 200);
  auto issued = post("zhen", "/api/v1/orders", order_to("village_collective", kEast));
  ASSERT_EQ(issued.status, 201) << issued.body;
  const std::string path = "/api/v1/orders/" + issued.json()["id"].dump();
  EXPECT_EQ(issued.json()["status"], "issued");
  EXPECT_EQ(issued.json()["due_at"], "2099-06-30T15:59:59Z");
  auto e = cun_feed.next();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->kind, "order.issued");
  EXPECT_EQ(e->json()["payload"]["code"], issued.json()["code"]);
  EXPECT_FALSE(west_feed.next(std::chrono::milliseconds(800)).has_value());  // not the west village's

  EXPECT_EQ(get("cun", "/api/v1/orders?box=inbox").json()["orders"].size(), 1u);
  EXPECT_EQ(get("xicun", path).status, 404);
  EXPECT_EQ(get("zrzy", path).status, 404);

  auto text_only = post("cun", path + "/answer", {{"text", "已疏通排水沟"}});
  ASSERT_EQ(text_only.status, 200) << text_only.body;
  auto before = everything();
  auto refused = post("zhen", path + "/close", {{"comment", "通过"}});
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(refused.code(), "evidence_missing");
  EXPECT_NE(refused.json()["error"]["message_zh"].get<std::string>().find("现场照片"), std::string::npos);
  EXPECT_EQ(everything(), before);

  ASSERT_EQ(post("zhen", path + "/return", {{"reason", "请补充照片"}}).status, 200);
  const std::string png = make_png(4, 4);
  auto with_photo = post("cun", path + "/answer",
                         {{"text", "附照片"},
                          {"photos", {{{"content_type", "image/png"}, {"data_base64", base64(png)}, {"lon", 117.1}, {"lat", 31.9}}}}});
  ASSERT_EQ(with_photo.status, 200) << with_photo.body;
  auto closed = post("zhen", path + "/close", {{"comment", "现场核查通过"}});
  ASSERT_EQ(closed.status, 200) << closed.body;
  EXPECT_EQ(closed.json()["status"], "closed");
  auto full = get("cun", path).json();
  std::string sha;
  for (const auto& ev : full["evidence"])
    if (ev["kind"] == "photo") sha = ev["sha256"];
  auto photo = get("cun", path + "/photos/" + sha);
  EXPECT_EQ(photo.status, 200);
  EXPECT_EQ(photo.header("content-type"), "image/png");
  EXPECT_EQ(photo.body, png);
  std::vector<std::string> kinds;
  while (auto ev = cun_feed.next(std::chrono::milliseconds(1500))) kinds.push_back(ev->kind);
  EXPECT_EQ(kinds, (std::vector<std::string>{"order.answered", "order.returned", "order.answered", "order.closed"}));

  auto xlsx = get("zhen", "/api/v1/orders?format=xlsx");
  EXPECT_EQ(xlsx.status, 200);
  EXPECT_NE(xlsx.header("content-type").find("spreadsheetml"), std::string::npos);
  EXPECT_EQ(xlsx.body.substr(0, 2), "PK");
  EXPECT_EQ(get("zhen", "/api/v1/orders?format=pdf").code(), "invalid_format");
  auto summary = get("zhen", "/api/v1/supervision/summary?region=340123100");
  // The region hierarchy is not imported here: an unknown region is a 404.
  EXPECT_EQ(summary.status, 404);
}

TEST_P(OrdersApiTest, bad_orders_and_evidence_are_refused_with_their_codes_and_nothing_changes) {
  auto ok = post("zhen", "/api/v1/orders", order_to("village_collective", kEast));
  ASSERT_EQ(ok.status, 201) << ok.body;
  const std::string path = "/api/v1/orders/" + ok.json()["id"].dump();
  const auto before = everything();
  struct Case {
    std::string who, target;
    json body;
    int status;
    std::string code;
  };
  json unknown_unit_field = order_to("village_collective", kEast);
  unknown_unit_field["unit"]["name"] = "东村";
  json no_unit = order_to("village_collective", kEast);
  no_unit.erase("unit");
  const std::vector<Case> cases = {
      {"zhen", "/api/v1/orders", order_to("department", "340123", "自然资源局"), 403, "outside_remit"},
      {"zhen", "/api/v1/orders", order_to("village_collective", "340123101201"), 403, "outside_remit"},
      {"cun", "/api/v1/orders", order_to("village_collective", kWest), 403, "not_an_issuer"},
      {"zhen", "/api/v1/orders", unknown_unit_field, 400, "unknown_field"},
      {"zhen", "/api/v1/orders", no_unit, 400, "missing_field"},
      {"zrzy", "/api/v1/orders", order_to("village_collective", "340123100299"), 400, "no_such_unit"},
      {"cun", path + "/answer", {{"text", "x"}, {"photos", {{{"content_type", "image/png"}, {"data_base64", "***"}, {"lon", 1}, {"lat", 1}}}}}, 400, "invalid_photo"},
      {"cun", path + "/answer", {{"text", "x"}, {"photos", {{{"content_type", "image/jpeg"}, {"data_base64", base64(make_png(2, 2))}, {"lon", 1}, {"lat", 1}}}}}, 400, "invalid_photo"},
      {"cun", path + "/answer", {{"text", "x"}, {"photos", {{{"content_type", "image/png"}, {"data_base64", base64(make_png(2, 2))}, {"lon", "东"}, {"lat", 1}}}}}, 400, "wrong_type"},
      {"cun", path + "/answer", {{"text", "x"}, {"layer", "land_use"}, {"version", 3}}, 400, "no_such_version"},
      {"zhen", path + "/answer", {{"text", "我来答"}}, 403, "not_addressed"},
      {"xicun", path + "/answer", {{"text", "我来答"}}, 404, "not_found"},
      {"cun", path + "/close", json::object(), 403, "not_the_issuer"},
      {"zhen", path + "/close", json::object(), 409, "not_answered"},
  };
  for (const auto& c : cases) {
    auto r = post(c.who, c.target, c.body);
    EXPECT_EQ(r.status, c.status) << c.who << " " << c.target << " " << c.body.dump().substr(0, 200) << " → " << r.body;
    if (r.status >= 400) {
      EXPECT_EQ(r.code(), c.code) << r.body;
      EXPECT_FALSE(r.json()["error"]["message_zh"].get<std::string>().empty()) << r.body;
    }
  }
  EXPECT_EQ(everything(), before);
}

INSTANTIATE_TEST_SUITE_P(Backends, OrdersApiTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
