// Read replicas (issue 18, item 5; storage/postgres/pg_replicas.h): with a real streaming
// standby of the test server, made for this suite by `scripts/pg.sh replica` (pg_basebackup -R)
// and removed afterwards, project and layer reads run on the standby, writes on the primary, and
// every read shows what this process wrote just before it, even with the standby's replay
// paused (the read then runs on the primary after the bound). Skipped only when
// GONGZHI_PG_CONNINFO is unset, like the other PostgreSQL tests.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "storage/change_signal.h"
#include "storage/postgres/pg_replicas.h"
#include "storage/project_store.h"
#include "storage/store.h"
#include "project_seed.h"
#include "store_backends.h"

namespace gz::test {
namespace {

namespace pg = storage::pg;

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// One statement on `conninfo`, the first value of its first row.
std::string sql_value(const std::string& conninfo, const std::string& sql) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  PGresult* r = PQexec(c, sql.c_str());
  std::string out;
  auto status = PQresultStatus(r);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
    out = std::string("ERROR ") + PQerrorMessage(c);
  else if (PQntuples(r) > 0)
    out = PQgetvalue(r, 0, 0);
  PQclear(r);
  PQfinish(c);
  return out;
}

class PgReplicaTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!std::getenv("GONGZHI_PG_CONNINFO")) return;
    PGconn* c = PQconnectdb(pg_conninfo().c_str());
    std::string primary_port = PQport(c);
    PQfinish(c);
    std::random_device rd;
    dir_ = new std::string("/tmp/gz-replica-test-" + std::to_string(::getpid()) + "-" +
                           std::to_string(rd() % 100000));
    int port = free_port();
    std::string cmd = source_dir() + "/scripts/pg.sh replica " + *dir_ + " " +
                      std::to_string(port) + " " + primary_port + " >" + *dir_ + ".out 2>&1";
    if (std::system(cmd.c_str()) != 0) {
      std::system(("cat " + *dir_ + ".out >&2").c_str());
      return;
    }
    standby_ = new std::string("host=127.0.0.1 port=" + std::to_string(port) +
                               " user=gongzhi dbname=gongzhi");
  }
  static void TearDownTestSuite() {
    if (!dir_) return;
    std::system((source_dir() + "/scripts/pg.sh stop " + *dir_ + " >/dev/null 2>&1").c_str());
    std::filesystem::remove_all(*dir_);
    std::filesystem::remove(*dir_ + ".out");
    delete dir_;
    delete standby_;
    dir_ = standby_ = nullptr;
  }

  void SetUp() override {
    if (!std::getenv("GONGZHI_PG_CONNINFO"))
      GTEST_SKIP() << "GONGZHI_PG_CONNINFO is not set: no PostgreSQL server to test on";
    ASSERT_NE(standby_, nullptr) << "scripts/pg.sh replica could not start a standby";
    schema_ = std::make_unique<PgSchema>();
    // The schema (made on the primary) must have reached the standby before anything opens it.
    for (int i = 0; i < 500 && sql_value(*standby_, "SELECT count(*) FROM pg_namespace WHERE nspname = '" +
                                                        schema_->name() + "'") != "1";
         ++i)
      usleep(10000);
    before_standby_ = pg::replica_counters().standby_reads.load();
    before_primary_ = pg::replica_counters().primary_reads.load();
  }
  void TearDown() override {
    if (standby_) sql_value(*standby_, "SELECT pg_wal_replay_resume()");
    pg::set_read_replicas("", {});
  }
  void use_replicas(std::vector<std::string> standbys, std::chrono::milliseconds bound) {
    pg::set_read_replicas(pg_conninfo(), {std::move(standbys), bound});
  }
  std::uint64_t standby_reads() const {
    return pg::replica_counters().standby_reads.load() - before_standby_;
  }
  std::uint64_t primary_reads() const {
    return pg::replica_counters().primary_reads.load() - before_primary_;
  }

  static std::string* dir_;
  static std::string* standby_;
  std::unique_ptr<PgSchema> schema_;
  std::uint64_t before_standby_ = 0, before_primary_ = 0;
};
std::string* PgReplicaTest::dir_ = nullptr;
std::string* PgReplicaTest::standby_ = nullptr;

std::int64_t create(storage::ProjectStore& store, int i) {
  return store.write([&](storage::ProjectTx& tx) {
    return seed_project(tx, {"XM" + std::to_string(1000 + i), "副本读测试 " + std::to_string(i),
                             "340123101"});
  });
}

TEST_F(PgReplicaTest, each_write_is_read_back_at_once_from_the_standby) {
  use_replicas({*standby_}, std::chrono::milliseconds(2000));
  auto store = storage::ProjectStore::open(schema_->location());
  for (int i = 0; i < 20; ++i) {
    std::int64_t id = create(*store, i);
    // Read right after the write answered: the standby must have replayed it first.
    auto got = store->read([&](storage::ProjectTx& tx) { return tx.project(id); });
    ASSERT_TRUE(got.has_value()) << "project " << id << " missing from the read after its write";
    EXPECT_EQ(got->name, "副本读测试 " + std::to_string(i));
    auto all = store->read([&](storage::ProjectTx& tx) { return tx.projects(std::nullopt, false); });
    EXPECT_EQ(all.size(), static_cast<std::size_t>(i + 1));
  }
  // 40 reads, every one on the standby (none had to fall back with a 2 s bound).
  EXPECT_EQ(standby_reads(), 40u);
  EXPECT_EQ(primary_reads(), 0u);
  // And the standby really served them: its own statistics count the read transactions.
  EXPECT_EQ(sql_value(*standby_, "SELECT pg_is_in_recovery()"), "t");
}

