// The identity store on every backend: users with grants, the first administrator, and the
// hash-chained audit log, whose verification names the first entry that was edited, deleted or
// reordered behind the program's back (by SQL straight on the tables).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/error.h"
#include "services/auth.h"
#include "services/password.h"
#include "storage/identity_store.h"
#include "store_backends.h"

namespace gz::test {
namespace {

using storage::IdentityStore;

class IdentityStoreTest : public StoreBackendTest {
 protected:
  std::unique_ptr<IdentityStore> open() { return IdentityStore::open(location(), {.create = true}); }

  // An admin and two users: three writes, three audit entries.
  void populate(IdentityStore& store) {
    store.create_first_admin("root", hash(), "cli:test");
    store.add_user({"wang.wu", hash(), {Grant{Role::township, "", "340123100"}}}, "root");
    store.add_user({"zrzy", hash(), {Grant{Role::lead_department, "自然资源局", "340123"}}},
                   "root");
  }

  // Hashing is deliberately slow: one per test is enough.
  const std::string& hash() {
    if (hash_.empty()) hash_ = services::hash_password("a long enough password");
    return hash_;
  }

  std::string hash_;
};

TEST_P(IdentityStoreTest, added_user_keeps_grants_and_an_argon2id_hash_that_verifies) {
  auto store = open();
  populate(*store);
  auto u = store->find_user("zrzy");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->password_hash.rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(services::verify_password(u->password_hash, "a long enough password"));
  EXPECT_FALSE(services::verify_password(u->password_hash, "the wrong password"));
  ASSERT_EQ(u->grants.size(), 1u);
  EXPECT_EQ(u->grants[0].role, Role::lead_department);
  EXPECT_EQ(u->grants[0].department, "自然资源局");
  EXPECT_TRUE(region_contains(u->grants[0].region_code, "340123100201"));
  EXPECT_FALSE(region_contains(u->grants[0].region_code, "340124100201"));
  EXPECT_FALSE(store->find_user("nobody"));
  auto all = store->users();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].username, "root");
  EXPECT_EQ(all[0].grants.at(0).role, Role::admin);
  ASSERT_EQ(store->departments().size(), 1u);
  EXPECT_EQ(store->departments()[0].name, "自然资源局");
  // A second store object on the same database reads the same.
  EXPECT_EQ(IdentityStore::open(location())->users().size(), 3u);
}

TEST_P(IdentityStoreTest, second_first_admin_and_taken_username_are_refused_writing_nothing) {
  auto store = open();
  populate(*store);
  auto before = where_->dump();
  EXPECT_THROW(store->create_first_admin("root2", hash(), "cli:test"), ConflictError);
  EXPECT_THROW(store->add_user({"wang.wu", hash(), {Grant{Role::villager, "", "340123100201"}}},
                               "root"),
               ConflictError);
  EXPECT_THROW(store->add_user({"x'; DROP TABLE users;--", hash(), {}}, "root"), UsageError);
  EXPECT_EQ(where_->dump(), before);
}

TEST_P(IdentityStoreTest, every_write_appends_one_chained_audit_entry) {
  auto store = open();
  populate(*store);
  auto log = store->audit_log();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].action, "admin.create");
  EXPECT_EQ(log[0].object, "user:root");
  EXPECT_EQ(log[1].action, "user.create");
  EXPECT_EQ(log[2].object, "user:zrzy");
  EXPECT_EQ(log[0].prev_hash, storage::kAuditGenesisHash);
  for (std::size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(log[i].seq, static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(log[i].hash, storage::audit_hash(log[i]));
    if (i) {
      EXPECT_EQ(log[i].prev_hash, log[i - 1].hash);
    }
    EXPECT_EQ(log[i].detail.find("argon2"), std::string::npos) << "no hash in the log";
  }
  EXPECT_NE(log[2].detail.find("自然资源局"), std::string::npos) << log[2].detail;
  auto e = store->append_audit({"root", "project.submit", "project:XM-1", R"({"b":1,"a":2})"});
  EXPECT_EQ(e.seq, 4);
  EXPECT_EQ(e.detail, R"({"a":2,"b":1})");
  EXPECT_THROW(store->append_audit({"root", "x", "y", "[1]"}), InputError);
  EXPECT_EQ(store->audit_log().size(), 4u);
  auto v = store->verify_audit();
  EXPECT_TRUE(v.intact) << v.problem;
  EXPECT_EQ(v.entries, 4);
}

