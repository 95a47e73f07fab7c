// What the gongzhi admin subcommands share (cli/admin.cpp, cli/admin_access.cpp).
#pragma once

#include <string>

#include "cli/command.h"
#include "domain/identity.h"

namespace gz::cli {

// One line from stdin, without its line end. Never echoed, never logged.
std::string read_password_from_stdin();
// Who did it, for the audit log: the command line has no login, so the operating-system user.
std::string cli_actor();
// "lead_department@自然资源局 in 340123".
std::string describe_grant(const Grant& g);
// The role names, comma-separated, for help texts.
std::string role_names();

// gongzhi admin's audit subcommands (cli/admin_audit.cpp): verify-audit, init-audit-key,
// audit-anchor.
void add_admin_audit_commands(CLI::App& admin, Action& action);
// gongzhi admin backup and restore (cli/admin_backup.cpp).
void add_admin_backup_commands(CLI::App& admin, Action& action);
// gongzhi admin's revocation subcommands (cli/admin_access.cpp): disable-user, enable-user,
// revoke-grant, reset-password, sessions, kill-session.
void add_admin_access_commands(CLI::App& admin, Action& action);

}  // namespace gz::cli
