// Villager participation as users drive it (DESIGN.md §2.6): public notices and the comments
// villagers leave while a notice period runs, feedback and complaints with a response deadline,
// village representative assembly votes (two thirds of all representatives), and satisfaction
// surveys. Jurisdiction as everywhere: an object outside the user's grants is NotFoundError (404,
// as for one that does not exist); visible but not the user's to change is Forbidden (403);
// refused by the state of things (notice over, vote closed, voted already) is RuleError (409).
// Each change is one transaction with its audit entry; feedback also feeds the live events.
//
// Who does what: villagers (a grant over their village) read notices, comment, give feedback,
// vote when they are representatives, and answer surveys; officials (township, village
// collective, lead department, leader group, admin) with a grant over the region publish
// notices, reply, answer feedback, run votes and surveys; auditors read everything.
//
// The guard it adds to ProjectService: a project cannot start implementation while feedback of
// a blocking category (complaints, rights objections; data/participation.json) about it is
// unanswered — whether or not it is past due, because starting work makes an unanswered
// objection moot. Answering it (not closing it) lifts the hold: the villager has had a reply on
// record and may escalate further through other channels.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/identity.h"
#include "domain/participation.h"
#include "services/projects.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"

namespace gz::services {

struct VillageNotice {
  std::int64_t id = 0;
  std::string region_code, title, body;
  std::string starts, ends;  // ISO 8601 UTC
  std::string published_by, published_at;
};

struct NoticeComment {
  std::int64_t id = 0;
  std::int64_t project_id = 0;
  std::string region_code, author, body, created_at;
  std::string reply, replied_by, replied_at;  // "" until an official replies
};

struct Feedback {
  std::int64_t id = 0;
  std::string region_code;
  std::int64_t project_id = 0;  // 0: about the village, not a project
  std::string author, category, body;
  std::string status;  // open | answered | closed | escalated
  std::string created_at, due_at;
  std::string reply, answered_by, answered_at, closed_at, escalated_at;
  bool overdue = false;  // unanswered and past due_at (computed when read)
};

struct NewFeedback {
  std::int64_t project_id = 0;
  std::string region_code;  // when not about a project
  std::string category, body;
};

struct FeedbackFilter {
  std::string status;           // "" = any
  bool overdue_only = false;
  std::int64_t project_id = 0;  // 0 = any
};

struct AssemblyVote {
  std::int64_t id = 0;
  std::string region_code;
  std::int64_t project_id = 0;
  std::string question;
  std::string status;  // open | closed
  std::string opened_by, opened_at, closed_by, closed_at;
  std::int64_t representatives = 0;  // fixed when the vote opens
  std::int64_t yes = 0, no = 0, abstain = 0;
  bool passed = false;  // set when closed
};

struct Ballot {
  std::int64_t vote_id = 0;
  std::string username, choice, cast_at;
};

struct VoteView {
  AssemblyVote vote;
  std::vector<std::string> members;  // the representatives entitled to vote
  std::vector<Ballot> ballots;       // each representative's ballot: officials and auditors only
  bool is_representative = false;    // the caller
  bool official = false;             // the caller reads the ballots (officials, auditors)
  std::string my_choice;             // "" when the caller has not voted
};

struct SurveyQuestion {
  std::string text;
  std::vector<std::string> choices;  // choice i scores i+1 (a 1–5 satisfaction scale …)
};

struct Survey {
  std::int64_t id = 0;
  std::string region_code;
  std::int64_t project_id = 0;
  std::string title;
  std::vector<SurveyQuestion> questions;
  std::string status;  // open | closed
  std::string created_by, created_at, closed_at;
};

struct QuestionResult {
  std::vector<std::int64_t> counts;  // per choice
  std::int64_t score_sum = 0;         // Σ (choice index + 1)
  double average = 0;                 // score_sum / responses, 0 without responses
};

struct SurveyView {
  Survey survey;
  std::int64_t responses = 0;
  std::vector<QuestionResult> results;
  std::vector<std::int64_t> my_answers;  // empty when the caller has not answered
};

struct ProjectNotice {
  storage::ProjectRecord project;
  bool open = false;  // comments accepted now
};

struct ParticipationOptions {
  // 0: data/participation.json's response_days.
  std::int64_t response_days = 0;
  Clock clock = system_clock_seconds;
};

class ParticipationService {
 public:
  // Makes its tables, and adds its guard to `projects`.
  ParticipationService(storage::ProjectStore& store, ProjectService& projects,
                       storage::IdentityStore* identity = nullptr,
                       ParticipationOptions options = {});

