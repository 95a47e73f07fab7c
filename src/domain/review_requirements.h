// Which departments must review a project in the joint review (会审), read from
// data/review_requirements.json: always the lead department, then by project type, by compliance
// finding, and by the land-use groups its planned changes touch. Each department comes with the
// reasons it is required, so the review form can say why.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace gz {

struct ReviewRequirements {
  std::vector<std::string> always;
  std::map<std::string, std::vector<std::string>> by_project_type;
  std::map<std::string, std::vector<std::string>> by_finding;  // "rule:ID", "overlap:KIND"
  std::map<std::string, std::vector<std::string>> by_land_use_level1;  // "11" → water

  // Throws InputError naming the file and entry on malformed input.
  static ReviewRequirements parse(const std::string& json_text, const std::string& source_name);
  static const ReviewRequirements& standard();  // data_dir()/review_requirements.json

  // Project types the table knows: a project of another type is refused at creation.
  std::vector<std::string> project_types() const;

  // department → reasons ("always", "project_type:农用地整理", "rule:redline_engineering",
  // "overlap:ecological_redline", "land_use:11"), for a project of `type` whose compliance check
  // raised `findings` ("rule:…" / "overlap:…" keys) and whose planned changes touch classes of
  // the first-level groups `level1_codes`.
  std::map<std::string, std::vector<std::string>> required(
      const std::string& type, const std::vector<std::string>& findings,
      const std::vector<std::string>& level1_codes) const;
};

}  // namespace gz
