// gongzhi admin verify-audit, init-audit-key and audit-anchor: the audit log's hash chain checked
// on its own or against an anchor kept outside the database (services/audit_anchor.h,
// docs/audit.md).
#include <fstream>
#include <iostream>
#include <iterator>

#include "cli/admin_support.h"
#include "cli/command.h"
#include "common/error.h"
#include "services/audit_anchor.h"
#include "storage/identity_store.h"

namespace gz::cli {

void add_admin_audit_commands(CLI::App& admin, Action& action) {
  {
    struct Options {
      std::string db, anchor, public_key;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = admin.add_subcommand(
        "verify-audit",
        "Check the audit log's hash chain: exit 0 when intact, 1 naming the first bad entry.");
    cmd->add_option("--db", o->db, "SQLite database file or pg:CONNINFO")->required();
    cmd->add_option("--anchor", o->anchor,
                    "an anchor made by audit-anchor and kept outside the database: also detects "
                    "entries rewritten (and the chain rehashed) before it");
    cmd->add_option("--public-key", o->public_key,
                    "the audit key's public key (hex, printed by init-audit-key): the anchor "
                    "must be signed by it");
    cmd->callback([o, &action] {
      action = [o] {
        auto store = storage::IdentityStore::open(o->db);
        std::string anchor;
        if (!o->anchor.empty()) {
          std::ifstream in(o->anchor, std::ios::binary);
          if (!in) throw InputError(o->anchor + ": cannot read the anchor");
          anchor.assign(std::istreambuf_iterator<char>(in), {});
        }
        storage::AuditVerification v;
        try {
          v = anchor.empty() ? store->verify_audit()
                             : services::verify_audit_with_anchor(*store, anchor, o->public_key);
        } catch (const InputError& e) {
          throw InputError(o->anchor + ": " + e.what());
        }
        if (!v.intact) {
          std::cerr << "gongzhi: audit log of " << store->location()
                    << " is broken at entry " << v.bad_seq << ": " << v.problem << "\n";
          return kExitError;
        }
        std::cout << "audit log intact: " << v.entries << " entries, chain verified"
                  << (anchor.empty() ? "" : ", matches the anchor") << "\n";
        return kExitOk;
      };
    });
  }

  {
    auto key = std::make_shared<std::string>();
    auto* cmd = admin.add_subcommand(
        "init-audit-key",
        "Create the Ed25519 key that signs audit anchors, in a file of its own (mode 0600), kept "
        "away from the database.");
    cmd->add_option("--key", *key, "the key file to create (never overwritten)")->required();
    cmd->callback([key, &action] {
      action = [key] {
        auto public_key = services::create_audit_key(*key);
        std::cout << "created audit key " << *key << "\npublic key: " << public_key
                  << "\n(note the public key where anchors are checked: verify-audit "
                     "--public-key)\n";
        return kExitOk;
      };
    });
  }

  {
    struct Options {
      std::string db, key;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = admin.add_subcommand(
        "audit-anchor",
        "Print the audit log's head signed with the audit key, to be kept outside the database "
        "(verify-audit --anchor).");
    cmd->add_option("--db", o->db, "SQLite database file or pg:CONNINFO")->required();
    cmd->add_option("--key", o->key, "the audit key file (init-audit-key)")
        ->envname("GONGZHI_AUDIT_KEY")
        ->required();
    cmd->callback([o, &action] {
      action = [o] {
        auto key = services::read_audit_key(o->key);
        auto store = storage::IdentityStore::open(o->db);
        std::cout << services::make_audit_anchor(*store, key) << "\n";
        return kExitOk;
      };
    });
  }
}

}  // namespace gz::cli