TEST_F(PgReplicaTest, with_replay_paused_a_read_waits_the_bound_then_runs_on_the_primary) {
  use_replicas({*standby_}, std::chrono::milliseconds(150));
  auto store = storage::ProjectStore::open(schema_->location());
  create(*store, 0);
  ASSERT_EQ(store->read([](storage::ProjectTx& tx) { return tx.projects(std::nullopt, false); }).size(), 1u);
  ASSERT_EQ(standby_reads(), 1u);
  ASSERT_EQ(sql_value(*standby_, "SELECT pg_wal_replay_pause()"), "");
  std::int64_t id = create(*store, 1);
  auto start = std::chrono::steady_clock::now();
  auto got = store->read([&](storage::ProjectTx& tx) { return tx.project(id); });
  auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(got.has_value()) << "the write is missing from the read after it";
  EXPECT_EQ(primary_reads(), 1u);
  EXPECT_GE(waited, std::chrono::milliseconds(150));
  EXPECT_LT(waited, std::chrono::milliseconds(1500));
  // The standby, paused, still does not have it: the read could only have come from the primary.
  EXPECT_EQ(sql_value(*standby_, "SELECT count(*) FROM " + schema_->name() +
                                     ".projects WHERE id = " + std::to_string(id)),
            "0");
  sql_value(*standby_, "SELECT pg_wal_replay_resume()");
  auto again = store->read([&](storage::ProjectTx& tx) { return tx.project(id); });
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(standby_reads(), 2u);
}

TEST_F(PgReplicaTest, layers_written_are_listed_and_scanned_from_the_standby) {
  use_replicas({*standby_}, std::chrono::milliseconds(2000));
  auto store = storage::Store::open(schema_->location(), {.create = true});
  LayerVersion v;
  {
    // The writer holds the store until it is gone.
    auto w = store->begin_layer_version({"dltb", LayerKind::land_use, "replica test", "EPSG:4490"});
    w->add("1", square_wkb(117, 30, 0.01), {117, 30, 117.01, 30.01}, {});
    w->add("2", square_wkb(117.5, 30, 0.01), {117.5, 30, 117.51, 30.01}, {});
    v = w->commit();
  }
  auto layers = store->layers();
  ASSERT_EQ(layers.size(), 1u);
  EXPECT_EQ(layers[0].feature_count, 2);
  int n = 0;
  store->scan_bbox(v, {116.9, 29.9, 117.2, 30.2}, [&](StoredFeature&&) { ++n; });
  EXPECT_EQ(n, 1);
  EXPECT_EQ(standby_reads(), 2u);
  EXPECT_EQ(primary_reads(), 0u);
}

TEST_F(PgReplicaTest, a_write_by_another_process_is_read_from_the_standby_after_a_stamp_check) {
  use_replicas({*standby_}, std::chrono::milliseconds(2000));
  auto store = storage::ProjectStore::open(schema_->location());
  auto signal = storage::ChangeSignal::for_location(schema_->location());
  ASSERT_NE(signal, nullptr);
  // Another process writes (straight on the primary: this process's fence knows nothing of it).
  schema_->exec("INSERT INTO projects(code, name, type, region_code, state, created_by, "
                "created_at, updated_at, row_version, plan_json, plan_hash, area_m2) SELECT 'XM9', '别处写入', "
                "'农用地整理', '340123101', 'implementation', 'zhen', '2026-01-01', '2026-01-01', 1, '', "
                "'none', 0");
  std::uint64_t written = pg::parse_lsn(sql_value(pg_conninfo(), "SELECT pg_current_wal_insert_lsn()::text"));
  EXPECT_LT(pg::read_fence(), written);
  // A server checks the stamps before it answers from memory: that raises the fence past it.
  ASSERT_TRUE(signal->stamp().live);
  EXPECT_GE(pg::read_fence(), written);
  auto all = store->read([](storage::ProjectTx& tx) { return tx.projects(std::nullopt, false); });
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].name, "别处写入");
  EXPECT_EQ(standby_reads(), 1u);
}

TEST_F(PgReplicaTest, an_unreachable_standby_leaves_reads_on_the_primary) {
  use_replicas({"host=127.0.0.1 port=1 user=gongzhi dbname=gongzhi connect_timeout=2"},
               std::chrono::milliseconds(100));
  auto store = storage::ProjectStore::open(schema_->location());
  std::int64_t id = create(*store, 0);
  auto got = store->read([&](storage::ProjectTx& tx) { return tx.project(id); });
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(standby_reads(), 0u);
  EXPECT_EQ(primary_reads(), 1u);
}

}  // namespace
}  // namespace gz::test
