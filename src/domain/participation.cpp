#include "domain/participation.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/error.h"

namespace gz {

std::string_view to_string(BallotChoice c) {
  switch (c) {
    case BallotChoice::yes: return "yes";
    case BallotChoice::no: return "no";
    case BallotChoice::abstain: return "abstain";
  }
  return "abstain";
}

BallotChoice parse_ballot_choice(std::string_view name) {
  for (auto c : {BallotChoice::yes, BallotChoice::no, BallotChoice::abstain})
    if (to_string(c) == name) return c;
  throw UsageError("unknown choice '" + std::string(name) + "' (choices: yes, no, abstain)");
}

bool assembly_passes(std::int64_t yes, std::int64_t representatives) {
  return representatives > 0 && yes >= 0 && 3 * yes >= 2 * representatives;
}

const FeedbackCategory* ParticipationRules::category(const std::string& code) const {
  for (const auto& c : feedback_categories)
    if (c.code == code) return &c;
  return nullptr;
}

bool ParticipationRules::blocks_implementation(const std::string& code) const {
  return std::find(blocking_categories.begin(), blocking_categories.end(), code) !=
         blocking_categories.end();
}

ParticipationRules ParticipationRules::parse(const std::string& json_text, const std::string& source) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(source, "", "", std::string("not valid JSON: ") + e.what());
  }
  ParticipationRules r;
  try {
    r.response_days = j.at("response_days").get<std::int64_t>();
    if (r.response_days < 1 || r.response_days > 365)
      throw InputError(source, "", "response_days", "must be 1–365 days");
    for (const auto& c : j.at("feedback_categories"))
      r.feedback_categories.push_back({c.at("code").get<std::string>(), c.at("name").get<std::string>()});
    for (const auto& c : j.value("blocking_categories", nlohmann::json::array())) {
      auto code = c.get<std::string>();
      if (!r.category(code))
        throw InputError(source, "", "blocking_categories", "'" + code + "' is not a feedback category");
      r.blocking_categories.push_back(code);
    }
  } catch (const nlohmann::json::exception& e) {
    throw InputError(source, "", "", e.what());
  }
  if (r.feedback_categories.empty())
    throw InputError(source, "", "feedback_categories", "no categories");
  return r;
}

}  // namespace gz
