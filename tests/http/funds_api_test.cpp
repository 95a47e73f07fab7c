// Funds over real HTTP on loopback, against `gongzhi serve` on both backends: finance records a
// source and allocates it, the township asks for a payment, finance approves it and the ledger
// shows every fen from source to payee; villagers and investors cannot approve (403, they see
// the project), another county's finance gets 404; malformed amounts are 400s that change
// nothing; two approvals racing to overdraw leave exactly one approved.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "../storage/store_backends.h"
#include "../storage/project_seed.h"
#include "../services/png_fixture.h"
#include "http_client.h"
#include "services/password.h"
#include "services/funds.h"
#include "services/progress.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"
#include "storage/sql_identity_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

namespace bhttp = boost::beast::http;
using nlohmann::json;

constexpr const char* kPassword = "a long enough password";

class FundsApiTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    storage::Store::open(location(), {.create = true});
    auto hash = services::hash_password(kPassword);
    auto identity = storage::IdentityStore::open(location(), {.create = true});
    identity->create_first_admin("root", hash, "cli:test");
    const std::vector<std::pair<std::string, Grant>> users{
        {"caizheng", {Role::co_reviewing_department, "财政局", "340123"}},
        {"caizheng_b", {Role::co_reviewing_department, "财政局", "340124"}},
        {"ziran", {Role::lead_department, "自然资源局", "340123"}},
        {"zhen", {Role::township, "", "340123100"}},
        {"cunmin", {Role::villager, "", "340123100201"}},
        {"qiye", {Role::investor, "", "340123100"}},
    };
    for (const auto& [name, grant] : users) identity->add_user({name, hash, {grant}}, "root");
    auto projects = storage::ProjectStore::open(location());
    project_ = projects->write([](storage::ProjectTx& tx) {
      return seed_project(tx, {"XM2026-001", "东村高标准农田整治", "340123100201", ProjectState::implementation});
    });
    // Its milestone, as the progress part keeps it (a disbursement request names one by id).
    projects->ensure_tables(services::kMilestoneTables);
    milestone_ = projects->write(
        [&](storage::ProjectTx& tx) { return seed_milestone(tx, project_, "M1 土地平整"); });
  }
  void TearDown() override {
    if (server_) {
      server_->signal(SIGTERM);
      server_->wait();
    }
  }
  void start() { server_ = serve(port_); }
  // A `gongzhi serve` process on the test's database, listening on a port of its own.
  std::unique_ptr<Process> serve(unsigned short& port) {
    port = free_port();
    auto server = std::make_unique<Process>(
        gongzhi_binary(),
        std::vector<std::string>{"serve", postgres() ? "--pg" : "--db", location(), "--listen",
                                 "127.0.0.1:" + std::to_string(port)});
    for (int i = 0; i < 200; ++i) {
      try {
        http_request(port, bhttp::verb::get, "/api/v1/health");
        return server;
      } catch (const std::exception&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    ADD_FAILURE() << "gongzhi serve did not start listening";
    return server;
  }
  std::string token(const std::string& user) {
    auto r = http_request(port_, bhttp::verb::post, "/api/v1/session", login_body(user, kPassword));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json()["token"].get<std::string>();
  }
  HttpReply get(const std::string& target, const std::string& token) {
    return http_request(port_, bhttp::verb::get, target, "", {{"Authorization", "Bearer " + token}});
  }
  HttpReply post(const std::string& target, const std::string& token, const std::string& body) {
    return http_request(port_, bhttp::verb::post, target, body, {{"Authorization", "Bearer " + token}});
  }
  std::string funds(const std::string& rest = "") {
    return "/api/v1/projects/" + std::to_string(project_) + "/funds" + rest;
  }
  // A source of `fen` allocated in full to the project; returns the source id.
  std::int64_t funded(const std::string& finance, std::int64_t fen) {
    auto s = post("/api/v1/funds/sources", finance,
                  json{{"region_code", "340123"}, {"kind", "integrated_agricultural"},
                       {"name", "2026年涉农整合资金"}, {"amount_fen", fen}}.dump());
    EXPECT_EQ(s.status, 201) << s.body;
    auto id = s.json()["id"].get<std::int64_t>();
    auto a = post(funds("/allocations"), finance, json{{"source_id", id}, {"amount_fen", fen}}.dump());
    EXPECT_EQ(a.status, 201) << a.body;
    return id;
  }
  HttpReply ask(const std::string& who, std::int64_t fen) {
    return post(funds("/disbursements"), who,
                json{{"milestone_id", milestone_}, {"payee", "青岚建设有限公司"}, {"amount_fen", fen}}.dump());
  }

  unsigned short port_ = 0;
  std::unique_ptr<Process> server_;
  std::int64_t project_ = 0;
  std::int64_t milestone_ = 0;
};

TEST_P(FundsApiTest, finance_allocates_the_township_asks_finance_approves_and_the_ledger_traces_it) {
  start();
  auto fin = token("caizheng"), town = token("zhen"), villager = token("cunmin");
  auto s = post("/api/v1/funds/sources", fin,
                R"({"region_code":"340123","kind":"central","name":"中央土地整治资金","amount_fen":500000000})");
  ASSERT_EQ(s.status, 201) << s.body;
  EXPECT_EQ(s.json()["amount_yuan"], "5000000.00");
  EXPECT_EQ(s.json()["kind_zh"], "中央资金");
  auto source = s.json()["id"].get<std::int64_t>();
  auto a = post(funds("/allocations"), fin,
                json{{"source_id", source}, {"amount_fen", 120000050}, {"note", "第一批"}}.dump());
  ASSERT_EQ(a.status, 201) << a.body;
  EXPECT_EQ(a.json()["kind"], "allocation");
  EXPECT_EQ(a.json()["amount_yuan"], "1200000.50");
  auto r = ask(town, 30000025);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json()["status"], "requested");
  EXPECT_TRUE(r.json()["source_id"].is_null());
  auto request = r.json()["id"].get<std::int64_t>();
  auto queue = get("/api/v1/funds/disbursements?status=requested", fin);
  ASSERT_EQ(queue.status, 200) << queue.body;
  ASSERT_EQ(queue.json()["disbursements"].size(), 1u);
  EXPECT_EQ(queue.json()["disbursements"][0]["project_code"], "XM2026-001");
  EXPECT_EQ(get("/api/v1/funds/disbursements?status=paid", fin).status, 400);
  EXPECT_TRUE(get("/api/v1/funds/disbursements", token("caizheng_b")).json()["disbursements"].empty());
  auto pool = get(funds(), fin);
  ASSERT_EQ(pool.status, 200) << pool.body;
  EXPECT_EQ(pool.json()["pending_fen"], 30000025);
  // An approval needs a written opinion: refused without one, nothing decided.
  for (const char* body : {R"({"decision":"approve"})", R"({"decision":"approve","comment":"  "})"}) {
    auto bare = post(funds("/disbursements/" + std::to_string(request) + "/decision"), fin, body);
    EXPECT_EQ(bare.status, 400) << body;
    EXPECT_EQ(bare.code(), "opinion_required") << body;
  }
  // Who may not decide learns that first, whatever the body: 403, not a 400 about the opinion.
  for (const char* body : {R"({"decision":"approve"})", R"({"decision":"refuse"})"}) {
    auto not_finance = post(funds("/disbursements/" + std::to_string(request) + "/decision"), town, body);
    EXPECT_EQ(not_finance.status, 403) << body;
    EXPECT_EQ(not_finance.code(), "not_finance") << body;
  }
  EXPECT_EQ(get(funds(), fin).json()["pending_fen"], 30000025);
  auto d = post(funds("/disbursements/" + std::to_string(request) + "/decision"), fin,
                R"({"decision":"approve","comment":"凭验收单拨付"})");
  ASSERT_EQ(d.status, 200) << d.body;
  // The confirmation's words: 300000.25 元 in capitals and as 万元.
  EXPECT_EQ(d.json()["amount_capital"], "叁拾万元贰角伍分");
  EXPECT_EQ(d.json()["amount_wan_yuan"], "30.00 万元");
  EXPECT_EQ(d.json()["status"], "approved");
  EXPECT_EQ(d.json()["decided_by"], "caizheng");
  // The pool, as the villager sees it too.
  for (const auto& who : {fin, villager}) {
    auto p = get(funds(), who);
    ASSERT_EQ(p.status, 200) << p.body;
    EXPECT_EQ(p.json()["allocated_fen"], 120000050);
    EXPECT_EQ(p.json()["disbursed_fen"], 30000025);
    EXPECT_EQ(p.json()["balance_fen"], 90000025);
    EXPECT_EQ(p.json()["balance_yuan"], "900000.25");
    EXPECT_EQ(p.json()["pending_fen"], 0);
    ASSERT_EQ(p.json()["sources"].size(), 1u);
    EXPECT_EQ(p.json()["sources"][0]["source_id"], source);
    EXPECT_EQ(p.json()["sources"][0]["balance_fen"], 90000025);
  }
  auto ledger = get(funds("/ledger"), fin);
  ASSERT_EQ(ledger.status, 200) << ledger.body;
  auto entries = ledger.json()["entries"];
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0]["kind"], "allocation");
  EXPECT_EQ(entries[0]["source_id"], source);
  EXPECT_EQ(entries[1]["kind"], "disbursement");
  EXPECT_EQ(entries[1]["source_id"], source);
  EXPECT_EQ(entries[1]["payee"], "青岚建设有限公司");
  EXPECT_EQ(entries[1]["disbursement_id"], request);
  EXPECT_EQ(entries[1]["amount_fen"], 30000025);
  auto src = get("/api/v1/funds/sources/" + std::to_string(source), fin);
  ASSERT_EQ(src.status, 200) << src.body;
  EXPECT_EQ(src.json()["allocated_fen"], 120000050);
  EXPECT_EQ(src.json()["unallocated_fen"], 500000000 - 120000050);
  auto allocs = get("/api/v1/funds/sources/" + std::to_string(source) + "/allocations", fin);
  ASSERT_EQ(allocs.status, 200) << allocs.body;
  ASSERT_EQ(allocs.json()["allocations"].size(), 1u);
  EXPECT_EQ(allocs.json()["allocated_fen"], 120000050);
  auto list = get("/api/v1/funds/sources", token("ziran"));
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json()["sources"].size(), 1u);
  auto reqs = get(funds("/disbursements"), town);
  ASSERT_EQ(reqs.status, 200);
  EXPECT_EQ(reqs.json()["disbursements"][0]["status"], "approved");
  // Overdrawing is refused with the amounts in yuan.
  auto over = ask(town, 90000026);
  EXPECT_EQ(over.status, 409) << over.body;
  EXPECT_EQ(over.code(), "insufficient_funds");
}

