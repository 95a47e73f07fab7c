#!/usr/bin/env python3
"""Writes data/openapi/participation.json, the OpenAPI part of the participation routes.

Edit the tables below and rerun; the server test checks the document against the route table."""
import json
import os

ERR = {"$ref": "#/components/schemas/Error"}
SEC = [{"cookie": []}, {"bearer": []}]


def ref(name):
    return {"$ref": "#/components/schemas/" + name}


def s(t, **kw):
    d = {"type": t}
    d.update(kw)
    return d


TEXT = s("string")
ID = s("integer", minimum=1)
NULLABLE_ID = {"type": "integer", "nullable": True}

schemas = {
    "NewNotice": s("object", required=["region_code", "title", "body", "days"], additionalProperties=False,
                   properties={"region_code": TEXT, "title": s("string", maxLength=200),
                               "body": s("string", maxLength=20000), "days": s("integer", minimum=1, maximum=90)}),
    "Notice": s("object", properties={"id": ID, "region_code": TEXT, "title": TEXT, "body": TEXT,
                                      "starts": TEXT, "ends": TEXT, "published_by": TEXT}),
    "ProjectNotice": s("object", properties={"project_id": ID, "code": TEXT, "name": TEXT, "region_code": TEXT,
                                             "state": TEXT, "starts": TEXT, "ends": TEXT,
                                             "open": s("boolean", description="comments accepted now")}),
    "NoticeList": s("object", properties={"notices": s("array", items=ref("Notice")),
                                          "project_notices": s("array", items=ref("ProjectNotice"))}),
    "Reply": {"type": "object", "nullable": True,
              "properties": {"text": TEXT, "by": TEXT, "at": TEXT}},
    "Comment": s("object", properties={"id": ID, "project_id": ID, "author": TEXT, "body": TEXT,
                                       "created_at": TEXT, "reply": ref("Reply")}),
    "CommentList": s("object", properties={"comments": s("array", items=ref("Comment"))}),
    "NewComment": s("object", required=["body"], additionalProperties=False,
                    properties={"body": s("string", maxLength=2000)}),
    "ReplyRequest": s("object", required=["reply"], additionalProperties=False,
                      properties={"reply": s("string", maxLength=4000)}),
    "FeedbackCategories": s("object", properties={
        "categories": s("array", items=s("object", properties={"code": TEXT, "name": TEXT})),
        "response_days": s("integer")}),
    "NewFeedback": s("object", required=["category", "body"], additionalProperties=False,
                     description="about a project (project_id) or the caller's village (region_code)",
                     properties={"project_id": ID, "region_code": TEXT, "category": TEXT,
                                 "body": s("string", maxLength=4000)}),
    "Feedback": s("object", properties={
        "id": ID, "region_code": TEXT, "project_id": NULLABLE_ID, "author": TEXT, "category": TEXT,
        "body": TEXT, "status": s("string", enum=["open", "answered", "closed", "escalated"]),
        "created_at": TEXT, "due_at": TEXT, "overdue": s("boolean"), "reply": ref("Reply"),
        "closed_at": TEXT, "escalated_at": TEXT}),
    "FeedbackList": s("object", properties={"feedback": s("array", items=ref("Feedback"))}),
    "EscalatedList": s("object", properties={"escalated": s("array", items=ref("Feedback"))}),
    "Representatives": s("object", properties={"representatives": s("array", items=TEXT)}),
    "RepresentativesRequest": s("object", required=["usernames"], additionalProperties=False,
                                properties={"usernames": s("array", items=TEXT, minItems=1, maxItems=300)}),
    "NewVote": s("object", required=["region_code", "question"], additionalProperties=False,
                 properties={"region_code": s("string", description="12-digit village code"),
                             "question": s("string", maxLength=1000), "project_id": ID}),
    "Vote": s("object", properties={
        "id": ID, "region_code": TEXT, "project_id": NULLABLE_ID, "question": TEXT,
        "status": s("string", enum=["open", "closed"]), "opened_at": TEXT, "closed_at": TEXT,
        "representatives": s("integer", description="representatives entitled to vote, fixed at opening"),
        "yes": s("integer"), "no": s("integer"), "abstain": s("integer"),
        "passed": {"type": "boolean", "nullable": True,
                   "description": "null while open; true when 3 × yes ≥ 2 × representatives"}}),
    "VoteList": s("object", properties={"votes": s("array", items=ref("Vote"))}),
    "VoteDetail": {"allOf": [ref("Vote"), s("object", properties={
        "members": s("array", items=TEXT), "is_representative": s("boolean"),
        "my_choice": {"type": "string", "nullable": True},
        "ballots": s("array", description="each representative's ballot (officials and auditors)",
                     items=s("object", properties={"username": TEXT, "choice": TEXT, "at": TEXT}))})]},
    "BallotRequest": s("object", required=["choice"], additionalProperties=False,
                       properties={"choice": s("string", enum=["yes", "no", "abstain"])}),
    "Ballot": s("object", properties={"vote_id": ID, "choice": TEXT, "at": TEXT}),
    "SurveyQuestion": s("object", required=["text", "choices"], additionalProperties=False,
                        properties={"text": s("string", maxLength=500),
                                    "choices": s("array", items=s("string", maxLength=100), minItems=2, maxItems=10)}),
    "NewSurvey": s("object", required=["region_code", "title", "questions"], additionalProperties=False,
                   properties={"region_code": TEXT, "project_id": ID, "title": s("string", maxLength=200),
                               "questions": s("array", items=ref("SurveyQuestion"), minItems=1, maxItems=30)}),
    "Survey": s("object", properties={"id": ID, "region_code": TEXT, "project_id": NULLABLE_ID, "title": TEXT,
                                      "status": s("string", enum=["open", "closed"]), "created_at": TEXT,
                                      "questions": s("array", items=ref("SurveyQuestion"))}),
    "SurveyList": s("object", properties={"surveys": s("array", items=ref("Survey"))}),
    "SurveyDetail": {"allOf": [ref("Survey"), s("object", properties={
        "responses": s("integer"),
        "results": s("array", items=s("object", properties={
            "counts": s("array", items=s("integer")),
            "score_sum": s("integer", description="Σ (choice index + 1)"),
            "average": s("number", description="score_sum / responses: choice i scores i+1")})),
        "my_answers": {"type": "array", "nullable": True, "items": s("integer")}})]},
    "SurveyResponse": s("object", required=["answers"], additionalProperties=False,
                        properties={"answers": s("array", items=s("integer", minimum=0),
                                                 description="a choice index per question")}),
    "SurveyAnswered": s("object", properties={"survey_id": ID, "answers": s("array", items=s("integer"))}),
}


