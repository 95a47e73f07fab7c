#include "http/rights_routes.h"

#include "domain/funds.h"
#include "http/api_support.h"

namespace gz::http {

using nlohmann::json;

namespace {

// An amount in fen: a JSON integer from 1 to 10^15 (decimals, strings, negatives refused).
std::int64_t amount_field(const json& body, const std::string& field) {
  auto it = body.find(field);
  bool ok = it != body.end() && it->is_number_integer() &&
            (it->is_number_unsigned() ? it->get<std::uint64_t>() <= static_cast<std::uint64_t>(kMaxAmountFen)
                                      : valid_amount_fen(it->get<std::int64_t>()));
  if (!ok || it->get<std::int64_t>() <= 0)
    throw ApiError{400, "invalid_amount",
                   "字段 " + field + " 应为 1 至 10^15 之间的整数（单位：分），不接受小数、字符串或负数",
                   "field " + field + " must be a whole number of fen from 1 to 10^15"};
  return it->get<std::int64_t>();
}

double number_field(const json& body, const std::string& field, double fallback) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_number())
    throw ApiError{400, "wrong_type", "字段 " + field + " 应为数字", "field " + field + " must be a number"};
  return it->get<double>();
}

json member_json(const services::HouseholdMember& m) {
  return {{"id", m.id},           {"household_code", m.household_code}, {"username", m.username},
          {"region_code", m.region_code}, {"added_by", m.added_by},     {"added_at", m.added_at}};
}

json plan_json(const services::ReallocPlan& p) {
  return {{"id", p.id},
          {"project_id", p.project_id},
          {"parcels_layer", p.parcels_layer},
          {"parcels_version", p.parcels_version},
          {"result_layer", p.result_layer},
          {"result_version", p.result_version},
          {"unit", p.unit},
          {"tolerance", p.tolerance},
          {"status", p.status},
          {"households", p.households},
          {"moving_households", p.moving_households},
          {"parcels", p.parcels},
          {"blocks", p.blocks},
          {"max_abs_deviation", p.max_abs_deviation},
          {"fragmentation", json::parse(p.fragmentation_json)},
          {"seconds", p.seconds},
          {"created_by", p.created_by},
          {"created_at", p.created_at},
          {"answers",
           {{"pending", p.pending}, {"confirmed", p.confirmed}, {"objected", p.objected},
            {"unchanged", p.unchanged}}}};
}

json plan_job_json(const services::PlanJob& j) {
  json out = {{"id", j.id},         {"project_id", j.project_id}, {"status", j.status},
              {"stage", j.stage},   {"done", j.done},             {"total", j.total},
              {"plan_id", j.plan_id}, {"created_by", j.created_by}, {"created_at", j.created_at},
              {"updated_at", j.updated_at}, {"finished_at", j.finished_at}, {"error", nullptr}};
  if (j.status == "failed")
    out["error"] = {{"status", j.error_status},
                    {"code", j.error_code},
                    {"message_zh", j.error_zh},
                    {"message_en", j.error_en}};
  return out;
}

json household_json(const services::PlanHousehold& h) {
  return {{"household_code", h.household_code},
          {"plan_id", h.plan_id},
          {"parcels_before", h.parcels_before},
          {"parcels_after", h.parcels_after},
          {"value_before", h.value_before},
          {"value_after", h.value_after},
          {"deviation", h.deviation},
          {"stayed", h.stayed},
          {"status", h.status},
          {"answered_by", h.answered_by},
          {"answered_at", h.answered_at},
          {"note", h.note}};
}

json dispute_json(const services::RightsDispute& d) {
  json meetings = json::array();
  for (const auto& m : d.meetings)
    meetings.push_back({{"id", m.id},
                        {"held_on", m.held_on},
                        {"place", m.place},
                        {"mediator", m.mediator},
                        {"minutes", m.minutes},
                        {"recorded_by", m.recorded_by},
                        {"recorded_at", m.recorded_at}});
  return {{"id", d.id},
          {"project_id", d.project_id},
          {"plan_id", d.plan_id},
          {"household_code", d.household_code},
          {"reason", d.reason},
          {"status", d.status},
          {"open", d.open()},
          {"opened_by", d.opened_by},
          {"opened_at", d.opened_at},
          {"outcome", d.outcome},
          {"closed_by", d.closed_by},
          {"closed_at", d.closed_at},
          {"meetings", meetings}};
}

