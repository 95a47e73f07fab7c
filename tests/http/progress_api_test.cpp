// Progress over real HTTP on loopback, against `gongzhi serve` on both backends: a PNG made in
// the test is uploaded and comes back byte-identical with its content type and ETag; the same
// photo twice is one blob; text sent as image/png is a 400; a body over 10 MiB is a 413; a user
// of another township gets 404 as for a project that does not exist; milestones, progress,
// inspections with GPS points, the complete guard and the evaluation endpoints answer as
// documented.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "../services/png_fixture.h"
#include "../storage/store_backends.h"
#include "http_client.h"
#include "live_support.h"
#include "services/password.h"
#include "services/progress.h"
#include "services/projects.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using nlohmann::json;

constexpr const char* kPassword = "a long enough password";

struct RawReply {
  int status = 0;
  std::string body, content_type, etag;
};

// One GET with every header the photo route answers with.
RawReply raw_get(unsigned short port, const std::string& target, const std::string& token,
                 const std::string& if_none_match = "") {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  bhttp::request<bhttp::string_body> req{bhttp::verb::get, target, 11};
  req.set(bhttp::field::host, "127.0.0.1");
  req.set(bhttp::field::authorization, "Bearer " + token);
  if (!if_none_match.empty()) req.set(bhttp::field::if_none_match, if_none_match);
  bhttp::write(stream, req);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 << 20);
  bhttp::read(stream, buffer, parser);
  auto& res = parser.get();
  return {static_cast<int>(res.result_int()), res.body(), std::string(res[bhttp::field::content_type]),
          std::string(res[bhttp::field::etag])};
}

class ProgressApiTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    auto hash = services::hash_password(kPassword);
    {
      auto layers = storage::Store::open(location(), {.create = true});
      auto identity = storage::IdentityStore::open(location(), {.create = true});
      identity->create_first_admin("root", hash, "cli:test");
      identity->add_user({"zhen", hash, {Grant{Role::township, "", "340123100"}}}, "root");
      identity->add_user({"hekou", hash, {Grant{Role::township, "", "340123101"}}}, "root");
      identity->add_user({"lead", hash, {Grant{Role::lead_department, "自然资源局", "340123"}}}, "root");
      auto store = storage::ProjectStore::open(location());
      services::ProjectService projects(*layers, *store, nullptr);
      User zhen;
      zhen.username = "zhen";
      zhen.grants.push_back(Grant{Role::township, "", "340123100"});
      auto p = projects.create(
          zhen, {"东村高标准农田", "农用地整理", "340123100201",
                 R"({"area":{"type":"Polygon","coordinates":[[[117.0,30.0],[117.01,30.0],[117.01,30.01],[117.0,30.01],[117.0,30.0]]]}})"});
      store->write([&](storage::ProjectTx& tx) {
        auto r = *tx.project(p.id);
        r.state = ProjectState::implementation;
        tx.update_project(r);
      });
      project_ = p.id;
    }
    start();
  }
  void TearDown() override { server_.reset(); }  // before the store is dropped
  void start() {
    server_ = std::make_unique<ServeProcess>(location());
    port_ = server_->port();
  }
  std::string token(const std::string& user) { return sign_in(port_, user, kPassword); }
  HttpReply call(bhttp::verb verb, const std::string& target, const std::string& token,
                 const std::string& body = "", const std::string& content_type = "application/json") {
    std::vector<std::pair<std::string, std::string>> headers{{"Authorization", "Bearer " + token}};
    if (!body.empty()) headers.emplace_back("Content-Type", content_type);
    return http_request(port_, verb, target, body, headers);
  }
  std::string project_path(const std::string& rest = "") {
    return "/api/v1/projects/" + std::to_string(project_) + rest;
  }

  std::int64_t project_ = 0;
  unsigned short port_ = 0;
  std::unique_ptr<ServeProcess> server_;
};

