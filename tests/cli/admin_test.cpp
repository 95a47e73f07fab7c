// gongzhi admin through the binary, on both backends: the first administrator, users with
// grants, the audit log and verify-audit, which fails naming the entry tampered with by SQL.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <memory>

#include "../storage/store_backends.h"
#include "storage/identity_store.h"

namespace gz::test {
namespace {

class AdminCommandTest : public StoreBackendTest {
 protected:
  // gongzhi ARGS with `input` on stdin (the password).
  std::vector<std::string> with_stdin(const std::vector<std::string>& args,
                                      const std::string& input) {
    std::string file = at("stdin-" + std::to_string(inputs_++));
    write_file(file, input);
    std::vector<std::string> sh{"-c", "f=$1; shift; exec \"$@\" < \"$f\"", "sh", file,
                                gongzhi_binary()};
    sh.insert(sh.end(), args.begin(), args.end());
    return sh;
  }
  RunResult run_stdin(const std::vector<std::string>& args, const std::string& input) {
    return run_program("sh", with_stdin(args, input));
  }
  RunResult create_admin(const std::string& name = "root") {
    return run_stdin({"admin", "create-admin", "--db", location(), "--username", name,
                      "--password-stdin"},
                     "root password 1\n");
  }
  RunResult add_user(const std::string& name, const std::vector<std::string>& extra = {
                                                  "--role", "villager", "--region",
                                                  "340123100201"}) {
    std::vector<std::string> args{"admin", "add-user", "--db", location(), "--username", name,
                                  "--password-stdin"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_stdin(args, "user password 1\n");
  }
  RunResult verify() { return run({"admin", "verify-audit", "--db", location()}); }

  int inputs_ = 0;
};

TEST_P(AdminCommandTest, admin_creates_users_that_are_listed_and_audited) {
  auto r = create_admin();
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("created administrator 'root'"), std::string::npos) << r.out;
  r = add_user("zrzy", {"--role", "lead_department", "--department", "自然资源局", "--region",
                        "340123"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  r = add_user("li.si");
  ASSERT_EQ(r.exit_code, 0) << r.describe();

  r = run({"admin", "users", "--db", location(), "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("\"zrzy\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("自然资源局"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"lead_department\""), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("argon2"), std::string::npos) << "hashes are never shown";

  r = run({"admin", "audit", "--db", location()});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("admin.create"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("user:li.si"), std::string::npos) << r.out;

  r = verify();
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("intact: 3 entries"), std::string::npos) << r.out;
}

TEST_P(AdminCommandTest, second_create_admin_is_refused) {
  ASSERT_EQ(create_admin().exit_code, 0);
  auto r = create_admin("root2");
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("administrator already exists (root)"), std::string::npos) << r.err;
  r = run({"admin", "users", "--db", location()});
  EXPECT_EQ(r.out.find("root2"), std::string::npos) << r.out;
}

TEST_P(AdminCommandTest, bad_input_is_refused_naming_the_field_and_writes_nothing) {
  ASSERT_EQ(create_admin().exit_code, 0);
  auto before = where_->dump();
  struct Case {
    std::string username, password;
    std::vector<std::string> extra;
    std::string field;
  };
  std::vector<Case> cases{
      {"x'; DROP TABLE users;--", "user password 1", {"--role", "villager", "--region", "340123100201"}, "username"},
      {"<script>alert(1)</script>", "user password 1", {"--role", "villager", "--region", "340123100201"}, "username"},
      {"ok.name", "short", {"--role", "villager", "--region", "340123100201"}, "password"},
      {"ok.name", "user password 1", {"--role", "superuser", "--region", "340123100201"}, "role"},
      {"ok.name", "user password 1", {"--role", "villager", "--region", "3401231"}, "region"},
      {"ok.name", "user password 1", {"--role", "villager"}, "region"},
      {"ok.name", "user password 1", {"--role", "co_reviewing_department", "--region", "340123"}, "department"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args{"admin", "add-user", "--db", location(), "--username",
                                  c.username, "--password-stdin"};
    args.insert(args.end(), c.extra.begin(), c.extra.end());
    auto r = run_stdin(args, c.password + "\n");
    EXPECT_EQ(r.exit_code, 2) << c.username << ": " << r.describe();
    EXPECT_NE(r.err.find(c.field), std::string::npos) << r.err;
  }
  EXPECT_EQ(where_->dump(), before);
  EXPECT_EQ(verify().exit_code, 0);
}

TEST_P(AdminCommandTest, verify_audit_fails_naming_an_edited_entry) {
  ASSERT_EQ(create_admin().exit_code, 0);
  ASSERT_EQ(add_user("li.si").exit_code, 0);
  ASSERT_EQ(add_user("wang.wu").exit_code, 0);
  where_->tamper_with_audit("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2");
  auto r = verify();
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("broken at entry 2: entry 2 was edited"), std::string::npos) << r.err;
}

TEST_P(AdminCommandTest, verify_audit_fails_naming_a_deleted_entry) {
  ASSERT_EQ(create_admin().exit_code, 0);
  ASSERT_EQ(add_user("li.si").exit_code, 0);
  ASSERT_EQ(add_user("wang.wu").exit_code, 0);
  where_->tamper_with_audit("DELETE FROM audit_log WHERE seq = 2");
  auto r = verify();
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("broken at entry 2: entry 2 is missing (deleted)"), std::string::npos)
      << r.err;
}

TEST_P(AdminCommandTest, verify_audit_fails_naming_swapped_entries) {
  ASSERT_EQ(create_admin().exit_code, 0);
  ASSERT_EQ(add_user("li.si").exit_code, 0);
  ASSERT_EQ(add_user("wang.wu").exit_code, 0);
  where_->tamper_with_audit(
      "UPDATE audit_log SET seq = -2 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 3; "
      "UPDATE audit_log SET seq = 3 WHERE seq = -2;");
  auto r = verify();
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("broken at entry 2: entry 2 does not follow entry 1"), std::string::npos)
      << r.err;
}

