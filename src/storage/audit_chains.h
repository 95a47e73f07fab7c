// The audit log's chains (docs/audit.md): each writing connection appends to a chain of its
// own, and the table audit_head records each chain's last entry. What an anchor records.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/identity_store.h"

namespace gz::storage {

struct AuditChainHead {
  int chain = 0;
  std::int64_t seq = 0;  // the chain's last entry (0: none yet)
  std::string hash;
};

// Every chain's head, as audit_head records it (verify_audit checks that it matches the log).
std::vector<AuditChainHead> audit_chain_heads(IdentityStore& store);

}  // namespace gz::storage