TEST_P(ProgressApiTest, a_png_goes_up_and_comes_back_byte_identical_with_its_type) {
  auto t = token("zhen");
  auto png = make_png(64, 48, 3);
  auto up = call(bhttp::verb::post, project_path("/photos"), t, png, "image/png");
  ASSERT_EQ(up.status, 201) << up.body;
  auto sha = up.json()["sha256"].get<std::string>();
  EXPECT_EQ(sha.size(), 64u);
  EXPECT_EQ(up.json()["content_type"], "image/png");
  EXPECT_EQ(up.json()["size"], png.size());
  // Again: the same blob, 200.
  auto again = call(bhttp::verb::post, project_path("/photos"), t, png, "image/png");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json()["sha256"], sha);
  auto lead = token("lead");
  auto back = raw_get(port_, project_path("/photos/" + sha), lead);
  ASSERT_EQ(back.status, 200);
  EXPECT_EQ(back.content_type, "image/png");
  EXPECT_EQ(back.etag, "\"" + sha + "\"");
  EXPECT_TRUE(back.body == png) << "the photo came back different (" << back.body.size() << " bytes)";
  EXPECT_EQ(raw_get(port_, project_path("/photos/" + sha), lead, back.etag).status, 304);
  auto list = call(bhttp::verb::get, project_path("/photos"), t);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json()["photos"].size(), 1u);
  // Text declared as a PNG, a PNG declared as JPEG, a PDF: refused, nothing stored.
  auto text = call(bhttp::verb::post, project_path("/photos"), t, "this is not an image", "image/png");
  EXPECT_EQ(text.status, 400) << text.body;
  EXPECT_EQ(text.code(), "type_mismatch");
  auto jpeg = call(bhttp::verb::post, project_path("/photos"), t, png, "image/jpeg");
  EXPECT_EQ(jpeg.status, 400);
  EXPECT_EQ(jpeg.code(), "type_mismatch");
  auto pdf = call(bhttp::verb::post, project_path("/photos"), t, "%PDF-1.4", "application/pdf");
  EXPECT_EQ(pdf.status, 400);
  EXPECT_EQ(pdf.code(), "unsupported_type");
  // Over 10 MiB: refused by the server before the route runs.
  std::string huge = png + std::string(services::kMaxPhotoBytes, 'x');
  auto big = call(bhttp::verb::post, project_path("/photos"), t, huge, "image/png");
  EXPECT_EQ(big.status, 413) << big.body.substr(0, 200);
  // A photo a little over the general 1 MiB limit is fine on this route.
  auto large = make_png(700, 600, 9);
  ASSERT_GT(large.size(), std::size_t{1} << 20);
  auto ok = call(bhttp::verb::post, project_path("/photos"), t, large, "image/png");
  EXPECT_EQ(ok.status, 201) << ok.body.substr(0, 200);
  list = call(bhttp::verb::get, project_path("/photos"), t);
  EXPECT_EQ(list.json()["photos"].size(), 2u);
  // Other routes keep the general limit.
  auto json_big = call(bhttp::verb::post, project_path("/milestones"), t, std::string(2 << 20, ' '));
  EXPECT_EQ(json_big.status, 413);
  // Another township: 404 as for a project that does not exist; no session: 401.
  auto other = token("hekou");
  EXPECT_EQ(raw_get(port_, project_path("/photos/" + sha), other).status, 404);
  EXPECT_EQ(raw_get(port_, "/api/v1/projects/999999/photos/" + sha, other).status, 404);
  auto up_other = call(bhttp::verb::post, project_path("/photos"), other, png, "image/png");
  EXPECT_EQ(up_other.status, 404);
  EXPECT_EQ(http_request(port_, bhttp::verb::get, project_path("/photos/" + sha)).status, 401);
}