// A page of the log is read in the database: after a seq, at most a limit, by action prefix (its
// '_' and '%' matching only themselves) and by object.
TEST_P(IdentityStoreTest, audit_pages_filter_by_seq_action_prefix_and_object) {
  auto store = open();
  populate(*store);  // admin.create, user.create × 2
  store->record_login({"zrzy", "10.0.0.1", 1000, false, "invalid_credentials"});
  store->record_login({"zrzy", "10.0.0.1", 1001, false, "invalid_credentials"});
  auto all = store->audit_page(0, 100, "", "");
  ASSERT_EQ(all.size(), 5u);
  auto log = store->audit_log();
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].seq, log[i].seq);
    EXPECT_EQ(all[i].hash, log[i].hash);
  }
  auto page = store->audit_page(1, 2, "", "");
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].seq, 2);
  EXPECT_EQ(page[1].seq, 3);
  EXPECT_EQ(store->audit_page(0, 100, "session.login_", "").size(), 2u);
  EXPECT_EQ(store->audit_page(0, 100, "session.login%", "").size(), 0u);
  EXPECT_EQ(store->audit_page(0, 100, "user.", "").size(), 2u);
  auto one = store->audit_page(0, 100, "", "user:zrzy");
  ASSERT_EQ(one.size(), 3u);  // created, two failed logins
  EXPECT_EQ(one[0].action, "user.create");
  EXPECT_TRUE(store->audit_page(5, 100, "", "").empty());
}

TEST_P(IdentityStoreTest, the_database_refuses_edits_and_deletions_of_the_audit_log) {
  auto store = open();
  populate(*store);
  auto before = where_->dump();
  EXPECT_ANY_THROW(where_->exec("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2"));
  EXPECT_ANY_THROW(where_->exec("DELETE FROM audit_log WHERE seq = 3"));
  if (postgres()) EXPECT_ANY_THROW(where_->exec("TRUNCATE audit_log"));
  EXPECT_EQ(where_->dump(), before);
  EXPECT_TRUE(store->verify_audit().intact);
  // Appending still works.
  store->add_user({"li.si", hash(), {Grant{Role::villager, "", "340123100201"}}}, "root");
  EXPECT_TRUE(store->verify_audit().intact);
}

TEST_P(IdentityStoreTest, verify_names_the_entry_whose_detail_was_edited) {
  auto store = open();
  populate(*store);
  where_->tamper_with_audit("UPDATE audit_log SET detail = '{\"username\":\"mallory\"}' WHERE seq = 2");
  auto v = store->verify_audit();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.bad_seq, 2);
  EXPECT_NE(v.problem.find("edited"), std::string::npos) << v.problem;
}

TEST_P(IdentityStoreTest, verify_names_a_deleted_entry) {
  auto store = open();
  populate(*store);
  where_->tamper_with_audit("DELETE FROM audit_log WHERE seq = 2");
  auto v = store->verify_audit();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.bad_seq, 2);
  EXPECT_NE(v.problem.find("deleted"), std::string::npos) << v.problem;
}

TEST_P(IdentityStoreTest, verify_names_entries_deleted_from_the_end) {
  auto store = open();
  populate(*store);
  where_->tamper_with_audit("DELETE FROM audit_log WHERE seq = 3");
  auto v = store->verify_audit();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.bad_seq, 3);
  EXPECT_NE(v.problem.find("deleted"), std::string::npos) << v.problem;
}

