// A write transaction that lost to a concurrent one (PostgreSQL: a serialization failure or a
// deadlock): nothing of it was written, and the same transaction run again may succeed. The
// storage layer runs it again a few times (retry_write_conflicts, sql_identity_store.h) before
// letting this through, as the StorageError it is.
#pragma once

#include "common/error.h"

namespace gz::storage {

class WriteConflict : public StorageError {
 public:
  using StorageError::StorageError;
};

}  // namespace gz::storage