TEST_P(ProgressApiTest, milestones_inspections_and_evaluation_over_http) {
  auto t = token("zhen");
  auto lead = token("lead");
  auto m = call(bhttp::verb::post, project_path("/milestones"), t,
                R"({"name":"土地平整","planned_date":"2026-12-31","weight":2})");
  ASSERT_EQ(m.status, 201) << m.body;
  auto mid = m.json()["id"].get<std::int64_t>();
  // Bad inputs: unknown field, wrong type, bad date, bad percent.
  EXPECT_EQ(call(bhttp::verb::post, project_path("/milestones"), t, R"({"name":"x","planned_date":"2026-12-31","evil":1})").code(),
            "unknown_field");
  EXPECT_EQ(call(bhttp::verb::post, project_path("/milestones"), t, R"({"name":7,"planned_date":"2026-12-31"})").status, 400);
  EXPECT_EQ(call(bhttp::verb::post, project_path("/milestones"), t, R"({"name":"y","planned_date":"31.12.2026"})").code(),
            "invalid_date");
  EXPECT_EQ(call(bhttp::verb::post, project_path("/milestones"), t, "{not json").status, 400);
  auto path = project_path("/milestones/" + std::to_string(mid) + "/progress");
  EXPECT_EQ(call(bhttp::verb::post, path, t, R"({"percent":150})").code(), "invalid_percent");
  // Not complete while the milestone is open.
  auto complete = call(bhttp::verb::post, project_path("/actions"), t, R"({"action":"complete"})");
  EXPECT_EQ(complete.status, 409);
  EXPECT_EQ(complete.code(), "milestones_open");
  auto half = call(bhttp::verb::post, path, t, R"({"percent":50})");
  ASSERT_EQ(half.status, 200) << half.body;
  auto list = call(bhttp::verb::get, project_path("/milestones"), lead);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json()["overall_percent"], 50.0);
  // Inspections: inside passes, 48 m outside is flagged, 960 m outside is refused.
  auto in = call(bhttp::verb::post, project_path("/reports"), lead,
                 R"({"kind":"inspection","text":"巡查","points":[{"lon":117.005,"lat":30.005},{"lon":117.0105,"lat":30.005}]})");
  ASSERT_EQ(in.status, 201) << in.body;
  EXPECT_EQ(in.json()["outside_area"], true);
  auto far = call(bhttp::verb::post, project_path("/reports"), lead,
                  R"({"kind":"inspection","text":"巡查","points":[{"lon":117.02,"lat":30.005}]})");
  EXPECT_EQ(far.status, 400);
  EXPECT_EQ(far.code(), "point_outside_area");
  EXPECT_NE(far.json()["error"]["message_en"].get<std::string>().find("points[0]"), std::string::npos) << far.body;
  // The Chinese message is for the person in the field: the point counted from 1, no field name.
  EXPECT_NE(far.json()["error"]["message_zh"].get<std::string>().find("第 1 个定位点"), std::string::npos) << far.body;
  EXPECT_EQ(call(bhttp::verb::post, project_path("/reports"), lead,
                 R"({"kind":"inspection","text":"x","points":[{"lon":"117","lat":30}]})").status,
            400);
  auto reports = call(bhttp::verb::get, project_path("/reports"), t);
  ASSERT_EQ(reports.status, 200);
  EXPECT_EQ(reports.json()["reports"].size(), 1u);
  auto done = call(bhttp::verb::post, path, t, R"({"percent":100,"actual_date":"2026-01-15"})");
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.json()["actual_date"], "2026-01-15");
  // Indicators: planned by the lead department (still allowed in implementation), achieved by
  // the township; scores in the evaluation and the comparison.
  auto planned = call(bhttp::verb::put, project_path("/evaluation/planned"), lead,
                      R"({"values":{"new_cultivated_land":60000,"satisfaction":90}})");
  ASSERT_EQ(planned.status, 200) << planned.body;
  EXPECT_EQ(call(bhttp::verb::put, project_path("/evaluation/planned"), t, R"({"values":{"satisfaction":90}})").status,
            403);
  EXPECT_EQ(call(bhttp::verb::put, project_path("/evaluation/planned"), lead, R"({"values":{"satisfaction":"high"}})").status,
            400);
  auto achieved = call(bhttp::verb::put, project_path("/evaluation/achieved"), t,
                       R"({"values":{"new_cultivated_land":30000,"satisfaction":90}})");
  ASSERT_EQ(achieved.status, 200) << achieved.body;
  auto e = call(bhttp::verb::get, project_path("/evaluation"), lead).json();
  // (25 × 0.5 + 15 × 1) / 40 × 100 = 68.75
  EXPECT_EQ(e["total_score"], 68.75);
  EXPECT_EQ(e["acceptance_met"], false);
  EXPECT_EQ(e["indicators"][0]["planned"]["value"], 60000.0);
  EXPECT_EQ(e["indicators"][0]["planned"]["mu"], 90.0);
  EXPECT_EQ(e["indicators"][0]["planned"]["ha"], 6.0);
  auto ok = call(bhttp::verb::post, project_path("/actions"), t, R"({"action":"complete"})");
  EXPECT_EQ(ok.status, 200) << ok.body;
  auto accept = call(bhttp::verb::post, project_path("/actions"), lead, R"({"action":"accept"})");
  EXPECT_EQ(accept.status, 409);
  EXPECT_EQ(accept.code(), "acceptance_indicators_not_met");
  auto all = call(bhttp::verb::get, "/api/v1/evaluations", lead);
  ASSERT_EQ(all.status, 200);
  ASSERT_EQ(all.json()["evaluations"].size(), 1u);
  EXPECT_EQ(all.json()["evaluations"][0]["total_score"], 68.75);
  EXPECT_FALSE(all.json()["evaluations"][0].contains("indicators"));
  // With details, each project's indicators as the project's own evaluation gives them.
  auto detailed = call(bhttp::verb::get, "/api/v1/evaluations?details=1", lead);
  ASSERT_EQ(detailed.status, 200) << detailed.body;
  ASSERT_EQ(detailed.json()["evaluations"].size(), 1u);
  EXPECT_EQ(detailed.json()["evaluations"][0]["indicators"], e["indicators"]);
  EXPECT_EQ(detailed.json()["evaluations"][0]["acceptance_failures_en"], e["acceptance_failures_en"]);
  EXPECT_EQ(call(bhttp::verb::get, "/api/v1/evaluations?details=yes", lead).code(), "invalid_parameter");
  EXPECT_EQ(call(bhttp::verb::get, "/api/v1/evaluations?detail=1", lead).code(), "unknown_parameter");
  EXPECT_TRUE(call(bhttp::verb::get, "/api/v1/evaluations", token("hekou")).json()["evaluations"].empty());
  EXPECT_EQ(call(bhttp::verb::get, project_path("/evaluation"), token("hekou")).status, 404);
}

