#include "http/participation_routes.h"

#include <nlohmann/json.hpp>

#include "http/api_support.h"

namespace gz::http {

using nlohmann::json;

namespace {

json notice_json(const services::VillageNotice& n, bool with_body) {
  json j = {{"id", n.id},       {"region_code", n.region_code}, {"title", n.title},
            {"starts", n.starts}, {"ends", n.ends},             {"published_by", n.published_by}};
  if (with_body) j["body"] = n.body;
  return j;
}

json project_notice_json(const services::ProjectNotice& pn) {
  return {{"project_id", pn.project.id},       {"code", pn.project.code},
          {"name", pn.project.name},           {"region_code", pn.project.region_code},
          {"state", std::string(to_string(pn.project.state))},
          {"starts", pn.project.notice_starts}, {"ends", pn.project.notice_ends},
          {"open", pn.open}};
}

json comment_json(const services::NoticeComment& c) {
  json j = {{"id", c.id},         {"project_id", c.project_id}, {"author", c.author},
            {"body", c.body},     {"created_at", c.created_at}, {"reply", nullptr}};
  if (!c.reply.empty())
    j["reply"] = {{"text", c.reply}, {"by", c.replied_by}, {"at", c.replied_at}};
  return j;
}

json feedback_json(const services::Feedback& f) {
  json j = {{"id", f.id},
            {"region_code", f.region_code},
            {"project_id", f.project_id ? json(f.project_id) : json(nullptr)},
            {"author", f.author},
            {"category", f.category},
            {"body", f.body},
            {"status", f.status},
            {"created_at", f.created_at},
            {"due_at", f.due_at},
            {"overdue", f.overdue},
            {"reply", nullptr}};
  if (!f.reply.empty()) j["reply"] = {{"text", f.reply}, {"by", f.answered_by}, {"at", f.answered_at}};
  if (!f.closed_at.empty()) j["closed_at"] = f.closed_at;
  if (!f.escalated_at.empty()) j["escalated_at"] = f.escalated_at;
  return j;
}

json vote_json(const services::AssemblyVote& v) {
  json j = {{"id", v.id},
            {"region_code", v.region_code},
            {"project_id", v.project_id ? json(v.project_id) : json(nullptr)},
            {"question", v.question},
            {"status", v.status},
            {"opened_at", v.opened_at},
            {"representatives", v.representatives},
            {"yes", v.yes},
            {"no", v.no},
            {"abstain", v.abstain},
            {"passed", v.status == "closed" ? json(v.passed) : json(nullptr)}};
  if (!v.closed_at.empty()) j["closed_at"] = v.closed_at;
  return j;
}

json survey_json(const services::Survey& s, bool with_questions) {
  json j = {{"id", s.id},
            {"region_code", s.region_code},
            {"project_id", s.project_id ? json(s.project_id) : json(nullptr)},
            {"title", s.title},
            {"status", s.status},
            {"created_at", s.created_at}};
  if (with_questions) {
    j["questions"] = json::array();
    for (const auto& q : s.questions) j["questions"].push_back({{"text", q.text}, {"choices", q.choices}});
  }
  return j;
}

// Bodies of actions that take no fields: empty, or {}.
void empty_body(const Request& req) {
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) return;
  body_object(req, {});
}

std::int64_t optional_id(const json& b, const std::string& field) {
  auto v = int_field(b, field, 0);
  if (v < 0) throw ApiError{400, "invalid_id", "字段 " + field + " 应为正整数", "field " + field + " must be a positive id"};
  return v;
}

}  // namespace

