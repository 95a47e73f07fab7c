#include "services/progress.h"

#include <sodium.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <ctime>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "common/data_dir.h"
#include "common/base64.h"
#include "common/error.h"
#include "common/sha256.h"
#include "services/request_text.h"
#include "geo/geometry.h"
#include "storage/sql_identity_store.h"

namespace gz::services {

const char* const kMilestoneTables = R"sql(
CREATE TABLE IF NOT EXISTS progress_milestones(
  id {id}, project_id bigint NOT NULL, name text NOT NULL, planned_date text NOT NULL,
  actual_date text NOT NULL DEFAULT '', percent bigint NOT NULL DEFAULT 0,
  weight bigint NOT NULL DEFAULT 1, created_by text NOT NULL, created_at text NOT NULL,
  updated_at text NOT NULL, UNIQUE(project_id, name));
)sql";

using storage::ProjectRecord;
using storage::ProjectTx;

namespace {

using json = nlohmann::json;

constexpr const char* kTables = R"sql(
CREATE TABLE IF NOT EXISTS progress_reports(
  id {id}, project_id bigint NOT NULL, kind text NOT NULL, body text NOT NULL,
  points_json text NOT NULL, photos_json text NOT NULL, milestone_id bigint NOT NULL DEFAULT 0,
  outside_area bigint NOT NULL DEFAULT 0, author text NOT NULL, created_at text NOT NULL);
CREATE INDEX IF NOT EXISTS progress_reports_by_project ON progress_reports(project_id);
CREATE TABLE IF NOT EXISTS progress_blobs(
  sha256 text PRIMARY KEY, content_type text NOT NULL, size bigint NOT NULL,
  data_base64 text NOT NULL, created_at text NOT NULL);
CREATE TABLE IF NOT EXISTS progress_photos(
  id {id}, project_id bigint NOT NULL, sha256 text NOT NULL, uploaded_by text NOT NULL,
  uploaded_at text NOT NULL, UNIQUE(project_id, sha256));
CREATE TABLE IF NOT EXISTS progress_indicators(
  project_id bigint NOT NULL, indicator text NOT NULL, planned text NOT NULL DEFAULT '',
  achieved text NOT NULL DEFAULT '', updated_by text NOT NULL, updated_at text NOT NULL,
  PRIMARY KEY(project_id, indicator));
)sql";

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }


std::int64_t to_int(const std::string& s) { return s.empty() ? 0 : std::stoll(s); }


// YYYY-MM-DD, a real calendar day.
std::string checked_date(const std::string& value, const char* field) {
  auto bad = [&] {
    return InvalidRequest("invalid_date", std::string("字段 ") + field + " 应为日期 YYYY-MM-DD",
                          std::string("field ") + field + " must be a date YYYY-MM-DD, not '" +
                              value.substr(0, 40) + "'");
  };
  if (value.size() != 10 || value[4] != '-' || value[7] != '-') throw bad();
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u})
    if (value[i] < '0' || value[i] > '9') throw bad();
  int y = std::stoi(value.substr(0, 4)), m = std::stoi(value.substr(5, 2)), d = std::stoi(value.substr(8, 2));
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (y < 1990 || y > 2100 || m < 1 || m > 12 || d < 1 || d > days[m - 1] + (m == 2 && leap ? 1 : 0))
    throw bad();
  return value;
}

const std::vector<Role>& implementer_roles() {
  static const std::vector<Role> r = {Role::lead_department, Role::township,
                                      Role::village_collective, Role::investor};
  return r;
}
const std::vector<Role>& inspector_roles() {
  static const std::vector<Role> r = {Role::lead_department, Role::township, Role::leader_group,
                                      Role::co_reviewing_department, Role::expert};
  return r;
}

bool in_states(ProjectState s, std::initializer_list<ProjectState> states) {
  return std::find(states.begin(), states.end(), s) != states.end();
}

[[noreturn]] void wrong_state(const ProjectRecord& p, const std::string& what_zh,
                              const std::string& what_en) {
  throw RuleError("invalid_state",
                  "项目处于“" + std::string(chinese_name(p.state)) + "”状态，不能" + what_zh,
                  "a project in state " + std::string(to_string(p.state)) + " cannot " + what_en);
}

ProjectRecord visible(ProjectTx& tx, const User& user, std::int64_t id) {
  auto p = tx.project(id);
  if (!p || !may_see_project(user, *p))
    throw NotFoundError("project " + std::to_string(id) + " does not exist");
  return *p;
}

void require_roles(const User& user, const std::vector<Role>& roles, const ProjectRecord& p,
                   const std::string& what_zh, const std::string& what_en) {
  if (!has_grant_over(user, roles, p.region_code))
    throw Forbidden("not_permitted", "您的角色或辖区不能" + what_zh,
                    "your roles and jurisdiction do not allow you to " + what_en);
}

