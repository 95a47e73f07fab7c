#include "http/progress_routes.h"

#include <cmath>
#include <map>
#include <optional>

#include "http/api_support.h"

namespace gz::http {

using nlohmann::json;

namespace {

json milestone_json(const services::MilestoneRecord& m) {
  return {{"id", m.id},
          {"name", m.name},
          {"planned_date", m.planned_date},
          {"actual_date", m.actual_date.empty() ? json(nullptr) : json(m.actual_date)},
          {"percent", m.percent},
          {"weight", m.weight},
          {"created_by", m.created_by},
          {"created_at", m.created_at},
          {"updated_at", m.updated_at}};
}

json report_json(const services::ReportRecord& r) {
  json points = json::array();
  for (const auto& p : r.points)
    points.push_back({{"lon", p.lon}, {"lat", p.lat}, {"inside", p.inside}, {"distance_m", p.distance_m}});
  return {{"id", r.id},
          {"kind", r.kind},
          {"text", r.text},
          {"points", points},
          {"photos", r.photos},
          {"milestone_id", r.milestone_id == 0 ? json(nullptr) : json(r.milestone_id)},
          {"outside_area", r.outside_area},
          {"author", r.author},
          {"created_at", r.created_at}};
}

json photo_json(const services::PhotoRecord& p) {
  return {{"sha256", p.sha256},
          {"content_type", p.content_type},
          {"size", p.size},
          {"uploaded_by", p.uploaded_by},
          {"uploaded_at", p.uploaded_at},
          {"url", "/api/v1/projects/" + std::to_string(p.project_id) + "/photos/" + p.sha256}};
}

json value_json(const services::IndicatorDef& d, const std::optional<double>& v) {
  if (!v) return nullptr;
  json j = {{"value", d.integer() ? json(static_cast<std::int64_t>(*v)) : json(*v)}};
  if (d.unit == "m2") {
    j["mu"] = std::round(*v * 15 / 10000 * 100) / 100;  // 1 mu = 10000/15 m²
    j["ha"] = std::round(*v / 10000 * 10000) / 10000;
  }
  return j;
}

json evaluation_json(const services::ProjectEvaluation& pe, bool details) {
  const auto& e = pe.evaluation;
  json j = {{"project", {{"id", pe.project.id},
                         {"code", pe.project.code},
                         {"name", pe.project.name},
                         {"region_code", pe.project.region_code},
                         {"state", std::string(to_string(pe.project.state))},
                         {"state_zh", std::string(chinese_name(pe.project.state))}}},
            {"total_score", e.total_score ? json(*e.total_score) : json(nullptr)},
            {"acceptance_met", e.acceptance_met}};
  if (!details) return j;
  json list = json::array();
  for (const auto& s : e.indicators)
    list.push_back({{"key", s.def.key},
                    {"name_zh", s.def.name_zh},
                    {"name_en", s.def.name_en},
                    {"unit", s.def.unit},
                    {"better", s.def.higher_is_better ? "higher" : "lower"},
                    {"weight", s.def.weight},
                    {"acceptance_min_score", s.def.acceptance_min_score ? json(*s.def.acceptance_min_score) : json(nullptr)},
                    {"planned", value_json(s.def, s.planned)},
                    {"achieved", value_json(s.def, s.achieved)},
                    {"score", s.score ? json(std::round(*s.score * 10000) / 10000) : json(nullptr)},
                    {"meets_acceptance", s.meets_acceptance}});
  j["indicators"] = list;
  j["acceptance_failures_zh"] = e.acceptance_failures_zh;
  j["acceptance_failures_en"] = e.acceptance_failures_en;
  return j;
}

// The projects' evaluations summed up per region of one level (county or township), so that
// counties, or a county's townships, can be compared: projects, how many are scored, the mean
// total score of the scored ones, how many meet acceptance. A project whose own region is above
// that level (a county project when grouping by township) counts under its own region.
json evaluation_groups(storage::IdentityStore& identity, const std::vector<services::ProjectEvaluation>& list,
                       RegionLevel level) {
  std::map<std::string, std::optional<Region>> regions;
  auto region = [&](const std::string& code) -> const std::optional<Region>& {
    auto it = regions.find(code);
    if (it == regions.end()) it = regions.emplace(code, identity.find_region(code)).first;
    return it->second;
  };
  struct Group {
    std::string name;
    int projects = 0, scored = 0, met = 0;
    double sum = 0;
  };
  std::map<std::string, Group> groups;
  for (const auto& e : list) {
    std::string code = e.project.region_code;
    std::string name = region(code) ? region(code)->name : code;
    for (auto r = region(code); r && r->level > level && !r->parent.empty();) {
      r = region(r->parent);
      if (!r) break;
      code = r->code;
      name = r->name;
    }
    auto& g = groups[code];
    g.name = name;
    ++g.projects;
    if (e.evaluation.total_score) {
      ++g.scored;
      g.sum += *e.evaluation.total_score;
      if (e.evaluation.acceptance_met) ++g.met;
    }
  }
  json out = json::array();
  for (const auto& [code, g] : groups)
    out.push_back({{"region_code", code},
                   {"region_name", g.name},
                   {"projects", g.projects},
                   {"scored", g.scored},
                   {"mean_score", g.scored ? json(std::round(g.sum / g.scored * 100) / 100) : json(nullptr)},
                   {"acceptance_met", g.met}});
  // Best mean first, groups without a score last.
  std::stable_sort(out.begin(), out.end(), [](const json& a, const json& b) {
    double x = a["mean_score"].is_null() ? -1 : a["mean_score"].get<double>();
    double y = b["mean_score"].is_null() ? -1 : b["mean_score"].get<double>();
    return x > y;
  });
  return out;
}

double number_of(const json& v, const std::string& field) {
  if (!v.is_number())
    throw ApiError{400, "wrong_type", "字段 " + field + " 应为数字", "field " + field + " must be a number"};
  return v.get<double>();
}

std::map<std::string, double> values_field(const json& b) {
  if (!b["values"].is_object())
    throw ApiError{400, "wrong_type", "字段 values 应为对象 {指标: 数值}",
                   "field values must be an object {indicator: number}"};
  std::map<std::string, double> out;
  for (const auto& [k, v] : b["values"].items()) out[k] = number_of(v, "values." + k);
  return out;
}

bool is_photo_upload(const std::string& method, const std::string& target) {
  if (method != "POST") return false;
  auto path = target.substr(0, target.find('?'));
  const std::string prefix = "/api/v1/projects/", suffix = "/photos";
  if (path.size() <= prefix.size() + suffix.size() || path.rfind(prefix, 0) != 0 ||
      path.compare(path.size() - suffix.size(), suffix.size(), suffix) != 0)
    return false;
  auto id = path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
  return !id.empty() && id.size() <= 18 && id.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

std::size_t progress_body_limit(const std::string& method, const std::string& target) {
  return is_photo_upload(method, target) ? services::kMaxPhotoBytes : 0;
}

std::optional<Response> progress_before_body(storage::IdentityStore& identity,
                                             services::ProgressService& progress,
                                             const Request& head) {
  if (!is_photo_upload(head.method, head.target)) return std::nullopt;
  try {
    auto user = signed_in(identity, head);
    const std::string prefix = "/api/v1/projects/";
    auto id = std::stoll(head.path.substr(prefix.size(), head.path.rfind('/') - prefix.size()));
    if (id <= 0) throw NotFoundError("project " + std::to_string(id) + " does not exist");
    progress.check_photo_upload(user, id, head.header("content-type"));
    return std::nullopt;
  } catch (const ApiError& e) {
    return error_response(e);
  } catch (const Error& e) {
    return error_response(api_error_of(e));
  }
}

void add_progress_routes(Router& r, storage::IdentityStore& identity,
                         services::ProgressService& progress) {
  r.add("GET", "/api/v1/projects/{id}/milestones", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto ms = progress.milestones(user, id_param(pp, "id"));
    json list = json::array();
    for (const auto& m : ms) list.push_back(milestone_json(m));
    return json_response(200, {{"milestones", list},
                               {"overall_percent", services::ProgressService::overall_percent(ms)}});
  });
  r.add("POST", "/api/v1/projects/{id}/milestones", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"name", "planned_date", "weight"}, {"name", "planned_date"});
    services::NewMilestone m{string_field(b, "name"), string_field(b, "planned_date"), int_field(b, "weight", 1)};
    return json_response(201, milestone_json(progress.add_milestone(user, id_param(pp, "id"), m)));
  });
  r.add("POST", "/api/v1/projects/{id}/milestones/{milestone}/progress",
        [&](const Request& req, const PathParams& pp) {
          auto user = signed_in(identity, req);
          auto b = body_object(req, {"percent", "actual_date", "comment"}, {"percent"});
          services::ProgressUpdate u{int_field(b, "percent"), string_field(b, "actual_date"),
                                     string_field(b, "comment")};
          auto m = progress.report_progress(user, id_param(pp, "id"), id_param(pp, "milestone"), u);
          return json_response(200, milestone_json(m));
        });
  r.add("GET", "/api/v1/projects/{id}/reports", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    json list = json::array();
    for (const auto& x : progress.reports(user, id_param(pp, "id"))) list.push_back(report_json(x));
    return json_response(200, {{"reports", list}});
  });
  r.add("POST", "/api/v1/projects/{id}/reports", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"kind", "text", "points", "photos", "milestone_id"}, {"kind", "text"});
    services::NewReport nr;
    nr.kind = string_field(b, "kind");
    nr.text = string_field(b, "text");
    nr.photos = string_list_field(b, "photos");
    nr.milestone_id = int_field(b, "milestone_id", 0);
    if (b.contains("points")) {
      if (!b["points"].is_array())
        throw ApiError{400, "wrong_type", "字段 points 应为数组 [{lon, lat}]", "field points must be an array of {lon, lat}"};
      std::size_t i = 0;
      for (const auto& p : b["points"]) {
        std::string f = "points[" + std::to_string(i++) + "]";
        if (!p.is_object() || p.size() != 2 || !p.contains("lon") || !p.contains("lat"))
          throw ApiError{400, "wrong_type", f + " 应为 {lon, lat}", f + " must be an object {lon, lat}"};
        nr.points.push_back({number_of(p["lon"], f + ".lon"), number_of(p["lat"], f + ".lat")});
      }
    }
    return json_response(201, report_json(progress.file_report(user, id_param(pp, "id"), nr)));
  });
  r.add("GET", "/api/v1/projects/{id}/photos", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    json list = json::array();
    for (const auto& x : progress.photos(user, id_param(pp, "id"))) list.push_back(photo_json(x));
    return json_response(200, {{"photos", list}});
  });
  r.add("POST", "/api/v1/projects/{id}/photos", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto p = progress.upload_photo(user, id_param(pp, "id"), req.header("content-type"), req.body);
    return json_response(p.created ? 201 : 200, photo_json(p));
  });
  r.add("GET", "/api/v1/projects/{id}/photos/{sha256}", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    const auto& sha = pp.at("sha256");
    auto id = id_param(pp, "id");
    if (sha.size() != 64 || sha.find_first_not_of("0123456789abcdef") != std::string::npos)
      throw NotFoundError("photo does not exist");
    auto photo = progress.photo(user, id, sha);
    std::string etag = "\"" + photo.sha256 + "\"";
    Response res{200, photo.content_type, std::move(photo.bytes), {{"ETag", etag}}};
    if (req.header("if-none-match") == etag) {
      res.status = 304;
      res.body.clear();
    }
    return res;
  });
  r.add("GET", "/api/v1/projects/{id}/evaluation", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    return json_response(200, evaluation_json(progress.evaluation(user, id_param(pp, "id")), true));
  });
  r.add("PUT", "/api/v1/projects/{id}/evaluation/planned", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"values"}, {"values"});
    return json_response(200, evaluation_json(progress.set_indicators(user, id_param(pp, "id"), false,
                                                                      values_field(b)),
                                              true));
  });
  r.add("PUT", "/api/v1/projects/{id}/evaluation/achieved", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"values"}, {"values"});
    return json_response(200, evaluation_json(progress.set_indicators(user, id_param(pp, "id"), true,
                                                                      values_field(b)),
                                              true));
  });
  r.add("GET", "/api/v1/evaluations", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    // ?details=1: each project's indicators too, for a comparison indicator by indicator in one
    // request.
    // ?group=county|township: the scores summed up per county, or per township, as well.
    bool details = false;
    std::optional<RegionLevel> group;
    for (const auto& [k, v] : query_params(req)) {
      if (k == "details") {
        if (v != "0" && v != "1")
          throw ApiError{400, "invalid_parameter", "参数 details 应为 0 或 1", "parameter details must be 0 or 1"};
        details = v == "1";
      } else if (k == "group") {
        if (v != "county" && v != "township")
          throw ApiError{400, "invalid_parameter", "参数 group 应为 county 或 township",
                         "parameter group must be county or township"};
        group = v == "county" ? RegionLevel::county : RegionLevel::township;
      } else {
        throw ApiError{400, "unknown_parameter", "未知的查询参数：" + k, "unknown query parameter: " + k};
      }
    }
    auto evaluations = progress.evaluations(user);
    json list = json::array();
    for (const auto& e : evaluations) list.push_back(evaluation_json(e, details));
    json body = {{"evaluations", list}};
    if (group) body["groups"] = evaluation_groups(identity, evaluations, *group);
    return json_response(200, body);
  });
}

}  // namespace gz::http
