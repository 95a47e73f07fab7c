// A project row written straight into the project store (no plan, no checks, no audit entry):
// for tests that need a project in a given state without walking the lifecycle to it.
#pragma once

#include <cstdint>
#include <string>

#include "domain/project.h"
#include "storage/project_store.h"
#include "storage/sql_identity_store.h"

namespace gz::test {

struct ProjectSeed {
  std::string code, name, region_code;
  ProjectState state = ProjectState::implementation;
  std::string type = "农用地整理";
  std::string created_by = "zhen";
};

// Inserts `s` in `tx`; the new project's id.
inline std::int64_t seed_project(storage::ProjectTx& tx, const ProjectSeed& s) {
  storage::ProjectRecord p;
  p.code = s.code;
  p.name = s.name;
  p.type = s.type;
  p.region_code = s.region_code;
  p.state = s.state;
  p.created_by = s.created_by;
  p.created_at = p.updated_at = tx.now();
  p.plan_hash = "none";
  return tx.insert_project(p).id;
}

// A progress milestone of project `project_id` (planned for 2026-12-31, by zhen) inserted in
// `tx` (the milestone tables must exist: ProjectStore::ensure_tables(kMilestoneTables)); its id.
inline std::int64_t seed_milestone(storage::ProjectTx& tx, std::int64_t project_id,
                                   const std::string& name) {
  return std::stoll(tx.session()
                        .query("INSERT INTO progress_milestones(project_id, name, planned_date, "
                               "created_by, created_at, updated_at) VALUES($1, $2, '2026-12-31', "
                               "'zhen', $3, $3) RETURNING id",
                               {std::to_string(project_id), name, tx.now()})
                        .at(0)
                        .at(0));
}

}  // namespace gz::test