MilestoneRecord milestone_of(const storage::SqlSession::Row& r) {
  MilestoneRecord m;
  m.id = to_int(r[0]);
  m.project_id = to_int(r[1]);
  m.name = r[2];
  m.planned_date = r[3];
  m.actual_date = r[4];
  m.percent = to_int(r[5]);
  m.weight = to_int(r[6]);
  m.created_by = r[7];
  m.created_at = r[8];
  m.updated_at = r[9];
  return m;
}

constexpr const char* kMilestoneColumns =
    "id, project_id, name, planned_date, actual_date, percent, weight, created_by, created_at, "
    "updated_at";

std::vector<MilestoneRecord> load_milestones(ProjectTx& tx, std::int64_t project_id) {
  std::vector<MilestoneRecord> out;
  for (const auto& r : tx.session().query(std::string("SELECT ") + kMilestoneColumns +
                                              " FROM progress_milestones WHERE project_id = $1 "
                                              "ORDER BY planned_date, id",
                                          {std::to_string(project_id)}))
    out.push_back(milestone_of(r));
  return out;
}

ReportRecord report_of(const storage::SqlSession::Row& r) {
  ReportRecord x;
  x.id = to_int(r[0]);
  x.project_id = to_int(r[1]);
  x.kind = r[2];
  x.text = r[3];
  for (const auto& p : json::parse(r[4]))
    x.points.push_back({p["lon"].get<double>(), p["lat"].get<double>(), p["inside"].get<bool>(),
                        p["distance_m"].get<double>()});
  for (const auto& s : json::parse(r[5])) x.photos.push_back(s.get<std::string>());
  x.milestone_id = to_int(r[6]);
  x.outside_area = to_int(r[7]) != 0;
  x.author = r[8];
  x.created_at = r[9];
  return x;
}

// Distance in metres from (lon, lat) to the boundary of a lon/lat polygonal geometry, in a local
// equirectangular frame around the point (good to well under a metre at these distances).
double distance_to_rings_m(const geo::Geometry& area, double lon, double lat) {
  constexpr double kPi = 3.14159265358979323846;
  const double my = 6378137.0 * kPi / 180.0;  // metres per degree of latitude (approx.)
  const double mx = my * std::cos(lat * kPi / 180.0);
  double best = std::numeric_limits<double>::infinity();
  area.for_each_polygon([&](const std::vector<geo::Ring>& rings) {
    for (const auto& ring : rings)
      for (std::size_t i = 0; i < ring.size(); ++i) {
        const auto& a = ring[i];
        const auto& b = ring[(i + 1) % ring.size()];
        double ax = (a.first - lon) * mx, ay = (a.second - lat) * my;
        double bx = (b.first - lon) * mx, by = (b.second - lat) * my;
        double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
        double t = len2 > 0 ? std::clamp(-(ax * dx + ay * dy) / len2, 0.0, 1.0) : 0.0;
        double px = ax + t * dx, py = ay + t * dy;
        best = std::min(best, std::sqrt(px * px + py * py));
      }
  });
  return best;
}

std::string number_text(double v, bool integer) {
  if (integer) return std::to_string(static_cast<long long>(v));
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string format_point(double lon, double lat) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "(%.6f, %.6f)", lon, lat);
  return buf;
}

}  // namespace

// ---- indicators ---------------------------------------------------------------------------------

const IndicatorTable& IndicatorTable::standard() {
  static const IndicatorTable t = [] {
    std::string path = data_dir() + "/evaluation_indicators.json";
    return parse(read_file(path), path);
  }();
  return t;
}

IndicatorTable IndicatorTable::parse(const std::string& text, const std::string& origin) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw Error(origin + ": not valid JSON: " + e.what());
  }
  if (!j.is_object() || !j.contains("indicators") || !j["indicators"].is_array())
    throw Error(origin + ": needs an array 'indicators'");
  IndicatorTable t;
  std::set<std::string> keys;
  for (const auto& i : j["indicators"]) {
    IndicatorDef d;
    try {
      d.key = i.at("key").get<std::string>();
      d.name_zh = i.at("name_zh").get<std::string>();
      d.name_en = i.at("name_en").get<std::string>();
      d.unit = i.at("unit").get<std::string>();
      auto better = i.at("better").get<std::string>();
      if (better != "higher" && better != "lower")
        throw Error("better must be 'higher' or 'lower'");
      d.higher_is_better = better == "higher";
      d.weight = i.at("weight").get<double>();
      if (i.contains("acceptance_min_score")) d.acceptance_min_score = i["acceptance_min_score"].get<double>();
    } catch (const std::exception& e) {
      throw Error(origin + ": indicator '" + d.key + "': " + e.what());
    }
    if (d.unit != "m2" && d.unit != "fen_per_mu" && d.unit != "households" && d.unit != "percent")
      throw Error(origin + ": indicator '" + d.key + "': unknown unit '" + d.unit + "'");
    if (!(d.weight > 0) || (d.acceptance_min_score && (*d.acceptance_min_score < 0 || *d.acceptance_min_score > 1)))
      throw Error(origin + ": indicator '" + d.key + "': weight must be > 0, acceptance_min_score 0–1");
    if (!keys.insert(d.key).second) throw Error(origin + ": indicator '" + d.key + "' twice");
    t.indicators_.push_back(d);
  }
  return t;
}