TEST_P(IdentityStoreTest, verify_names_swapped_entries) {
  auto store = open();
  populate(*store);
  where_->tamper_with_audit(
      "UPDATE audit_log SET seq = -2 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 3; "
      "UPDATE audit_log SET seq = 3 WHERE seq = -2;");
  auto v = store->verify_audit();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.bad_seq, 2);
  EXPECT_NE(v.problem.find("entry 2"), std::string::npos) << v.problem;
}

TEST_P(IdentityStoreTest, writers_on_two_connections_at_once_keep_one_chain) {
  open()->create_first_admin("root", hash(), "cli:test");
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&, t] {
      try {
        auto store = IdentityStore::open(location());
        for (int i = 0; i < 10; ++i)
          store->add_user({"u" + std::to_string(t) + "_" + std::to_string(i), hash_,
                           {Grant{Role::villager, "", "340123100201"}}},
                          "root");
      } catch (const std::exception& e) {
        ++failures;
        ADD_FAILURE() << e.what();
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto store = open();
  EXPECT_EQ(store->users().size(), 21u);
  auto v = store->verify_audit();
  EXPECT_TRUE(v.intact) << v.problem;
  EXPECT_EQ(v.entries, 21);
}

// ---- sessions and logins ----------------------------------------------------------------------

TEST_P(IdentityStoreTest, a_session_is_found_by_its_hash_until_logout_and_audited) {
  auto store = open();
  populate(*store);
  std::string token = services::new_session_token();
  EXPECT_EQ(token.size(), 43u);
  EXPECT_EQ(token.find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
  EXPECT_NE(token, services::new_session_token());
  std::string h = services::session_token_hash(token);
  EXPECT_EQ(h.size(), 64u);
  storage::SessionRecord rec{h, "zrzy", 1000, 1000 + 3600, 600, 1000, "127.0.0.1"};
  store->create_session(rec, {"zrzy", "127.0.0.1", 1000, true, "ok"});
  // The token itself is nowhere in the database.
  EXPECT_EQ(where_->dump().find(token), std::string::npos);

  auto found = store->touch_session(h, 1100);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->second.username, "zrzy");
  EXPECT_EQ(found->second.grants.at(0).department, "自然资源局");
  EXPECT_EQ(found->first.last_seen, 1100);
  EXPECT_EQ(found->first.address, "127.0.0.1");
  // Another store object (another server process) sees the same session and its last_seen.
  auto other = IdentityStore::open(location());
  auto again = other->touch_session(h, 1200);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->first.created, 1000);
  EXPECT_FALSE(store->touch_session(services::session_token_hash("other"), 1200));

  EXPECT_TRUE(store->delete_session(h, "127.0.0.1"));
  EXPECT_FALSE(store->touch_session(h, 1201));
  EXPECT_FALSE(other->delete_session(h, "127.0.0.1"));

  auto log = store->audit_log();
  ASSERT_EQ(log.size(), 5u);
  EXPECT_EQ(log[3].action, "session.login");
  EXPECT_EQ(log[3].object, "user:zrzy");
  EXPECT_EQ(log[4].action, "session.logout");
  EXPECT_TRUE(store->verify_audit().intact);
  EXPECT_THROW(store->create_session({services::session_token_hash("x"), "nobody", 1, 2, 1, 1, ""},
                                     {"nobody", "", 1, true, "ok"}),
               NotFoundError);
  EXPECT_EQ(store->audit_log().size(), 5u);
}

