#include "http/dashboard_routes.h"

#include "domain/funds.h"
#include "domain/project.h"
#include "http/api_support.h"
#include "http/download_routes.h"
#include "services/dashboard_sheet.h"

namespace gz::http {

using nlohmann::json;

namespace {

json region_json(const services::DashboardRegion& r) {
  return {{"code", r.code}, {"name", r.name}, {"level", r.level}, {"parent", r.parent}};
}

json money(std::int64_t fen) { return {{"fen", fen}, {"yuan", format_yuan(fen)}}; }

json dashboard_json(const services::Dashboard& d) {
  json path = json::array(), children = json::array(), states = json::array(), kids = json::array();
  for (const auto& r : d.path) path.push_back(region_json(r));
  for (const auto& r : d.children) children.push_back(region_json(r));
  for (const auto& s : d.by_state)
    states.push_back({{"state", s.state},
                      {"state_zh", std::string(chinese_name(parse_project_state(s.state)))},
                      {"projects", s.projects},
                      {"area_m2", s.area_m2}});
  for (const auto& c : d.by_child)
    kids.push_back({{"region", region_json(c.region)},
                    {"projects", c.projects},
                    {"area_m2", c.area_m2},
                    {"allocated_fen", c.allocated_fen},
                    {"disbursed_fen", c.disbursed_fen},
                    {"pending_fen", c.pending_fen},
                    {"new_cultivated_planned_m2", c.new_cultivated_planned_m2},
                    {"new_cultivated_achieved_m2", c.new_cultivated_achieved_m2},
                    {"findings", c.findings}});
  json indicators = json::array();
  for (const auto& i : d.indicators)
    indicators.push_back({{"key", i.key}, {"planned", i.planned}, {"achieved", i.achieved}, {"projects", i.projects}});
  json classes = json::array();
  for (const auto& c : d.land_use.classes)
    classes.push_back({{"code", c.code},       {"name_zh", c.name_zh},   {"name_en", c.name_en},
                       {"level1_code", c.level1_code}, {"group", c.group}, {"color", c.color},
                       {"cultivated", c.cultivated}, {"spots", c.spots}, {"gross_m2", c.gross_m2},
                       {"net_m2", c.net_m2}});
  const auto& lu = d.land_use;
  json land_use = {{"layer", lu.layer},
                   {"version", lu.version},
                   {"classes", classes},
                   {"total_m2", lu.total_m2},
                   {"agricultural_m2", lu.agricultural_m2},
                   {"construction_m2", lu.construction_m2},
                   {"unused_m2", lu.unused_m2},
                   {"cultivated_m2", lu.cultivated_m2},
                   {"balance",
                    {{"cultivated",
                      {{"survey_m2", lu.cultivated_m2},
                       {"after_achieved_m2", lu.cultivated_after_achieved_m2},
                       {"after_planned_m2", lu.cultivated_after_planned_m2}}},
                     {"construction",
                      {{"survey_m2", lu.construction_m2},
                       {"after_achieved_m2", lu.construction_after_achieved_m2},
                       {"after_planned_m2", lu.construction_after_planned_m2}}}}}};
  json by_region = json::array(), by_rule = json::array();
  for (const auto& v : d.violations_by_region)
    by_region.push_back({{"region", region_json(v.region)}, {"findings", v.findings}, {"errors", v.errors},
                         {"warnings", v.warnings}, {"projects", v.projects}, {"area_m2", v.area_m2}});
  for (const auto& u : d.violations_by_rule)
    by_rule.push_back({{"rule", u.rule}, {"severity", u.severity}, {"name_zh", u.name_zh},
                       {"name_en", u.name_en}, {"findings", u.findings}, {"area_m2", u.area_m2}});
  return {{"region", region_json(d.region)},
          {"path", path},
          {"children", children},
          {"projects", {{"total", d.projects}, {"area_m2", d.projects_area_m2}, {"by_state", states}}},
          {"by_child", kids},
          {"funds",
           {{"sources", money(d.funds.sources_fen)},
            {"allocated", money(d.funds.allocated_fen)},
            {"disbursed", money(d.funds.disbursed_fen)},
            {"pending", money(d.funds.pending_fen)}}},
          {"indicators", indicators},
          {"land_use", land_use},
          {"violations",
           {{"findings", d.findings},
            {"errors", d.errors},
            {"area_m2", d.findings_area_m2},
            {"by_region", by_region},
            {"by_rule", by_rule}}}};
}

}  // namespace

void add_dashboard_routes(Router& r, storage::IdentityStore& identity,
                          services::DashboardService& dashboard, FastReads* fast) {
  RouteHandler board = [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    auto q = query_params(req);
    for (const auto& [k, v] : q)
      if (k != "region" && k != "format")
        throw ApiError{400, "unknown_parameter", "未知的查询参数：" + k, "unknown query parameter: " + k};
    auto f = q.find("format");
    if (f != q.end() && f->second != "json" && f->second != "xlsx")
      throw ApiError{400, "invalid_format", "format 应为 json 或 xlsx", "format must be json or xlsx"};
    auto it = q.find("region");
    auto d = dashboard.dashboard(user, it == q.end() ? "" : it->second);
    // ?format=xlsx: the table the dashboard shows, as a workbook, with the same authorization.
    if (f != q.end() && f->second == "xlsx") return xlsx_download(services::dashboard_sheet(d));
    return json_response(200, dashboard_json(d));
  };
  // Kept per user and query by FastReads: identity and project changes end an answer at once;
  // a new survey or region layer (no stamp covers layers) shows within kDashboardMaxAge seconds
  // (plus as long again while one request recomputes it).
  constexpr std::int64_t kDashboardMaxAge = 1;
  r.add("GET", "/api/v1/dashboard", fast ? fast->keep(std::move(board), kDashboardMaxAge) : std::move(board));
}

}  // namespace gz::http
