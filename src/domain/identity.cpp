#include "domain/identity.h"

#include <algorithm>
#include <array>
#include <map>

#include "common/error.h"

namespace gz {

namespace {
constexpr std::array<std::pair<Role, std::string_view>, 10> kRoles{{
    {Role::leader_group, "leader_group"},
    {Role::lead_department, "lead_department"},
    {Role::co_reviewing_department, "co_reviewing_department"},
    {Role::township, "township"},
    {Role::village_collective, "village_collective"},
    {Role::villager, "villager"},
    {Role::investor, "investor"},
    {Role::expert, "expert"},
    {Role::auditor, "auditor"},
    {Role::admin, "admin"},
}};

// Segment ends of a 12-digit code: province 2, city 4, county 6, township 9, village 12.
constexpr std::array<std::size_t, 5> kSegmentEnds{2, 4, 6, 9, 12};

bool all_digits(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::size_t code_points(const std::string& s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}
}  // namespace

std::string_view to_string(Role role) {
  for (const auto& [r, name] : kRoles)
    if (r == role) return name;
  return "unknown";
}

Role parse_role(std::string_view name) {
  for (const auto& [r, n] : kRoles)
    if (n == name) return r;
  std::string known;
  for (const auto& [r, n] : kRoles) known += (known.empty() ? "" : ", ") + std::string(n);
  throw UsageError("role '" + std::string(name) + "' is not a role; use one of " + known);
}

const std::vector<Role>& all_roles() {
  static const std::vector<Role> roles = [] {
    std::vector<Role> out;
    for (const auto& [r, n] : kRoles) out.push_back(r);
    return out;
  }();
  return roles;
}

bool role_needs_department(Role role) {
  return role == Role::lead_department || role == Role::co_reviewing_department;
}

std::string_view to_string(RegionLevel level) {
  switch (level) {
    case RegionLevel::province: return "province";
    case RegionLevel::city: return "city";
    case RegionLevel::county: return "county";
    case RegionLevel::township: return "township";
    case RegionLevel::village: return "village";
  }
  return "unknown";
}

std::string region_prefix(const std::string& code) {
  if (code.empty()) throw UsageError("region code is empty");
  if (!all_digits(code))
    throw UsageError("region code '" + code + "' is not a division code: digits only");
  auto end = std::find(kSegmentEnds.begin(), kSegmentEnds.end(), code.size());
  if (end == kSegmentEnds.end())
    throw UsageError("region code '" + code +
                     "' is not a division code: use 6 digits to county (GB/T 2260), 9 for a "
                     "township or 12 for a village");
  // Drop trailing all-zero segments: "340100" is the city 3401, "340123100000" the township.
  std::size_t len = code.size();
  auto k = static_cast<std::size_t>(end - kSegmentEnds.begin());
  while (k > 0) {
    std::size_t begin = kSegmentEnds[k - 1];
    if (code.substr(begin, len - begin).find_first_not_of('0') != std::string::npos) break;
    len = begin;
    --k;
  }
  std::string prefix = code.substr(0, len);
  if (prefix == "00") throw UsageError("region code '" + code + "' is not a division code");
  return prefix;
}

RegionLevel region_level(const std::string& code) {
  switch (region_prefix(code).size()) {
    case 2: return RegionLevel::province;
    case 4: return RegionLevel::city;
    case 6: return RegionLevel::county;
    case 9: return RegionLevel::township;
    default: return RegionLevel::village;
  }
}

void validate_region_code(const std::string& code) {
  try {
    region_prefix(code);
  } catch (const UsageError& e) {
    throw UsageError(std::string("region: ") + e.what());
  }
}

std::vector<Region> build_region_hierarchy(std::vector<Region> regions) {
  std::map<std::string, std::size_t> by_prefix;
  std::vector<std::string> prefixes(regions.size());
  for (std::size_t i = 0; i < regions.size(); ++i) {
    validate_region_code(regions[i].code);
    prefixes[i] = region_prefix(regions[i].code);
    auto [it, fresh] = by_prefix.emplace(prefixes[i], i);
    if (!fresh)
      throw UsageError("region: codes '" + regions[it->second].code + "' and '" +
                       regions[i].code + "' name the same region");
    regions[i].level = region_level(regions[i].code);
  }
  for (std::size_t i = 0; i < regions.size(); ++i) {
    regions[i].parent.clear();
    // The nearest ancestor present: try the shorter segment ends, longest first.
    for (auto end = kSegmentEnds.rbegin(); end != kSegmentEnds.rend(); ++end) {
      if (*end >= prefixes[i].size()) continue;
      auto it = by_prefix.find(prefixes[i].substr(0, *end));
      if (it != by_prefix.end()) {
        regions[i].parent = regions[it->second].code;
        break;
      }
    }
  }
  std::sort(regions.begin(), regions.end(),
            [](const Region& a, const Region& b) { return a.code < b.code; });
  return regions;
}

bool region_contains(const std::string& ancestor, const std::string& code) {
  if (ancestor.empty()) return true;
  try {
    std::string a = region_prefix(ancestor), c = region_prefix(code);
    return c.size() >= a.size() && c.compare(0, a.size(), a) == 0;
  } catch (const UsageError&) {
    return false;
  }
}

void validate_username(const std::string& username) {
  if (username.size() < 3 || username.size() > 64)
    throw UsageError("username '" + username + "' must be 3 to 64 characters long (it has " +
                     std::to_string(username.size()) + ")");
  for (std::size_t i = 0; i < username.size(); ++i) {
    char c = username[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    if (!ok)
      throw UsageError("username '" + username + "' is not allowed: character '" +
                       std::string(1, c) + "' at position " + std::to_string(i + 1) +
                       "; use letters, digits, '_', '-' or '.'");
  }
}

void validate_department(const std::string& department) {
  if (department.empty()) throw UsageError("department is empty");
  if (code_points(department) > 64)
    throw UsageError("department '" + department + "' is longer than 64 characters");
  for (std::size_t i = 0; i < department.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(department[i]);
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.' || c >= 0x80;
    if (!ok)
      throw UsageError("department '" + department + "' is not allowed: character '" +
                       std::string(1, static_cast<char>(c)) + "' at position " +
                       std::to_string(i + 1) + "; use letters, digits, '_', '-' or '.'");
  }
}

void validate_password(const std::string& password) {
  if (code_points(password) < 10)
    throw UsageError("password is too short: at least 10 characters");
  if (password.size() > 1024) throw UsageError("password is too long: at most 1024 bytes");
}

}  // namespace gz