  const ParticipationRules& rules() const { return rules_; }

  // ---- notices -----------------------------------------------------------------------------
  VillageNotice publish_notice(const User& user, const std::string& region_code,
                               const std::string& title, const std::string& body,
                               std::int64_t days);
  // Newest first; those over a region that contains or lies inside one of the user's grants.
  std::vector<VillageNotice> notices(const User& user);
  VillageNotice notice(const User& user, std::int64_t id);
  ProjectNotice project_notice(const User& user, std::int64_t project_id);
  NoticeComment comment(const User& user, std::int64_t project_id, const std::string& body);
  // Officials: every comment on the project; villagers: their own.
  std::vector<NoticeComment> comments(const User& user, std::int64_t project_id);
  NoticeComment reply(const User& user, std::int64_t comment_id, const std::string& text);

  // ---- feedback ----------------------------------------------------------------------------
  Feedback submit_feedback(const User& user, const NewFeedback& input);
  // Villagers: their own; officials and auditors: all inside their grants. Oldest first.
  std::vector<Feedback> feedback(const User& user, const FeedbackFilter& filter = {});
  Feedback feedback_item(const User& user, std::int64_t id);
  Feedback answer_feedback(const User& user, std::int64_t id, const std::string& reply);
  // The submitter or an official, once answered.
  Feedback close_feedback(const User& user, std::int64_t id);
  // Marks every unanswered, overdue item inside the caller's grants escalated; returns them.
  std::vector<Feedback> escalate_overdue(const User& user);

  // ---- assembly votes ----------------------------------------------------------------------
  // Replaces the representatives of a village (12-digit code): villager accounts with a grant
  // over it, 1–300 of them, no repeats.
  std::vector<std::string> set_representatives(const User& user, const std::string& village,
                                               const std::vector<std::string>& usernames);
  std::vector<std::string> representatives(const User& user, const std::string& village);
  AssemblyVote open_vote(const User& user, const std::string& village, const std::string& question,
                         std::int64_t project_id = 0);
  std::vector<AssemblyVote> votes(const User& user);
  VoteView vote(const User& user, std::int64_t id);
  Ballot cast_ballot(const User& user, std::int64_t id, BallotChoice choice);
  AssemblyVote close_vote(const User& user, std::int64_t id);

  // ---- surveys -----------------------------------------------------------------------------
  Survey create_survey(const User& user, const std::string& region_code, std::int64_t project_id,
                       const std::string& title, const std::vector<SurveyQuestion>& questions);
  std::vector<Survey> surveys(const User& user);
  SurveyView survey(const User& user, std::int64_t id);
  // One response per villager: an answer (choice index) per question.
  void respond(const User& user, std::int64_t id, const std::vector<std::int64_t>& answers);
  Survey close_survey(const User& user, std::int64_t id);

 private:
  storage::ProjectRecord visible_project(storage::ProjectTx& tx, const User& user, std::int64_t id);
  void check_blocking_feedback(storage::ProjectTx& tx, const storage::ProjectRecord& project);

  storage::ProjectStore& store_;
  ProjectService& projects_;
  storage::IdentityStore* identity_;
  ParticipationRules rules_;
  Clock clock_;
};

// Whether `user` may read the assembly votes of `village` (GET /api/v1/votes/{id}): an official
// reading participation over it, or a villager of it. The live feed gives the vote.* events only
// to them (http/event_routes.cpp), so an event tells nobody more than the vote API does.
bool may_read_votes(const User& user, const std::string& village);

}  // namespace gz::services