// The status line and headers of the next response on `socket` (a 100 Continue included), read
// within `seconds`, and whatever body bytes of a final response came along.
struct RawHead {
  int status = 0;
  std::string head, rest;
};
RawHead read_head(tcp::socket& socket, asio::streambuf& buf) {
  asio::read_until(socket, buf, "\r\n\r\n");
  std::string all(asio::buffers_begin(buf.data()), asio::buffers_end(buf.data()));
  auto end = all.find("\r\n\r\n") + 4;
  buf.consume(end);
  RawHead h;
  h.head = all.substr(0, end);
  h.rest = all.substr(end);
  h.status = std::stoi(h.head.substr(9, 3));
  return h;
}

// Sends only the header of a photo upload announcing a 5 MiB body; the answer that comes back
// without the body (the server reads nothing more while it decides).
RawHead header_only_upload(unsigned short port, const std::string& target, const std::string& token,
                           const std::string& content_type, bool expect_continue) {
  asio::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  std::string req = "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " +
                    content_type + "\r\nContent-Length: " + std::to_string(5 << 20) + "\r\n";
  if (!token.empty()) req += "Authorization: Bearer " + token + "\r\n";
  if (expect_continue) req += "Expect: 100-continue\r\n";
  req += "\r\n";
  asio::write(socket, asio::buffer(req));
  // A server that waited for the body would answer nothing until its 30 s timeout closes the
  // connection (read_head then throws).
  asio::streambuf buf;
  return read_head(socket, buf);
}

