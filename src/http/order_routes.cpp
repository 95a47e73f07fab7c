#include "http/order_routes.h"

#include <sodium.h>

#include <map>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "http/api_support.h"
#include "http/download_routes.h"
#include "services/regions.h"
#include "services/request_text.h"
#include "services/xlsx_report.h"

namespace gz::http {

using nlohmann::json;

namespace {

json unit_json(const services::ResponsibleUnit& u) {
  return {{"kind", u.kind}, {"region_code", u.region_code}, {"department", u.department}};
}

services::ResponsibleUnit unit_of(const json& body) {
  if (!body.contains("unit") || !body["unit"].is_object())
    throw ApiError{400, "missing_field", "缺少受文单位 unit", "unit is required: {kind, region_code, department}"};
  const json& u = body["unit"];
  for (auto& [k, v] : u.items())
    if (k != "kind" && k != "region_code" && k != "department")
      throw ApiError{400, "unknown_field", "未知字段：unit." + k.substr(0, 64), "unknown field: unit." + k.substr(0, 64)};
  return {string_field(u, "kind"), string_field(u, "region_code"), string_field(u, "department")};
}

json warning_json(const services::ProjectWarning& w, const services::WarningRules& rules) {
  const auto* rule = rules.find(w.rule);
  return {{"key", w.key},
          {"rule", w.rule},
          {"rule_zh", rule ? rule->name_zh : w.rule},
          {"rule_en", rule ? rule->name_en : w.rule},
          {"level", w.level},
          {"project_id", w.project_id},
          {"project_code", w.project_code},
          {"project_name", w.project_name},
          {"region_code", w.region_code},
          {"responsible", unit_json(w.responsible)},
          {"figures", json::parse(w.figures)},
          {"message_zh", w.message_zh},
          {"message_en", w.message_en}};
}

json order_json(const services::SupervisionOrder& o, bool full) {
  json j = {{"id", o.id},
            {"code", o.code},
            {"title", o.title},
            {"body", o.body},
            {"source", json::parse(o.source_json)},
            {"project_id", o.project_id ? json(o.project_id) : json(nullptr)},
            {"project_code", o.project_code},
            {"region_code", o.region_code},
            {"issuer", o.issuer},
            {"issuer_unit", unit_json(o.issuer_unit)},
            {"unit", unit_json(o.addressee)},
            {"due_at", o.due_at},
            {"evidence_required", o.evidence_required},
            {"status", o.status},
            {"overdue", o.overdue},
            {"escalation_level", o.escalation_level},
            {"supervisor", o.supervisor.kind.empty() ? json(nullptr) : unit_json(o.supervisor)},
            {"escalated_at", o.escalated_at},
            {"created_at", o.created_at},
            {"updated_at", o.updated_at},
            {"closed_at", o.closed_at}};
  if (full) {
    json steps = json::array(), evidence = json::array();
    for (const auto& s : o.steps)
      steps.push_back({{"id", s.id}, {"action", s.action}, {"actor", s.actor}, {"time", s.time},
                       {"comment", s.comment}, {"detail", json::parse(s.detail)}});
    for (const auto& e : o.evidence) {
      json x = {{"id", e.id}, {"step_id", e.step_id}, {"kind", e.kind}, {"created_by", e.created_by},
                {"created_at", e.created_at}};
      if (e.kind == "text") x["text"] = e.text;
      if (e.kind == "photo") {
        x["sha256"] = e.sha256;
        x["content_type"] = e.content_type;
        x["lon"] = e.lon;
        x["lat"] = e.lat;
      }
      if (e.kind == "layer_version") {
        x["layer"] = e.layer;
        x["version"] = e.version;
      }
      if (e.kind == "plan_change") x["plan_change"] = e.plan_change;
      evidence.push_back(x);
    }
    j["steps"] = steps;
    j["evidence"] = evidence;
  }
  return j;
}

std::string decode_base64(const std::string& text, const std::string& field) {
  std::string out(text.size(), '\0');
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(),
                        nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
    throw ApiError{400, "invalid_photo", field + ".data_base64 不是有效的 base64",
                   field + ".data_base64 is not valid base64"};
  out.resize(len);
  return out;
}

double number_field(const json& j, const std::string& field, const std::string& name) {
  if (!j.contains(field) || !j[field].is_number())
    throw ApiError{400, "wrong_type", name + "." + field + " 应为数值", name + "." + field + " must be a number"};
  return j[field].get<double>();
}

bool xlsx_wanted(const std::map<std::string, std::string>& q) {
  auto f = q.find("format");
  if (f == q.end() || f->second == "json") return false;
  if (f->second == "xlsx") return true;
  throw ApiError{400, "invalid_format", "format 应为 json 或 xlsx", "format must be json or xlsx"};
}

std::string level_zh(const std::string& level) {
  if (level == "red") return "红";
  if (level == "orange") return "橙";
  if (level == "yellow") return "黄";
  return level;
}

std::string status_zh(const services::SupervisionOrder& o) {
  std::string s = o.status == "issued"     ? "待整改"
                  : o.status == "answered" ? "待核查"
                  : o.status == "returned" ? "已退回"
                  : o.status == "closed"   ? "已销号"
                                           : o.status;
  if (o.overdue) s += "（超期）";
  return s;
}

// A region's name where the identity store knows it, else its code.
std::string region_name(storage::IdentityStore& identity, const std::string& code) {
  auto r = identity.find_region(code);
  return r ? r->name : code;
}

std::string unit_name(storage::IdentityStore& identity, const services::ResponsibleUnit& u) {
  std::string where = region_name(identity, u.region_code);
  if (u.kind == "department") return where + u.department;
  if (u.kind == "leader_group") return where + "领导小组";
  if (u.kind == "investor") return where + "社会资本方";
  if (u.kind == "village_collective") return where + "村集体";
  return where;
}

}  // namespace

void add_order_routes(Router& r, storage::IdentityStore& identity, services::WarningService& warnings,
                      services::OrderService& orders) {
  r.add("GET", "/api/v1/warnings", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    auto q = query_params(req);
    bool xlsx = xlsx_wanted(q);
    services::WarningFilter f{q.count("level") ? q.at("level") : "", q.count("rule") ? q.at("rule") : "",
                              q.count("region") ? q.at("region") : ""};
    auto list = warnings.warnings(user, f);
    if (xlsx) {
      services::ReportSheet sheet;
      sheet.name = "预警";
      sheet.file_stem = "项目预警清单";
      sheet.title_zh = "项目预警清单";
      sheet.caption_zh = "共 " + std::to_string(list.size()) + " 条";
      sheet.columns = {{"等级", 0, 8},  {"规则", 0, 20},    {"项目编号", 0, 14}, {"项目名称", 0, 28},
                       {"所在区域", 0, 16}, {"责任单位", 0, 22}, {"情况", 0, 60}};
      for (const auto& w : list) {
        const auto* rule = warnings.rules().find(w.rule);
        sheet.rows.push_back({{level_zh(w.level), rule ? rule->name_zh : w.rule, w.project_code, w.project_name,
                               region_name(identity, w.region_code), unit_name(identity, w.responsible),
                               w.message_zh}});
      }
      sheet.notes_zh = {"预警按 data/warnings.json 的阈值由项目数据计算。"};
      sheet.generated_at = services::iso_utc(warnings.now());
      return xlsx_download(sheet);
    }
    json out = json::array();
    for (const auto& w : list) out.push_back(warning_json(w, warnings.rules()));
    return json_response(200, {{"warnings", out}});
  });

