// Whether a table of the current database has a column (false when the table is missing), on
// either backend: for parts that read another part's table, and for column migrations.
#pragma once

#include <string>

#include "storage/sql_identity_store.h"

namespace gz::storage {

inline bool has_column(SqlSession& s, const std::string& table, const std::string& column) {
  auto rows = s.query(s.postgres() ? "SELECT count(*) FROM information_schema.columns WHERE "
                                     "table_schema = current_schema() AND table_name = $1 AND "
                                     "column_name = $2"
                                   : "SELECT count(*) FROM pragma_table_info($1) WHERE name = $2",
                      {table, column});
  return rows.at(0).at(0) != "0";
}

}  // namespace gz::storage
