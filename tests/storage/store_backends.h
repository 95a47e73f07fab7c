// The stores the storage tests run against, so that one suite proves both implementations:
// each test gets a store location of its own, a SQLite file in a temporary directory or a fresh
// PostgreSQL schema (dropped with everything in it afterwards) on the server named by
// GONGZHI_PG_CONNINFO. Without that variable the PostgreSQL instances fail, saying so: CI always
// provides the server, and a silently skipped backend would prove nothing.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "../test_support.h"

namespace gz::test {

enum class Backend { sqlite, postgres };

// "sqlite" / "postgres", for test names and messages.
std::string backend_name(const ::testing::TestParamInfo<Backend>& info);
void PrintTo(Backend backend, std::ostream* os);
#define GZ_ALL_BACKENDS ::testing::Values(gz::test::Backend::sqlite, gz::test::Backend::postgres)

// GONGZHI_PG_CONNINFO; throws std::runtime_error saying how to provide it when unset.
std::string pg_conninfo();

// A fresh schema t_<random> on the test server, dropped (CASCADE) at the end.
class PgSchema {
 public:
  PgSchema();
  ~PgSchema();
  PgSchema(const PgSchema&) = delete;
  PgSchema& operator=(const PgSchema&) = delete;
  const std::string& name() const { return name_; }
  // A store location whose tables live in this schema: "pg:CONNINFO options=-csearch_path=…".
  std::string location() const;
  // Rows of one statement run with this schema first in the search_path, values in text form
  // joined by '|' (NULL as "NULL").
  std::vector<std::string> query(const std::string& sql) const;
  void exec(const std::string& sql) const { query(sql); }

 private:
  std::string name_;
};

// One store location for one test, on either backend.
class StoreLocation {
 public:
  StoreLocation(Backend backend, const std::string& dir);
  Backend backend() const { return backend_; }
  const std::string& location() const { return location_; }
  // Everything stored (every table of the store, every row), as text: "exactly as before" is
  // a string comparison.
  std::string dump() const;
  // SQL on the store's tables (meta, layer, layer_version, feature); rows '|'-joined.
  std::vector<std::string> query(const std::string& sql) const;
  void exec(const std::string& sql) const;
  // SQL run as someone with write access to the tables who first drops the audit log's
  // append-only triggers: what verify-audit must still catch.
  void tamper_with_audit(const std::string& sql) const;

 private:
  Backend backend_;
  std::string location_;
  std::unique_ptr<PgSchema> schema_;
};

// A test run once per backend, with a store location and a temporary directory of its own.
class StoreBackendTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override;
  bool postgres() const { return GetParam() == Backend::postgres; }
  const std::string& location() const { return where_->location(); }
  std::string at(const std::string& name) const { return dir_.file(name); }

  TempDir dir_;
  std::unique_ptr<StoreLocation> where_;
};

}  // namespace gz::test