  r.add("GET", "/api/v1/warning-rules", [&](const Request& req, const PathParams&) {
    signed_in(identity, req);
    json out = json::array();
    for (const auto& w : warnings.rules().rules)
      out.push_back({{"rule", w.rule}, {"name_zh", w.name_zh}, {"name_en", w.name_en}, {"figure", w.figure},
                     {"thresholds", w.thresholds}, {"responsible", w.responsible}});
    return json_response(200, {{"rules", out}});
  });

  r.add("GET", "/api/v1/orders", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    auto q = query_params(req);
    bool xlsx = xlsx_wanted(q);
    services::OrderFilter f;
    f.box = q.count("box") ? q.at("box") : "";
    f.status = q.count("status") ? q.at("status") : "";
    f.overdue_only = q.count("overdue") && q.at("overdue") == "1";
    f.region = q.count("region") ? q.at("region") : "";
    auto list = orders.orders(user, f);
    if (xlsx) {
      services::ReportSheet sheet;
      sheet.name = "督办单";
      sheet.file_stem = "督办单台账";
      sheet.title_zh = "督办单台账";
      std::int64_t closed = 0;
      for (const auto& o : list) closed += o.status == "closed";
      sheet.caption_zh = "共 " + std::to_string(list.size()) + " 件，已销号 " + std::to_string(closed) + " 件";
      sheet.columns = {{"编号", 0, 14},   {"事项", 0, 30},    {"下发单位", 0, 22}, {"责任单位", 0, 22},
                       {"所在区域", 0, 16}, {"整改期限", 0, 20}, {"状态", 0, 14},    {"升级", 0, 8}};
      for (const auto& o : list)
        sheet.rows.push_back({{o.code, o.title, unit_name(identity, o.issuer_unit), unit_name(identity, o.addressee),
                               region_name(identity, o.region_code), o.due_at, status_zh(o),
                               o.escalation_level == 0 ? std::string("—")
                                                       : o.escalation_level == 1 ? std::string("上一级")
                                                                                 : std::string("领导小组")}});
      sheet.generated_at = services::iso_utc(warnings.now());
      return xlsx_download(sheet);
    }
    json out = json::array();
    for (const auto& o : list) out.push_back(order_json(o, false));
    return json_response(200, {{"orders", out}});
  });

  r.add("POST", "/api/v1/orders", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    auto b = body_object(req,
                         {"source", "warning_key", "layer", "from_version", "to_version", "spot_id", "spot_rule",
                          "feedback_id", "project_id", "region_code", "title", "body", "unit", "due_date",
                          "evidence_required"},
                         {"source", "title", "unit", "due_date"});
    services::NewOrder in;
    in.source_kind = string_field(b, "source");
    in.warning_key = string_field(b, "warning_key");
    in.layer = string_field(b, "layer");
    in.from_version = int_field(b, "from_version");
    in.to_version = int_field(b, "to_version");
    in.spot_id = string_field(b, "spot_id");
    in.spot_rule = string_field(b, "spot_rule");
    in.feedback_id = int_field(b, "feedback_id");
    in.project_id = int_field(b, "project_id");
    in.region_code = string_field(b, "region_code");
    in.title = string_field(b, "title");
    in.body = string_field(b, "body");
    in.addressee = unit_of(b);
    in.due_date = string_field(b, "due_date");
    if (b.contains("evidence_required")) in.evidence_required = string_list_field(b, "evidence_required");
    return json_response(201, order_json(orders.issue(user, in), true));
  });

  r.add("GET", "/api/v1/orders/{id}", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    return json_response(200, order_json(orders.order(user, id_param(pp, "id")), true));
  });

  r.add("POST", "/api/v1/orders/{id}/answer", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto id = id_param(pp, "id");
    auto b = body_object(req, {"text", "photos", "layer", "version", "plan_change"}, {"text"});
    services::OrderAnswer a;
    a.text = string_field(b, "text");
    a.layer = string_field(b, "layer");
    a.version = int_field(b, "version");
    a.plan_change = int_field(b, "plan_change");
    if (b.contains("photos")) {
      if (!b["photos"].is_array())
        throw ApiError{400, "wrong_type", "photos 应为数组", "photos must be an array"};
      for (std::size_t i = 0; i < b["photos"].size(); ++i) {
        const json& p = b["photos"][i];
        const std::string name = "photos[" + std::to_string(i) + "]";
        if (!p.is_object()) throw ApiError{400, "wrong_type", name + " 应为对象", name + " must be an object"};
        for (auto& [k, v] : p.items())
          if (k != "content_type" && k != "data_base64" && k != "lon" && k != "lat")
            throw ApiError{400, "unknown_field", "未知字段：" + name + "." + k.substr(0, 64),
                           "unknown field: " + name + "." + k.substr(0, 64)};
        services::EvidencePhoto ph;
        ph.content_type = string_field(p, "content_type");
        ph.bytes = decode_base64(string_field(p, "data_base64"), name);
        ph.lon = number_field(p, "lon", name);
        ph.lat = number_field(p, "lat", name);
        a.photos.push_back(std::move(ph));
      }
    }
    return json_response(200, order_json(orders.answer(user, id, a), false));
  });

  r.add("POST", "/api/v1/orders/{id}/close", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto id = id_param(pp, "id");
    auto b = body_object(req, {"comment"});
    return json_response(200, order_json(orders.close(user, id, string_field(b, "comment")), false));
  });

  r.add("POST", "/api/v1/orders/{id}/return", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto id = id_param(pp, "id");
    auto b = body_object(req, {"reason"}, {"reason"});
    return json_response(200, order_json(orders.return_order(user, id, string_field(b, "reason")), false));
  });

  r.add("GET", "/api/v1/orders/{id}/photos/{sha256}", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto id = id_param(pp, "id");
    const auto& sha = pp.at("sha256");
    if (sha.size() != 64 || sha.find_first_not_of("0123456789abcdef") != std::string::npos)
      throw NotFoundError("photo does not exist");
    auto photo = orders.photo(user, id, sha);
    return Response{200, photo.content_type, std::move(photo.bytes), {{"ETag", "\"" + sha + "\""}}};
  });

  r.add("POST", "/api/v1/order-escalations", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    body_object(req, {});
    json out = json::array();
    for (const auto& o : orders.escalate_overdue(user)) out.push_back(order_json(o, false));
    return json_response(200, {{"escalated", out}});
  });

  r.add("GET", "/api/v1/responsible-units", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    json out = json::array();
    for (const auto& u : orders.addressable_units(user)) {
      auto j = unit_json(u);
      j["name"] = unit_name(identity, u);
      out.push_back(j);
    }
    return json_response(200, {{"units", out}});
  });

  r.add("GET", "/api/v1/supervision/summary", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    auto q = query_params(req);
    const std::string region = q.count("region") ? q.at("region") : "";
    if (region.empty())
      throw ApiError{400, "missing_parameter", "缺少参数 region", "the region parameter is required"};
    if (!services::may_see_region(user, region) || !identity.find_region(region))
      throw ApiError{404, "region_not_found", "行政区不存在", "region not found"};
    auto children = identity.child_regions(region);
    std::map<std::string, std::int64_t> by_level;
    std::map<std::string, std::map<std::string, std::int64_t>> by_child;
    for (const auto& w : warnings.warnings(user, {"", "", region})) {
      ++by_level[w.level];
      std::string child = region;
      for (const auto& c : children)
        if (region_contains(c.code, w.region_code)) child = c.code;
      ++by_child[child][w.level];
    }
    json regions = json::array();
    for (const auto& [code, levels] : by_child)
      regions.push_back({{"region_code", code},
                         {"name", region_name(identity, code)},
                         {"yellow", levels.count("yellow") ? levels.at("yellow") : 0},
                         {"orange", levels.count("orange") ? levels.at("orange") : 0},
                         {"red", levels.count("red") ? levels.at("red") : 0}});
    auto s = orders.summary(user, region);
    json overdue = json::array();
    for (const auto& o : orders.orders(user, {"", "", true, region}))
      overdue.push_back({{"id", o.id}, {"code", o.code}, {"title", o.title}, {"due_at", o.due_at},
                         {"unit", unit_json(o.addressee)}, {"unit_name", unit_name(identity, o.addressee)},
                         {"escalation_level", o.escalation_level}});
    return json_response(
        200, {{"region_code", region},
              {"warnings",
               {{"total", by_level["yellow"] + by_level["orange"] + by_level["red"]},
                {"yellow", by_level["yellow"]}, {"orange", by_level["orange"]}, {"red", by_level["red"]},
                {"by_region", regions}}},
              {"orders",
               {{"total", s.total}, {"open", s.open}, {"answered", s.answered}, {"closed", s.closed},
                {"overdue", s.overdue}, {"escalated", s.escalated},
                {"rectification_rate", s.rectification_rate}, {"overdue_list", overdue}}}});
  });
}

}  // namespace gz::http