const IndicatorDef* IndicatorTable::find(const std::string& key) const {
  for (const auto& d : indicators_)
    if (d.key == key) return &d;
  return nullptr;
}

Evaluation score_indicators(const IndicatorTable& table, const std::map<std::string, double>& planned,
                            const std::map<std::string, double>& achieved) {
  Evaluation e;
  double weighted = 0, weights = 0;
  for (const auto& d : table.indicators()) {
    IndicatorScore s;
    s.def = d;
    if (auto it = planned.find(d.key); it != planned.end()) s.planned = it->second;
    if (auto it = achieved.find(d.key); it != achieved.end()) s.achieved = it->second;
    if (s.planned && s.achieved && *s.planned > 0) {
      double ratio;
      if (d.higher_is_better)
        ratio = *s.achieved / *s.planned;
      else
        ratio = *s.achieved <= 0 ? 1.0 : *s.planned / *s.achieved;
      s.score = std::clamp(ratio, 0.0, 1.0);
      weighted += d.weight * *s.score;
      weights += d.weight;
    }
    if (d.acceptance_min_score) {
      std::string why_zh, why_en;
      if (!s.planned) {
        why_zh = "未设定计划值";
        why_en = "has no planned value";
      } else if (!s.achieved) {
        why_zh = "未填报实际完成值";
        why_en = "has no achieved value";
      } else if (s.score && *s.score + 1e-9 < *d.acceptance_min_score) {
        char buf[96];
        std::snprintf(buf, sizeof buf, "%.1f%%", *s.score * 100);
        std::string need = std::to_string(static_cast<int>(std::lround(*d.acceptance_min_score * 100))) + "%";
        why_zh = std::string("完成度 ") + buf + "，低于验收要求 " + need;
        why_en = std::string("scores ") + buf + ", below the " + need + " acceptance needs";
      }
      if (!why_zh.empty()) {
        s.meets_acceptance = false;
        e.acceptance_failures_zh.push_back(d.name_zh + why_zh);
        e.acceptance_failures_en.push_back(d.name_en + " " + why_en);
      }
    }
    e.indicators.push_back(s);
  }
  if (weights > 0) e.total_score = std::round(weighted / weights * 100 * 100) / 100;
  e.acceptance_met = e.acceptance_failures_en.empty();
  return e;
}

std::string sniff_image_type(const std::string& b) {
  if (b.size() >= 3 && static_cast<unsigned char>(b[0]) == 0xFF &&
      static_cast<unsigned char>(b[1]) == 0xD8 && static_cast<unsigned char>(b[2]) == 0xFF)
    return "image/jpeg";
  static const unsigned char png[] = {0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A};
  if (b.size() >= 8 && std::equal(png, png + 8, reinterpret_cast<const unsigned char*>(b.data())))
    return "image/png";
  return "";
}

// ---- the service --------------------------------------------------------------------------------

ProgressService::ProgressService(storage::ProjectStore& store, ProjectService& projects,
                                 const IndicatorTable& indicators, Clock clock)
    : store_(store), projects_(projects), indicators_(indicators), clock_(std::move(clock)) {
  store_.ensure_tables(kMilestoneTables);
  store_.ensure_tables(kTables);
  projects_.add_guard(ProjectAction::complete, [](ProjectTx& tx, const ProjectRecord& p) {
    auto ms = load_milestones(tx, p.id);
    if (ms.empty())
      throw RuleError("no_milestones", "项目尚无进度节点，不能竣工",
                      "the project has no milestones; it cannot be completed");
    for (const auto& m : ms)
      if (m.percent < 100)
        throw RuleError("milestones_open",
                        "进度节点“" + m.name + "”完成 " + std::to_string(m.percent) + "%，尚不能竣工",
                        "milestone '" + m.name + "' is at " + std::to_string(m.percent) +
                            "%; every milestone must be at 100% before completion");
  });
  projects_.add_guard(ProjectAction::accept, [this](ProjectTx& tx, const ProjectRecord& p) {
    auto e = evaluate(tx, p.id);
    if (!e.acceptance_met) {
      std::string zh, en;
      for (std::size_t i = 0; i < e.acceptance_failures_en.size(); ++i) {
        zh += (i ? "；" : "") + e.acceptance_failures_zh[i];
        en += (i ? "; " : "") + e.acceptance_failures_en[i];
      }
      throw RuleError("acceptance_indicators_not_met", "验收指标未达标：" + zh,
                      "acceptance indicators not met: " + en);
    }
  });
  projects_.add_guard(ProjectAction::evaluate, [this](ProjectTx& tx, const ProjectRecord& p) {
    auto e = evaluate(tx, p.id);
    for (const auto& s : e.indicators)
      if (s.planned && !s.achieved)
        throw RuleError("achieved_values_missing", s.def.name_zh + "尚未填报实际完成值",
                        s.def.name_en + " has a planned value but no achieved value");
  });
}