TEST_P(FundsApiTest, only_finance_of_the_county_decides_others_get_403_or_404) {
  start();
  auto fin = token("caizheng"), town = token("zhen");
  funded(fin, 1'000'000);
  auto request = ask(town, 1000).json()["id"].get<std::int64_t>();
  auto decision = funds("/disbursements/" + std::to_string(request) + "/decision");
  const std::string approve = R"({"decision":"approve","comment":"同意拨付"})";
  for (const char* who : {"cunmin", "qiye", "ziran", "zhen"}) {
    auto r = post(decision, token(who), approve);
    EXPECT_EQ(r.status, 403) << who << ": " << r.body;
  }
  auto other = token("caizheng_b");
  auto r = post(decision, other, approve);
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(r.code(), "not_found");
  for (const auto& target : {funds(), funds("/ledger"), funds("/disbursements"),
                             std::string("/api/v1/funds/sources/1")})
    EXPECT_EQ(get(target, other).status, 404) << target;
  EXPECT_TRUE(get("/api/v1/funds/sources", other).json()["sources"].empty());
  // The villager and the investor cannot ask for money or allocate it either.
  EXPECT_EQ(ask(token("cunmin"), 100).status, 403);
  EXPECT_EQ(post(funds("/allocations"), town, R"({"source_id":1,"amount_fen":1})").status, 403);
  EXPECT_EQ(post("/api/v1/funds/sources", town,
                 R"({"region_code":"340123","kind":"county","name":"x","amount_fen":1})").status,
            403);
  // Without a session, 401.
  EXPECT_EQ(http_request(port_, bhttp::verb::get, funds()).status, 401);
  EXPECT_EQ(http_request(port_, bhttp::verb::post, decision, approve).status, 401);
  // Nothing was paid; finance of the county still can.
  EXPECT_EQ(get(funds(), fin).json()["disbursed_fen"], 0);
  auto ok = post(decision, fin, approve);
  EXPECT_EQ(ok.status, 200) << ok.body;
  auto again = post(decision, fin, approve);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.code(), "already_decided");
}