TEST_P(IdentityStoreTest, sessions_expire_when_idle_and_absolutely) {
  auto store = open();
  populate(*store);
  std::string idle = services::session_token_hash("idle"), abs = services::session_token_hash("abs");
  store->create_session({idle, "wang.wu", 1000, 1000 + 86400, 600, 1000, "10.0.0.1"},
                        {"wang.wu", "10.0.0.1", 1000, true, "ok"});
  store->create_session({abs, "wang.wu", 1000, 1000 + 1000, 600, 1000, "10.0.0.1"},
                        {"wang.wu", "10.0.0.1", 1000, true, "ok"});
  // Used within the idle time, a session lives on …
  EXPECT_TRUE(store->touch_session(idle, 1500));
  EXPECT_TRUE(store->touch_session(idle, 2000));
  EXPECT_TRUE(store->touch_session(abs, 1500));
  // … until its absolute end, however recently used,
  EXPECT_FALSE(store->touch_session(abs, 2000));
  // and an idle one ends 600 s after its last use; both are then gone for good.
  EXPECT_FALSE(store->touch_session(idle, 2600));
  EXPECT_FALSE(store->touch_session(idle, 2001));
  EXPECT_FALSE(store->touch_session(abs, 1501));
}

// Login attempts older than a day and sessions that have ended are deleted at the next login, so
// neither table grows without end; the audit log keeps every attempt.
TEST_P(IdentityStoreTest, a_login_clears_old_attempts_and_ended_sessions) {
  auto store = open();
  populate(*store);
  const std::int64_t day = 86400;
  for (int i = 0; i < 3; ++i) store->record_login({"zrzy", "10.0.0.1", 1000 + i, false, "invalid_credentials"});
  store->create_session({services::session_token_hash("old"), "zrzy", 1000, 1000 + day, 600, 1000, "10.0.0.1"},
                        {"zrzy", "10.0.0.1", 1000, true, "ok"});
  store->create_session({services::session_token_hash("live"), "zrzy", 1000, 1000 + 30 * day, 2 * day, 1000, "10.0.0.1"},
                        {"zrzy", "10.0.0.1", 1000, true, "ok"});
  auto audited = store->audit_log().size();
  store->record_login({"wang.wu", "10.0.0.9", 1000 + day + 10, false, "invalid_credentials"});
  EXPECT_EQ(where_->query("SELECT count(*) FROM login_attempts"), std::vector<std::string>{"1"});
  EXPECT_EQ(where_->query("SELECT count(*) FROM sessions"), std::vector<std::string>{"1"});
  EXPECT_TRUE(store->touch_session(services::session_token_hash("live"), 1000 + day + 20));
  EXPECT_EQ(store->audit_log().size(), audited + 1);
  EXPECT_TRUE(store->verify_audit().intact);
}

TEST_P(IdentityStoreTest, failed_logins_are_counted_per_account_and_address_and_audited) {
  auto store = open();
  populate(*store);
  for (int i = 0; i < 3; ++i) store->record_login({"zrzy", "10.0.0.1", 1000 + i, false, "invalid_credentials"});
  store->record_login({"nobody", "10.0.0.2", 1005, false, "invalid_credentials"});
  auto f = store->failed_logins("zrzy", "10.0.0.1", 900);
  EXPECT_EQ(f.account, 3);
  EXPECT_EQ(f.address, 3);
  f = store->failed_logins("zrzy", "10.0.0.1", 1001);  // the window leaves the first out
  EXPECT_EQ(f.account, 2);
  EXPECT_EQ(f.address, 2);
  EXPECT_EQ(store->failed_logins("nobody", "10.0.0.2", 0).account, 1);
  // A success ends the account's run of failures; the address keeps its count.
  store->create_session({services::session_token_hash("t"), "zrzy", 1010, 5000, 600, 1010, "10.0.0.1"},
                        {"zrzy", "10.0.0.1", 1010, true, "ok"});
  store->record_login({"zrzy", "10.0.0.3", 1011, false, "invalid_credentials"});
  f = store->failed_logins("zrzy", "10.0.0.1", 900);
  EXPECT_EQ(f.account, 1);
  EXPECT_EQ(f.address, 3);
  // Counted in the database: another store object agrees.
  EXPECT_EQ(IdentityStore::open(location())->failed_logins("zrzy", "10.0.0.3", 900).address, 1);

  auto log = store->audit_log();
  ASSERT_EQ(log.size(), 3u + 6u);
  EXPECT_EQ(log[3].action, "session.login_failed");
  EXPECT_EQ(log[3].actor, "http:10.0.0.1");
  EXPECT_EQ(log[3].object, "user:zrzy");
  EXPECT_EQ(log[3].detail, R"({"address":"10.0.0.1","outcome":"invalid_credentials"})");
  EXPECT_TRUE(store->verify_audit().intact);
}