std::string ProgressService::today() {
  std::time_t t = static_cast<std::time_t>(clock_());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

double ProgressService::overall_percent(const std::vector<MilestoneRecord>& ms) {
  double w = 0, sum = 0;
  for (const auto& m : ms) {
    w += static_cast<double>(m.weight);
    sum += static_cast<double>(m.weight * m.percent);
  }
  return w > 0 ? std::round(sum / w * 10) / 10 : 0;
}

std::vector<MilestoneRecord> ProgressService::milestones(const User& user, std::int64_t id) {
  return store_.read([&](ProjectTx& tx) {
    visible(tx, user, id);
    return load_milestones(tx, id);
  });
}

MilestoneRecord ProgressService::add_milestone(const User& user, std::int64_t id,
                                               const NewMilestone& nm) {
  auto name = checked_text(nm.name, "name", 1, 200);
  auto planned = checked_date(nm.planned_date, "planned_date");
  if (nm.weight < 1 || nm.weight > 100)
    throw InvalidRequest("invalid_weight", "权重应为 1 至 100 的整数", "weight must be an integer 1–100");
  return store_.write([&](ProjectTx& tx) {
    auto p = visible(tx, user, id);
    require_roles(user, implementer_roles(), p, "为该项目设置进度节点", "add milestones to this project");
    if (!in_states(p.state, {ProjectState::approved, ProjectState::public_notice, ProjectState::implementation}))
      wrong_state(p, "设置进度节点", "get new milestones (approved, public notice or implementation only)");
    auto& s = tx.session();
    if (!s.query("SELECT id FROM progress_milestones WHERE project_id = $1 AND name = $2",
                 {std::to_string(id), name})
             .empty())
      throw RuleError("milestone_exists", "进度节点“" + name + "”已存在",
                      "the project already has a milestone named '" + name + "'");
    if (to_int(s.query("SELECT count(*) FROM progress_milestones WHERE project_id = $1",
                       {std::to_string(id)})[0][0]) >= 200)
      throw RuleError("too_many_milestones", "进度节点最多 200 个", "at most 200 milestones per project");
    auto now = tx.now();
    auto rows = s.query(std::string("INSERT INTO progress_milestones(project_id, name, planned_date, "
                                    "actual_date, percent, weight, created_by, created_at, updated_at) "
                                    "VALUES ($1, $2, $3, '', 0, $4, $5, $6, $6) RETURNING ") +
                            kMilestoneColumns,
                        {std::to_string(id), name, planned, std::to_string(nm.weight),
                         actor_of(user), now});
    auto m = milestone_of(rows.at(0));
    tx.audit({actor_of(user), "progress.milestone_add", "project:" + p.code,
              dump({{"milestone", m.id}, {"name", name}, {"planned_date", planned}, {"weight", nm.weight}})});
    tx.insert_event({0, "", "progress.milestone_added", id, p.region_code, "",
                     dump({{"code", p.code}, {"milestone", m.id}, {"name", name}, {"planned_date", planned}})});
    return m;
  });
}

MilestoneRecord ProgressService::report_progress(const User& user, std::int64_t id,
                                                 std::int64_t milestone_id, const ProgressUpdate& u) {
  if (u.percent < 0 || u.percent > 100)
    throw InvalidRequest("invalid_percent", "完成百分比应为 0 至 100 的整数", "percent must be an integer 0–100");
  auto comment = checked_text(u.comment, "comment", 0, 2000);
  std::string actual;
  if (!u.actual_date.empty()) {
    if (u.percent < 100)
      throw InvalidRequest("actual_date_unexpected", "未完成 100% 的节点不能填写实际完成日期",
                           "actual_date is given only when the milestone reaches 100%");
    actual = checked_date(u.actual_date, "actual_date");
    if (actual > today())
      throw InvalidRequest("actual_date_in_future", "实际完成日期不能晚于今天",
                           "actual_date " + actual + " is in the future");
  } else if (u.percent == 100) {
    actual = today();
  }
  return store_.write([&](ProjectTx& tx) {
    auto p = visible(tx, user, id);
    auto& s = tx.session();
    auto rows = s.query(std::string("SELECT ") + kMilestoneColumns +
                            " FROM progress_milestones WHERE id = $1 AND project_id = $2",
                        {std::to_string(milestone_id), std::to_string(id)});
    if (rows.empty()) throw NotFoundError("milestone " + std::to_string(milestone_id) + " does not exist");
    auto before = milestone_of(rows[0]);
    require_roles(user, implementer_roles(), p, "填报该项目的进度", "report progress on this project");
    if (p.state != ProjectState::implementation) wrong_state(p, "填报进度", "take progress reports (implementation only)");
    if (u.percent < before.percent && comment.empty())
      throw InvalidRequest("comment_required", "调低完成百分比须说明理由",
                           "lowering a milestone's percent needs a comment giving the reason");
    auto now = tx.now();
    s.query("UPDATE progress_milestones SET percent = $1, actual_date = $2, updated_at = $3 WHERE id = $4",
            {std::to_string(u.percent), actual, now, std::to_string(milestone_id)});
    auto after = before;
    after.percent = u.percent;
    after.actual_date = actual;
    after.updated_at = now;
    double overall = overall_percent(load_milestones(tx, id));
    json d = {{"milestone", before.id}, {"name", before.name}, {"from", before.percent},
              {"to", u.percent}, {"actual_date", actual}};
    if (!comment.empty()) d["comment"] = comment;
    tx.audit({actor_of(user), "progress.report", "project:" + p.code, dump(d)});
    d["code"] = p.code;
    d["overall_percent"] = overall;
    tx.insert_event({0, "", "progress.reported", id, p.region_code, "", dump(d)});
    return after;
  });
}

std::vector<ReportRecord> ProgressService::reports(const User& user, std::int64_t id) {
  return store_.read([&](ProjectTx& tx) {
    visible(tx, user, id);
    std::vector<ReportRecord> out;
    for (const auto& r : tx.session().query(
             "SELECT id, project_id, kind, body, points_json, photos_json, milestone_id, outside_area, "
             "author, created_at FROM progress_reports WHERE project_id = $1 ORDER BY id",
             {std::to_string(id)}))
      out.push_back(report_of(r));
    return out;
  });
}

ReportRecord ProgressService::file_report(const User& user, std::int64_t id, const NewReport& nr) {
  // Who may file it is known before the report is checked or its points measured: outside the
  // user's grants the project is a 404 whatever the report says (checked again when written).
  auto p0 = projects_.get(user, id);
  if (nr.kind == "report")
    require_roles(user, implementer_roles(), p0, "提交该项目的进度报告", "file progress reports on this project");
  else if (nr.kind == "inspection")
    require_roles(user, inspector_roles(), p0, "记录该项目的巡查", "record inspections of this project");
  else
    throw InvalidRequest("unknown_kind", "kind 应为 report（进度报告）或 inspection（巡查）",
                         "kind must be report or inspection");
  auto text = checked_text(nr.text, "text", 1, 8000);
  if (nr.points.size() > 200)
    throw InvalidRequest("too_many_points", "GPS 点最多 200 个", "at most 200 GPS points");
  if (nr.kind == "inspection" && nr.points.empty())
    throw InvalidRequest("points_required", "巡查记录须至少有一个 GPS 点",
                         "an inspection needs at least one GPS point");
  if (nr.photos.size() > 50) throw InvalidRequest("too_many_photos", "照片最多 50 张", "at most 50 photos");
  for (std::size_t i = 0; i < nr.points.size(); ++i) {
    const auto& pt = nr.points[i];
    if (!std::isfinite(pt.lon) || !std::isfinite(pt.lat) || pt.lon < 73 || pt.lon > 136 ||
        pt.lat < 3 || pt.lat > 54)
      throw InvalidRequest("invalid_point",
                           "points[" + std::to_string(i) + "] 不是中国范围内的经纬度（CGCS2000）",
                           "points[" + std::to_string(i) +
                               "] is not a CGCS2000 longitude/latitude in China (lon 73–136, lat 3–54)");
  }
  std::set<std::string> photo_set;
  for (const auto& h : nr.photos) {
    if (h.size() != 64 || h.find_first_not_of("0123456789abcdef") != std::string::npos)
      throw InvalidRequest("invalid_photo", "photos 应为照片的 SHA-256（64 位小写十六进制）",
                           "photos must list SHA-256 hex digests of uploaded photos");
    photo_set.insert(h);
  }
  // The area check is GEOS work: done outside the write transaction, which writes only if the
  // plan is still the one checked.
  std::vector<CheckedPoint> checked;
  bool outside_area = false;
  if (!nr.points.empty()) {
    json plan = json::parse(p0.plan_json);
    if (!plan.contains("area"))
      throw RuleError("no_plan", "项目尚无项目区范围", "the project has no area");
    auto area = geo::Geometry::from_geojson(plan["area"].dump());
    for (std::size_t i = 0; i < nr.points.size(); ++i) {
      const auto& pt = nr.points[i];
      auto point = geo::Geometry::from_wkt("POINT(" + number_text(pt.lon, false) + " " +
                                           number_text(pt.lat, false) + ")");
      CheckedPoint c{pt.lon, pt.lat, true, 0};
      if (!area.intersects(point)) {
        c.inside = false;
        c.distance_m = std::round(distance_to_rings_m(area, pt.lon, pt.lat) * 10) / 10;
        if (c.distance_m > kGpsToleranceM) {
          std::string where = format_point(pt.lon, pt.lat);
          std::string dist = std::to_string(static_cast<long long>(std::lround(c.distance_m)));
          throw InvalidRequest("point_outside_area",
                               "第 " + std::to_string(i + 1) + " 个定位点 " + where + " 在项目区外 " + dist +
                                   " 米（允许 " + std::to_string(static_cast<int>(kGpsToleranceM)) + " 米）",
                               "points[" + std::to_string(i) + "] " + where + " lies " + dist +
                                   " m outside the project area (tolerance " +
                                   std::to_string(static_cast<int>(kGpsToleranceM)) + " m)");
        }
        outside_area = true;
      }
      checked.push_back(c);
    }
  }
  return store_.write([&](ProjectTx& tx) {
    auto p = visible(tx, user, id);
    if (p.plan_hash != p0.plan_hash)
      throw RuleError("plan_changed", "项目方案已变更，请重新提交", "the project's plan changed; submit again");
    if (nr.kind == "report") {
      require_roles(user, implementer_roles(), p, "提交该项目的进度报告", "file progress reports on this project");
      if (p.state != ProjectState::implementation)
        wrong_state(p, "提交进度报告", "take progress reports (implementation only)");
    } else {
      require_roles(user, inspector_roles(), p, "记录该项目的巡查", "record inspections of this project");
      if (!in_states(p.state, {ProjectState::implementation, ProjectState::completed, ProjectState::accepted,
                               ProjectState::evaluated, ProjectState::maintenance}))
        wrong_state(p, "记录巡查", "be inspected (from implementation on)");
    }
    auto& s = tx.session();
    if (nr.milestone_id != 0 &&
        s.query("SELECT id FROM progress_milestones WHERE id = $1 AND project_id = $2",
                {std::to_string(nr.milestone_id), std::to_string(id)})
            .empty())
      throw InvalidRequest("unknown_milestone", "项目没有该进度节点",
                           "milestone " + std::to_string(nr.milestone_id) + " is not one of this project's");
    for (const auto& h : nr.photos)
      if (s.query("SELECT id FROM progress_photos WHERE project_id = $1 AND sha256 = $2",
                  {std::to_string(id), h})
              .empty())
        throw InvalidRequest("unknown_photo", "照片 " + h.substr(0, 12) + "… 尚未上传到该项目",
                             "photo " + h + " has not been uploaded to this project");
    json points = json::array();
    for (const auto& c : checked)
      points.push_back({{"lon", c.lon}, {"lat", c.lat}, {"inside", c.inside}, {"distance_m", c.distance_m}});
    auto now = tx.now();
    auto rows = s.query(
        "INSERT INTO progress_reports(project_id, kind, body, points_json, photos_json, milestone_id, "
        "outside_area, author, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        {std::to_string(id), nr.kind, text, dump(points), dump(json(nr.photos)),
         std::to_string(nr.milestone_id), outside_area ? "1" : "0", actor_of(user), now});
    ReportRecord r;
    r.id = to_int(rows.at(0)[0]);
    r.project_id = id;
    r.kind = nr.kind;
    r.text = text;
    r.points = checked;
    r.photos = nr.photos;
    r.milestone_id = nr.milestone_id;
    r.outside_area = outside_area;
    r.author = actor_of(user);
    r.created_at = now;
    json d = {{"report", r.id}, {"kind", r.kind}, {"points", points.size()}, {"photos", nr.photos},
              {"outside_area", outside_area}};
    tx.audit({actor_of(user), "progress." + r.kind, "project:" + p.code, dump(d)});
    d["code"] = p.code;
    tx.insert_event({0, "", r.kind == "report" ? "progress.report_filed" : "progress.inspection",
                     id, p.region_code, "", dump(d)});
    return r;
  });
}

