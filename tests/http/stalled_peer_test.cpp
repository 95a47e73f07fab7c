// No server waits for another: with one `gongzhi serve` paused (SIGSTOP, as a swapped-out or
// hung process would be), writes through another on the same database take as long as with it
// running, and what the paused one kept from before is not served when it resumes (a logout
// through A refuses the token on B at once; a project created through A is in B's next list).
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <latch>
#include <nlohmann/json.hpp>
#include <thread>

#include "../storage/store_backends.h"
#include "live_support.h"
#include "services/password.h"
#include "storage/identity_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

namespace bhttp = boost::beast::http;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kPassword = "a long enough password";

class StalledPeerTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    storage::Store::open(location(), {.create = true});
    auto hash = services::hash_password(kPassword);
    auto identity = storage::IdentityStore::open(location());
    identity->create_first_admin("root", hash, "cli:test");
    identity->add_user({"zhen", hash, {Grant{Role::township, "", "340123100"}}}, "root");
    a_ = std::make_unique<ServeProcess>(location());
    b_ = std::make_unique<ServeProcess>(location());
  }
  void TearDown() override {
    if (b_) b_->signal(SIGCONT);
    StoreBackendTest::TearDown();
  }

  HttpReply create(const std::string& token, int n) {
    return api(a_->port(), bhttp::verb::post, "/api/v1/projects", token,
               nlohmann::json{{"name", "项目" + std::to_string(n)},
                              {"type", "生态保护修复"},
                              {"region_code", "340123100"},
                              {"plan", square_area(117.1 + 0.02 * (n % 40), 30.1, 0.01)}}
                   .dump());
  }
  // The time of each of `n` writes through A: a project created (the project stamp) and a
  // logout (the identity stamp), one after the other.
  std::vector<double> write_times(const std::string& token, int n, int& counter) {
    std::vector<double> ms;
    for (int i = 0; i < n; ++i) {
      auto t0 = Clock::now();
      auto r = create(token, counter++);
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      EXPECT_EQ(r.status, 201) << r.body;
      std::string other = sign_in(a_->port(), "zhen", kPassword);
      t0 = Clock::now();
      auto out = api(a_->port(), bhttp::verb::delete_, "/api/v1/session", other);
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      EXPECT_EQ(out.status, 200) << out.body;
    }
    return ms;
  }
  static double p99(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(0.99 * static_cast<double>(v.size())))];
  }
  static std::size_t listed(const HttpReply& r) {
    auto j = r.json();
    return j["projects"].size();
  }

  std::unique_ptr<ServeProcess> a_, b_;
};

TEST_P(StalledPeerTest, a_paused_server_slows_no_write_and_serves_nothing_stale_when_it_resumes) {
  unsigned short pa = a_->port(), pb = b_->port();
  std::string token = sign_in(pa, "zhen", kPassword);
  int counter = 0;
  // Warm-up, then the baseline with both running.
  write_times(token, 5, counter);
  auto baseline = write_times(token, 40, counter);

  // B keeps a session and a list (asked twice: the second answer is the kept one).
  std::string kept = sign_in(pb, "zhen", kPassword);
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(api(pb, bhttp::verb::get, "/api/v1/projects", token).status, 200);
    ASSERT_EQ(api(pb, bhttp::verb::get, "/api/v1/projects", kept).status, 200);
  }
  std::size_t before = listed(api(pb, bhttp::verb::get, "/api/v1/projects", token));

  b_->signal(SIGSTOP);
  auto paused = write_times(token, 40, counter);
  // Eight writes at once: none queues behind a peer that cannot answer.
  auto t0 = Clock::now();
  {
    std::latch go(9);
    std::vector<std::thread> writers;
    for (int i = 0; i < 8; ++i)
      writers.emplace_back([&, n = counter + i] {
        go.arrive_and_wait();
        EXPECT_EQ(create(token, n).status, 201);
      });
    counter += 8;
    go.arrive_and_wait();
    for (auto& w : writers) w.join();
  }
  double burst_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  // A logout through A while B is paused.
  ASSERT_EQ(api(pa, bhttp::verb::delete_, "/api/v1/session", kept).status, 200);
  b_->signal(SIGCONT);

  // At once on B: the logout refuses the kept session, the list has what A wrote meanwhile.
  auto refused = api(pb, bhttp::verb::get, "/api/v1/projects", kept);
  EXPECT_EQ(refused.status, 401) << refused.body;
  auto now_listed = api(pb, bhttp::verb::get, "/api/v1/projects", token);
  ASSERT_EQ(now_listed.status, 200) << now_listed.body;
  EXPECT_EQ(listed(now_listed), before + 40 + 8);

  // A paused peer used to cost every write 2 s (issue 18). The bound is generous for a loaded
  // machine and still far below that: p99 at most twice the baseline's plus 150 ms.
  double base = p99(baseline), stalled = p99(paused);
  std::cout << "write p99: both running " << base << " ms, one paused " << stalled
            << " ms; 8 concurrent creates with one paused: " << burst_ms << " ms\n";
  EXPECT_LE(stalled, 2 * base + 150) << "baseline p99 " << base << " ms";
  EXPECT_LT(burst_ms, 8 * (2 * base + 150));

  auto ra = a_->stop(), rb = b_->stop();
  EXPECT_EQ(ra.exit_code, 0) << ra.describe();
  EXPECT_EQ(rb.exit_code, 0) << rb.describe();
}

INSTANTIATE_TEST_SUITE_P(Backends, StalledPeerTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
