// Who may act where: the roles of DESIGN.md §1, users with their grants (role + department +
// region subtree), and the administrative division codes that jurisdiction is expressed in
// (GB/T 2260 to county, statistical codes for township and village). No I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gz {

enum class Role {
  leader_group,             // 领导小组
  lead_department,          // 牵头部门 (natural resources)
  co_reviewing_department,  // 会审部门
  township,                 // 乡镇
  village_collective,       // 村集体
  villager,                 // 村民
  investor,                 // 社会资本
  expert,                   // 第三方
  auditor,                  // 监督: reads everything, changes nothing
  admin,
};

std::string_view to_string(Role role);
// Throws UsageError listing the roles when `name` is none of them.
Role parse_role(std::string_view name);
const std::vector<Role>& all_roles();
// Roles that act for a department and so need one named in their grant.
bool role_needs_department(Role role);

struct Department {
  std::int64_t id = 0;
  std::string name;
};

// A role in a department over a region subtree. An empty region is the whole country (admins,
// auditors); an empty department means the role acts for no department.
struct Grant {
  Role role = Role::villager;
  std::string department;
  std::string region_code;
};

struct User {
  std::int64_t id = 0;
  std::string username;
  std::string password_hash;  // Argon2id string ($argon2id$…), never the password
  std::string created_at;
  std::vector<Grant> grants;
};

// ---- region codes ------------------------------------------------------------------------------

enum class RegionLevel { province, city, county, township, village };
std::string_view to_string(RegionLevel level);

// The significant prefix of a division code: "340000" → "34" (province), "340100" → "3401"
// (city), "340123" → "340123" (county), "340123100" (township), "340123100201" (village);
// 12- and 9-digit codes with trailing zero segments shorten the same way. Accepts 2, 4, 6, 9 or
// 12 digits; throws UsageError saying what is wrong otherwise.
std::string region_prefix(const std::string& code);
RegionLevel region_level(const std::string& code);
// Throws UsageError naming the field when `code` is not a division code.
void validate_region_code(const std::string& code);
// True when `code` lies in the subtree of `ancestor` (a region contains itself). An empty
// ancestor is the whole country. Malformed codes are contained in nothing.
bool region_contains(const std::string& ancestor, const std::string& code);

// One region of the hierarchy. The level follows from the code; the parent is the nearest
// region of the same hierarchy whose code contains this one ("" for a root).
struct Region {
  std::string code, name;
  RegionLevel level = RegionLevel::village;
  std::string parent;
};

// Levels and parents of a set of regions from their codes alone (the input's level and parent
// are ignored), sorted by code. Throws UsageError naming the code when one is malformed, or when
// two codes name the same region ("340100" and "3401…" alike).
std::vector<Region> build_region_hierarchy(std::vector<Region> regions);

// ---- names and passwords -----------------------------------------------------------------------

// Usernames: ASCII letters, digits, '_', '-', '.', 3–64 characters. Throws UsageError naming the
// field and the offending character.
void validate_username(const std::string& username);
// Department names: letters of any script, digits, '_', '-', '.', 1–64 characters.
void validate_department(const std::string& department);
// Passwords: at least 10 characters (code points), at most 1024 bytes.
void validate_password(const std::string& password);

}  // namespace gz
