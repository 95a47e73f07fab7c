#include "http/indicator_routes.h"

#include <cmath>
#include <limits>

#include "domain/funds.h"
#include "http/api_support.h"
#include "http/download_routes.h"
#include "services/xlsx_report.h"

namespace gz::http {

using nlohmann::json;

namespace {

ApiError invalid_amount(const std::string& field) {
  return {400, "invalid_amount",
          "字段 " + field + " 应为 1 至 10^15 之间的整数（单位：分），不接受小数、字符串或负数",
          "field " + field + " must be a whole number of fen from 1 to 10^15 (no decimals, strings "
          "or negative numbers)"};
}

std::int64_t amount_field(const json& body, const std::string& field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) throw invalid_amount(field);
  if (it->is_number_unsigned()) {
    auto v = it->get<std::uint64_t>();
    if (v == 0 || v > static_cast<std::uint64_t>(kMaxAmountFen)) throw invalid_amount(field);
    return static_cast<std::int64_t>(v);
  }
  if (!it->is_number_integer()) throw invalid_amount(field);
  auto v = it->get<std::int64_t>();
  if (!valid_amount_fen(v)) throw invalid_amount(field);
  return v;
}

// A JSON number (integer or decimal); absent → fallback.
double number_field(const json& body, const std::string& field, double fallback = 0) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_number())
    throw ApiError{400, "wrong_type", "字段 " + field + " 应为数字", "field " + field + " must be a number"};
  return it->get<double>();
}

// Whole basis points 0–10000 or a small id: an integer that fits.
std::int64_t whole_field(const json& body, const std::string& field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return 0;
  if (!it->is_number_integer() ||
      (it->is_number_unsigned() &&
       it->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())))
    throw ApiError{400, "wrong_type", "字段 " + field + " 应为整数", "field " + field + " must be a whole number"};
  return it->get<std::int64_t>();
}

void put_money(json& j, const std::string& prefix, std::int64_t fen) {
  j[prefix + "_fen"] = fen;
  j[prefix + "_yuan"] = format_yuan(fen);
}
void put_area(json& j, const std::string& prefix, std::int64_t units) {
  j[prefix + "_m2"] = services::m2_of(units);
  j[prefix + "_mu"] = std::round(services::mu_of(units) * 10000.0) / 10000.0;
}

json movement_json(const services::IndicatorMovement& m) {
  json j = {{"id", m.id},
            {"indicator_id", m.indicator_id},
            {"kind", m.kind},
            {"target_project_id", m.target_project_id ? json(m.target_project_id) : json(nullptr)},
            {"target_project_code", m.target_project_code},
            {"buyer_region_code", m.buyer_region_code},
            {"buyer_name", m.buyer_name},
            {"fund_source_id", m.fund_source_id ? json(m.fund_source_id) : json(nullptr)},
            {"replaced_grade", m.replaced_grade ? json(m.replaced_grade) : json(nullptr)},
            {"note", m.note},
            {"actor", m.actor},
            {"time", m.time}};
  put_area(j, "area", m.area_units);
  put_money(j, "price", m.price_fen);
  json plots = json::array();
  for (const auto& c : m.plots) {
    json pj = {{"change_index", c.change_index}};
    put_area(pj, "area", c.area_units);
    plots.push_back(pj);
  }
  j["plots"] = plots;
  return j;
}

json indicator_json(const services::LandIndicator& i, bool geometry) {
  json plots = json::array();
  for (const auto& p : i.plots) {
    json pj = {{"change_index", p.change_index}, {"role", p.role}, {"from_code", p.from_code},
               {"to_code", p.to_code}};
    put_area(pj, "area", p.area_units);
    if (geometry) pj["geometry"] = json::parse(p.geometry_json, nullptr, false);
    plots.push_back(pj);
  }
  json j = {{"id", i.id},
            {"project_id", i.project_id},
            {"project_code", i.project_code},
            {"project_name", i.project_name},
            {"region_code", i.region_code},
            {"kind", i.kind},
            {"quality_grade", i.quality_grade ? json(i.quality_grade) : json(nullptr)},
            {"state", i.state()},
            {"created_by", i.created_by},
            {"created_at", i.created_at},
            {"plots", plots}};
  put_area(j, "created", i.created_units);
  put_area(j, "used", i.used_units);
  put_area(j, "transferred", i.transferred_units);
  put_area(j, "balance", i.balance_units());
  put_money(j, "revenue", i.revenue_fen);
  if (!i.movements.empty() || geometry) {
    json ms = json::array();
    for (const auto& m : i.movements) ms.push_back(movement_json(m));
    j["movements"] = ms;
  }
  return j;
}

