// The imagery tables in the SQLite file of a store (storage/imagery_store.h).
#pragma once

#include <memory>
#include <string>

#include "storage/imagery_store.h"

namespace gz::storage {

std::unique_ptr<ImageryStore> open_sqlite_imagery_store(const std::string& path,
                                                        const OpenOptions& options);

}  // namespace gz::storage