TEST_P(AdminCommandTest, processes_adding_users_at_once_keep_one_unbroken_chain) {
  ASSERT_EQ(create_admin().exit_code, 0);
  constexpr int kProcesses = 6;
  std::vector<std::unique_ptr<Process>> procs;
  for (int i = 0; i < kProcesses; ++i)
    procs.push_back(std::make_unique<Process>(
        "sh", with_stdin({"admin", "add-user", "--db", location(), "--username",
                          "user" + std::to_string(i), "--password-stdin", "--role", "villager",
                          "--region", "340123100201"},
                         "user password 1\n")));
  for (auto& p : procs) {
    auto r = p->wait();
    EXPECT_EQ(r.exit_code, 0) << r.describe();
  }
  auto r = verify();
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("intact: " + std::to_string(kProcesses + 1) + " entries"),
            std::string::npos)
      << r.out;
}

// Issue 14, defect 4: whoever can write the database can drop the triggers, edit an entry and
// rehash the chain after it: verify-audit alone then finds nothing, because the chain's head is
// in the same database. An anchor signed with a key kept elsewhere names the entry.
TEST_P(AdminCommandTest, an_anchor_kept_outside_names_an_entry_rewritten_with_the_chain_rehashed) {
  ASSERT_EQ(create_admin().exit_code, 0);
  ASSERT_EQ(add_user("li.si").exit_code, 0);
  ASSERT_EQ(add_user("wang.wu").exit_code, 0);
  auto key = at("audit.key");
  auto r = run({"admin", "init-audit-key", "--key", key});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  struct stat st {};
  ASSERT_EQ(::stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "the secret key is for its owner only";
  EXPECT_NE(run({"admin", "init-audit-key", "--key", key}).exit_code, 0) << "never overwritten";
  auto public_key = r.out.substr(r.out.find("public key: ") + 12, 64);

  r = run({"admin", "audit-anchor", "--db", location(), "--key", key});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto anchor = at("anchor.json");
  write_file(anchor, r.out);
  ASSERT_EQ(add_user("zhao.liu").exit_code, 0);  // entries after the anchor are fine
  r = run({"admin", "verify-audit", "--db", location(), "--anchor", anchor, "--public-key", public_key});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("4 entries, chain verified, matches the anchor"), std::string::npos) << r.out;

  // The rewrite: entry 2 gets another actor, and every hash from it on is recomputed.
  auto log = storage::IdentityStore::open(location())->audit_log();
  ASSERT_EQ(log.size(), 4u);
  log[1].actor = "someone-else";
  std::string sql;
  for (std::size_t i = 1; i < log.size(); ++i) {
    log[i].prev_hash = log[i - 1].hash;
    log[i].hash = storage::audit_hash(log[i]);
    sql += "UPDATE audit_log SET actor = '" + log[i].actor + "', prev_hash = '" + log[i].prev_hash +
           "', hash = '" + log[i].hash + "' WHERE seq = " + std::to_string(log[i].seq) + ";";
  }
  sql += "UPDATE audit_head SET last_hash = '" + log.back().hash + "' WHERE id = 1;";
  where_->tamper_with_audit(sql);

  r = verify();
  EXPECT_EQ(r.exit_code, 0) << "the rehashed chain holds together on its own: " << r.describe();
  r = run({"admin", "verify-audit", "--db", location(), "--anchor", anchor});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("broken at entry 2: entry 2 (user.create user:li.si) is not the entry anchored"),
            std::string::npos)
      << r.err;

  // An anchor that was edited, or signed by another key, is refused as such.
  auto other = at("other.key");
  ASSERT_EQ(run({"admin", "init-audit-key", "--key", other}).exit_code, 0);
  auto forged = at("forged.json");
  write_file(forged, run({"admin", "audit-anchor", "--db", location(), "--key", other}).out);
  r = run({"admin", "verify-audit", "--db", location(), "--anchor", forged, "--public-key", public_key});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("not with the trusted key"), std::string::npos) << r.err;

  // A key or anchor file whose members have the wrong types is refused in our words, not with
  // the JSON library's type error.
  auto odd = at("odd.json");
  write_file(odd, R"({"format": 7, "seq": 1, "hash": "", "fingerprints": "", "public_key": "", "signature": ""})");
  r = run({"admin", "verify-audit", "--db", location(), "--anchor", odd});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("not a gongzhi audit anchor"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("type_error"), std::string::npos) << r.err;
  r = run({"admin", "audit-anchor", "--db", location(), "--key", odd});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("not a gongzhi audit key"), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(Backends, AdminCommandTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
