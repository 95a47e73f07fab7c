// The identity store written once over a minimal SQL session, which each backend provides
// (sqlite/sqlite_identity_store.cpp, postgres/pg_identity_store.cpp): the SQL is common, only
// the table definitions, the write lock and the placeholders differ.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "storage/identity_store.h"

namespace gz::storage {

class SqlSession {
 public:
  using Row = std::vector<std::string>;  // values as text, NULL as ""
  virtual ~SqlSession() = default;
  // What errors call the database ("database F", "PostgreSQL database … on …").
  virtual std::string name() const = 0;
  // One statement with $1, $2 … placeholders bound to text values.
  virtual std::vector<Row> query(const std::string& sql,
                                 const std::vector<std::string>& params = {}) = 0;
  // The identity tables (CREATE … IF NOT EXISTS), several statements.
  virtual void create_tables() = 0;
  // Several statements without parameters (DDL).
  virtual void exec_script(const std::string& sql) = 0;
  // The SQL dialect: PostgreSQL, or SQLite.
  virtual bool postgres() const = 0;
  // A write transaction that excludes every other writer of the audit chain until commit.
  virtual void begin_write() = 0;
  // A read transaction on one snapshot.
  virtual void begin_read() = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;
  // A new version of a layer (the tables of Store, in the same database) written inside the
  // write transaction open on this session: it becomes visible with everything else the
  // transaction wrote when it commits, and not at all when it rolls back.
  virtual std::unique_ptr<LayerWriter> begin_layer_version(const NewLayerVersion& v) = 0;
};

std::unique_ptr<IdentityStore> make_sql_identity_store(std::unique_ptr<SqlSession> session);

// A session on the database at `location` (a SQLite file, or "pg:…" / "postgresql://…"), with
// the layer tables set up (and, when options.create, the file made).
std::unique_ptr<SqlSession> open_sql_session(const std::string& location,
                                             const OpenOptions& options = {});

// The current time as the audit log and the project store write it: UTC, ISO 8601, microseconds.
std::string now_iso8601();

// Appends one entry to the audit chain inside the caller's write transaction (begin_write),
// which is what keeps the chain from forking.
AuditEntry append_audit_entry(SqlSession& session, const AuditRecord& record);

}  // namespace gz::storage