json share_json(const services::PlanHouseholdShare& s, std::int64_t total_weight) {
  json j = {{"household_code", s.household_code},
            {"weight", static_cast<double>(s.weight) / 100.0},
            {"total_weight", static_cast<double>(total_weight) / 100.0},
            {"got_remainder_fen", s.got_remainder_fen},
            {"paid", s.paid}};
  put_money(j, "share", s.share_fen);
  return j;
}

json plan_json(const services::DistributionPlan& d) {
  json hs = json::array();
  for (const auto& h : d.households) hs.push_back(share_json(h, d.total_weight));
  json j = {{"id", d.id},
            {"project_id", d.project_id},
            {"project_code", d.project_code},
            {"project_name", d.project_name},
            {"village_code", d.village_code},
            {"title", d.title},
            {"revenue_kind", d.revenue_kind},
            {"household_basis", d.household_basis},
            {"source_id", d.source_id},
            {"county_bp", d.county_bp},
            {"village_bp", d.village_bp},
            {"households_bp", d.households_bp},
            {"status", d.status},
            {"vote_id", d.vote_id ? json(d.vote_id) : json(nullptr)},
            {"vote_status", d.vote_status},
            {"household_count", d.household_count},
            {"total_weight", static_cast<double>(d.total_weight) / 100.0},
            {"created_by", d.created_by},
            {"created_at", d.created_at},
            {"payment_requested_by", d.payment_requested_by},
            {"payment_requested_at", d.payment_requested_at},
            {"decided_by", d.decided_by},
            {"decided_at", d.decided_at},
            {"decision_comment", d.decision_comment},
            {"notice_id", d.notice_id ? json(d.notice_id) : json(nullptr)},
            {"notice_starts", d.notice_starts},
            {"notice_ends", d.notice_ends},
            {"notice_state", d.notice_state},
            {"objections", d.objections},
            {"unanswered_objections", d.unanswered_objections},
            {"remainder_rule",
             "县乡与农户部分各向下取整到分，余数归村集体；农户之间先各取向下取整的份额，剩余的分按舍去部分从大到小每户一分，相同时户号小者优先"},
            {"households", hs}};
  put_money(j, "amount", d.amount_fen);
  put_money(j, "county", d.county_fen);
  put_money(j, "village", d.village_fen);
  put_money(j, "households", d.households_fen);
  return j;
}

json objection_json(const services::PlanObjection& o) {
  return {{"id", o.id},
          {"plan_id", o.plan_id},
          {"author", o.author},
          {"reason", o.reason},
          {"created_at", o.created_at},
          {"answer", o.answered_at.empty() ? json(nullptr)
                                           : json({{"text", o.answer}, {"by", o.answered_by}, {"at", o.answered_at}})}};
}

const char* kind_zh(const std::string& k) {
  return k == "construction_land" ? "增减挂钩节余指标" : "新增耕地指标";
}
const char* state_zh(const std::string& s) {
  return s == "available" ? "可用" : s == "partly_used" ? "部分使用" : "已用完";
}

