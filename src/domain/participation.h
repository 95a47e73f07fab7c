// Villager participation (DESIGN.md §2.6) without I/O: the rule a village representative
// assembly vote passes by, ballot choices, and the participation settings read from
// data/participation.json (feedback categories, the response deadline, which categories hold up
// the start of implementation while unanswered).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gz {

enum class BallotChoice { yes, no, abstain };
std::string_view to_string(BallotChoice c);
// Throws UsageError listing the choices.
BallotChoice parse_ballot_choice(std::string_view name);

// 村民代表会议: a decision passes with at least two thirds of ALL representatives voting yes
// (not two thirds of those who voted); abstentions and absences count against it. Integer
// arithmetic, so 6 of 9 passes and 5 of 9 does not. No representatives: nothing passes.
bool assembly_passes(std::int64_t yes, std::int64_t representatives);

struct FeedbackCategory {
  std::string code, name;  // "complaint", "投诉"
};

struct ParticipationRules {
  std::int64_t response_days = 15;  // an official answers feedback within this many days
  std::vector<FeedbackCategory> feedback_categories;
  // Feedback of these categories about a project, while unanswered, holds up its
  // start_implementation.
  std::vector<std::string> blocking_categories;

  const FeedbackCategory* category(const std::string& code) const;
  bool blocks_implementation(const std::string& code) const;
  // Throws InputError naming `source` and the field.
  static ParticipationRules parse(const std::string& json_text, const std::string& source);
};

}  // namespace gz
