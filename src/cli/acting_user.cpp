#include "cli/acting_user.h"

#include <pwd.h>
#include <unistd.h>

#include "common/error.h"
#include "storage/identity_store.h"

namespace gz::cli {

User acting_user(const std::string& location, const std::string& as) {
  if (!as.empty()) {
    auto identity = storage::IdentityStore::open(location);
    auto u = identity->find_user(as);
    if (!u) throw UsageError("--as: no user '" + as + "' in " + location);
    return *u;
  }
  User u;
  const struct passwd* pw = getpwuid(getuid());
  u.username = std::string("cli:") + (pw && pw->pw_name ? pw->pw_name : std::to_string(getuid()));
  u.grants.push_back({Role::admin, "", ""});
  return u;
}

}  // namespace gz::cli
