// The identity store on PostgreSQL, in the same schema as PgStore's tables.
#pragma once

#include <memory>
#include <string>

#include "storage/identity_store.h"

namespace gz::storage {

class SqlSession;
std::unique_ptr<SqlSession> open_pg_session(const std::string& location, const OpenOptions& options);
std::unique_ptr<IdentityStore> open_pg_identity_store(const std::string& location,
                                                      const OpenOptions& options);

}  // namespace gz::storage