namespace {
// The declared Content-Type of a photo, lower case without parameters: image/jpeg or image/png,
// InvalidRequest otherwise.
std::string declared_photo_type(const std::string& declared_type) {
  std::string declared = declared_type.substr(0, declared_type.find(';'));
  while (!declared.empty() && declared.back() == ' ') declared.pop_back();
  for (auto& c : declared) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (declared != "image/jpeg" && declared != "image/png")
    throw InvalidRequest("unsupported_type", "照片须为 JPEG 或 PNG（Content-Type: image/jpeg 或 image/png）",
                         "photos must be sent as image/jpeg or image/png, not '" +
                             declared_type.substr(0, 80) + "'");
  return declared;
}

// Who may add photos to the project, and from which state on: 404 / 403 / 409 otherwise.
ProjectRecord require_photo_upload(ProjectTx& tx, const User& user, std::int64_t id) {
  auto p = visible(tx, user, id);
  std::vector<Role> roles = implementer_roles();
  roles.insert(roles.end(), inspector_roles().begin(), inspector_roles().end());
  require_roles(user, roles, p, "上传该项目的照片", "upload photos of this project");
  if (!in_states(p.state, {ProjectState::approved, ProjectState::public_notice, ProjectState::implementation,
                           ProjectState::completed, ProjectState::accepted, ProjectState::evaluated,
                           ProjectState::maintenance}))
    wrong_state(p, "上传照片", "take photos (from approval on)");
  return p;
}
}  // namespace