void add_participation_routes(Router& r, storage::IdentityStore& identity,
                              services::ProjectService& projects,
                              services::ParticipationService& participation) {
  // ---- notices ----
  r.add("GET", "/api/v1/notices", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    json list = json::array();
    for (const auto& n : participation.notices(user)) list.push_back(notice_json(n, false));
    json project_list = json::array();
    for (const auto& p : projects.list(user))
      if (p.state == ProjectState::public_notice)
        project_list.push_back(project_notice_json(participation.project_notice(user, p.id)));
    return json_response(200, {{"notices", list}, {"project_notices", project_list}});
  });
  r.add("POST", "/api/v1/notices", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"region_code", "title", "body", "days"},
                         {"region_code", "title", "body", "days"});
    auto n = participation.publish_notice(user, string_field(b, "region_code"), string_field(b, "title"),
                                          string_field(b, "body"), int_field(b, "days"));
    return json_response(201, notice_json(n, true));
  });
  r.add("GET", "/api/v1/notices/{id}", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    return json_response(200, notice_json(participation.notice(user, id_param(pp, "id")), true));
  });
  r.add("GET", "/api/v1/projects/{id}/notice", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    return json_response(200, project_notice_json(participation.project_notice(user, id_param(pp, "id"))));
  });
  r.add("GET", "/api/v1/projects/{id}/comments", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    json list = json::array();
    for (const auto& c : participation.comments(user, id_param(pp, "id"))) list.push_back(comment_json(c));
    return json_response(200, {{"comments", list}});
  });
  r.add("POST", "/api/v1/projects/{id}/comments", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"body"}, {"body"});
    auto c = participation.comment(user, id_param(pp, "id"), string_field(b, "body"));
    return json_response(201, comment_json(c));
  });
  r.add("POST", "/api/v1/comments/{id}/reply", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"reply"}, {"reply"});
    auto c = participation.reply(user, id_param(pp, "id"), string_field(b, "reply"));
    return json_response(200, comment_json(c));
  });

  // ---- feedback ----
  r.add("GET", "/api/v1/feedback-categories", [&](const Request& req, const PathParams&) {
    signed_in(identity, req);
    json list = json::array();
    for (const auto& c : participation.rules().feedback_categories)
      list.push_back({{"code", c.code}, {"name", c.name}});
    return json_response(200, {{"categories", list}, {"response_days", participation.rules().response_days}});
  });
  r.add("GET", "/api/v1/feedback", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    auto q = query_params(req);
    services::FeedbackFilter filter;
    if (q.count("status")) {
      filter.status = q["status"];
      if (filter.status != "open" && filter.status != "answered" && filter.status != "closed" &&
          filter.status != "escalated")
        throw ApiError{400, "unknown_status", "未知的状态", "status is one of open, answered, closed, escalated"};
    }
    if (q.count("overdue")) filter.overdue_only = q["overdue"] == "true" || q["overdue"] == "1";
    if (q.count("project_id")) {
      try {
        filter.project_id = std::stoll(q["project_id"]);
      } catch (const std::exception&) {
        throw ApiError{400, "invalid_id", "project_id 应为整数", "project_id must be an integer"};
      }
    }
    json list = json::array();
    for (const auto& f : participation.feedback(user, filter)) list.push_back(feedback_json(f));
    return json_response(200, {{"feedback", list}});
  });
  r.add("POST", "/api/v1/feedback", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"project_id", "region_code", "category", "body"}, {"category", "body"});
    services::NewFeedback in{optional_id(b, "project_id"), string_field(b, "region_code"),
                             string_field(b, "category"), string_field(b, "body")};
    return json_response(201, feedback_json(participation.submit_feedback(user, in)));
  });
  r.add("GET", "/api/v1/feedback/{id}", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    return json_response(200, feedback_json(participation.feedback_item(user, id_param(pp, "id"))));
  });
  r.add("POST", "/api/v1/feedback/{id}/answer", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"reply"}, {"reply"});
    auto f = participation.answer_feedback(user, id_param(pp, "id"), string_field(b, "reply"));
    return json_response(200, feedback_json(f));
  });
  r.add("POST", "/api/v1/feedback/{id}/close", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    empty_body(req);
    return json_response(200, feedback_json(participation.close_feedback(user, id_param(pp, "id"))));
  });
  r.add("POST", "/api/v1/feedback-escalations", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    empty_body(req);
    json list = json::array();
    for (const auto& f : participation.escalate_overdue(user)) list.push_back(feedback_json(f));
    return json_response(200, {{"escalated", list}});
  });

  // ---- assembly votes ----
  r.add("GET", "/api/v1/villages/{code}/representatives", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    return json_response(200, {{"representatives", participation.representatives(user, pp.at("code"))}});
  });
  r.add("PUT", "/api/v1/villages/{code}/representatives", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"usernames"}, {"usernames"});
    auto list = participation.set_representatives(user, pp.at("code"), string_list_field(b, "usernames"));
    return json_response(200, {{"representatives", list}});
  });
  r.add("GET", "/api/v1/votes", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    json list = json::array();
    for (const auto& v : participation.votes(user)) list.push_back(vote_json(v));
    return json_response(200, {{"votes", list}});
  });
  r.add("POST", "/api/v1/votes", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"region_code", "question", "project_id"}, {"region_code", "question"});
    auto v = participation.open_vote(user, string_field(b, "region_code"), string_field(b, "question"),
                                     optional_id(b, "project_id"));
    return json_response(201, vote_json(v));
  });
  r.add("GET", "/api/v1/votes/{id}", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto view = participation.vote(user, id_param(pp, "id"));
    json j = vote_json(view.vote);
    j["members"] = view.members;
    j["is_representative"] = view.is_representative;
    j["my_choice"] = view.my_choice.empty() ? json(nullptr) : json(view.my_choice);
    if (view.official) {
      json ballots = json::array();
      for (const auto& b : view.ballots)
        ballots.push_back({{"username", b.username}, {"choice", b.choice}, {"at", b.cast_at}});
      j["ballots"] = ballots;
    }
    return json_response(200, j);
  });
  r.add("POST", "/api/v1/votes/{id}/ballots", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"choice"}, {"choice"});
    BallotChoice choice;
    try {
      choice = parse_ballot_choice(string_field(b, "choice"));
    } catch (const UsageError& e) {
      throw ApiError{400, "unknown_choice", "选项应为 yes（同意）、no（反对）或 abstain（弃权）", e.what()};
    }
    auto ballot = participation.cast_ballot(user, id_param(pp, "id"), choice);
    return json_response(201, {{"vote_id", ballot.vote_id}, {"choice", ballot.choice}, {"at", ballot.cast_at}});
  });
  r.add("POST", "/api/v1/votes/{id}/close", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    empty_body(req);
    return json_response(200, vote_json(participation.close_vote(user, id_param(pp, "id"))));
  });

  // ---- surveys ----
  r.add("GET", "/api/v1/surveys", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    json list = json::array();
    for (const auto& s : participation.surveys(user)) list.push_back(survey_json(s, false));
    return json_response(200, {{"surveys", list}});
  });
  r.add("POST", "/api/v1/surveys", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"region_code", "project_id", "title", "questions"},
                         {"region_code", "title", "questions"});
    if (!b["questions"].is_array())
      throw ApiError{400, "wrong_type", "questions 应为数组", "questions must be a list"};
    std::vector<services::SurveyQuestion> questions;
    for (const auto& q : b["questions"]) {
      if (!q.is_object())
        throw ApiError{400, "wrong_type", "questions 的每项应为 {text, choices}", "each question is {text, choices}"};
      for (auto& [k, v] : q.items())
        if (k != "text" && k != "choices")
          throw ApiError{400, "unknown_field", "questions 中的未知字段：" + k, "unknown field in questions: " + k};
      questions.push_back({string_field(q, "text"), string_list_field(q, "choices")});
    }
    auto s = participation.create_survey(user, string_field(b, "region_code"), optional_id(b, "project_id"),
                                         string_field(b, "title"), questions);
    return json_response(201, survey_json(s, true));
  });
  r.add("GET", "/api/v1/surveys/{id}", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto view = participation.survey(user, id_param(pp, "id"));
    json j = survey_json(view.survey, true);
    j["responses"] = view.responses;
    json results = json::array();
    for (const auto& q : view.results)
      results.push_back({{"counts", q.counts}, {"score_sum", q.score_sum}, {"average", q.average}});
    j["results"] = results;
    j["my_answers"] = view.my_answers.empty() ? json(nullptr) : json(view.my_answers);
    return json_response(200, j);
  });
  r.add("POST", "/api/v1/surveys/{id}/responses", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"answers"}, {"answers"});
    if (!b["answers"].is_array())
      throw ApiError{400, "wrong_type", "answers 应为整数数组", "answers must be a list of integers"};
    std::vector<std::int64_t> answers;
    for (const auto& a : b["answers"]) {
      if (!a.is_number_integer())
        throw ApiError{400, "wrong_type", "answers 应为整数数组", "answers must be a list of integers"};
      answers.push_back(a.get<std::int64_t>());
    }
    participation.respond(user, id_param(pp, "id"), answers);
    return json_response(201, {{"survey_id", id_param(pp, "id")}, {"answers", answers}});
  });
  r.add("POST", "/api/v1/surveys/{id}/close", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    empty_body(req);
    return json_response(200, survey_json(participation.close_survey(user, id_param(pp, "id")), false));
  });
}

}  // namespace gz::http
