// gongzhi admin: the first administrator, users with their grants, and the audit trail
// (listing it, verifying its hash chain) from the command line.
#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/admin_support.h"
#include "cli/command.h"
#include "common/error.h"
#include "domain/identity.h"
#include "services/password.h"
#include "services/regions.h"
#include "storage/access_store.h"
#include "storage/identity_store.h"

namespace gz::cli {

// One line from stdin, without its line end. Never echoed, never logged.
std::string read_password_from_stdin() {
  std::string password;
  if (!std::getline(std::cin, password) && password.empty())
    throw UsageError("password: nothing on stdin (--password-stdin reads one line)");
  if (!password.empty() && password.back() == '\r') password.pop_back();
  return password;
}

// Who did it, for the audit log: the command line has no login, so the operating-system user.
std::string cli_actor() {
  if (const struct passwd* pw = getpwuid(getuid()); pw && pw->pw_name && *pw->pw_name)
    return std::string("cli:") + pw->pw_name;
  const char* user = std::getenv("USER");
  return std::string("cli:") + (user && *user ? user : std::to_string(getuid()));
}

std::string role_names() {
  std::string roles;
  for (Role r : all_roles()) roles += (roles.empty() ? "" : ", ") + std::string(to_string(r));
  return roles;
}

std::string describe_grant(const Grant& g) {
  std::string out(to_string(g.role));
  if (!g.department.empty()) out += "@" + g.department;
  out += " in " + (g.region_code.empty() ? std::string("all regions") : g.region_code);
  return out;
}

void add_admin_command(CLI::App& app, Action& action) {
  auto* admin = app.add_subcommand("admin", "Administer users, the audit trail and backups.");
  admin->require_subcommand(1);

  {
    struct Options {
      std::string db, username;
      bool password_stdin = false;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = admin->add_subcommand(
        "create-admin", "Create the first administrator (refused once an administrator exists).");
    cmd->add_option("--db", o->db, "SQLite database file or pg:CONNINFO")->required();
    cmd->add_option("--username", o->username, "letters, digits, '_', '-', '.'; 3–64")
        ->required();
    cmd->add_flag("--password-stdin", o->password_stdin, "read the password from stdin")
        ->required();
    cmd->callback([o, &action] {
      action = [o] {
        validate_username(o->username);
        std::string password = read_password_from_stdin();
        validate_password(password);
        auto store = storage::IdentityStore::open(o->db, {.create = true});
        auto user = store->create_first_admin(o->username, services::hash_password(password),
                                              cli_actor());
        std::cout << "created administrator '" << user.username << "' in " << store->location()
                  << "\n";
        return kExitOk;
      };
    });
  }

  {
    struct Options {
      std::string db, username, role, department, region;
      bool password_stdin = false;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = admin->add_subcommand("add-user", "Add a user with one grant (role, department, "
                                                  "region subtree).");
    cmd->add_option("--db", o->db, "SQLite database file or pg:CONNINFO")->required();
    cmd->add_option("--username", o->username, "letters, digits, '_', '-', '.'; 3–64")
        ->required();
    cmd->add_option("--role", o->role, role_names())->required();
    cmd->add_option("--department", o->department,
                    "department the role acts for (required for lead_department and "
                    "co_reviewing_department)");
    cmd->add_option("--region", o->region,
                    "division code of the region subtree: 6 digits to county, 9 township, 12 "
                    "village (optional for admin and auditor: all regions)");
    cmd->add_flag("--password-stdin", o->password_stdin, "read the password from stdin")
        ->required();
    cmd->callback([o, &action] {
      action = [o] {
        validate_username(o->username);
        Role role = parse_role(o->role);
        if (!o->department.empty()) validate_department(o->department);
        if (o->department.empty() && role_needs_department(role))
          throw UsageError("department: role " + o->role + " needs --department");
        if (!o->region.empty()) validate_region_code(o->region);
        if (o->region.empty() && role != Role::admin && role != Role::auditor)
          throw UsageError("region: role " + o->role + " needs --region (a division code)");
        std::string password = read_password_from_stdin();
        validate_password(password);
        auto store = storage::IdentityStore::open(o->db);
        storage::NewUser user{o->username, services::hash_password(password),
                              {Grant{role, o->department, o->region}}};
        auto created = store->add_user(user, cli_actor());
        std::cout << "added user '" << created.username << "' ("
                  << describe_grant(created.grants.front()) << ") to " << store->location()
                  << "\n";
        return kExitOk;
      };
    });
  }

  {
    struct Options {
      std::string db, format = "table";
    };
    auto o = std::make_shared<Options>();
    auto* cmd = admin->add_subcommand("users", "List users and their grants.");
    cmd->add_option("--db", o->db, "SQLite database file or pg:CONNINFO")->required();
    cmd->add_option("--format", o->format, "table or json")
        ->check(CLI::IsMember({"table", "json"}));
    cmd->callback([o, &action] {
      action = [o] {
        auto users = storage::IdentityStore::open(o->db)->users();
        auto disabled = storage::AccessStore::open(o->db)->disabled_users();
        if (o->format == "json") {
          nlohmann::json out = nlohmann::json::array();
          for (const auto& u : users) {
            nlohmann::json grants = nlohmann::json::array();
            for (const auto& g : u.grants)
              grants.push_back({{"role", std::string(to_string(g.role))},
                                {"department", g.department},
                                {"region", g.region_code}});
            out.push_back(
                {{"username", u.username}, {"created_at", u.created_at}, {"grants", grants},
                 {"disabled", disabled.count(u.username) > 0}});
          }
          std::cout << out.dump(2) << "\n";
          return kExitOk;
        }
        std::printf("%-24s %-28s  %s\n", "username", "created", "grants");
        for (const auto& u : users) {
          std::string grants;
          for (const auto& g : u.grants) grants += (grants.empty() ? "" : "; ") + describe_grant(g);
          if (disabled.count(u.username)) grants = "(disabled) " + grants;
          std::printf("%-24s %-28s  %s\n", u.username.c_str(), u.created_at.c_str(),
                      grants.c_str());
        }
        return kExitOk;
      };
    });
  }

  {
    struct Options {
      std::string db, format = "table";
    };
    auto o = std::make_shared<Options>();
    auto* cmd = admin->add_subcommand("audit", "List the audit log, oldest first.");
    cmd->add_option("--db", o->db, "SQLite database file or pg:CONNINFO")->required();
    cmd->add_option("--format", o->format, "table or json")
        ->check(CLI::IsMember({"table", "json"}));
    cmd->callback([o, &action] {
      action = [o] {
        auto log = storage::IdentityStore::open(o->db)->audit_log();
        if (o->format == "json") {
          nlohmann::json out = nlohmann::json::array();
          for (const auto& e : log)
            out.push_back({{"seq", e.seq}, {"time", e.time}, {"actor", e.actor},
                           {"action", e.action}, {"object", e.object},
                           {"detail", nlohmann::json::parse(e.detail, nullptr, false)},
                           {"prev_hash", e.prev_hash}, {"hash", e.hash}});
          std::cout << out.dump(2) << "\n";
          return kExitOk;
        }
        std::printf("%6s  %-27s %-16s %-16s %-24s %s\n", "seq", "time", "actor", "action",
                    "object", "detail");
        for (const auto& e : log)
          std::printf("%6lld  %-27s %-16s %-16s %-24s %s\n", static_cast<long long>(e.seq),
                      e.time.c_str(), e.actor.c_str(), e.action.c_str(), e.object.c_str(),
                      e.detail.c_str());
        return kExitOk;
      };
    });
  }

  {
    struct Options {
      std::string db, layer;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = admin->add_subcommand(
        "import-regions",
        "Replace the region hierarchy with a layer of kind region (XZQDM code, XZQMC name) from "
        "the same database; parents follow from the codes.");
    cmd->add_option("--db", o->db, "SQLite database file or pg:CONNINFO")->required();
    cmd->add_option("--layer", o->layer, "layer of kind region")->required();
    cmd->callback([o, &action] {
      action = [o] {
        auto layers = storage::Store::open(o->db);
        auto identity = storage::IdentityStore::open(o->db);
        auto regions = services::import_regions(*layers, *identity, o->layer, cli_actor());
        std::map<RegionLevel, int> per_level;
        for (const auto& r : regions) ++per_level[r.level];
        std::cout << "imported " << regions.size() << " regions from layer " << o->layer;
        std::string sep = " (";
        for (const auto& [level, n] : per_level) {
          std::cout << sep << n << " " << to_string(level);
          sep = ", ";
        }
        std::cout << (per_level.empty() ? "" : ")") << " into " << identity->location() << "\n";
        return kExitOk;
      };
    });
  }

  add_admin_audit_commands(*admin, action);
  add_admin_access_commands(*admin, action);
  add_admin_backup_commands(*admin, action);
}

}  // namespace gz::cli
