#include "http/project_routes.h"

#include <functional>

#include "common/error.h"
#include "http/api_support.h"
#include "services/compliance_gate.h"
#include "services/plan_upload.h"

#include <map>
#include <mutex>
#include <shared_mutex>
#include <utility>

namespace gz::http {

using nlohmann::json;

namespace {
json parse_or_null(const std::string& text) {
  if (text.empty()) return nullptr;
  return json::parse(text, nullptr, false);
}

json review_json(const storage::ReviewRecord& r) {
  return {{"id", r.id},
          {"round", r.round},
          {"department", r.department},
          {"required_because", parse_or_null(r.required_because)},
          {"decision", r.decision.empty() ? json(nullptr) : json(r.decision)},
          {"opinion", r.opinion},
          {"reviewer", r.reviewer},
          {"decided_at", r.decided_at}};
}

json obligation_json(const storage::ObligationRecord& o) {
  return {{"id", o.id},           {"review_id", o.review_id},       {"department", o.department},
          {"text", o.text},       {"status", o.status},             {"created_at", o.created_at},
          {"fulfilled_by", o.fulfilled_by}, {"fulfilled_at", o.fulfilled_at}, {"evidence", o.evidence}};
}

json transition_json(const storage::TransitionRecord& t) {
  return {{"action", t.action}, {"from", t.from_state}, {"to", t.to_state},
          {"actor", t.actor},   {"time", t.time},       {"comment", t.comment}};
}

// The stored compliance check's findings counted by severity ({"errors", "warnings"}), null when
// the project was never checked: what the project library filters on.
json finding_counts(const std::string& compliance_json) {
  if (compliance_json.empty()) return nullptr;
  auto c = json::parse(compliance_json, nullptr, false);
  if (c.is_discarded() || !c.is_object()) return nullptr;
  std::int64_t errors = 0, warnings = 0;
  if (auto it = c.find("findings"); it != c.end() && it->is_array())
    for (const auto& f : *it) {
      auto severity = f.is_object() ? f.value("severity", "") : "";
      if (severity == "error") ++errors;
      else if (severity == "warning") ++warnings;
    }
  return {{"errors", errors}, {"warnings", warnings}};
}

// The list form of a project as JSON text, kept per (id, row_version): every change of a
// project goes through ProjectTx::update_project, which bumps row_version, so a kept text is
// the text of that committed version, whichever process wrote it. The list route then dumps no
// JSON per request, only joins the kept texts. Bounded: past kMax entries it starts afresh.
class ListJsonCache {
 public:
  // `compliance` gives the project's whole compliance document (the list's record has a stand-in):
  // its findings are counted once per version.
  std::string text(const storage::ProjectRecord& p, const std::function<std::string()>& compliance) {
    auto key = std::make_pair(p.id, p.row_version);
    {
      std::shared_lock lock(mutex_);
      if (auto it = texts_.find(key); it != texts_.end()) return it->second;
    }
    json j = project_json(p, false);
    if (!p.compliance_json.empty()) j["findings"] = finding_counts(compliance());
    std::string t = j.dump(-1, ' ', false, json::error_handler_t::replace);
    std::unique_lock lock(mutex_);
    if (texts_.size() >= kMax) texts_.clear();
    texts_.emplace(key, t);
    return t;
  }

