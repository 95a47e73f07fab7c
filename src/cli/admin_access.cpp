// gongzhi admin disable-user, enable-user, revoke-grant, reset-password, sessions and
// kill-session: taking access away. Each takes effect at once in every server process on the
// database (the store moves its change signal before returning: storage/change_signal.h), closes
// the live-feed streams of the sessions it ends, and is audited.
#include <cstdio>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/admin_support.h"
#include "cli/command.h"
#include "common/error.h"
#include "services/password.h"
#include "storage/access_store.h"

namespace gz::cli {

namespace {

std::string utc(std::int64_t unix_seconds) {
  std::time_t t = unix_seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// A subcommand with --db and --username whose action gets the store and the user name.
template <class F>
CLI::App* user_command(CLI::App& admin, Action& action, const std::string& name,
                       const std::string& help, F f) {
  struct Options {
    std::string db, username;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = admin.add_subcommand(name, help);
  cmd->add_option("--db", o->db, "SQLite database file or pg:CONNINFO")->required();
  cmd->add_option("--username", o->username, "the user")->required();
  cmd->callback([o, &action, f] {
    action = [o, f] {
      auto store = storage::AccessStore::open(o->db);
      return f(*store, o->username);
    };
  });
  return cmd;
}

}  // namespace

void add_admin_access_commands(CLI::App& admin, Action& action) {
  user_command(admin, action, "disable-user",
               "Disable an account: its sessions end at once and it cannot sign in.",
               [](storage::AccessStore& store, const std::string& username) {
                 auto ended = store.disable_user(username, cli_actor());
                 std::cout << "disabled user '" << username << "'; " << ended
                           << " session(s) ended\n";
                 return kExitOk;
               });
  user_command(admin, action, "enable-user", "Enable a disabled account again.",
               [](storage::AccessStore& store, const std::string& username) {
                 store.enable_user(username, cli_actor());
                 std::cout << "enabled user '" << username << "'\n";
                 return kExitOk;
               });

  {
    auto grant = std::make_shared<Grant>();
    auto role = std::make_shared<std::string>();
    auto* cmd = user_command(
        admin, action, "revoke-grant",
        "Remove one grant of a user (as admin users lists it); it ends at once in every server.",
        [grant, role](storage::AccessStore& store, const std::string& username) {
          Grant g = *grant;
          g.role = parse_role(*role);
          store.revoke_grant(username, g, cli_actor());
          std::cout << "revoked " << describe_grant(g) << " from '" << username << "'\n";
          return kExitOk;
        });
    cmd->add_option("--role", *role, role_names())->required();
    cmd->add_option("--department", grant->department, "the grant's department, if it has one");
    cmd->add_option("--region", grant->region_code,
                    "the grant's region code (none for a grant over all regions)");
  }

  {
    auto* cmd = user_command(
        admin, action, "reset-password",
        "Set a new password (one line on stdin) and end every session of the user.",
        [](storage::AccessStore& store, const std::string& username) {
          std::string password = read_password_from_stdin();
          validate_password(password);
          auto ended = store.reset_password(username, services::hash_password(password), cli_actor());
          std::cout << "reset the password of '" << username << "'; " << ended
                    << " session(s) ended\n";
          return kExitOk;
        });
    auto flag = std::make_shared<bool>(false);
    cmd->add_flag("--password-stdin", *flag, "read the password from stdin")->required();
  }

  {
    struct Options {
      std::string db, username, format = "table";
    };
    auto o = std::make_shared<Options>();
    auto* cmd = admin.add_subcommand("sessions", "List open sessions, newest first.");
    cmd->add_option("--db", o->db, "SQLite database file or pg:CONNINFO")->required();
    cmd->add_option("--username", o->username, "only this user's sessions");
    cmd->add_option("--format", o->format, "table or json")->check(CLI::IsMember({"table", "json"}));
    cmd->callback([o, &action] {
      action = [o] {
        auto list = storage::AccessStore::open(o->db)->sessions(o->username);
        // The id is the start of the token's hash: it names the session and signs nobody in.
        if (o->format == "json") {
          nlohmann::json out = nlohmann::json::array();
          for (const auto& s : list)
            out.push_back({{"id", s.token_hash.substr(0, 16)}, {"username", s.username},
                           {"created", utc(s.created)}, {"last_seen", utc(s.last_seen)},
                           {"expires", utc(s.expires)}, {"address", s.address}});
          std::cout << out.dump(2) << "\n";
          return kExitOk;
        }
        std::printf("%-16s  %-24s %-20s  %-20s  %s\n", "id", "username", "created", "last seen",
                    "address");
        for (const auto& s : list)
          std::printf("%-16s  %-24s %-20s  %-20s  %s\n", s.token_hash.substr(0, 16).c_str(),
                      s.username.c_str(), utc(s.created).c_str(), utc(s.last_seen).c_str(),
                      s.address.c_str());
        return kExitOk;
      };
    });
  }

  {
    struct Options {
      std::string db, id;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = admin.add_subcommand("kill-session", "End one session (its id from admin sessions).");
    cmd->add_option("--db", o->db, "SQLite database file or pg:CONNINFO")->required();
    cmd->add_option("--id", o->id, "the session's id as admin sessions shows it")->required();
    cmd->callback([o, &action] {
      action = [o] {
        auto user = storage::AccessStore::open(o->db)->kill_session(o->id, cli_actor());
        std::cout << "ended session " << o->id << " of '" << user << "'\n";
        return kExitOk;
      };
    });
  }
}

}  // namespace gz::cli
