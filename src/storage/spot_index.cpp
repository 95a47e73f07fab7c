#include "storage/spot_index.h"

#include "common/error.h"
#include "storage/postgres/pg_store.h"
#include "storage/sqlite/sqlite_store.h"

namespace gz::storage {

std::vector<StoredFeature> find_by_bsm(Store& store, const LayerVersion& v, const std::string& bsm) {
  if (auto* s = dynamic_cast<SqliteStore*>(&store)) return s->find_by_bsm(v, bsm);
  if (auto* p = dynamic_cast<PgStore*>(&store)) return p->find_by_bsm(v, bsm);
  throw StorageError("this store cannot look spots up by BSM");
}

}  // namespace gz::storage