services::ReportSheet ledger_sheet(const std::vector<services::LandIndicator>& list) {
  services::ReportSheet s;
  s.name = "指标台账";
  s.file_stem = "指标台账";
  s.title_zh = "土地指标台账";
  s.caption_zh = "面积单位：平方米、亩；金额单位：元";
  s.columns = {{"指标编号", 0, 10},  {"项目编号", 0, 14},          {"项目名称", 0, 24},
               {"指标类型", 0, 18},  {"耕地质量等别", 0, 12},      {"状态", 0, 10},
               {"形成面积（平方米）", 2, 16}, {"形成面积（亩）", 4, 14}, {"已使用（平方米）", 2, 16},
               {"已交易（平方米）", 2, 16}, {"结余（平方米）", 2, 16}, {"结余（亩）", 4, 14},
               {"交易收入（元）", 2, 16}, {"来源地块数", 0, 10}, {"登记人", 0, 12}, {"登记时间", 0, 22}};
  std::int64_t c = 0, u = 0, t = 0, b = 0, rev = 0;
  for (const auto& i : list) {
    s.rows.push_back({{i.id, i.project_code, i.project_name, std::string(kind_zh(i.kind)),
                       i.quality_grade ? services::SheetCell(i.quality_grade) : services::SheetCell(std::string("—")),
                       std::string(state_zh(i.state())), services::m2_of(i.created_units),
                       services::mu_of(i.created_units), services::m2_of(i.used_units),
                       services::m2_of(i.transferred_units), services::m2_of(i.balance_units()),
                       services::mu_of(i.balance_units()), services::Fen{i.revenue_fen},
                       static_cast<std::int64_t>(i.plots.size()), i.created_by, i.created_at}});
    c += i.created_units;
    u += i.used_units;
    t += i.transferred_units;
    b += i.balance_units();
    rev += i.revenue_fen;
  }
  s.rows.push_back({{std::string("合计"), {}, {}, {}, {}, {}, services::m2_of(c), services::mu_of(c),
                     services::m2_of(u), services::m2_of(t), services::m2_of(b), services::mu_of(b),
                     services::Fen{rev}, {}, {}, {}},
                    true});
  s.notes_zh = {"1 亩 = 10000/15 平方米；结余 = 形成 − 使用 − 交易，不为负。",
                "增减挂钩节余指标 = 拆旧复垦面积 − 本项目建新面积；新增耕地指标按验收地块面积登记。"};
  s.generated_at = services::beijing_time_now();
  return s;
}

services::ReportSheet distribution_sheet(const services::DistributionPlan& d) {
  services::ReportSheet s;
  s.name = "收益分配";
  s.file_stem = d.project_code + "-收益分配方案" + std::to_string(d.id);
  s.title_zh = "收益分配表：" + d.title;
  s.caption_zh = "项目 " + d.project_code + " " + d.project_name + "；村 " + d.village_code + "；金额单位：元";
  s.columns = {{"收款方", 0, 26}, {"分配依据", 2, 14}, {"依据合计", 2, 14}, {"分配金额（元）", 2, 16},
               {"含余数分", 0, 10}, {"状态", 0, 10}};
  std::string st = d.status == "paid" ? "已拨付" : d.status == "payment_requested" ? "待审批" : "未拨付";
  s.rows.push_back({{std::string("县乡（成本与基础设施）"), {}, {}, services::Fen{d.county_fen}, {}, st}});
  s.rows.push_back({{std::string("村集体 ") + d.village_code, {}, {}, services::Fen{d.village_fen},
                     std::string("余数归村集体"), st}});
  for (const auto& h : d.households)
    s.rows.push_back({{std::string("农户 ") + h.household_code, static_cast<double>(h.weight) / 100.0,
                       static_cast<double>(d.total_weight) / 100.0, services::Fen{h.share_fen},
                       std::string(h.got_remainder_fen ? "是" : ""), st}});
  s.rows.push_back({{std::string("合计"), {}, {}, services::Fen{d.amount_fen}, {}, {}}, true});
  std::string basis = d.household_basis == "contracted_area" ? "承包地面积（平方米）"
                      : d.household_basis == "homestead_area" ? "退出宅基地面积（平方米）"
                                                              : "人口（人）";
  s.notes_zh = {"分配比例：县乡 " + std::to_string(d.county_bp / 100.0).substr(0, 5) + "%，村集体 " +
                    std::to_string(d.village_bp / 100.0).substr(0, 5) + "%，农户 " +
                    std::to_string(d.households_bp / 100.0).substr(0, 5) + "%；农户分配依据：" + basis + "。",
                "余数规则：县乡与农户部分各向下取整到分，余数归村集体；农户之间先各取向下取整的份额，剩余的分按舍去部分从大到小每户一分，相同时户号小者优先。"};
  s.generated_at = services::beijing_time_now();
  return s;
}

}  // namespace

