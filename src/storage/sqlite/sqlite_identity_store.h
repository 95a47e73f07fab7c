// The identity store in the embedded SQLite file, next to the layers (same file as SqliteStore).
#pragma once

#include <memory>
#include <string>

#include "storage/identity_store.h"

namespace gz::storage {

class SqlSession;
std::unique_ptr<SqlSession> open_sqlite_session(const std::string& path, const OpenOptions& options);
std::unique_ptr<IdentityStore> open_sqlite_identity_store(const std::string& path,
                                                          const OpenOptions& options);

}  // namespace gz::storage
