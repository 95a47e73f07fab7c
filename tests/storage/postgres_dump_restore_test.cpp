// A PostgreSQL store backed up with pg_dump and restored with pg_restore into a new database, as
// docs/durability.md tells an operator to: the restored database passes `gongzhi admin
// verify-audit`, and every read of what was seeded (layers and features, users, the audit log,
// projects and milestones, every table row) answers exactly as on the original.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <random>

#include "../test_support.h"
#include "project_seed.h"
#include "services/password.h"
#include "services/progress.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"
#include "storage/store.h"
#include "store_backends.h"

namespace gz::test {
namespace {

// A database of its own on the test server (createdb), dropped with everything in it at the end.
class PgDatabase {
 public:
  PgDatabase() {
    std::random_device rd;
    name_ = "gz_restore_" + std::to_string(rd()) + std::to_string(rd() % 1000);
    auto r = run_program("/usr/lib/postgresql/15/bin/createdb",
                         {"--maintenance-db=" + pg_conninfo(), name_});
    if (r.exit_code != 0) throw std::runtime_error("createdb " + name_ + ": " + r.describe());
  }
  ~PgDatabase() {
    auto r = run_program("/usr/lib/postgresql/15/bin/dropdb",
                         {"--force", "--if-exists", "--maintenance-db=" + pg_conninfo(), name_});
    if (r.exit_code != 0) ADD_FAILURE() << "dropdb " << name_ << ": " << r.describe();
  }
  PgDatabase(const PgDatabase&) = delete;
  PgDatabase& operator=(const PgDatabase&) = delete;
  // Later keywords of a libpq conninfo override earlier ones: the test server, this database.
  std::string conninfo() const { return pg_conninfo() + " dbname=" + name_; }
  std::string location() const { return "pg:" + conninfo(); }

  // Every row of every table of the store (PostGIS's own spatial_ref_sys aside), as text.
  std::string dump() const {
    PGconn* c = PQconnectdb(conninfo().c_str());
    std::string out;
    auto rows = [&](const std::string& sql) {
      PGresult* r = PQexec(c, sql.c_str());
      std::vector<std::string> lines;
      if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        ADD_FAILURE() << sql << ": " << PQresultErrorMessage(r);
      } else {
        for (int i = 0; i < PQntuples(r); ++i) {
          std::string line;
          for (int f = 0; f < PQnfields(r); ++f) {
            const char* value = PQgetisnull(r, i, f) ? "NULL" : PQgetvalue(r, i, f);
            line += (f ? "|" : "") + std::string(value);
          }
          lines.push_back(std::move(line));
        }
      }
      PQclear(r);
      return lines;
    };
    for (const auto& table :
         rows("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> "
              "'spatial_ref_sys' ORDER BY 1")) {
      auto lines = rows("SELECT * FROM public." + table + " ORDER BY 1");
      out += "table " + table + " (" + std::to_string(lines.size()) + " rows)\n";
      for (const auto& l : lines) out += "  " + l + "\n";
    }
    PQfinish(c);
    return out;
  }

 private:
  std::string name_;
};

// What a user reads back through the stores, in one text.
std::string reads(const std::string& location) {
  std::string out;
  auto layers = storage::Store::open(location);
  for (const auto& v : layers->layers()) {
    out += "layer " + v.layer + " v" + std::to_string(v.version) + " " +
           std::to_string(v.feature_count) + "\n";
    for (const auto& f : layers->read_all(v, {})) {
      out += "  " + f.source_id + " " + std::to_string(f.wkb.size()) + " bytes, ";
      for (const auto& [key, value] : f.attributes)
        out += key + "=" + (std::holds_alternative<std::string>(value)
                                ? std::get<std::string>(value)
                                : std::holds_alternative<std::int64_t>(value)
                                      ? std::to_string(std::get<std::int64_t>(value))
                                      : std::string("?")) +
               " ";
      bool kept = f.wkb == square_wkb(117 + 0.01 * std::stoi(f.source_id), 30, 0.005);
      out += kept ? "geometry kept\n" : "geometry differs\n";
    }
  }
  auto identity = storage::IdentityStore::open(location);
  for (const auto& u : identity->users())
    out += "user " + u.username + " " + std::to_string(u.grants.size()) + " grants\n";
  for (const auto& e : identity->audit_log())
    out += "audit " + std::to_string(e.seq) + " " + e.action + " " + e.object + " " + e.hash + "\n";
  auto projects = storage::ProjectStore::open(location);
  projects->read([&](storage::ProjectTx& tx) {
    for (const auto& p : tx.projects(std::nullopt))
      out += "project " + p.code + " " + p.name + " " + std::string(to_string(p.state)) + "\n";
  });
  return out;
}

TEST(PostgresDumpRestoreTest, a_database_restored_from_pg_dump_verifies_and_reads_the_same) {
  TempDir dir;
  PgDatabase original;
  {
    auto layers = storage::Store::open(original.location(), {.create = true});
    auto writer = layers->begin_layer_version({"lu", LayerKind::land_use, "seed", "EPSG:4490"});
    for (int i = 0; i < 40; ++i)
      writer->add(std::to_string(i), square_wkb(117 + 0.01 * i, 30, 0.005),
                  {117 + 0.01 * i, 30, 117 + 0.01 * i + 0.005, 30.005},
                  {{"BSM", std::int64_t{i}},
                   {"DLBM", i % 2 ? "0101" : "0301"},
                   {"ZLDWMC", "东村"}});
    writer->commit();
    auto identity = storage::IdentityStore::open(original.location());
    auto hash = services::hash_password("a long enough password");
    identity->create_first_admin("root", hash, "cli:test");
    identity->add_user({"zhen", hash, {Grant{Role::township, "", "340123100"}}}, "root");
    identity->add_user(
        {"caizheng", hash, {Grant{Role::co_reviewing_department, "财政局", "340123"}}}, "root");
    auto projects = storage::ProjectStore::open(original.location());
    projects->ensure_tables(services::kMilestoneTables);
    projects->write([](storage::ProjectTx& tx) {
      auto a = seed_project(tx, {"XM2026-001", "东村高标准农田整治", "340123100201"});
      seed_project(tx, {"XM2026-002", "西村生态修复", "340123100202", ProjectState::draft});
      seed_milestone(tx, a, "M1 土地平整");
      tx.audit({"cli:test", "project.seed", "project:XM2026-001", R"({"note":"种子数据"})"});
    });
  }
  std::string before = reads(original.location());
  ASSERT_NE(before.find("project XM2026-002 西村生态修复"), std::string::npos) << before;
  ASSERT_NE(before.find("geometry kept"), std::string::npos) << before;

  std::string dump = dir.file("county.dump");
  auto r = run_program("/usr/lib/postgresql/15/bin/pg_dump",
                       {"--format=custom", "--file=" + dump, "--dbname=" + original.conninfo()});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  PgDatabase restored;
  r = run_program("/usr/lib/postgresql/15/bin/pg_restore",
                  {"--exit-on-error", "--dbname=" + restored.conninfo(), dump});
  ASSERT_EQ(r.exit_code, 0) << r.describe();

  auto v = run({"admin", "verify-audit", "--db", restored.location()});
  EXPECT_EQ(v.exit_code, 0) << v.describe();
  EXPECT_NE(v.out.find("audit log intact"), std::string::npos) << v.out;
  EXPECT_EQ(reads(restored.location()), before);
  EXPECT_EQ(restored.dump(), original.dump());
}

}  // namespace
}  // namespace gz::test
