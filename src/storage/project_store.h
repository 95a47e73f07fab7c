// Projects and their joint review in storage: the project library (项目库), each project's plan,
// its compliance result, the lifecycle history, the reviews departments owe and give, the
// conditions they attach (tracked obligations), and the event feed live updates are made from.
// Same database as the layers and identity (SQLite file or PostgreSQL schema); the SQL is
// written once for both. Work happens in transactions: write() serialises every writer with the
// audit chain (one lock), so what a guard reads still holds when the change commits, and each
// change appends its audit entry in the same transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "domain/project.h"
#include "storage/identity_store.h"
#include "storage/store.h"

namespace gz::storage {

class SqlSession;

struct ProjectRecord {
  std::int64_t id = 0;
  std::string code;  // XM2026-001 …, unique
  std::string name, type;
  std::string region_code;  // the township or village it lies in
  ProjectState state = ProjectState::draft;
  std::string created_by, created_at, updated_at;
  std::int64_t row_version = 1;  // +1 on every change: optimistic concurrency for edits
  // {"area": GeoJSON geometry (EPSG:4490), "changes": [{"geometry", "from_code", "to_code",
  // "measure"}]}; its SHA-256 in plan_hash.
  std::string plan_json = "{}";
  std::string plan_hash;
  double area_m2 = 0;
  // The last compliance check: its JSON result and the plan_hash it was run on.
  std::string compliance_json;
  std::string compliance_plan_hash;
  std::string compliance_at;
  std::int64_t review_round = 0;  // joint reviews started so far
  std::int64_t notice_days = 0;
  std::string notice_starts, notice_ends;  // ISO 8601 UTC
};

struct ReviewRecord {
  std::int64_t id = 0;
  std::int64_t project_id = 0;
  std::int64_t round = 0;
  std::string department;
  std::string required_because;  // JSON array of reasons ("project_type:农用地整理", …)
  std::string decision;          // "" while pending; approve | approve_with_conditions | reject
  std::string opinion;           // the department's reasons
  std::string reviewer, decided_at;
};

struct ObligationRecord {
  std::int64_t id = 0;
  std::int64_t project_id = 0;
  std::int64_t review_id = 0;
  std::string department, text;
  std::string status = "open";  // open | fulfilled
  std::string created_at, fulfilled_by, fulfilled_at, evidence;
};

// The lead department's acknowledgement of one warning finding, with its reason. It applies to
// the finding as it was (finding_key: the rule, the feature, the area, the plan checked); a plan
// change or a re-check that no longer finds it clears it (cleared_at, cleared_because).
struct AcknowledgementRecord {
  std::int64_t id = 0;
  std::int64_t project_id = 0;
  std::string finding_key, rule, feature;
  double area_m2 = 0;
  std::string plan_hash, reason, actor, time;
  std::string cleared_at, cleared_because;  // "" while it holds
};

struct TransitionRecord {
  std::int64_t id = 0;
  std::int64_t project_id = 0;
  std::string action, from_state, to_state, actor, time, comment;
};

// One thing that happened, for the live feed (SSE): who may see it is decided from its region,
// department and project when it is read.
struct EventRecord {
  std::int64_t seq = 0;
  std::string time, kind;  // "review.requested", "project.transition", …
  std::int64_t project_id = 0;
  std::string region_code, department;
  std::string payload = "{}";  // JSON object
};

// The operations of one transaction.
class ProjectTx {
 public:
  explicit ProjectTx(SqlSession& s, bool write = true) : s_(s), write_(write) {}
  std::optional<ProjectRecord> project(std::int64_t id);
  std::optional<ProjectRecord> project_by_code(const std::string& code);
  // All projects, by id; `region_prefixes` limits them to regions under any of the prefixes
  // (nullopt = no limit, an empty list = none). Without `documents` the records leave out the
  // plan (plan_json "") and the compliance result (compliance_json "{}" when there is one, ""
  // when not): what a list shows, without reading every plan's geometry.
  std::vector<ProjectRecord> projects(const std::optional<std::vector<std::string>>& region_prefixes,
                                      bool documents = true);
  ProjectRecord insert_project(ProjectRecord p);
  // Writes every field of p (by id) and bumps row_version; returns the stored record.
  ProjectRecord update_project(const ProjectRecord& p);
  std::int64_t next_code_number(const std::string& prefix);