def path_param(name, kind="id"):
    schema = ID if kind == "id" else TEXT
    return {"name": name, "in": "path", "required": True, "schema": schema}


def op(summary, ok, ok_schema, request=None, params=(), errors=None, description=None, query=()):
    o = {"summary": summary, "security": SEC}
    if description:
        o["description"] = description
    ps = list(params) + [{"name": n, "in": "query", "schema": s("string"), "description": d} for n, d in query]
    if ps:
        o["parameters"] = ps
    if request:
        o["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref(request)}}}
    code, desc = ok
    responses = {str(code): {"description": desc, "content": {"application/json": {"schema": ref(ok_schema)}}}}
    errs = {"401": "no valid session (unauthenticated)"}
    if request:
        errs["400"] = "malformed_json, not_an_object, unknown_field, missing_field, wrong_type, invalid_text, empty_field, field_too_long"
    errs.update(errors or {})
    for k, v in errs.items():
        responses[k] = {"description": v, "content": {"application/json": {"schema": ERR}}}
    o["responses"] = responses
    return o


NF = "not found, or outside the caller's grants: both answer alike (not_found)"
ID_P = [path_param("id")]
paths = {
    "/api/v1/notices": {
        "get": op("公示 Notices reaching the caller, and the projects in public notice", (200, "notices, newest first"),
                  "NoticeList"),
        "post": op("发布公示 Publish a notice for a village or township", (201, "the notice"), "Notice", "NewNotice",
                   errors={"400": "invalid_region, invalid_days, and the body errors", "403": "not_a_publisher",
                           "404": NF}),
    },
    "/api/v1/notices/{id}": {"get": op("公示内容 One notice", (200, "the notice"), "Notice", params=ID_P,
                                       errors={"404": NF})},
    "/api/v1/projects/{id}/notice": {"get": op("项目公示 A project's public notice", (200, "the notice period"),
                                               "ProjectNotice", params=ID_P,
                                               errors={"404": NF + "; also when the project was never on notice"})},
    "/api/v1/projects/{id}/comments": {
        "get": op("公示意见 Comments on a project's notice: all for officials, their own for villagers",
                  (200, "comments, oldest first"), "CommentList", params=ID_P, errors={"404": NF}),
        "post": op("提出意见 Comment on a project's notice (villagers of its village, while the period runs)",
                   (201, "the comment"), "Comment", "NewComment", params=ID_P,
                   errors={"403": "villagers_only", "404": NF, "409": "notice_closed, notice_not_started"}),
    },
    "/api/v1/comments/{id}/reply": {"post": op("答复意见 Reply to a comment (officials)", (200, "the comment with its reply"),
                                               "Comment", "ReplyRequest", params=ID_P,
                                               errors={"403": "not_an_official", "404": NF, "409": "already_replied"})},
    "/api/v1/feedback-categories": {"get": op("意见类别 Feedback categories and the response deadline in days",
                                              (200, "categories"), "FeedbackCategories")},
    "/api/v1/feedback": {
        "get": op("意见投诉 Feedback: the caller's own (villagers) or all inside the caller's grants (officials)",
                  (200, "feedback, oldest first"), "FeedbackList",
                  query=[("status", "open, answered, closed or escalated"), ("overdue", "true: only unanswered past due"),
                         ("project_id", "only about this project")],
                  errors={"400": "unknown_status, invalid_id"}),
        "post": op("提交意见或投诉 Submit feedback or a complaint (villagers)", (201, "the feedback with its due date"),
                   "Feedback", "NewFeedback",
                   errors={"400": "unknown_category, invalid_region, region_mismatch and the body errors",
                           "403": "villagers_only", "404": NF}),
    },
    "/api/v1/feedback/{id}": {"get": op("意见详情 One feedback item with its reply", (200, "the feedback"), "Feedback",
                                        params=ID_P, errors={"404": NF})},
    "/api/v1/feedback/{id}/answer": {"post": op("答复 Answer feedback (township, village collective, lead department)",
                                                (200, "the answered feedback"), "Feedback", "ReplyRequest", params=ID_P,
                                                errors={"403": "not_an_official", "404": NF, "409": "already_answered"})},
    "/api/v1/feedback/{id}/close": {"post": op("办结 Close answered feedback (its submitter or an official); body empty or {}",
                                               (200, "the closed feedback"), "Feedback", params=ID_P,
                                               errors={"403": "not_permitted", "404": NF,
                                                       "409": "not_answered, already_closed"})},
    "/api/v1/feedback-escalations": {"post": op("督办 Escalate every unanswered overdue item inside the caller's grants",
                                                (200, "the items escalated"), "EscalatedList",
                                                errors={"403": "not_permitted"})},
    "/api/v1/villages/{code}/representatives": {
        "get": op("村民代表 The representatives of a village", (200, "usernames, sorted"), "Representatives",
                  params=[path_param("code", "text")], errors={"400": "invalid_region, not_a_village", "404": NF}),
        "put": op("确定村民代表 Replace a village's representatives (village collective, township)",
                  (200, "the representatives"), "Representatives", "RepresentativesRequest",
                  params=[path_param("code", "text")],
                  errors={"400": "invalid_region, not_a_village, invalid_representatives, not_a_villager",
                          "403": "not_a_convener", "404": NF}),
    },
    "/api/v1/votes": {
        "get": op("村民代表会议表决 Votes visible to the caller", (200, "votes, newest first"), "VoteList"),
        "post": op("发起表决 Open a vote of a village's representative assembly", (201, "the vote"), "Vote", "NewVote",
                   description="The representatives at opening are the electorate; the vote passes when at least "
                               "two thirds of ALL of them vote yes.",
                   errors={"400": "not_a_village, project_elsewhere and the body errors", "403": "not_a_convener",
                           "404": NF, "409": "no_representatives"}),
    },
    "/api/v1/votes/{id}": {"get": op("表决详情 A vote with its tally and the caller's ballot", (200, "the vote"), "VoteDetail",
                                     params=ID_P, errors={"404": NF})},
    "/api/v1/votes/{id}/ballots": {"post": op("投票 Cast the caller's ballot (representatives, once)", (201, "the ballot"),
                                              "Ballot", "BallotRequest", params=ID_P,
                                              errors={"400": "unknown_choice", "403": "not_a_representative",
                                                      "404": NF, "409": "already_voted, vote_closed"})},
    "/api/v1/votes/{id}/close": {"post": op("结束表决 Close a vote and record its result; body empty or {}",
                                            (200, "the result"), "Vote", params=ID_P,
                                            errors={"403": "not_a_convener", "404": NF, "409": "vote_closed"})},
    "/api/v1/surveys": {
        "get": op("满意度调查 Surveys reaching the caller", (200, "surveys, newest first"), "SurveyList"),
        "post": op("发起调查 Create a survey (officials)", (201, "the survey"), "Survey", "NewSurvey",
                   errors={"400": "invalid_questions, invalid_choices, invalid_region, project_elsewhere and the body errors",
                           "403": "not_a_publisher", "404": NF}),
    },
    "/api/v1/surveys/{id}": {"get": op("调查结果 A survey with its aggregated results and the caller's answers",
                                       (200, "the survey"), "SurveyDetail", params=ID_P, errors={"404": NF})},
    "/api/v1/surveys/{id}/responses": {"post": op("作答 Answer a survey (villagers, once)", (201, "the answers recorded"),
                                                  "SurveyAnswered", "SurveyResponse", params=ID_P,
                                                  errors={"400": "invalid_answers and the body errors",
                                                          "403": "villagers_only", "404": NF,
                                                          "409": "already_responded, survey_closed"})},
    "/api/v1/surveys/{id}/close": {"post": op("结束调查 Close a survey; body empty or {}", (200, "the survey"), "Survey",
                                              params=ID_P, errors={"403": "not_a_publisher", "404": NF,
                                                                   "409": "survey_closed"})},
}

out = os.path.join(os.path.dirname(__file__), "..", "data", "openapi", "participation.json")
with open(out, "w", encoding="utf-8") as f:
    json.dump({"paths": paths, "components": {"schemas": schemas}}, f, ensure_ascii=False, indent=1)
    f.write("\n")