 private:
  static constexpr std::size_t kMax = 20000;
  std::shared_mutex mutex_;
  std::map<std::pair<std::int64_t, std::int64_t>, std::string> texts_;
};

ProjectAction action_param(const std::string& name) {
  try {
    return parse_project_action(name);
  } catch (const UsageError& e) {
    throw ApiError{400, "unknown_action", "未知的操作：" + name, e.what()};
  }
}
}  // namespace

json project_json(const storage::ProjectRecord& p, bool with_plan) {
  json j = {{"id", p.id},
            {"code", p.code},
            {"name", p.name},
            {"type", p.type},
            {"region_code", p.region_code},
            {"state", std::string(to_string(p.state))},
            {"state_zh", std::string(chinese_name(p.state))},
            {"area_m2", p.area_m2},
            {"created_by", p.created_by},
            {"created_at", p.created_at},
            {"updated_at", p.updated_at},
            {"row_version", p.row_version},
            {"review_round", p.review_round},
            {"compliance_current", !p.compliance_json.empty() && p.compliance_plan_hash == p.plan_hash},
            {"notice_days", p.notice_days},
            {"notice_starts", p.notice_starts},
            {"notice_ends", p.notice_ends},
            {"findings", finding_counts(p.compliance_json)}};
  if (with_plan) {
    j["plan"] = parse_or_null(p.plan_json);
    j["compliance"] = parse_or_null(p.compliance_json);
    j["compliance_at"] = p.compliance_at;
  }
  return j;
}

void add_project_routes(Router& r, storage::IdentityStore& identity,
                        services::ProjectService& projects, FastReads* fast) {
  auto list_texts = std::make_shared<ListJsonCache>();
  r.add("GET", "/api/v1/projects", [&, list_texts, fast](const Request& req, const PathParams&) {
    // The plain list (no query) is what FastReads answers from memory: the counters are read
    // before the session and the projects are, and both are kept under them.
    bool keep = fast && req.target == "/api/v1/projects";
    // PostgreSQL: the stamps are a query, so what is kept is answered here, on a worker.
    if (keep && !fast->signal()->local())
      if (auto kept = fast->kept_list(req))
        return Response{200, "application/json; charset=utf-8", *kept, {}};
    FastReads::Stamp stamp = keep ? fast->stamp() : FastReads::Stamp{};
    auto user = keep ? fast->signed_in(req, stamp) : signed_in(identity, req);
    auto q = query_params(req);
    std::optional<ProjectState> state;
    if (auto it = q.find("state"); it != q.end()) {
      try {
        state = parse_project_state(it->second);
      } catch (const UsageError& e) {
        throw ApiError{400, "unknown_state", "未知的项目状态：" + it->second, e.what()};
      }
    }
    std::string region = q.count("region") ? q["region"] : "";
    // {"projects":[…]}: each element is nlohmann's text of project_json(p, false), kept.
    std::string body = R"({"projects":[)";
    bool first = true;
    for (const auto& p : projects.list(user)) {
      if (state && p.state != *state) continue;
      if (!region.empty() && !region_contains(region, p.region_code)) continue;
      if (!first) body += ',';
      first = false;
      body += list_texts->text(p, [&] { return projects.get(user, p.id).compliance_json; });
    }
    body += "]}";
    if (keep) fast->remember_list(user, stamp, body);
    return Response{200, "application/json; charset=utf-8", std::move(body), {}};
  });
  r.add("POST", "/api/v1/projects", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"name", "type", "region_code", "plan"}, {"name", "type", "region_code"});
    // Who may apply in the region is known before the plan is serialised and checked.
    projects.authorize_create(user, string_field(b, "region_code"));
    services::NewProject np{string_field(b, "name"), string_field(b, "type"),
                            string_field(b, "region_code"), ""};
    if (b.contains("plan") && !b["plan"].is_null()) np.plan_json = b["plan"].dump();
    auto p = projects.create(user, np);
    return json_response(201, project_json(p, true));
  });
  // The project page: kept per user by FastReads while no identity or project change happened.
  RouteHandler view = [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto v = projects.view(user, id_param(pp, "id"));
    json j = project_json(v.project, true);
    j["reviews"] = json::array();
    for (const auto& x : v.reviews) j["reviews"].push_back(review_json(x));
    j["obligations"] = json::array();
    for (const auto& x : v.obligations) j["obligations"].push_back(obligation_json(x));
    j["history"] = json::array();
    for (const auto& x : v.transitions) j["history"].push_back(transition_json(x));
    j["compliance_gate"] = services::compliance_gate_json(v.project, v.acknowledgements, projects.rules());
    return json_response(200, j);
  };
  r.add("GET", "/api/v1/projects/{id}", fast ? fast->keep(std::move(view)) : std::move(view));
  r.add("PUT", "/api/v1/projects/{id}/plan", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    const auto id = id_param(pp, "id");
    projects.authorize_plan_edit(user, id);
    auto b = body_object(req, {"plan", "row_version"}, {"plan", "row_version"});
    auto p = projects.update_plan(user, id, int_field(b, "row_version"), b["plan"].dump());
    return json_response(200, project_json(p, true));
  });
  r.add("POST", "/api/v1/projects/{id}/actions", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"action", "comment", "notice_days", "confirm_findings"}, {"action"});
    services::ActionInput in{string_field(b, "comment"), int_field(b, "notice_days"),
                             bool_field(b, "confirm_findings")};
    auto p = projects.act(user, id_param(pp, "id"), action_param(string_field(b, "action")), in);
    return json_response(200, project_json(p, true));
  });
  r.add("POST", "/api/v1/projects/{id}/reviews", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"department", "decision", "opinion", "conditions"},
                         {"department", "decision"});
    services::ReviewInput in;
    in.department = string_field(b, "department");
    try {
      in.decision = parse_review_decision(string_field(b, "decision"));
    } catch (const UsageError& e) {
      throw ApiError{400, "unknown_decision", "未知的会审意见：" + string_field(b, "decision"), e.what()};
    }
    in.opinion = string_field(b, "opinion");
    in.conditions = string_list_field(b, "conditions");
    auto rv = projects.review(user, id_param(pp, "id"), in);
    return json_response(200, review_json(rv));
  });
  r.add("POST", "/api/v1/projects/{id}/acknowledgements", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"finding", "reason"}, {"finding", "reason"});
    auto a = projects.acknowledge(user, id_param(pp, "id"), string_field(b, "finding"),
                                  string_field(b, "reason"));
    return json_response(201, services::acknowledgement_json(a));
  });
  r.add("GET", "/api/v1/project-types", [&](const Request& req, const PathParams&) {
    signed_in(identity, req);
    return json_response(200, {{"types", projects.project_types()}});
  });
  r.add("POST", "/api/v1/projects/{id}/compliance-preview", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    return json_response(200, json::parse(projects.preview_compliance(user, id_param(pp, "id"))));
  });
  // An uploaded GeoJSON file (the body as it is) made into a plan, checked, nothing stored.
  r.add("POST", "/api/v1/plans/from-geojson", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    bool applicant = false;
    for (const auto& g : user.grants)
      for (Role role : project_applicant_roles())
        if (g.role == role) applicant = true;
    if (!applicant)
      throw Forbidden("not_an_applicant", "您没有申报项目的角色",
                      "you hold no applicant role (township, village collective, investor, lead department)");
    auto up = services::plan_from_geojson(req.body);
    return json_response(200, {{"plan", json::parse(up.plan_json)},
                               {"area_m2", up.area_m2},
                               {"area_features", up.area_features},
                               {"changes", up.changes}});
  });
  r.add("POST", "/api/v1/projects/{id}/obligations/{obligation}/fulfil",
        [&](const Request& req, const PathParams& pp) {
          auto user = signed_in(identity, req);
          auto b = body_object(req, {"evidence"}, {"evidence"});
          auto o = projects.fulfil_obligation(user, id_param(pp, "id"), id_param(pp, "obligation"),
                                              string_field(b, "evidence"));
          return json_response(200, obligation_json(o));
        });
}

}  // namespace gz::http