void ProgressService::check_photo_upload(const User& user, std::int64_t id,
                                         const std::string& declared_type) {
  declared_photo_type(declared_type);
  store_.read([&](ProjectTx& tx) { require_photo_upload(tx, user, id); });
}

PhotoRecord ProgressService::upload_photo(const User& user, std::int64_t id,
                                          const std::string& declared_type, const std::string& bytes) {
  std::string declared = declared_photo_type(declared_type);
  if (bytes.size() > kMaxPhotoBytes)
    throw InvalidRequest("photo_too_large", "照片不能超过 10 MB", "a photo may be at most 10 MiB");
  if (bytes.empty()) throw InvalidRequest("empty_photo", "照片为空", "the photo is empty");
  auto actual = sniff_image_type(bytes);
  if (actual != declared)
    throw InvalidRequest("type_mismatch",
                         "照片内容与声明的类型 " + declared + " 不符" + (actual.empty() ? "（不是图片）" : "（实为 " + actual + "）"),
                         "the content is " + (actual.empty() ? std::string("not a JPEG or PNG image") : actual) +
                             ", not the declared " + declared);
  auto sha = sha256_hex(bytes);
  auto encoded = to_base64(bytes);
  return store_.write([&](ProjectTx& tx) {
    // Checked again here: what was checked before the body arrived may have changed since.
    auto p = require_photo_upload(tx, user, id);
    auto& s = tx.session();
    auto now = tx.now();
    if (s.query("SELECT sha256 FROM progress_blobs WHERE sha256 = $1", {sha}).empty())
      s.query("INSERT INTO progress_blobs(sha256, content_type, size, data_base64, created_at) "
              "VALUES ($1, $2, $3, $4, $5)",
              {sha, actual, std::to_string(bytes.size()), encoded, now});
    PhotoRecord r{id, sha, actual, static_cast<std::int64_t>(bytes.size()), actor_of(user), now, false};
    auto existing = s.query("SELECT uploaded_by, uploaded_at FROM progress_photos WHERE project_id = $1 AND sha256 = $2",
                            {std::to_string(id), sha});
    if (!existing.empty()) {
      r.uploaded_by = existing[0][0];
      r.uploaded_at = existing[0][1];
      return r;
    }
    s.query("INSERT INTO progress_photos(project_id, sha256, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4)",
            {std::to_string(id), sha, actor_of(user), now});
    r.created = true;
    tx.audit({actor_of(user), "progress.photo_upload", "project:" + p.code,
              dump({{"sha256", sha}, {"content_type", actual}, {"size", bytes.size()}})});
    return r;
  });
}