TEST_P(FundsApiTest, malformed_amounts_and_bodies_are_400s_that_change_nothing) {
  start();
  auto fin = token("caizheng"), town = token("zhen");
  auto source = funded(fin, 1'000'000);
  auto ledger_before = get(funds("/ledger"), fin).body;
  auto source_before = get("/api/v1/funds/sources/" + std::to_string(source), fin).body;
  auto sources_before = get("/api/v1/funds/sources", fin).body;
  const std::vector<std::string> amounts{"12.5",  "100.0", "\"100\"", "-5",  "0",
                                         "1e3",   "100000000000000000000",
                                         "1000000000000001", "18446744073709551615",
                                         "-9223372036854775808", "null", "true", "[1]", "{}"};
  for (const auto& amount : amounts) {
    auto s = post("/api/v1/funds/sources", fin,
                  R"({"region_code":"340123","kind":"county","name":"x","amount_fen":)" + amount + "}");
    EXPECT_EQ(s.status, 400) << amount << ": " << s.body;
    auto a = post(funds("/allocations"), fin,
                  R"({"source_id":)" + std::to_string(source) + R"(,"amount_fen":)" + amount + "}");
    EXPECT_EQ(a.status, 400) << amount << ": " << a.body;
    auto d = post(funds("/disbursements"), town,
                  R"({"milestone_id":)" + std::to_string(milestone_) + R"(,"payee":"p","amount_fen":)" + amount + "}");
    EXPECT_EQ(d.status, 400) << amount << ": " << d.body;
    if (amount != "null") {
      EXPECT_EQ(s.code(), "invalid_amount") << amount;
      EXPECT_EQ(d.code(), "invalid_amount") << amount;
    }
  }
  for (const std::string& body :
       {std::string("{"), std::string("[]"), std::string(R"({"source_id":1})"),
        std::string(R"({"source_id":"1","amount_fen":1})"),
        std::string(R"({"source_id":1.5,"amount_fen":1})"),
        std::string(R"({"source_id":-1,"amount_fen":1})"),
        std::string(R"({"source_id":1,"amount_fen":1,"extra":true})")}) {
    auto a = post(funds("/allocations"), fin, body);
    EXPECT_EQ(a.status, 400) << body << ": " << a.body;
  }
  auto bad_kind = post("/api/v1/funds/sources", fin,
                       R"({"region_code":"340123","kind":"lottery","name":"x","amount_fen":1})");
  EXPECT_EQ(bad_kind.status, 400);
  EXPECT_EQ(bad_kind.code(), "unknown_kind");
  auto bad_decision = post(funds("/disbursements/1/decision"), fin, R"({"decision":"maybe"})");
  EXPECT_EQ(bad_decision.status, 400);
  EXPECT_EQ(get(funds("/ledger"), fin).body, ledger_before);
  EXPECT_EQ(get("/api/v1/funds/sources/" + std::to_string(source), fin).body, source_before);
  EXPECT_EQ(get("/api/v1/funds/sources", fin).body, sources_before);
  EXPECT_TRUE(get(funds("/disbursements"), fin).json()["disbursements"].empty());
}

