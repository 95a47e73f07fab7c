// The user a CLI command acts as: the named user (--as, with that user's roles and
// jurisdiction) or the operator (cli:<login name>, administrator over all regions).
#pragma once

#include <string>

#include "domain/identity.h"

namespace gz::cli {

User acting_user(const std::string& location, const std::string& as);

}  // namespace gz::cli
