// Implementation progress, field inspections, photos, acceptance and performance evaluation
// (DESIGN.md §2.3 实施/巡查/验收/绩效评价, §2.10):
// - milestones per project (name, planned date, actual date, percent 0–100, weight), created by
//   the lead department or an implementer (township, village collective, investor with a grant
//   over the project's region) from approval on; progress updates during implementation
//   (audited, event "progress.reported");
// - progress reports and field inspections (巡查) with text, GPS points (CGCS2000 lon/lat) and
//   photos. A point inside the project area is accepted; a point up to kGpsToleranceM metres
//   outside (GPS error on the boundary) is accepted and flagged (outside_area, distance_m); a
//   point farther out refuses the whole report (400 point_outside_area naming the point);
// - photos (JPEG/PNG, at most kMaxPhotoBytes, type checked by magic bytes against the declared
//   type) stored content-addressed (SHA-256) in the database: the same photo twice is one blob;
// - guards on the lifecycle: `complete` needs at least one milestone and every milestone at
//   100%; `accept` needs the acceptance indicators met; `evaluate` needs an achieved value for
//   every planned indicator;
// - the indicator system of data/evaluation_indicators.json: planned vs achieved, scores, a
//   total score comparable across projects.
// Visibility as in ProjectService: a project outside the user's grants is NotFoundError (404).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/identity.h"
#include "services/projects.h"
#include "storage/project_store.h"

namespace gz::services {

constexpr std::size_t kMaxPhotoBytes = 10 * 1024 * 1024;

// The DDL of the milestone table (ProjectStore::ensure_tables form). ProgressService makes it;
// parts that refer to milestones by id (funds: a disbursement request names one) make sure of
// it too, whichever service a server starts first.
extern const char* const kMilestoneTables;
constexpr double kGpsToleranceM = 100.0;

// ---- indicators ---------------------------------------------------------------------------------

struct IndicatorDef {
  std::string key, name_zh, name_en;
  std::string unit;    // m2 | fen_per_mu | households | percent
  bool higher_is_better = true;
  double weight = 1;
  std::optional<double> acceptance_min_score;  // set: acceptance needs score >= this
  bool integer() const { return unit == "fen_per_mu" || unit == "households"; }
};

class IndicatorTable {
 public:
  // data/evaluation_indicators.json, read once.
  static const IndicatorTable& standard();
  // Throws Error naming `origin` and the indicator when malformed.
  static IndicatorTable parse(const std::string& json_text, const std::string& origin);
  const std::vector<IndicatorDef>& indicators() const { return indicators_; }
  const IndicatorDef* find(const std::string& key) const;

 private:
  std::vector<IndicatorDef> indicators_;
};

struct IndicatorScore {
  IndicatorDef def;
  std::optional<double> planned, achieved;
  std::optional<double> score;  // 0–1; none without a planned value > 0 and an achieved value
  bool meets_acceptance = true;  // for indicators acceptance does not need: true
};

struct Evaluation {
  std::vector<IndicatorScore> indicators;
  std::optional<double> total_score;  // 0–100, rounded to 0.01; none when nothing is scored
  bool acceptance_met = false;
  std::vector<std::string> acceptance_failures_zh, acceptance_failures_en;
};

// The arithmetic alone: scores of planned vs achieved values by the table.
Evaluation score_indicators(const IndicatorTable& table, const std::map<std::string, double>& planned,
                            const std::map<std::string, double>& achieved);

// ---- records ------------------------------------------------------------------------------------

struct MilestoneRecord {
  std::int64_t id = 0, project_id = 0;
  std::string name, planned_date, actual_date;  // YYYY-MM-DD; actual "" until reached
  std::int64_t percent = 0, weight = 1;
  std::string created_by, created_at, updated_at;
};

struct NewMilestone {
  std::string name, planned_date;
  std::int64_t weight = 1;
};

struct ProgressUpdate {
  std::int64_t percent = 0;
  std::string actual_date;  // at 100%: defaults to today (UTC); below 100%: must be empty
  std::string comment;      // needed when the percent goes down
};

struct GpsPoint {
  double lon = 0, lat = 0;
};

struct CheckedPoint {
  double lon = 0, lat = 0;
  bool inside = true;
  double distance_m = 0;  // from the project area, 0 inside
};

struct ReportRecord {
  std::int64_t id = 0, project_id = 0;
  std::string kind;  // report | inspection
  std::string text;
  std::vector<CheckedPoint> points;
  std::vector<std::string> photos;  // SHA-256 hex of photos of the project
  std::int64_t milestone_id = 0;    // 0: none
  bool outside_area = false;        // some point within the tolerance outside the area
  std::string author, created_at;
};

struct NewReport {
  std::string kind = "report", text;
  std::vector<GpsPoint> points;
  std::vector<std::string> photos;
  std::int64_t milestone_id = 0;
};

struct PhotoRecord {
  std::int64_t project_id = 0;
  std::string sha256, content_type;
  std::int64_t size = 0;
  std::string uploaded_by, uploaded_at;
  bool created = false;  // false: the project already had this photo
};

struct Photo {
  std::string sha256, content_type, bytes;
};

struct ProjectEvaluation {
  storage::ProjectRecord project;
  Evaluation evaluation;
};

// The content type the bytes are by their magic bytes ("image/jpeg", "image/png"), or "".
std::string sniff_image_type(const std::string& bytes);

class ProgressService {
 public:
  // Makes the tables and adds the guards to `projects`' transitions.
  ProgressService(storage::ProjectStore& store, ProjectService& projects,
                  const IndicatorTable& indicators = IndicatorTable::standard(),
                  Clock clock = system_clock_seconds);

  std::vector<MilestoneRecord> milestones(const User& user, std::int64_t project_id);
  MilestoneRecord add_milestone(const User& user, std::int64_t project_id, const NewMilestone& m);
  MilestoneRecord report_progress(const User& user, std::int64_t project_id,
                                  std::int64_t milestone_id, const ProgressUpdate& u);
  // Weighted mean percent of the milestones (0 without any).
  static double overall_percent(const std::vector<MilestoneRecord>& milestones);

  std::vector<ReportRecord> reports(const User& user, std::int64_t project_id);
  ReportRecord file_report(const User& user, std::int64_t project_id, const NewReport& r);

  PhotoRecord upload_photo(const User& user, std::int64_t project_id,
                           const std::string& declared_type, const std::string& bytes);
  // What upload_photo checks before it looks at the bytes (declared type, the project visible,
  // the user's role, the project's state), so that a server can refuse an upload from its
  // header alone, before reading the body; throws as upload_photo would.
  void check_photo_upload(const User& user, std::int64_t project_id, const std::string& declared_type);
  Photo photo(const User& user, std::int64_t project_id, const std::string& sha256);
  std::vector<PhotoRecord> photos(const User& user, std::int64_t project_id);

  ProjectEvaluation evaluation(const User& user, std::int64_t project_id);
  // Planned values (lead department, approved…implementation) or achieved values (lead
  // department or implementers, implementation or completed); merged into the stored ones.
  ProjectEvaluation set_indicators(const User& user, std::int64_t project_id, bool achieved,
                                   const std::map<std::string, double>& values);
  // Every project the user may see, best total score first (unscored last).
  std::vector<ProjectEvaluation> evaluations(const User& user);

  const IndicatorTable& indicators() const { return indicators_; }

 private:
  Evaluation evaluate(storage::ProjectTx& tx, std::int64_t project_id);
  std::string today();

  storage::ProjectStore& store_;
  ProjectService& projects_;
  const IndicatorTable& indicators_;
  Clock clock_;
};

}  // namespace gz::services