void add_indicator_routes(Router& r, storage::IdentityStore& identity,
                          services::LandIndicatorService& indicators,
                          services::BenefitSharingService& benefits) {
  r.add("GET", "/api/v1/indicators", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    auto q = query_params(req);
    services::IndicatorFilter f;
    if (q.count("project")) {
      const auto& v = q["project"];
      if (v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos)
        throw ApiError{400, "invalid_project", "project 参数应为项目编号（正整数）", "project must be a project id"};
      f.project_id = std::stoll(v);
    }
    f.kind = q.count("kind") ? q["kind"] : "";
    f.state = q.count("state") ? q["state"] : "";
    auto list = indicators.indicators(user, f);
    if (q.count("format")) {
      if (q["format"] != "xlsx")
        throw ApiError{400, "invalid_format", "format 应为 xlsx", "format must be xlsx"};
      return xlsx_download(ledger_sheet(list));
    }
    json out = json::array();
    for (const auto& i : list) out.push_back(indicator_json(i, q.count("geometry") != 0));
    return json_response(200, {{"indicators", out}});
  });
  r.add("GET", "/api/v1/indicators/summary", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    auto q = query_params(req);
    std::string region = q.count("region") ? q["region"] : "";
    auto t = indicators.totals(user, region);
    auto b = benefits.totals(user, region);
    json j = {{"indicators", t.indicators}, {"plans", b.plans}, {"paid_plans", b.paid_plans}};
    put_area(j, "created", t.created_units);
    put_area(j, "used", t.used_units);
    put_area(j, "transferred", t.transferred_units);
    put_money(j, "transfer_revenue", t.revenue_fen);
    put_money(j, "distributed", b.revenue_fen);
    put_money(j, "to_county", b.county_fen);
    put_money(j, "to_villages", b.village_fen);
    put_money(j, "to_households", b.households_fen);
    return json_response(200, j);
  });
  r.add("GET", "/api/v1/indicators/{id}", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto i = indicators.indicator(user, id_param(pp, "id"));
    auto j = indicator_json(i, true);
    // Tracing onwards: the distribution plans paying out the revenue of its transfers.
    json plans = json::array();
    for (const auto& d : benefits.plans(user, i.project_id))
      for (const auto& m : i.movements)
        if (m.fund_source_id && m.fund_source_id == d.source_id) {
          json pj = {{"id", d.id}, {"title", d.title}, {"status", d.status}, {"vote_status", d.vote_status}};
          put_money(pj, "amount", d.amount_fen);
          plans.push_back(pj);
        }
    j["distribution_plans"] = plans;
    return json_response(200, j);
  });
  r.add("POST", "/api/v1/projects/{id}/indicators", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"quality_grade", "note"});
    services::IndicatorRegistration in;
    in.quality_grade = whole_field(b, "quality_grade");
    in.note = string_field(b, "note");
    json out = json::array();
    for (const auto& i : indicators.register_indicators(user, id_param(pp, "id"), in))
      out.push_back(indicator_json(i, false));
    return json_response(201, {{"indicators", out}});
  });
  r.add("POST", "/api/v1/indicators/{id}/uses", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"target_project_id", "area_m2", "replaced_grade", "note", "plots"},
                         {"target_project_id", "area_m2", "plots"});
    services::IndicatorUse in;
    const auto& plots = b["plots"];
    if (!plots.is_array() || plots.size() > 10000)
      throw ApiError{400, "wrong_type", "字段 plots 应为建新地块序号的数组", "field plots must be an array of change indexes"};
    for (const auto& x : plots) {
      if (!x.is_number_integer() || x.get<std::int64_t>() < 0 || x.get<std::int64_t>() > 1000000)
        throw ApiError{400, "wrong_type", "字段 plots 的每一项应为非负整数（方案中的变化序号）",
                       "each item of plots must be a change index (a whole number from 0)"};
      in.plots.push_back(static_cast<int>(x.get<std::int64_t>()));
    }
    in.target_project_id = whole_field(b, "target_project_id");
    in.area_m2 = number_field(b, "area_m2");
    in.replaced_grade = whole_field(b, "replaced_grade");
    in.note = string_field(b, "note");
    return json_response(201, movement_json(indicators.use(user, id_param(pp, "id"), in)));
  });
  r.add("POST", "/api/v1/indicators/{id}/transfers", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"buyer_region_code", "buyer_name", "area_m2", "price_fen", "note"},
                         {"buyer_region_code", "buyer_name", "area_m2", "price_fen"});
    services::IndicatorTransfer in;
    in.buyer_region_code = string_field(b, "buyer_region_code");
    in.buyer_name = string_field(b, "buyer_name");
    in.area_m2 = number_field(b, "area_m2");
    in.price_fen = amount_field(b, "price_fen");
    in.note = string_field(b, "note");
    return json_response(201, movement_json(indicators.transfer(user, id_param(pp, "id"), in)));
  });
  // How far a project's 建新 is covered by indicators (the approval guard's figures), with the
  // indicators it made, the uses drawing on it and the distribution plans of its revenue.
  r.add("GET", "/api/v1/projects/{id}/indicators", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto id = id_param(pp, "id");
    auto c = indicators.coverage(user, id);
    json j;
    put_area(j, "jianxin", c.jianxin_units);
    put_area(j, "chaijiu", c.chaijiu_units);
    put_area(j, "construction_covered", c.construction_covered_units);
    put_area(j, "construction_uncovered", c.construction_uncovered());
    put_area(j, "cultivated_jianxin", c.cultivated_jianxin_units);
    put_area(j, "cultivated_covered", c.cultivated_covered_units);
    put_area(j, "cultivated_uncovered", c.cultivated_uncovered());
    services::IndicatorFilter f;
    f.project_id = id;
    json made = json::array();
    for (const auto& i : indicators.indicators(user, f)) made.push_back(indicator_json(i, false));
    json uses = json::array();
    for (const auto& u : indicators.uses_for(user, id)) uses.push_back(movement_json(u));
    json plans = json::array();
    for (const auto& d : benefits.plans(user, id)) {
      json pj = {{"id", d.id}, {"title", d.title}, {"status", d.status}, {"vote_status", d.vote_status},
                 {"notice_state", d.notice_state}};
      put_money(pj, "amount", d.amount_fen);
      plans.push_back(pj);
    }
    return json_response(200, {{"coverage", j}, {"indicators", made}, {"uses", uses}, {"distribution_plans", plans}});
  });
  r.add("GET", "/api/v1/indicator-transfers", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    json out = json::array();
    for (const auto& m : indicators.transfers(user)) out.push_back(movement_json(m));
    return json_response(200, {{"transfers", out}});
  });

  // ---- distribution plans -------------------------------------------------------------------
  r.add("GET", "/api/v1/distributions", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    auto q = query_params(req);
    std::int64_t project = 0;
    if (q.count("project")) {
      const auto& v = q["project"];
      if (v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos)
        throw ApiError{400, "invalid_project", "project 参数应为项目编号（正整数）", "project must be a project id"};
      project = std::stoll(v);
    }
    json out = json::array();
    for (const auto& d : benefits.plans(user, project)) out.push_back(plan_json(d));
    return json_response(200, {{"plans", out}});
  });
  r.add("POST", "/api/v1/projects/{id}/distributions", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto b = body_object(req,
                         {"title", "village_code", "revenue_kind", "source_id", "amount_fen",
                          "county_bp", "village_bp", "households_bp", "household_basis", "households"},
                         {"title", "village_code", "revenue_kind", "source_id", "amount_fen",
                          "county_bp", "village_bp", "households_bp", "household_basis"});
    services::NewDistributionPlan in;
    in.title = string_field(b, "title");
    in.village_code = string_field(b, "village_code");
    in.revenue_kind = string_field(b, "revenue_kind");
    in.household_basis = string_field(b, "household_basis");
    in.source_id = whole_field(b, "source_id");
    in.amount_fen = amount_field(b, "amount_fen");
    in.county_bp = whole_field(b, "county_bp");
    in.village_bp = whole_field(b, "village_bp");
    in.households_bp = whole_field(b, "households_bp");
    if (b.contains("households")) {
      const auto& hs = b["households"];
      if (!hs.is_array())
        throw ApiError{400, "wrong_type", "字段 households 应为数组", "field households must be an array"};
      for (std::size_t k = 0; k < hs.size(); ++k) {
        const auto& h = hs[k];
        if (!h.is_object() || !h.contains("code") || !h["code"].is_string() || !h.contains("weight") ||
            !h["weight"].is_number() || h.size() != 2)
          throw ApiError{400, "invalid_household",
                         "households[" + std::to_string(k) + "] 应为 {\"code\": 户号, \"weight\": 分配依据}",
                         "households[" + std::to_string(k) + "] must be {\"code\": string, \"weight\": number}"};
        in.households.push_back({h["code"].get<std::string>(), h["weight"].get<double>()});
      }
    }
    return json_response(201, plan_json(benefits.create_plan(user, id_param(pp, "id"), in)));
  });
  r.add("GET", "/api/v1/distributions/{id}", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto d = benefits.plan(user, id_param(pp, "id"));
    auto q = query_params(req);
    if (q.count("format")) {
      if (q["format"] != "xlsx")
        throw ApiError{400, "invalid_format", "format 应为 xlsx", "format must be xlsx"};
      return xlsx_download(distribution_sheet(d));
    }
    return json_response(200, plan_json(d));
  });
  r.add("POST", "/api/v1/distributions/{id}/vote", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    body_object(req, {});
    return json_response(201, plan_json(benefits.open_vote(user, id_param(pp, "id"))));
  });
  r.add("POST", "/api/v1/distributions/{id}/notice", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"days"}, {"days"});
    return json_response(201, plan_json(benefits.publish_notice(user, id_param(pp, "id"), whole_field(b, "days"))));
  });
  r.add("GET", "/api/v1/distributions/{id}/objections", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    json out = json::array();
    for (const auto& o : benefits.objections(user, id_param(pp, "id"))) out.push_back(objection_json(o));
    return json_response(200, {{"objections", out}});
  });
  r.add("POST", "/api/v1/distributions/{id}/objections", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"reason"}, {"reason"});
    return json_response(201, objection_json(benefits.object(user, id_param(pp, "id"), string_field(b, "reason"))));
  });
  r.add("POST", "/api/v1/distribution-objections/{id}/answer", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"answer"}, {"answer"});
    return json_response(200, objection_json(benefits.answer_objection(user, id_param(pp, "id"), string_field(b, "answer"))));
  });
  // A village notice that publishes a distribution plan: the plan (the caller's own share for a
  // villager) and the objections the caller may read (村务公告 shows them with the objection form).
  r.add("GET", "/api/v1/notices/{id}/distribution", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto d = benefits.plan_of_notice(user, id_param(pp, "id"));
    json out = json::array();
    for (const auto& o : benefits.objections(user, d.id)) out.push_back(objection_json(o));
    return json_response(200, {{"plan", plan_json(d)}, {"objections", out}});
  });
  r.add("POST", "/api/v1/distributions/{id}/payment", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    body_object(req, {});
    return json_response(200, plan_json(benefits.request_payment(user, id_param(pp, "id"))));
  });
  r.add("POST", "/api/v1/distributions/{id}/payment/decision", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"decision", "comment"}, {"decision"});
    return json_response(200, plan_json(benefits.decide_payment(user, id_param(pp, "id"), approve_decision(b),
                                                                 string_field(b, "comment"))));
  });
  r.add("GET", "/api/v1/my/benefits", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    json out = json::array();
    for (const auto& m : benefits.my_benefits(user)) {
      auto pj = plan_json(m.plan);
      pj.erase("households");
      out.push_back({{"plan", pj}, {"share", share_json(m.share, m.plan.total_weight)}});
    }
    return json_response(200, {{"benefits", out}});
  });
}

}  // namespace gz::http