TEST_P(ProgressApiTest, a_photo_upload_is_refused_from_its_header_before_the_body_is_read) {
  auto t = token("zhen");
  auto other = token("hekou");
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(header_only_upload(port_, project_path("/photos"), "", "image/png", false).status, 401);
  EXPECT_EQ(header_only_upload(port_, project_path("/photos"), "not-a-session-token-at-all", "image/png", true).status, 401);
  EXPECT_EQ(header_only_upload(port_, project_path("/photos"), other, "image/png", false).status, 404);
  EXPECT_EQ(header_only_upload(port_, "/api/v1/projects/999999/photos", t, "image/png", true).status, 404);
  auto pdf = header_only_upload(port_, project_path("/photos"), t, "application/pdf", false);
  EXPECT_EQ(pdf.status, 400);
  EXPECT_NE(pdf.head.find("Connection: close"), std::string::npos) << pdf.head;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));

  // Allowed: a client that asked is told to go on, sends the photo and gets it stored.
  asio::io_context ioc;
  tcp::socket socket(ioc);
  asio::streambuf buf;
  auto png = make_png(64, 48, 5);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
  std::string req = "POST " + project_path("/photos") +
                    " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\nAuthorization: Bearer " + t +
                    "\r\nExpect: 100-continue\r\nContent-Length: " + std::to_string(png.size()) + "\r\n\r\n";
  asio::write(socket, asio::buffer(req));
  EXPECT_EQ(read_head(socket, buf).status, 100);
  asio::write(socket, asio::buffer(png));
  auto done = read_head(socket, buf);
  EXPECT_EQ(done.status, 201) << done.head;
  EXPECT_EQ(call(bhttp::verb::get, project_path("/photos"), t).json()["photos"].size(), 1u);
}

// Writes `body` in `pieces` parts spread over `seconds`, after `head`; then reads the answer's
// head (throws when the server closed the connection instead).
RawHead trickle(unsigned short port, const std::string& head, const std::string& body, int pieces,
                double seconds) {
  asio::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  asio::write(socket, asio::buffer(head));
  std::size_t step = (body.size() + pieces - 1) / pieces;
  for (std::size_t at = 0; at < body.size(); at += step) {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds / pieces));
    beast::error_code ec;
    asio::write(socket, asio::buffer(body.data() + at, std::min(step, body.size() - at)), ec);
    if (ec) throw std::runtime_error("the server closed the connection: " + ec.message());
  }
  asio::streambuf buf;
  return read_head(socket, buf);
}

TEST_P(ProgressApiTest, a_slow_photo_upload_gets_time_by_its_size_a_slow_small_request_does_not) {
  server_.reset();
  server_ = std::make_unique<ServeProcess>(location(), Env{},
                                           std::vector<std::string>{"--request-timeout", "1"});
  port_ = server_->port();
  auto t = token("zhen");
  auto png = make_png(400, 300, 7);
  ASSERT_GT(png.size(), 40000u);  // 1 s + size / 8 KiB/s: more than the 3 s it takes below
  std::string head = "POST " + project_path("/photos") +
                     " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\nAuthorization: Bearer " +
                     t + "\r\nContent-Length: " + std::to_string(png.size()) + "\r\n\r\n";
  auto up = trickle(port_, head, png, 10, 3.0);
  EXPECT_EQ(up.status, 201) << up.head;
  EXPECT_EQ(call(bhttp::verb::get, project_path("/photos"), t).json()["photos"].size(), 1u);

  // A sign-in sent as slowly: cut off at the 1 s timeout, nothing answered.
  std::string login = R"({"username":"zhen","password":")" + std::string(kPassword) + "\"}";
  std::string login_head = "POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                           "application/json\r\nContent-Length: " +
                           std::to_string(login.size()) + "\r\n\r\n";
  EXPECT_ANY_THROW(trickle(port_, login_head, login, 10, 3.0));
}

