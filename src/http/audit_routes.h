// The audit trail over the API, for auditors and administrators: read the log, verify the chain.
#pragma once

#include "http/router.h"
#include "storage/identity_store.h"

namespace gz::http {

void add_audit_routes(Router& r, storage::IdentityStore& identity);

}  // namespace gz::http
