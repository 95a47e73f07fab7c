#include "storage/postgres/pg_staging.h"

#include <unistd.h>

#include <chrono>
#include <spdlog/spdlog.h>
#include <vector>

#include "common/error.h"
#include "storage/postgres/connection.h"
#include "storage/postgres/pg_store.h"

namespace gz::storage {

namespace {

std::string conninfo_of(const std::string& location) {
  return location.rfind("pg:", 0) == 0 ? location.substr(3) : location;
}

// `conninfo` with the search_path set to `schema` alone (PgStore adds the PostGIS schema).
std::string with_search_path(const std::string& conninfo, const std::string& schema) {
  bool uri = conninfo.rfind("postgresql://", 0) == 0 || conninfo.rfind("postgres://", 0) == 0;
  if (uri)
    return conninfo + (conninfo.find('?') == std::string::npos ? "?" : "&") +
           "options=-csearch_path%3D" + schema;
  return "pg:" + conninfo + " options=-csearch_path=" + schema;
}

std::string one(pg::Connection& c, const std::string& sql, const std::vector<pg::Param>& params,
                const std::string& what) {
  pg::Result r = c.query(sql, params, what);
  return PQntuples(r.get()) > 0 && !PQgetisnull(r.get(), 0, 0) ? PQgetvalue(r.get(), 0, 0) : "";
}

std::vector<std::vector<std::string>> rows(pg::Connection& c, const std::string& sql,
                                           const std::vector<pg::Param>& params,
                                           const std::string& what) {
  pg::Result r = c.query(sql, params, what);
  std::vector<std::vector<std::string>> out;
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    std::vector<std::string> row;
    for (int f = 0; f < PQnfields(r.get()); ++f) row.emplace_back(PQgetvalue(r.get(), i, f));
    out.push_back(std::move(row));
  }
  return out;
}

std::string quoted(pg::Connection& c, const std::string& name) {
  char* q = PQescapeIdentifier(c.get(), name.data(), name.size());
  if (!q) throw StorageError("PostgreSQL: cannot quote the name " + name);
  std::string s = q;
  PQfreemem(q);
  return s;
}

}  // namespace

PgStaging::PgStaging(const std::string& target) : conninfo_(conninfo_of(target)) {
  pg::Connection c(conninfo_);
  target_schema_ = one(c, "SELECT current_schema()", {}, "cannot read the current schema");
  if (target_schema_.empty())
    throw StorageError("PostgreSQL database " + std::string(PQdb(c.get())) +
                       ": no schema of the search_path exists");
  target_name_ = "PostgreSQL database " + std::string(PQdb(c.get())) + " (schema " +
                 target_schema_ + ")";
  auto stamp = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  staging_ = "gz_staging_" + std::to_string(::getpid()) + "_" + std::to_string(stamp);
  c.exec("CREATE SCHEMA " + quoted(c, staging_), "cannot make a staging schema");
  location_ = with_search_path(conninfo_, staging_);
}

PgStaging::~PgStaging() { discard(); }

bool PgStaging::target_exists() const {
  pg::Connection c(conninfo_);
  return one(c, "SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename = 'meta'",
             {pg::text(target_schema_)}, "cannot look for a store") != "0";
}

void PgStaging::publish(bool replace) {
  pg::Connection c(conninfo_);
  std::string target = quoted(c, target_schema_), staging = quoted(c, staging_);
  c.exec("BEGIN", "cannot start a transaction");
  try {
    // What schema setup takes (storage/postgres/pg_identity_store.cpp): no server sets the
    // target up meanwhile.
    c.query("SELECT pg_advisory_xact_lock(hashtextextended('gongzhi: schema setup ' || $1, 0))",
            {pg::text(target_schema_)}, "cannot lock the target schema");
    if (!replace && one(c,
                        "SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename = "
                        "'meta'",
                        {pg::text(target_schema_)}, "cannot look for a store") != "0")
      throw ConflictError(target_name_ + " already holds a gongzhi database; pass --force to replace it");
    // Tables and views (their indexes, constraints, triggers and identity sequences go with
    // them), sequences of their own, functions. Not the change stamps: the target's go on (a
    // stamp must never come back to a value it had).
    auto relations = rows(c,
                          "SELECT c.relname, c.relkind FROM pg_class c WHERE c.relnamespace = "
                          "$1::regnamespace AND (c.relkind IN ('r', 'p', 'v', 'm') OR (c.relkind = "
                          "'S' AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = "
                          "'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')))) AND "
                          "c.relname NOT LIKE 'gz\\_change\\_%'",
                          {pg::text(staging_)}, "cannot list the staged tables");
    auto functions = rows(c,
                          "SELECT p.proname, pg_get_function_identity_arguments(p.oid) FROM "
                          "pg_proc p WHERE p.pronamespace = $1::regnamespace",
                          {pg::text(staging_)}, "cannot list the staged functions");
    auto kind_of = [](const std::string& k) {
      return k == "S" ? "SEQUENCE" : k == "v" ? "VIEW" : k == "m" ? "MATERIALIZED VIEW" : "TABLE";
    };
    for (const auto& r : relations) {
      // The target's object of that name, whatever its kind.
      std::string kind = one(c,
                             "SELECT c.relkind FROM pg_class c WHERE c.relnamespace = "
                             "$1::regnamespace AND c.relname = $2",
                             {pg::text(target_schema_), pg::text(r[0])}, "cannot look for " + r[0]);
      if (!kind.empty())
        c.exec("DROP " + std::string(kind_of(kind)) + " IF EXISTS " + target + "." + quoted(c, r[0]) +
                   " CASCADE",
               "cannot drop the old " + r[0]);
    }
    for (const auto& f : functions)
      c.exec("DROP FUNCTION IF EXISTS " + target + "." + quoted(c, f[0]) + "(" + f[1] + ") CASCADE",
             "cannot drop the old function " + f[0]);
    for (const auto& r : relations)
      c.exec("ALTER " + std::string(kind_of(r[1])) + " " + staging + "." + quoted(c, r[0]) +
                 " SET SCHEMA " + target,
             "cannot move " + r[0]);
    for (const auto& f : functions)
      c.exec("ALTER FUNCTION " + staging + "." + quoted(c, f[0]) + "(" + f[1] + ") SET SCHEMA " + target,
             "cannot move the function " + f[0]);
    // Servers still running on the target kept sessions and lists from before: their change
    // stamps move (storage/change_signal.h).
    for (const auto& s : {"gz_change_identity", "gz_change_projects"})
      if (one(c, "SELECT to_regclass($1)::text", {pg::text(target + "." + s)}, "cannot look for " + std::string(s)) != "")
        c.query("SELECT nextval($1::regclass)", {pg::text(target + "." + s)}, "cannot move a change stamp");
    c.exec("DROP SCHEMA " + staging + " CASCADE", "cannot drop the staging schema");
    c.exec("COMMIT", "cannot commit");
  } catch (...) {
    c.rollback_quietly();
    throw;
  }
  done_ = true;
}

void PgStaging::discard() noexcept {
  if (done_) return;
  done_ = true;
  try {
    pg::Connection c(conninfo_);
    c.exec("DROP SCHEMA IF EXISTS " + quoted(c, staging_) + " CASCADE", "cannot drop the staging schema");
  } catch (const std::exception& e) {
    spdlog::warn("demo: could not drop the staging schema {}: {}", staging_, e.what());
  }
}

}  // namespace gz::storage