json compensation_json(const services::CompensationEntry& e) {
  return {{"id", e.id},
          {"paid_fen", e.paid_fen},
          {"paid_yuan", format_yuan(e.paid_fen)},
          {"payment_requested_fen", e.payment_requested_fen},
          {"payment_requested_yuan", format_yuan(e.payment_requested_fen)},
          {"project_id", e.project_id},
          {"household_code", e.household_code},
          {"amount_fen", e.amount_fen},
          {"amount_yuan", format_yuan(e.amount_fen)},
          {"area_m2", e.area_m2},
          {"basis", e.basis},
          {"recorded_by", e.recorded_by},
          {"recorded_at", e.recorded_at},
          {"status", e.status},
          {"decided_by", e.decided_by},
          {"decided_at", e.decided_at},
          {"decision_comment", e.decision_comment}};
}

void put_money(json& j, const std::string& prefix, std::int64_t fen) {
  j[prefix + "_fen"] = fen;
  j[prefix + "_yuan"] = format_yuan(fen);
}

std::string rights(const std::string& rest) { return "/api/v1/projects/{id}/rights" + rest; }

}  // namespace

void add_rights_routes(Router& r, storage::IdentityStore& identity, services::RightsService& rs) {
  r.add("GET", "/api/v1/rights/members", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    auto q = query_params(req);
    json list = json::array();
    for (const auto& m : rs.members(user, q.count("region") ? q["region"] : "")) list.push_back(member_json(m));
    return json_response(200, {{"members", list}});
  });
  r.add("POST", "/api/v1/rights/members", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"household_code", "username", "region_code"},
                         {"household_code", "username", "region_code"});
    services::HouseholdMember m;
    m.household_code = string_field(b, "household_code");
    m.username = string_field(b, "username");
    m.region_code = string_field(b, "region_code");
    return json_response(201, member_json(rs.add_member(user, m)));
  });
  r.add("DELETE", "/api/v1/rights/members/{member}", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    rs.remove_member(user, id_param(pp, "member"));
    return json_response(200, {{"removed", true}});
  });
  r.add("GET", "/api/v1/rights/mine", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    json households = json::array(), plans = json::array();
    for (const auto& m : rs.my_households(user))
      households.push_back({{"household_code", m.household_code}, {"region_code", m.region_code}});
    for (const auto& p : rs.my_plans(user)) {
      json j = {{"household_code", p.household_code},
                {"project_id", p.project_id},
                {"project_code", p.project_code},
                {"project_name", p.project_name}};
      if (p.household) j["household"] = household_json(*p.household);
      plans.push_back(j);
    }
    return json_response(200, {{"households", households}, {"plans", plans}});
  });

  r.add("GET", rights("/plans"), [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    json list = json::array();
    for (const auto& p : rs.plans(user, id_param(pp, "id"))) list.push_back(plan_json(p));
    return json_response(200, {{"plans", list}});
  });
  r.add("POST", rights("/plans"), [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"parcels_layer", "version", "units_layer", "unit", "tolerance", "stay"},
                         {"parcels_layer"});
    services::ReallocPlanInput in;
    in.parcels_layer = string_field(b, "parcels_layer");
    if (b.contains("version") && !b["version"].is_null()) {
      auto v = int_field(b, "version");
      if (v < 1 || v > 1000000)
        throw ApiError{400, "invalid_version", "version 应为正整数", "version must be a positive integer"};
      in.version = static_cast<int>(v);
    }
    in.units_layer = string_field(b, "units_layer", "units");
    in.unit = string_field(b, "unit");
    in.tolerance = number_field(b, "tolerance", 0.02);
    in.stay = string_list_field(b, "stay");
    // Computed in the background: 202 with the job; GET …/plan-jobs/{job} and the live feed
    // (events rights.plan_job) say how it goes and how it ended.
    return json_response(202, {{"job", plan_job_json(rs.start_plan_job(user, id_param(pp, "id"), in))}});
  });
  r.add("GET", rights("/plan-jobs"), [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    json list = json::array();
    for (const auto& j : rs.plan_jobs(user, id_param(pp, "id"))) list.push_back(plan_job_json(j));
    return json_response(200, {{"jobs", list}});
  });
  r.add("GET", rights("/plan-jobs/{job}"), [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto project = id_param(pp, "id");
    auto j = plan_job_json(rs.plan_job(user, project, id_param(pp, "job")));
    if (j["plan_id"].get<std::int64_t>() != 0)
      for (const auto& p : rs.plans(user, project))
        if (p.id == j["plan_id"].get<std::int64_t>()) j["plan"] = plan_json(p);
    return json_response(200, j);
  });
  r.add("GET", rights("/households"), [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    json list = json::array();
    for (const auto& h : rs.households(user, id_param(pp, "id"))) list.push_back(household_json(h));
    return json_response(200, {{"households", list}});
  });
  r.add("GET", rights("/households/{household}"), [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto hp = rs.household(user, id_param(pp, "id"), pp.at("household"));
    json disputes = json::array();
    for (const auto& d : hp.disputes) disputes.push_back(dispute_json(d));
    return json_response(200, {{"household", household_json(hp.household)},
                               {"plan", plan_json(hp.plan)},
                               {"before", json::parse(hp.before_geojson)},
                               {"after", json::parse(hp.after_geojson)},
                               {"disputes", disputes}});
  });
  r.add("POST", rights("/households/{household}/confirm"), [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"note"});
    auto h = rs.confirm(user, id_param(pp, "id"), pp.at("household"), string_field(b, "note"));
    return json_response(200, household_json(h));
  });
  r.add("POST", rights("/households/{household}/objection"), [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"reason"}, {"reason"});
    auto d = rs.object(user, id_param(pp, "id"), pp.at("household"), string_field(b, "reason"));
    return json_response(201, dispute_json(d));
  });

  r.add("GET", rights("/disputes"), [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    json list = json::array();
    for (const auto& d : rs.disputes(user, id_param(pp, "id"))) list.push_back(dispute_json(d));
    return json_response(200, {{"disputes", list}});
  });
  r.add("GET", rights("/disputes/{dispute}"), [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    return json_response(200, dispute_json(rs.dispute(user, id_param(pp, "id"), id_param(pp, "dispute"))));
  });
  r.add("POST", rights("/disputes/{dispute}/meetings"), [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"held_on", "place", "mediator", "minutes"},
                         {"held_on", "place", "mediator", "minutes"});
    services::MediationMeeting m;
    m.held_on = string_field(b, "held_on");
    m.place = string_field(b, "place");
    m.mediator = string_field(b, "mediator");
    m.minutes = string_field(b, "minutes");
    return json_response(201, dispute_json(rs.record_meeting(user, id_param(pp, "id"),
                                                             id_param(pp, "dispute"), m)));
  });
  // agree | escalate | rule: one route per step, each with its text.
  for (const auto& step_field : std::vector<std::pair<std::string, std::string>>{
           {"agreement", "agreement"}, {"escalation", "reason"}, {"ruling", "ruling"}}) {
    // Named, not a structured binding: clang 14 (the fuzzing build) cannot capture one.
    const std::string& step = step_field.first;
    const std::string& field = step_field.second;
    std::string action = step == "agreement" ? "agree" : step == "escalation" ? "escalate" : "rule";
    r.add("POST", rights("/disputes/{dispute}/" + step),
          [&rs, &identity, action, field](const Request& req, const PathParams& pp) {
            auto user = signed_in(identity, req);
            auto b = body_object(req, {field}, {field});
            return json_response(200, dispute_json(rs.close_step(user, id_param(pp, "id"),
                                                                 id_param(pp, "dispute"), action,
                                                                 string_field(b, field))));
          });
  }

  r.add("GET", rights("/compensation"), [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto q = query_params(req);
    json list = json::array();
    for (const auto& e : rs.compensation(user, id_param(pp, "id"), q.count("household") ? q["household"] : ""))
      list.push_back(compensation_json(e));
    return json_response(200, {{"entries", list}});
  });
  r.add("POST", rights("/compensation"), [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"household_code", "amount_fen", "area_m2", "basis"},
                         {"household_code", "amount_fen", "basis"});
    services::CompensationInput in;
    in.household_code = string_field(b, "household_code");
    in.amount_fen = amount_field(b, "amount_fen");
    in.area_m2 = number_field(b, "area_m2", 0);
    in.basis = string_field(b, "basis");
    return json_response(201, compensation_json(rs.record_compensation(user, id_param(pp, "id"), in)));
  });
  r.add("POST", rights("/compensation/{entry}/decision"), [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"decision", "comment"}, {"decision"});
    auto e = rs.decide_compensation(user, id_param(pp, "id"), id_param(pp, "entry"),
                                    approve_decision(b), string_field(b, "comment"));
    return json_response(200, compensation_json(e));
  });
  r.add("GET", rights("/compensation/totals"), [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto t = rs.compensation_totals(user, id_param(pp, "id"));
    json households = json::array();
    for (const auto& h : t.households) {
      json j = {{"household_code", h.household_code}};
      put_money(j, "approved", h.approved_fen);
      put_money(j, "pending", h.pending_fen);
      put_money(j, "paid", h.paid_fen);
      households.push_back(j);
    }
    json j = {{"project_id", t.project_id}, {"households", households}};
    put_money(j, "approved", t.approved_fen);
    put_money(j, "pending", t.pending_fen);
    put_money(j, "refused", t.refused_fen);
    put_money(j, "paid", t.paid_fen);
    return json_response(200, j);
  });
}

}  // namespace gz::http