Photo ProgressService::photo(const User& user, std::int64_t id, const std::string& sha) {
  return store_.read([&](ProjectTx& tx) {
    visible(tx, user, id);
    auto rows = tx.session().query(
        "SELECT b.content_type, b.data_base64 FROM progress_photos p JOIN progress_blobs b "
        "ON b.sha256 = p.sha256 WHERE p.project_id = $1 AND p.sha256 = $2",
        {std::to_string(id), sha});
    if (rows.empty()) throw NotFoundError("photo " + sha.substr(0, 64) + " does not exist");
    return Photo{sha, rows[0][0], from_base64(rows[0][1], "photo")};
  });
}

std::vector<PhotoRecord> ProgressService::photos(const User& user, std::int64_t id) {
  return store_.read([&](ProjectTx& tx) {
    visible(tx, user, id);
    std::vector<PhotoRecord> out;
    for (const auto& r : tx.session().query(
             "SELECT p.sha256, b.content_type, b.size, p.uploaded_by, p.uploaded_at FROM progress_photos p "
             "JOIN progress_blobs b ON b.sha256 = p.sha256 WHERE p.project_id = $1 ORDER BY p.id",
             {std::to_string(id)}))
      out.push_back({id, r[0], r[1], to_int(r[2]), r[3], r[4], false});
    return out;
  });
}

