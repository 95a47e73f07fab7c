#include "domain/review_requirements.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/data_dir.h"
#include "common/error.h"
#include "domain/identity.h"

namespace gz {

namespace {
std::map<std::string, std::vector<std::string>> read_map(const nlohmann::json& j, const char* key,
                                                         const std::string& source) {
  std::map<std::string, std::vector<std::string>> out;
  if (!j.contains(key)) return out;
  if (!j[key].is_object()) throw InputError(source, "", key, "must be an object");
  for (auto& [k, v] : j[key].items()) {
    if (!v.is_array()) throw InputError(source, k, key, "must be a list of departments");
    for (const auto& d : v) {
      if (!d.is_string()) throw InputError(source, k, key, "department names must be strings");
      validate_department(d.get<std::string>());
      out[k].push_back(d.get<std::string>());
    }
  }
  return out;
}

void add(std::map<std::string, std::vector<std::string>>& out, const std::vector<std::string>& depts,
         const std::string& reason) {
  for (const auto& d : depts) {
    auto& reasons = out[d];
    if (std::find(reasons.begin(), reasons.end(), reason) == reasons.end()) reasons.push_back(reason);
  }
}
}  // namespace

ReviewRequirements ReviewRequirements::parse(const std::string& text, const std::string& source) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(source, "", "", std::string("not valid JSON: ") + e.what());
  }
  if (!j.is_object()) throw InputError(source, "", "", "must be a JSON object");
  ReviewRequirements r;
  try {
    if (j.contains("always"))
      for (const auto& d : j["always"]) r.always.push_back(d.get<std::string>());
    r.by_project_type = read_map(j, "by_project_type", source);
    r.by_finding = read_map(j, "by_finding", source);
    r.by_land_use_level1 = read_map(j, "by_land_use_level1", source);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(source, "", "", e.what());
  } catch (const UsageError& e) {
    throw InputError(source, "", "", e.what());
  }
  if (r.by_project_type.empty())
    throw InputError(source, "", "by_project_type", "lists no project type");
  return r;
}

const ReviewRequirements& ReviewRequirements::standard() {
  static const ReviewRequirements r = [] {
    std::string path = data_dir() + "/review_requirements.json";
    return parse(read_file(path), path);
  }();
  return r;
}

std::vector<std::string> ReviewRequirements::project_types() const {
  std::vector<std::string> out;
  for (const auto& [type, _] : by_project_type) out.push_back(type);
  return out;
}

std::map<std::string, std::vector<std::string>> ReviewRequirements::required(
    const std::string& type, const std::vector<std::string>& findings,
    const std::vector<std::string>& level1_codes) const {
  std::map<std::string, std::vector<std::string>> out;
  add(out, always, "always");
  if (auto it = by_project_type.find(type); it != by_project_type.end())
    add(out, it->second, "project_type:" + type);
  for (const auto& f : findings)
    if (auto it = by_finding.find(f); it != by_finding.end()) add(out, it->second, f);
  for (const auto& c : level1_codes)
    if (auto it = by_land_use_level1.find(c); it != by_land_use_level1.end())
      add(out, it->second, "land_use:" + c);
  return out;
}

}  // namespace gz