TEST_P(FundsApiTest, sql_and_script_in_text_fields_are_stored_as_text) {
  start();
  auto fin = token("caizheng"), town = token("zhen");
  const std::string odd = "'); DROP TABLE fund_ledger; -- <script>alert('x')</script>";
  auto s = post("/api/v1/funds/sources", fin,
                json{{"region_code", "340123"}, {"kind", "loan"}, {"name", odd}, {"amount_fen", 1000}}.dump());
  ASSERT_EQ(s.status, 201) << s.body;
  EXPECT_EQ(s.json()["name"], odd);
  auto source = s.json()["id"].get<std::int64_t>();
  auto a = post(funds("/allocations"), fin,
                json{{"source_id", source}, {"amount_fen", 1000}, {"note", odd}}.dump());
  ASSERT_EQ(a.status, 201) << a.body;
  auto r = post(funds("/disbursements"), town,
                json{{"milestone_id", milestone_}, {"payee", odd}, {"purpose", odd}, {"amount_fen", 500}}.dump());
  ASSERT_EQ(r.status, 201) << r.body;
  auto d = post(funds("/disbursements/" + std::to_string(r.json()["id"].get<std::int64_t>()) + "/decision"),
                fin, json{{"decision", "approve"}, {"comment", odd}}.dump());
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_EQ(d.json()["decision_comment"], odd);
  auto ledger = get(funds("/ledger"), fin).json()["entries"];
  ASSERT_EQ(ledger.size(), 2u);
  EXPECT_EQ(ledger[0]["note"], odd);
  EXPECT_EQ(ledger[1]["payee"], odd);
  EXPECT_EQ(ledger[1]["note"], "M1 土地平整");  // the milestone's name
  EXPECT_EQ(get(funds(), fin).json()["balance_fen"], 500);
  // Control characters are not text.
  auto ctl = post(funds("/disbursements"), town,
                  json{{"milestone_id", milestone_}, {"payee", std::string("a\a") + "b"}, {"amount_fen", 1}}.dump());
  EXPECT_EQ(ctl.status, 400) << ctl.body;
  EXPECT_EQ(ctl.code(), "invalid_text");
}