TEST_P(IdentityStoreTest, login_locks_an_account_after_five_failures_without_checking_the_password) {
  auto store = open();
  populate(*store);
  services::AuthPolicy policy;
  const std::int64_t t0 = 1'000'000;
  auto ok = services::login(*store, policy, "zrzy", "a long enough password", "10.0.0.1", t0);
  ASSERT_EQ(ok.outcome, services::LoginOutcome::ok);
  EXPECT_EQ(ok.user.username, "zrzy");
  EXPECT_TRUE(ok.user.password_hash.empty());
  auto me = services::authenticate(*store, ok.token, t0 + 10);
  ASSERT_TRUE(me);
  EXPECT_EQ(me->username, "zrzy");
  EXPECT_FALSE(services::authenticate(*store, ok.token + "x", t0 + 10));
  EXPECT_FALSE(services::authenticate(*store, "", t0 + 10));
  EXPECT_FALSE(services::authenticate(*store, ok.token, t0 + policy.idle_seconds + 11));

  EXPECT_EQ(services::login(*store, policy, "nobody", "whatever it is", "10.0.0.1", t0).outcome,
            services::LoginOutcome::invalid_credentials);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(services::login(*store, policy, "zrzy", "wrong password", "10.0.0.2", t0 + i).outcome,
              services::LoginOutcome::invalid_credentials);
  // Locked now, even with the right password; from elsewhere too; until the window has passed.
  EXPECT_EQ(services::login(*store, policy, "zrzy", "a long enough password", "10.0.0.2", t0 + 6).outcome,
            services::LoginOutcome::locked);
  EXPECT_EQ(services::login(*store, policy, "zrzy", "a long enough password", "10.0.0.3", t0 + 7).outcome,
            services::LoginOutcome::locked);
  EXPECT_EQ(services::login(*store, policy, "zrzy", "a long enough password", "10.0.0.3",
                            t0 + 4 + policy.window_seconds + 1).outcome,
            services::LoginOutcome::ok);
  auto log = store->audit_log();
  EXPECT_EQ(log.back().action, "session.login");
  EXPECT_EQ(log[log.size() - 2].detail, R"({"address":"10.0.0.3","outcome":"locked_account"})");
  for (const auto& e : log) EXPECT_EQ(e.detail.find("password"), std::string::npos);
  EXPECT_TRUE(store->verify_audit().intact);
}

TEST_P(IdentityStoreTest, login_locks_an_address_after_twenty_failures) {
  auto store = open();
  populate(*store);
  services::AuthPolicy policy;
  for (int i = 0; i < 20; ++i)
    store->record_login({"guess" + std::to_string(i), "10.9.9.9", 500 + i, false, "invalid_credentials"});
  EXPECT_EQ(services::login(*store, policy, "zrzy", "a long enough password", "10.9.9.9", 600).outcome,
            services::LoginOutcome::locked);
  EXPECT_EQ(store->audit_log().back().detail,
            R"({"address":"10.9.9.9","outcome":"locked_address"})");
  EXPECT_EQ(services::login(*store, policy, "zrzy", "a long enough password", "10.9.9.8", 600).outcome,
            services::LoginOutcome::ok);
}

INSTANTIATE_TEST_SUITE_P(Backends, IdentityStoreTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
