#include "store_backends.h"

#include <libpq-fe.h>
#include <sqlite3.h>

#include <cstdlib>
#include <random>
#include <stdexcept>

namespace gz::test {

std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::sqlite ? "sqlite" : "postgres";
}

void PrintTo(Backend backend, std::ostream* os) {
  *os << (backend == Backend::sqlite ? "sqlite" : "postgres");
}

std::string pg_conninfo() {
  const char* c = std::getenv("GONGZHI_PG_CONNINFO");
  if (!c || !*c)
    throw std::runtime_error(
        "GONGZHI_PG_CONNINFO is not set: the PostgreSQL store tests need a PostgreSQL + PostGIS "
        "server. scripts/test.sh starts one and sets it; by hand: scripts/pg.sh start "
        "/tmp/gz-pg 55432 and export GONGZHI_PG_CONNINFO=\"host=127.0.0.1 port=55432 "
        "user=gongzhi dbname=gongzhi\"");
  return c;
}

namespace {
struct PgConnection {
  PGconn* conn = nullptr;
  explicit PgConnection(const std::string& conninfo) {
    conn = PQconnectdb(conninfo.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
      std::string why = PQerrorMessage(conn);
      PQfinish(conn);
      throw std::runtime_error("cannot connect to the test PostgreSQL server (" + conninfo +
                               "): " + why);
    }
    PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  }
  ~PgConnection() { PQfinish(conn); }

  std::vector<std::string> rows(const std::string& sql) {
    PGresult* r = PQexec(conn, sql.c_str());
    auto status = PQresultStatus(r);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      std::string why = PQresultErrorMessage(r);
      PQclear(r);
      throw std::runtime_error("query failed: " + sql + ": " + why);
    }
    std::vector<std::string> out;
    for (int i = 0; i < PQntuples(r); ++i) {
      std::string row;
      for (int c = 0; c < PQnfields(r); ++c) {
        if (c) row += '|';
        row += PQgetisnull(r, i, c) ? "NULL" : PQgetvalue(r, i, c);
      }
      out.push_back(std::move(row));
    }
    PQclear(r);
    return out;
  }
};

std::string random_schema_name() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
  char buf[32];
  std::snprintf(buf, sizeof buf, "t_%016llx", static_cast<unsigned long long>(gen()));
  return buf;
}
}  // namespace

PgSchema::PgSchema() : name_(random_schema_name()) {
  PgConnection(pg_conninfo()).rows("CREATE SCHEMA " + name_);
}

PgSchema::~PgSchema() {
  try {
    PgConnection(pg_conninfo()).rows("DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
  } catch (const std::exception& e) {
    ADD_FAILURE() << "cannot drop test schema " << name_ << ": " << e.what();
  }
}

std::string PgSchema::location() const {
  // Only the schema itself: the store must find PostGIS (in public) on its own.
  return "pg:" + pg_conninfo() + " options=-csearch_path=" + name_;
}

std::vector<std::string> PgSchema::query(const std::string& sql) const {
  return PgConnection(pg_conninfo() + " options=-csearch_path=" + name_ + ",public").rows(sql);
}

StoreLocation::StoreLocation(Backend backend, const std::string& dir) : backend_(backend) {
  if (backend == Backend::sqlite) {
    location_ = dir + "/store.sqlite";
  } else {
    schema_ = std::make_unique<PgSchema>();
    location_ = schema_->location();
  }
}

std::string StoreLocation::dump() const {
  if (backend_ == Backend::sqlite) return dump_database(location_);
  std::string out;
  auto tables = schema_->query(
      "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1");
  for (const auto& t : tables) {
    auto rows = schema_->query("SELECT * FROM " + t + " ORDER BY 1");
    out += "table " + t + " (" + std::to_string(rows.size()) + " rows)\n";
    for (const auto& r : rows) out += "  " + r + "\n";
  }
  return out;
}

std::vector<std::string> StoreLocation::query(const std::string& sql) const {
  if (backend_ == Backend::sqlite) return gz::test::query(location_, sql);
  return schema_->query(sql);
}

void StoreLocation::exec(const std::string& sql) const {
  if (backend_ == Backend::postgres) return schema_->exec(sql);
  sqlite3* db = nullptr;
  char* err = nullptr;
  int rc = sqlite3_open(location_.c_str(), &db);
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  std::string why = err ? err : (db ? sqlite3_errmsg(db) : "out of memory");
  sqlite3_free(err);
  sqlite3_close(db);
  if (rc != SQLITE_OK) throw std::runtime_error("SQL failed on " + location_ + ": " + sql + ": " + why);
}

void StoreBackendTest::SetUp() {
  try {
    where_ = std::make_unique<StoreLocation>(GetParam(), dir_.path().string());
  } catch (const std::exception& e) {
    FAIL() << e.what();
  }
}

}  // namespace gz::test

namespace gz::test {
void StoreLocation::tamper_with_audit(const std::string& sql) const {
  if (backend_ == Backend::sqlite)
    exec("DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete; " + sql);
  else
    exec("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log; " + sql);
}
}  // namespace gz::test
