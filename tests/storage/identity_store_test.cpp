// The identity store on every backend: users with grants, the first administrator, and the
// hash-chained audit log, whose verification names the first entry that was edited, deleted or
// reordered behind the program's back (by SQL straight on the tables).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/error.h"
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

TEST_P(IdentityStoreTest, verify_names_the_entry_whose_detail_was_edited) {
  auto store = open();
  populate(*store);
  where_->exec("UPDATE audit_log SET detail = '{\"username\":\"mallory\"}' WHERE seq = 2");
  auto v = store->verify_audit();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.bad_seq, 2);
  EXPECT_NE(v.problem.find("edited"), std::string::npos) << v.problem;
}

TEST_P(IdentityStoreTest, verify_names_a_deleted_entry) {
  auto store = open();
  populate(*store);
  where_->exec("DELETE FROM audit_log WHERE seq = 2");
  auto v = store->verify_audit();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.bad_seq, 2);
  EXPECT_NE(v.problem.find("deleted"), std::string::npos) << v.problem;
}

TEST_P(IdentityStoreTest, verify_names_entries_deleted_from_the_end) {
  auto store = open();
  populate(*store);
  where_->exec("DELETE FROM audit_log WHERE seq = 3");
  auto v = store->verify_audit();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.bad_seq, 3);
  EXPECT_NE(v.problem.find("deleted"), std::string::npos) << v.problem;
}

TEST_P(IdentityStoreTest, verify_names_swapped_entries) {
  auto store = open();
  populate(*store);
  where_->exec(
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

INSTANTIATE_TEST_SUITE_P(Backends, IdentityStoreTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
