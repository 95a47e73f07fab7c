// The imagery tables in the PostgreSQL schema of a store (storage/imagery_store.h).
#pragma once

#include <memory>
#include <string>

#include "storage/imagery_store.h"

namespace gz::storage {

std::unique_ptr<ImageryStore> open_pg_imagery_store(const std::string& location,
                                                    const OpenOptions& options);

}  // namespace gz::storage