Evaluation ProgressService::evaluate(ProjectTx& tx, std::int64_t id) {
  std::map<std::string, double> planned, achieved;
  for (const auto& r : tx.session().query(
           "SELECT indicator, planned, achieved FROM progress_indicators WHERE project_id = $1",
           {std::to_string(id)})) {
    if (!r[1].empty()) planned[r[0]] = std::stod(r[1]);
    if (!r[2].empty()) achieved[r[0]] = std::stod(r[2]);
  }
  return score_indicators(indicators_, planned, achieved);
}

ProjectEvaluation ProgressService::evaluation(const User& user, std::int64_t id) {
  return store_.read([&](ProjectTx& tx) {
    auto p = visible(tx, user, id);
    return ProjectEvaluation{p, evaluate(tx, id)};
  });
}

ProjectEvaluation ProgressService::set_indicators(const User& user, std::int64_t id, bool achieved,
                                                  const std::map<std::string, double>& values) {
  if (values.empty())
    throw InvalidRequest("no_values", "未给出任何指标值", "no indicator values given");
  std::map<std::string, std::string> texts;
  for (const auto& [key, v] : values) {
    const auto* d = indicators_.find(key);
    if (!d) {
      std::string list;
      for (const auto& x : indicators_.indicators()) list += (list.empty() ? "" : ", ") + x.key;
      throw InvalidRequest("unknown_indicator", "未知的评价指标：" + key,
                           "unknown indicator '" + key + "' (indicators: " + list + ")");
    }
    if (!std::isfinite(v) || v < 0)
      throw InvalidRequest("invalid_value", d->name_zh + " 应为非负数", d->key + " must be a number >= 0");
    if (d->integer() && (v != std::floor(v) || v > 1e15))
      throw InvalidRequest("invalid_value", d->name_zh + " 应为整数", d->key + " must be a whole number");
    if (d->unit == "percent" && v > 100)
      throw InvalidRequest("invalid_value", d->name_zh + " 应为 0 至 100", d->key + " must be 0–100");
    if (d->unit == "m2" && v > 1e12)
      throw InvalidRequest("invalid_value", d->name_zh + " 过大", d->key + " is too large");
    texts[key] = number_text(v, d->integer());
  }
  return store_.write([&](ProjectTx& tx) {
    auto p = visible(tx, user, id);
    if (!achieved) {
      require_roles(user, {Role::lead_department}, p, "设定该项目的绩效计划值", "set planned indicator values");
      if (!in_states(p.state, {ProjectState::approved, ProjectState::public_notice, ProjectState::implementation}))
        wrong_state(p, "设定绩效计划值", "get planned indicator values (approved until implementation)");
    } else {
      require_roles(user, implementer_roles(), p, "填报该项目的实际完成值", "record achieved indicator values");
      if (!in_states(p.state, {ProjectState::implementation, ProjectState::completed}))
        wrong_state(p, "填报实际完成值", "record achieved indicator values (implementation or completed only)");
    }
    auto& s = tx.session();
    auto now = tx.now();
    const char* column = achieved ? "achieved" : "planned";
    for (const auto& [key, text] : texts) {
      if (s.query("SELECT indicator FROM progress_indicators WHERE project_id = $1 AND indicator = $2",
                  {std::to_string(id), key})
              .empty())
        s.query("INSERT INTO progress_indicators(project_id, indicator, updated_by, updated_at) "
                "VALUES ($1, $2, $3, $4)",
                {std::to_string(id), key, actor_of(user), now});
      s.query(std::string("UPDATE progress_indicators SET ") + column +
                  " = $1, updated_by = $2, updated_at = $3 WHERE project_id = $4 AND indicator = $5",
              {text, actor_of(user), now, std::to_string(id), key});
    }
    json d = json::object();
    for (const auto& [key, v] : values) d[key] = v;
    tx.audit({actor_of(user), achieved ? "evaluation.achieved" : "evaluation.planned", "project:" + p.code,
              dump({{"values", d}})});
    tx.insert_event({0, "", achieved ? "evaluation.achieved_recorded" : "evaluation.planned_set", id,
                     p.region_code, "", dump({{"code", p.code}, {"values", d}})});
    return ProjectEvaluation{p, evaluate(tx, id)};
  });
}

std::vector<ProjectEvaluation> ProgressService::evaluations(const User& user) {
  auto visible_projects = projects_.list(user);
  auto out = store_.read([&](ProjectTx& tx) {
    std::vector<ProjectEvaluation> v;
    for (auto& p : visible_projects) v.push_back({p, evaluate(tx, p.id)});
    return v;
  });
  std::stable_sort(out.begin(), out.end(), [](const ProjectEvaluation& a, const ProjectEvaluation& b) {
    double sa = a.evaluation.total_score.value_or(-1), sb = b.evaluation.total_score.value_or(-1);
    return sa > sb;
  });
  return out;
}

}  // namespace gz::services