TEST_P(FundsApiTest, a_request_names_a_milestone_of_its_project_and_the_ledger_shows_it) {
  // Another project's milestone, in the same township.
  std::int64_t other_milestone = 0;
  {
    auto projects = storage::ProjectStore::open(location());
    other_milestone = projects->write([&](storage::ProjectTx& tx) {
      auto other = seed_project(tx, {"XM2026-002", "西村整治", "340123100202", ProjectState::implementation});
      return seed_milestone(tx, other, "西村节点");
    });
  }
  start();
  auto fin = token("caizheng"), town = token("zhen");
  funded(fin, 100000);
  auto refused = [&](const json& body, const std::string& code) {
    auto r = post(funds("/disbursements"), town, body.dump());
    EXPECT_EQ(r.status, 400) << body.dump() << ": " << r.body;
    if (r.status == 400) EXPECT_EQ(r.code(), code) << body.dump();
  };
  refused({{"payee", "p"}, {"amount_fen", 100}}, "missing_field");
  refused({{"milestone", "M1 土地平整"}, {"payee", "p"}, {"amount_fen", 100}}, "unknown_field");
  refused({{"milestone_id", "1"}, {"payee", "p"}, {"amount_fen", 100}}, "wrong_type");
  refused({{"milestone_id", 0}, {"payee", "p"}, {"amount_fen", 100}}, "missing_milestone");
  refused({{"milestone_id", other_milestone}, {"payee", "p"}, {"amount_fen", 100}}, "unknown_milestone");
  refused({{"milestone_id", 987654}, {"payee", "p"}, {"amount_fen", 100}}, "unknown_milestone");
  EXPECT_TRUE(get(funds("/disbursements"), fin).json()["disbursements"].empty());

  auto r = ask(town, 4000);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json()["milestone_id"], milestone_);
  EXPECT_EQ(r.json()["milestone"], "M1 土地平整");
  auto id = r.json()["id"].get<std::int64_t>();
  ASSERT_EQ(post(funds("/disbursements/" + std::to_string(id) + "/decision"), fin, R"({"decision":"approve","comment":"同意拨付"})").status, 200);
  auto listed = get(funds("/disbursements"), fin).json()["disbursements"];
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["milestone_id"], milestone_);
  auto entries = get(funds("/ledger"), fin).json()["entries"];
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_TRUE(entries[0]["milestone_id"].is_null());  // the allocation
  EXPECT_EQ(entries[0]["milestone"], "");
  EXPECT_EQ(entries[1]["milestone_id"], milestone_);
  EXPECT_EQ(entries[1]["milestone"], "M1 土地平整");
  EXPECT_EQ(entries[1]["disbursement_id"], id);
  // The milestones the request could name are the project's own.
  auto ms = get("/api/v1/projects/" + std::to_string(project_) + "/milestones", town);
  ASSERT_EQ(ms.status, 200) << ms.body;
  EXPECT_EQ(ms.json()["milestones"].size(), 1u);
}

