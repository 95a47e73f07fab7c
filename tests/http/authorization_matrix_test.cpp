// The authorization matrix (issue 14 item 10), over real HTTP against `gongzhi serve` on both
// backends: every operation of the OpenAPI document × every persona (each role of DESIGN.md §1,
// inside and outside its jurisdiction, own and other village) plus a request without a session.
// The expected answer of each cell is in authorization_matrix_table.h; an operation the OpenAPI
// document or the router has and the table has not fails the test, so a new route cannot be
// added without deciding who may use it (docs/authorization.md).
//
// Besides each cell's status, three rules hold for every cell whatever the table says:
// - a persona whose grants do not overlap the object's region gets 404 (the table may not expect
//   anything else there; a request naming a region in its body may get 403 instead);
// - such a 404 or 403 says nothing more than the answer about objects that do not exist (the same
//   body, up to the identifiers in the path);
// - a 2xx JSON answer, and every event of the live feed, carries no region_code outside the
//   persona's grants.
//
// The store is the demo county (1000 map spots) with its platform (seed_demo_platform: an account
// per role, projects at every stage, funds, milestones, a rights plan, notices and feedback) and
// four more accounts: a village collective and a villager of another village of the same
// township, a township officer of another township and a lead department of another county. One
// server per backend; the GET requests of a row are sent at once.
// GONGZHI_MATRIX_PRINT=1 prints each row's observed answers in the table's notation.
#include <gtest/gtest.h>

#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <future>
#include <optional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sodium.h>
#include <sstream>

#include "../services/png_fixture.h"
#include "../storage/project_seed.h"
#include "../storage/store_backends.h"
#include "authorization_matrix_table.h"
#include "domain/layer.h"
#include "geo/geometry.h"
#include "http/api_services.h"
#include "http/router.h"
#include "http/routes.h"
#include "live_support.h"
#include "services/demo_county.h"
#include "services/demo_platform.h"
#include "services/participation.h"
#include "services/password.h"
#include "services/projects.h"
#include "services/scheme_units.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

namespace bhttp = boost::beast::http;
using json = nlohmann::json;
using matrix::Row;

constexpr const char* kPassword = "matrix password 1";

bhttp::verb verb_of(const std::string& method) {
  if (method == "GET") return bhttp::verb::get;
  if (method == "POST") return bhttp::verb::post;
  if (method == "PUT") return bhttp::verb::put;
  if (method == "DELETE") return bhttp::verb::delete_;
  throw std::runtime_error("no verb for " + method);
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// "{NAME}" placeholders of `text` replaced by `vars` (names in capitals; the OpenAPI path
// parameters are in lower case and are left alone).
std::string expand(const std::string& text, const std::map<std::string, std::string>& vars) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '{') {
      auto end = text.find('}', i);
      if (end != std::string::npos) {
        auto name = text.substr(i + 1, end - i - 1);
        auto it = vars.find(name);
        if (it != vars.end()) {
          out += it->second;
          i = end + 1;
          continue;
        }
        if (!name.empty() && std::isupper(static_cast<unsigned char>(name[0])))
          throw std::runtime_error("the fixture has no value for {" + name + "} in " + text);
      }
    }
    out += text[i++];
  }
  return out;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
}

bool overlaps(const std::string& a, const std::string& b) {
  return region_contains(a, b) || region_contains(b, a);
}

class AuthorizationMatrixTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    if (HasFatalFailure()) return;
    auto store = storage::Store::open(location(), {.create = true});
    services::generate_demo_county(*store, {.polygons = 1000});
    services::seed_demo_platform(*store, location(), kPassword);
    identity_ = storage::IdentityStore::open(location());
    project_store_ = storage::ProjectStore::open(location());
    const User zhen = *identity_->find_user("zhen"), cun = *identity_->find_user("cun");
    vars_["C"] = identity_->find_user("lingdao")->grants.at(0).region_code;
    vars_["T"] = zhen.grants.at(0).region_code;
    vars_["V"] = cun.grants.at(0).region_code;
    for (const auto& r : identity_->regions()) {
      if (r.parent == vars_["T"] && r.code != vars_["V"] && !vars_.count("V2")) vars_["V2"] = r.code;
      if (r.parent == vars_["C"] && r.code != vars_["T"] && !vars_.count("T2")) vars_["T2"] = r.code;
    }
    vars_["X"] = "340124";  // a county that is not this one
    ASSERT_TRUE(vars_.count("V2") && vars_.count("T2"));
    auto hash = services::hash_password(kPassword);
    for (const auto& p : matrix::personas()) {
      if (!p.extra) continue;
      identity_->add_user({p.name, hash, {Grant{p.role, p.department, vars_.at(p.region)}}}, "admin");
    }
    for (const auto& p : matrix::personas())
      grants_[p.name] = p.region[0] ? vars_.at(p.region) : "";
    seed_objects(*store);
    server_ = std::make_unique<ServeProcess>(location());
    for (const auto& p : matrix::personas()) tokens_[p.name] = sign_in(server_->port(), p.name, kPassword);
    discover_objects();
  }

  // Objects the HTTP API cannot make as they are needed here: a comment on project P made while
  // its notice ran (three weeks ago), and an open obligation on P (stored as a condition of its
  // joint review would leave it).
  void seed_objects(storage::Store& store) {
    services::ProjectService projects(store, *project_store_, identity_.get());
    const User admin = *identity_->find_user("admin");
    for (const auto& p : projects.list(admin)) {
      if (p.state == ProjectState::implementation && p.region_code == vars_["T"] && !vars_.count("P"))
        vars_["P"] = std::to_string(p.id);
      if (p.state == ProjectState::submitted && p.region_code == vars_["T"] && !vars_.count("PR"))
        vars_["PR"] = std::to_string(p.id);
    }
    ASSERT_TRUE(vars_.count("P")) << "the demo has no project in works in the township";
    const auto p = std::stoll(vars_["P"]);
    auto view = projects.view(admin, p);
    ASSERT_FALSE(view.project.notice_starts.empty());
    std::tm tm{};
    strptime(view.project.notice_starts.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
    const std::int64_t during_notice = timegm(&tm) + 3600;
    services::ParticipationService participation(*project_store_, projects, identity_.get(),
                                                 {0, [during_notice] { return during_notice; }});
    // P back in its notice period for the comment (its state as the demo left it afterwards).
    const std::string where = " WHERE id = " + vars_["P"];
    where_->exec("UPDATE projects SET state = 'public_notice'" + where);
    auto c = participation.comment(*identity_->find_user("cunmin"), p, "道路走向是否经过我家承包地？");
    where_->exec("UPDATE projects SET state = 'implementation'" + where);
    vars_["CM"] = std::to_string(c.id);
    ASSERT_FALSE(view.reviews.empty());
    vars_["OBL"] = std::to_string(project_store_->write([&](storage::ProjectTx& tx) {
      storage::ObligationRecord o;
      o.project_id = p;
      o.review_id = view.reviews.front().id;
      o.department = view.reviews.front().department;
      o.text = "补充施工期生态保护措施";
      o.status = "open";
      o.created_at = tx.now();
      return tx.insert_obligation(o).id;
    }));
    // The consolidation unit P lies in most: what the schemes are compared in.
    std::string area_wkb = geo::Geometry::from_geojson(json::parse(view.project.plan_json)["area"].dump()).wkb();
    double best = 0;
    for (const auto& f : store.read_all(store.layer_version("units", std::nullopt), {})) {
      auto code = attribute_text_any(f.attributes, {"DYBH"}).value();
      double a = services::area_in_unit_m2(services::find_consolidation_unit(store, code), area_wkb);
      if (a > best) best = a, vars_["UNIT"] = code;
    }
    plan_ = json::parse(view.project.plan_json);
  }

  HttpReply call(const std::string& persona, const std::string& method, const std::string& target,
                 const std::string& body = "", const std::string& content_type = "") {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!persona.empty()) headers.emplace_back("Authorization", "Bearer " + tokens_.at(persona));
    if (!content_type.empty()) headers.emplace_back("Content-Type", content_type);
    return http_request(server_->port(), verb_of(method), target, body, headers);
  }
  json ok(const std::string& persona, const std::string& method, const std::string& target,
          const json& body = nullptr) {
    auto r = call(persona, method, target, body.is_null() ? "" : body.dump());
    EXPECT_LT(r.status, 300) << persona << " " << method << " " << target << ": " << r.body;
    return r.status < 300 && !r.body.empty() ? r.json() : json::object();
  }
  static std::string first_id(const json& list, const std::string& field = "id") {
    if (!list.is_array() || list.empty()) return "";
    return list[0][field].is_string() ? list[0][field].get<std::string>() : list[0][field].dump();
  }

  // The objects the rows act on, found or made through the API as their users would.
  void discover_objects() {
    const std::string p = "/api/v1/projects/" + vars_["P"];
    vars_["MS"] = first_id(ok("admin", "GET", p + "/milestones")["milestones"]);
    vars_["D"] = first_id(ok("admin", "GET", p + "/funds/disbursements")["disbursements"]);
    vars_["SRC"] = first_id(ok("admin", "GET", "/api/v1/funds/sources")["sources"]);
    vars_["IND"] = first_id(ok("admin", "GET", "/api/v1/indicators")["indicators"]);
    vars_["DIST"] = first_id(ok("admin", "GET", "/api/v1/distributions")["plans"]);
    vars_["DNOTICE"] = ok("admin", "GET", "/api/v1/distributions/" + vars_["DIST"])["notice_id"].dump();
    vars_["OBJ"] = first_id(ok("admin", "GET", "/api/v1/distributions/" + vars_["DIST"] + "/objections")["objections"]);
    vars_["N"] = first_id(ok("admin", "GET", "/api/v1/notices")["notices"]);
    const json feedback = ok("admin", "GET", "/api/v1/feedback");
    for (const auto& f : feedback["feedback"])
      if (f["status"] != "answered") vars_["F"] = f["id"].dump();
    ok("cun", "PUT", "/api/v1/villages/" + vars_["V"] + "/representatives", {{"usernames", {"cunmin"}}});
    vars_["VOTE"] = ok("cun", "POST", "/api/v1/votes", {{"region_code", vars_["V"]}, {"question", "是否同意调整方案？"}})["id"].dump();
    vars_["SURVEY"] = ok("cun", "POST", "/api/v1/surveys",
                         {{"region_code", vars_["V"]}, {"title", "整治满意度"},
                          {"questions", {{{"text", "是否满意"}, {"choices", {"满意", "不满意"}}}}}})["id"].dump();
    vars_["SCHEME"] = ok("zhuanjia", "POST", "/api/v1/schemes",
                         {{"unit", vars_["UNIT"]}, {"region_code", vars_["T"]}, {"name", "方案甲"},
                          {"cost_fen", 100000000}, {"plan", plan_}})["id"].dump();
    auto zones = ok("admin", "GET", "/api/v1/village-plans/" + vars_["V"]);
    vars_["ZONES"] = zones.dump();
    vars_["PLAN"] = plan_.dump();
    vars_["AREA_FC"] = json{{"type", "FeatureCollection"},
                            {"features", {{{"type", "Feature"}, {"properties", json::object()},
                                           {"geometry", plan_["area"]}}}}}.dump();
    vars_["CHANGE"] = ok("cun", "POST", "/api/v1/village-plans/" + vars_["V"] + "/changes",
                         {{"zones", zones}, {"reason", "矩阵测试的变更申请"}})["id"].dump();
    auto png = make_png(4, 4);
    auto photo = call("zhen", "POST", p + "/photos", png, "image/png");
    EXPECT_LT(photo.status, 300) << photo.body;
    vars_["PHOTO"] = photo.json()["sha256"].get<std::string>();
    png_ = png;
    // The demo's approved payment D gets its voucher (the voucher rows read it, or find it there).
    auto voucher = call("czj", "POST", p + "/funds/disbursements/" + vars_["D"] + "/voucher", png, "image/png");
    EXPECT_EQ(voucher.status, 201) << voucher.body;
    if (vars_.count("PR")) {
      const std::string pr = "/api/v1/projects/" + vars_["PR"] + "/rights";
      vars_["JOB"] = ok("zrzy", "POST", pr + "/plans", {{"parcels_layer", "parcels"}})["job"]["id"].dump();
      vars_["DISPUTE"] = ok("cunmin", "POST", pr + "/households/H00001/objection", {{"reason", "分到的地块离家太远"}})["id"].dump();
      vars_["COMP"] = first_id(ok("admin", "GET", pr + "/compensation")["entries"]);
    }
    vars_["H"] = "H00001";
    vars_["MEMBER"] = fresh_member();
    vars_["GONE"] = fresh_scheme();  // made anew before each request of its row
    vars_["LAYER"] = "land_use";
    // A supervision order of the township to village V's collective, answered with a photo.
    vars_["ORD"] = ok("zhen", "POST", "/api/v1/orders",
                      {{"source", "manual"}, {"title", "沟渠淤积清理"}, {"due_date", "2099-12-31"},
                       {"unit", {{"kind", "village_collective"}, {"region_code", vars_["V"]}}}})["id"].dump();
    std::string b64(sodium_base64_ENCODED_LEN(png.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(b64.data(), b64.size(), reinterpret_cast<const unsigned char*>(png.data()), png.size(),
                      sodium_base64_VARIANT_ORIGINAL);
    b64.resize(b64.size() - 1);
    ok("cun", "POST", "/api/v1/orders/" + vars_["ORD"] + "/answer",
       {{"text", "已清淤"}, {"photos", {{{"content_type", "image/png"}, {"data_base64", b64}, {"lon", 117.2}, {"lat", 31.8}}}}});
    const json order = ok("cun", "GET", "/api/v1/orders/" + vars_["ORD"]);
    for (const auto& e : order["evidence"])
      if (e["kind"] == "photo") vars_["ORDPHOTO"] = e["sha256"].get<std::string>();
    for (const auto& [k, v] : vars_) EXPECT_FALSE(v.empty() || v == "null") << "no fixture value for " << k;
  }

  struct Cell {
    std::string target, body;
    HttpReply reply;
    std::size_t events = 0;
    // For a 404 (or a 403 to a region named in the body): the answer about objects that do not
    // exist, and both bodies with the identifiers replaced by their names.
    std::optional<HttpReply> absent;
    std::string normalised, absent_normalised;
  };

  // Persona i's request of `row` (0: no session) and, where a refusal must tell nothing, the same
  // request about objects that do not exist.
  Cell fetch(const Row& row, std::size_t i, const std::string& expanded) {
    const std::string who = i == 0 ? "" : matrix::personas()[i - 1].name;
    Cell cell{expanded, row.body[0] ? expand(row.body, vars_) : ""};
    if (row.fresh[0]) {
      vars_[row.fresh] = std::string(row.fresh) == "MEMBER" ? fresh_member() : fresh_scheme();
      cell.target = expand(row.target, vars_);
    }
    auto send = [&](const std::string& target, const std::string& body) {
      return row.photo ? call(who, row.method, target, png_, "image/png") : call(who, row.method, target, body);
    };
    if (row.stream) {
      // From the first event on: every event the persona is given, checked as one body.
      SseClient sse(server_->port(), who.empty() ? "" : tokens_.at(who), "0");
      cell.reply.status = sse.status();
      cell.reply.body = sse.body();
      if (sse.status() == 200) {
        json events = json::array();
        while (auto e = sse.next(std::chrono::milliseconds(400)))
          events.push_back(json::parse(e->data, nullptr, false));
        cell.reply.body = events.dump();
        cell.reply.headers["content-type"] = "application/json";
        cell.events = events.size();
      }
      return cell;
    }
    cell.reply = send(cell.target, cell.body);
    const bool named = std::string(row.how).rfind("body", 0) == 0;
    const std::string region = row.region[0] ? vars_.at(row.region) : "";
    const bool outside = !who.empty() && !region.empty() && !overlaps(grants_.at(who), region);
    if (!region.empty() && !who.empty() &&
        (cell.reply.status == 404 || (named && outside && cell.reply.status == 403))) {
      // The objects of the path, and the region a body names, replaced by ones that do not exist.
      const std::string row_target = row.target;
      auto replaced = [&](const std::string& k) {
        return row_target.find("{" + k + "}") != std::string::npos || (named && k == row.region);
      };
      std::map<std::string, std::string> gone = vars_;
      for (const auto& [k, v] : vars_)
        if (replaced(k)) gone[k] = missing(k);
      cell.absent = send(expand(row.target, gone), named ? expand(row.body, gone) : cell.body);
      cell.normalised = cell.reply.body;
      cell.absent_normalised = cell.absent->body;
      for (const auto& [k, v] : vars_)
        if (replaced(k)) {
          replace_all(cell.normalised, v, "<" + k + ">");
          replace_all(cell.absent_normalised, gone[k], "<" + k + ">");
        }
    }
    return cell;
  }

  // A new household member of village V, for a row that removes one.
  // A scheme like SCHEME, for a row that removes one.
  std::string fresh_scheme() {
    return ok("zhuanjia", "POST", "/api/v1/schemes",
              {{"unit", vars_["UNIT"]}, {"region_code", vars_["T"]}, {"name", "方案丁"},
               {"cost_fen", 100000000}, {"plan", plan_}})["id"].dump();
  }
  std::string fresh_member() {
    static int n = 0;
    char code[16];
    std::snprintf(code, sizeof code, "H%05d", 900 + ++n);
    return ok("cun", "POST", "/api/v1/rights/members",
              {{"household_code", code}, {"username", "cunmin"}, {"region_code", vars_["V"]}})["id"]
        .dump();
  }

  // The value a placeholder takes for an object that does not exist.
  static std::string missing(const std::string& var) {
    static const std::map<std::string, std::string> m = {
        {"H", "H99999"}, {"UNIT", "DY-NOWHERE"}, {"LAYER", "no_such_layer"},
        {"PHOTO", std::string(64, '0')}, {"ORDPHOTO", std::string(64, '0')}, {"V", "340123999999"}, {"T", "340123999"}, {"C", "340199"}};
    auto it = m.find(var);
    return it == m.end() ? "99999999" : it->second;
  }

  std::unique_ptr<storage::IdentityStore> identity_;
  std::unique_ptr<storage::ProjectStore> project_store_;
  std::unique_ptr<ServeProcess> server_;
  std::map<std::string, std::string> vars_, tokens_, grants_;
  json plan_;
  std::string png_;
};

// Every operation the OpenAPI document has, and every route the router registers, has its row.
std::set<std::pair<std::string, std::string>> documented_operations() {
  std::set<std::pair<std::string, std::string>> ops;
  auto doc = json::parse(http::openapi_document());
  for (auto& [path, item] : doc["paths"].items())
    for (auto& [method, op] : item.items())
      if (method != "parameters") ops.insert({upper(method), path});
  return ops;
}

TEST_P(AuthorizationMatrixTest, every_operation_answers_every_persona_as_the_table_says) {
  const auto started = std::chrono::steady_clock::now();
  const auto& rows = matrix::rows();
  const auto& personas = matrix::personas();
  std::set<std::pair<std::string, std::string>> tabled;
  for (const auto& row : rows) {
    EXPECT_TRUE(tabled.insert({row.method, row.path}).second) << row.method << " " << row.path << " twice";
    EXPECT_EQ(matrix::cells(row.expect).size(), personas.size() + 1) << row.path << ": " << row.expect;
  }
  // The document and the table: the same operations.
  for (const auto& op : documented_operations())
    EXPECT_TRUE(tabled.count(op)) << op.first << " " << op.second
                                  << " is in the OpenAPI document but not in the authorization matrix: "
                                     "decide who may use it (tests/http/authorization_matrix_table.h)";
  for (const auto& op : tabled)
    EXPECT_TRUE(documented_operations().count(op)) << op.first << " " << op.second << " is tabled but not documented";
  // The router and the document: every route is documented, but for the web app's pages and
  // assets (no data: the same index.html or bundle for everyone) and /health (the load
  // balancer's probe, /api/v1/health under another name).
  {
    auto store = storage::Store::open(location());
    http::ApiServices api(*store, *identity_, *project_store_, location());
    auto router = http::make_router(api.context());
    for (const auto& r : router.routes()) {
      bool web = r.pattern.rfind("/api/", 0) != 0 && r.pattern.rfind("/tiles/", 0) != 0;
      if (web) {
        EXPECT_TRUE(matrix::undocumented_public(r.pattern)) << r.method << " " << r.pattern
            << " is served but neither documented nor listed as a public page";
        continue;
      }
      EXPECT_TRUE(tabled.count({r.method, r.pattern})) << r.method << " " << r.pattern
          << " is served but not in the authorization matrix";
    }
  }

  // The pages and the probe answer without a session.
  for (const auto& pattern : matrix::undocumented_public_routes()) {
    std::string path = pattern;
    replace_all(path, "{code}", "XM2026-001");
    replace_all(path, "{section}", "notices");
    replace_all(path, "{id}", "1");
    replace_all(path, "{file}", "no-such-bundle.js");
    auto reply = call("", "GET", path);
    EXPECT_TRUE(reply.status == 200 || reply.status == 404) << path << " → " << reply.status;
  }

  // A list answers 200 to everyone; what it lists is the persona's. The layers of county C are
  // listed to its users and to nobody of county X (rows with a region_code are checked below).
  EXPECT_FALSE(ok("zhen_b", "GET", "/api/v1/layers")["layers"].empty());
  EXPECT_TRUE(ok("zrzy_x", "GET", "/api/v1/layers")["layers"].empty());

  const bool print = std::getenv("GONGZHI_MATRIX_PRINT") != nullptr;
  std::size_t cells = 0, leak_checks = 0, streamed_events = 0;
  std::ostringstream printed;
  for (const auto& row : rows) {
    std::string target;
    try {
      target = expand(row.target, vars_);
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
      continue;
    }
    EXPECT_TRUE(http::match_path(row.path, target.substr(0, target.find('?'))))
        << row.target << " is not a request of " << row.path;
    const auto expected = matrix::cells(row.expect);
    const bool named = std::string(row.how).rfind("body", 0) == 0;
    const std::string object_region = row.region[0] ? vars_.at(row.region) : "";
    // A row's requests: those of a GET at once (they change nothing), the others one after the
    // other in the personas' order (an allowed write changes what the next persona finds).
    const auto row_started = std::chrono::steady_clock::now();
    std::vector<Cell> got(personas.size() + 1);
    if (row.method == std::string("GET")) {
      std::vector<std::future<Cell>> pending;
      for (std::size_t i = 0; i <= personas.size(); ++i)
        pending.push_back(std::async(std::launch::async, [&, i] { return fetch(row, i, target); }));
      for (std::size_t i = 0; i <= personas.size(); ++i) got[i] = pending[i].get();
    } else {
      for (std::size_t i = 0; i <= personas.size(); ++i) got[i] = fetch(row, i, target);
    }
    std::string observed;
    for (std::size_t i = 0; i <= personas.size(); ++i) {
      const std::string who = i == 0 ? "" : personas[i - 1].name;
      const char want = i < expected.size() ? expected[i] : '?';
      const HttpReply& reply = got[i].reply;
      // The table may expect nothing but 404 from a persona the object's region is outside of;
      // a request that names a region in its body (a new object there) may be refused with 403
      // instead, provided the answer is the same whether or not the region exists.
      const bool outside = i > 0 && !object_region.empty() && !overlaps(grants_.at(who), object_region);
      if (outside)
        EXPECT_TRUE(want == 'N' || (named && want == 'F'))
            << row.method << " " << row.path << ": " << who << " is outside the object's region "
            << object_region << " but the table expects " << want;
      ++cells;
      streamed_events += got[i].events;
      char c = reply.status == 401 ? 'U' : reply.status == 403 ? 'F' : reply.status == 404 ? 'N'
             : reply.status >= 200 && reply.status < 500 ? 'A' : '!';
      observed += c;
      EXPECT_EQ(c, want) << row.method << " " << row.path << " as " << (who.empty() ? "(no session)" : who)
                         << ": " << got[i].target << " " << got[i].body << " → " << reply.status << " "
                         << reply.body.substr(0, 300);
      // A 404 (or the 403 of a region named in the body) tells no more than the answer about an
      // object that does not exist.
      if (got[i].absent) {
        ++leak_checks;
        EXPECT_EQ(got[i].absent->status, reply.status)
            << row.path << " as " << who << " for a missing object: " << got[i].absent->body;
        EXPECT_EQ(got[i].normalised, got[i].absent_normalised)
            << row.method << " " << row.path << " as " << who << ": the " << reply.status
            << " differs from that of a missing object";
      }
      // A 2xx answer names no region outside the persona's grants.
      if (i > 0 && reply.status < 300 && !grants_.at(who).empty() &&
          reply.header("content-type").find("json") != std::string::npos && !reply.body.empty()) {
        ++leak_checks;
        std::vector<std::string> foreign;
        std::function<void(const json&)> walk = [&](const json& j) {
          if (j.is_object()) {
            for (auto& [k, v] : j.items()) {
              if (k == "region_code" && v.is_string() && !overlaps(grants_.at(who), v.get<std::string>()))
                foreign.push_back(v.get<std::string>());
              walk(v);
            }
          } else if (j.is_array()) {
            for (const auto& v : j) walk(v);
          }
        };
        walk(json::parse(reply.body, nullptr, false));
        EXPECT_TRUE(foreign.empty()) << row.method << " " << row.path << " as " << who
                                     << " names regions outside its grants: " << foreign.front();
      }
    }
    if (print)
      printed << row.method << " " << row.path << "  " << matrix::spaced(observed) << "  ("
              << std::chrono::duration<double>(std::chrono::steady_clock::now() - row_started).count() << " s)\n";
  }
  if (print) std::cout << printed.str();
  const auto seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "authorization matrix: " << rows.size() << " operations × " << personas.size() + 1
            << " personas (" << personas.size() << " signed in, 1 without a session) = " << cells
            << " requests, " << leak_checks << " leak checks (" << streamed_events << " events read), " << seconds << " s" << std::endl;
  EXPECT_EQ(cells, rows.size() * (personas.size() + 1));
}

INSTANTIATE_TEST_SUITE_P(Backends, AuthorizationMatrixTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
