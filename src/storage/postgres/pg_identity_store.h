// The identity store on PostgreSQL, in the same schema as PgStore's tables.
#pragma once

#include <memory>
#include <string>

#include "storage/identity_store.h"

namespace gz::storage {

class SqlSession;
std::unique_ptr<SqlSession> open_pg_session(const std::string& location, const OpenOptions& options);
// A session for read transactions (begin_read … commit): with read replicas configured
// (postgres/pg_replicas.h) each runs on a standby that has replayed this process's writes, or
// else on the primary. Anything outside a read transaction runs on the primary.
std::unique_ptr<SqlSession> open_pg_read_session(const std::string& location,
                                                 const OpenOptions& options);
std::unique_ptr<IdentityStore> open_pg_identity_store(const std::string& location,
                                                      const OpenOptions& options);
// For storage/write_session.h: `session`'s own audit chain, or 0 when it is no PostgreSQL
// session; and the exclusive schema-setup transaction begun on it (false: no PostgreSQL session).
int pg_audit_chain(SqlSession& session);
bool pg_begin_exclusive(SqlSession& session);

}  // namespace gz::storage
