// A PostgreSQL store built aside and put in place whole (gongzhi demo --out pg:…): the build
// goes into a fresh schema of its own, and publishing moves every table, sequence and function
// of it into the target schema (the current schema of the target location) in one transaction,
// replacing the target's objects of the same names. Until then the target is untouched; a
// failed build leaves nothing behind but its own schema, which discard() drops.
#pragma once

#include <string>

namespace gz::storage {

class PgStaging {
 public:
  // Connects to `target` (a "pg:…" or "postgresql://…" location) and makes the staging schema.
  explicit PgStaging(const std::string& target);
  ~PgStaging();  // drops the staging schema unless it was published
  PgStaging(const PgStaging&) = delete;
  PgStaging& operator=(const PgStaging&) = delete;

  // Whether the target schema holds a gongzhi store already (its table meta).
  bool target_exists() const;
  // What errors call the target ("PostgreSQL database gongzhi on … (schema s)").
  const std::string& target_name() const { return target_name_; }
  // Where to build: the target's connection with the staging schema as its search_path.
  const std::string& location() const { return location_; }
  // Moves the staged store into the target schema, in one transaction (ConflictError when the
  // target holds a store and `replace` is false: then nothing changes).
  void publish(bool replace);
  // Drops the staging schema (also done by the destructor).
  void discard() noexcept;

 private:
  std::string conninfo_, target_schema_, target_name_, staging_, location_;
  bool done_ = false;
};

}  // namespace gz::storage