  std::vector<ReviewRecord> reviews(std::int64_t project_id);
  ReviewRecord insert_review(ReviewRecord r);
  void update_review(const ReviewRecord& r);

  std::vector<ObligationRecord> obligations(std::int64_t project_id);
  ObligationRecord insert_obligation(ObligationRecord o);
  void update_obligation(const ObligationRecord& o);

  // Every acknowledgement of the project, cleared ones too, oldest first.
  std::vector<AcknowledgementRecord> acknowledgements(std::int64_t project_id);
  AcknowledgementRecord insert_acknowledgement(AcknowledgementRecord a);
  // Marks the project's acknowledgements that still hold and whose key is not in `keep` as
  // cleared now, with `because`; returns them.
  std::vector<AcknowledgementRecord> clear_acknowledgements(std::int64_t project_id,
                                                            const std::vector<std::string>& keep,
                                                            const std::string& because);

  std::vector<TransitionRecord> transitions(std::int64_t project_id);
  TransitionRecord insert_transition(TransitionRecord t);

  EventRecord insert_event(EventRecord e);
  AuditEntry audit(const AuditRecord& r);
  std::string now();  // ISO 8601 UTC, microseconds
  // A new version of a layer of the spatial store (same database) written in this transaction:
  // it appears together with the project-side records and audit entry that explain it, or not
  // at all. Read what the version is made from before starting it (a scan of the same layer
  // through a Store waits for nothing, but sees only what is committed). commit() on the writer
  // finishes the version; it is visible once this transaction commits. Write transactions only.
  std::unique_ptr<LayerWriter> begin_layer_version(const NewLayerVersion& v);
  // The session itself, for the tables other parts of the platform keep in the same
  // transaction (funds, participation, progress).
  SqlSession& session() { return s_; }

 private:
  SqlSession& s_;
  bool write_;
};

class ProjectStore {
 public:
  // Same locations as Store::open. Makes the tables when missing.
  static std::unique_ptr<ProjectStore> open(const std::string& location,
                                            const OpenOptions& options = {});
  explicit ProjectStore(std::unique_ptr<SqlSession> session);
  ~ProjectStore();

  // One write transaction: commits when fn returns, rolls back when it throws (and rethrows).
  template <class F>
  auto write(F&& fn) {
    using R = decltype(fn(std::declval<ProjectTx&>()));
    if constexpr (std::is_void_v<R>) {
      run(true, [&](ProjectTx& tx) { fn(tx); });
    } else {
      std::optional<R> out;
      run(true, [&](ProjectTx& tx) { out.emplace(fn(tx)); });
      return std::move(*out);
    }
  }
  // One read-only transaction on one snapshot.
  template <class F>
  auto read(F&& fn) {
    using R = decltype(fn(std::declval<ProjectTx&>()));
    if constexpr (std::is_void_v<R>) {
      run(false, [&](ProjectTx& tx) { fn(tx); });
    } else {
      std::optional<R> out;
      run(false, [&](ProjectTx& tx) { out.emplace(fn(tx)); });
      return std::move(*out);
    }
  }

  // More tables in the same database, made when missing: DDL written once for both dialects,
  // with "{id}" for an auto-numbered bigint primary key.
  void ensure_tables(const std::string& ddl);

  // Events after `seq`, oldest first, at most `limit`.
  std::vector<EventRecord> events_after(std::int64_t seq, std::size_t limit = 1000);
  std::int64_t last_event_seq();

 private:
  void run(bool write, const std::function<void(ProjectTx&)>& fn);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gz::storage
