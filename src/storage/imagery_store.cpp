#include "storage/imagery_store.h"

#include "storage/postgres/pg_imagery_store.h"
#include "storage/postgres/pg_store.h"
#include "storage/sqlite/sqlite_imagery_store.h"

namespace gz::storage {

std::unique_ptr<ImageryStore> ImageryStore::open(const std::string& location,
                                                 const OpenOptions& options) {
  if (is_postgres_location(location)) return open_pg_imagery_store(location, options);
  return open_sqlite_imagery_store(location, options);
}

}  // namespace gz::storage