// The two approvals go to two server processes on the same database, as behind a load balancer.
TEST_P(FundsApiTest, concurrent_approvals_on_two_servers_leave_exactly_one_approved) {
  start();
  unsigned short second_port = 0;
  auto second = serve(second_port);
  auto fin = token("caizheng"), town = token("zhen");
  funded(fin, 100'000);
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 2; ++i) ids.push_back(ask(town, 60'000).json()["id"].get<std::int64_t>());
  std::atomic<int> approved{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i)
    threads.emplace_back([&, i] {
      auto r = http_request(i == 0 ? port_ : second_port, bhttp::verb::post,
                            funds("/disbursements/" + std::to_string(ids[i]) + "/decision"),
                            R"({"decision":"approve","comment":"同意拨付"})", {{"Authorization", "Bearer " + fin}});
      if (r.status == 200) ++approved;
      if (r.status == 409 && r.code() == "insufficient_funds") ++refused;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(approved.load(), 1);
  EXPECT_EQ(refused.load(), 1);
  auto pool = get(funds(), fin).json();
  EXPECT_EQ(pool["disbursed_fen"], 60'000);
  EXPECT_EQ(pool["balance_fen"], 40'000);
  second->signal(SIGTERM);
  second->wait();
}

// Percent-encoding of a query value (UTF-8 bytes).
std::string query_value(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') out += static_cast<char>(c);
    else out += std::string("%") + hex[c >> 4] + hex[c & 15];
  }
  return out;
}

TEST_P(FundsApiTest, a_voucher_comes_with_the_approval_downloads_once_and_is_refused_when_too_large) {
  start();
  auto cz = token("caizheng"), zhen = token("zhen"), ziran = token("ziran"), other = token("caizheng_b");
  funded(cz, 1'000'000);
  auto d = ask(zhen, 50'000);
  ASSERT_EQ(d.status, 201) << d.body;
  const auto id = std::to_string(d.json()["id"].get<std::int64_t>());
  EXPECT_TRUE(d.json()["voucher"].is_null());
  const std::string path = funds("/disbursements/" + id);
  auto send = [&](const std::string& target, const std::string& who, const std::string& body, const std::string& type) {
    return http_request(port_, bhttp::verb::post, target, body, {{"Authorization", "Bearer " + who}, {"Content-Type", type}});
  };
  const std::string png = make_png(5, 4, 7);
  const std::string q = "/decision?decision=approve&comment=" + query_value("凭验收单和发票拨付");
  // No voucher yet: 404. Text sent as a PNG is refused by its bytes; another county's finance
  // sees nothing (404 before the body is read); the township may not (403).
  EXPECT_EQ(get(path + "/voucher", ziran).status, 404);
  auto text = send(path + q, cz, "plain text, not a voucher", "image/png");
  EXPECT_EQ(text.status, 400) << text.body;
  EXPECT_EQ(text.json()["error"]["code"], "unsupported_voucher_type");
  EXPECT_EQ(send(path + q, other, png, "image/png").status, 404);
  EXPECT_EQ(send(path + q, zhen, png, "image/png").status, 403);
  EXPECT_EQ(get(funds("/disbursements"), ziran).json()["disbursements"][0]["status"], "requested");
  // Over 10 MiB by its Content-Length: 413 before a byte of the body is sent.
  {
    namespace asio = boost::asio;
    asio::io_context ioc;
    asio::ip::tcp::socket sock(ioc);
    sock.connect({asio::ip::make_address("127.0.0.1"), port_});
    std::string head = "POST " + path + q + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + cz +
                       "\r\nContent-Type: application/pdf\r\nContent-Length: " +
                       std::to_string(services::kMaxVoucherBytes + 1) + "\r\n\r\n";
    asio::write(sock, asio::buffer(head));
    std::string got(12, '\0');
    asio::read(sock, asio::buffer(got.data(), got.size()));
    EXPECT_EQ(got, "HTTP/1.1 413");
  }
  // Approved with the voucher: the PNG comes back as sent, to whoever sees the project's funds.
  auto ok = send(path + q, cz, png, "image/png");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json()["status"], "approved");
  EXPECT_EQ(ok.json()["decision_comment"], "凭验收单和发票拨付");
  EXPECT_EQ(ok.json()["voucher"]["content_type"], "image/png");
  EXPECT_EQ(ok.json()["voucher"]["url"], path + "/voucher");
  auto back = get(path + "/voucher", ziran);
  ASSERT_EQ(back.status, 200);
  EXPECT_TRUE(back.body == png);
  EXPECT_EQ(back.header("content-type"), "image/png");
  EXPECT_NE(back.header("content-disposition").find("attachment"), std::string::npos);
  EXPECT_EQ(get(path + "/voucher", other).status, 404);
  EXPECT_EQ(http_request(port_, bhttp::verb::get, path + "/voucher").status, 401);
  // A second upload: 409, the first stays.
  auto again = send(path + "/voucher", cz, "%PDF-1.4\n%%EOF\n", "application/pdf");
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(again.json()["error"]["code"], "voucher_exists");
  EXPECT_TRUE(get(path + "/voucher", ziran).body == png);
  // A payment approved without one gets it afterwards, once.
  auto e = ask(zhen, 10'000);
  const std::string epath = funds("/disbursements/" + std::to_string(e.json()["id"].get<std::int64_t>()));
  ASSERT_EQ(post(epath + "/decision", cz, R"({"decision":"approve","comment":"同意"})").status, 200);
  auto later = send(epath + "/voucher", cz, "%PDF-1.4\n%%EOF\n", "application/pdf");
  EXPECT_EQ(later.status, 201) << later.body;
  EXPECT_EQ(later.json()["voucher"]["content_type"], "application/pdf");
  EXPECT_EQ(get(epath + "/voucher", ziran).header("content-type"), "application/pdf");
}

INSTANTIATE_TEST_SUITE_P(Backends, FundsApiTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