// The comparison summed up per county or per township (GET /api/v1/evaluations?group=…): a city
// official compares two counties, each county's projects under it by the region hierarchy.
TEST_P(ProgressApiTest, evaluations_are_summed_up_per_county_and_per_township) {
  server_.reset();
  std::int64_t other = 0;
  {
    auto layers = storage::Store::open(location(), {});
    auto identity = storage::IdentityStore::open(location(), {});
    identity->replace_regions({{"340000", "安徽省"}, {"340100", "合肥市"}, {"340123", "肥西县"},
                               {"340123100", "上派镇"}, {"340123101", "河口镇"}, {"340123100201", "东村"},
                               {"340124", "庐江县"}, {"340124100", "庐城镇"}, {"340124100201", "南村"}},
                              "test", "root");
    identity->add_user({"city", services::hash_password(kPassword),
                        {Grant{Role::lead_department, "自然资源局", "3401"}}},
                       "root");
    auto store = storage::ProjectStore::open(location());
    services::ProjectService projects(*layers, *store, nullptr);
    User lujiang;
    lujiang.username = "lujiang";
    lujiang.grants.push_back(Grant{Role::township, "", "340124100"});
    other = projects
                .create(lujiang, {"南村土地整治", "农用地整理", "340124100201",
                                  R"({"area":{"type":"Polygon","coordinates":[[[117.1,30.0],[117.11,30.0],[117.11,30.01],[117.1,30.01],[117.1,30.0]]]}})"})
                .id;
  }
  start();
  auto lead = token("lead");
  ASSERT_EQ(call(bhttp::verb::put, project_path("/evaluation/planned"), lead,
                 R"({"values":{"new_cultivated_land":60000,"satisfaction":90}})").status,
            200);
  ASSERT_EQ(call(bhttp::verb::put, project_path("/evaluation/achieved"), token("zhen"),
                 R"({"values":{"new_cultivated_land":30000,"satisfaction":90}})").status,
            200);
  auto city = token("city");
  auto by_county = call(bhttp::verb::get, "/api/v1/evaluations?group=county", city);
  ASSERT_EQ(by_county.status, 200) << by_county.body;
  EXPECT_EQ(by_county.json()["evaluations"].size(), 2u);
  auto groups = by_county.json()["groups"];
  ASSERT_EQ(groups.size(), 2u) << groups.dump();
  // Scored first: 肥西县 with its one scored project, then 庐江县 with none.
  EXPECT_EQ(groups[0]["region_code"], "340123");
  EXPECT_EQ(groups[0]["region_name"], "肥西县");
  EXPECT_EQ(groups[0]["projects"], 1);
  EXPECT_EQ(groups[0]["scored"], 1);
  EXPECT_EQ(groups[0]["mean_score"], 68.75);
  EXPECT_EQ(groups[0]["acceptance_met"], 0);
  EXPECT_EQ(groups[1]["region_code"], "340124");
  EXPECT_EQ(groups[1]["region_name"], "庐江县");
  EXPECT_EQ(groups[1]["scored"], 0);
  EXPECT_TRUE(groups[1]["mean_score"].is_null());
  auto by_township = call(bhttp::verb::get, "/api/v1/evaluations?group=township", city).json()["groups"];
  ASSERT_EQ(by_township.size(), 2u);
  EXPECT_EQ(by_township[0]["region_code"], "340123100");
  EXPECT_EQ(by_township[0]["region_name"], "上派镇");
  EXPECT_EQ(by_township[1]["region_code"], "340124100");
  // The county's lead department sees its own county only; without group, no groups.
  auto own = call(bhttp::verb::get, "/api/v1/evaluations?group=county", lead).json();
  ASSERT_EQ(own["groups"].size(), 1u);
  EXPECT_EQ(own["groups"][0]["region_code"], "340123");
  EXPECT_FALSE(call(bhttp::verb::get, "/api/v1/evaluations", city).json().contains("groups"));
  EXPECT_EQ(call(bhttp::verb::get, "/api/v1/evaluations?group=village", city).code(), "invalid_parameter");
  EXPECT_EQ(call(bhttp::verb::get, "/api/v1/projects/" + std::to_string(other) + "/evaluation", lead).status, 404);
}

INSTANTIATE_TEST_SUITE_P(Backends, ProgressApiTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
