#include "services/audit_anchor.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/error.h"
#include "storage/audit_chains.h"
#include "storage/sql_identity_store.h"

namespace gz::services {

namespace {

constexpr const char* kKeyFormat = "gongzhi-audit-key-1";
// Version 2 records the last entry of every chain (docs/audit.md); version 1 anchors (one
// chain, entries 1..seq) are still checked.
constexpr const char* kAnchorFormat = "gongzhi-audit-anchor-2";
constexpr const char* kAnchorFormatV1 = "gongzhi-audit-anchor-1";
// Hex digits of each entry's hash kept in an anchor: 4 bytes an entry (a million entries make an
// 8 MB anchor). They only say WHICH entry changed; that something changed is proven by the full
// hash of the anchored head.
constexpr std::size_t kFingerprintHex = 8;

void ensure_sodium() {
  static const int rc = sodium_init();
  if (rc < 0) throw Error("libsodium could not be initialised");
}

std::string to_hex(const unsigned char* bytes, std::size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes, n);
  out.pop_back();
  return out;
}

std::string from_hex(const std::string& hex, std::size_t bytes, const std::string& what) {
  std::string out(bytes, '\0');
  std::size_t len = 0;
  if (hex.size() != bytes * 2 ||
      sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), bytes, hex.data(), hex.size(),
                     nullptr, &len, nullptr) != 0 ||
      len != bytes)
    throw InputError(what + " is not " + std::to_string(bytes) + " bytes of hex");
  return out;
}

// The text an anchor's signature covers: every field but the signature, canonical JSON.
std::string signed_text(nlohmann::json anchor) {
  anchor.erase("signature");
  return anchor.dump();
}

std::string read_text(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot read the " + what + ": " + std::strerror(errno));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

storage::AuditVerification broken(storage::AuditVerification v, std::int64_t seq,
                                   std::string problem) {
  v.intact = false;
  v.bad_seq = seq;
  v.problem = std::move(problem);
  return v;
}

}  // namespace

std::string create_audit_key(const std::string& path) {
  ensure_sodium();
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(pk, sk);
  nlohmann::json j = {{"format", kKeyFormat},
                      {"algorithm", "ed25519"},
                      {"public_key", to_hex(pk, sizeof pk)},
                      {"secret_key", to_hex(sk, sizeof sk)}};
  sodium_memzero(sk, sizeof sk);
  std::string text = j.dump(2) + "\n";
  // Readable by its owner only, from the moment it exists; an existing key is never replaced
  // (anchors signed with it would no longer be checkable against a new one).
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST)
      throw UsageError(path + ": the file exists; an audit key is never overwritten");
    throw Error(path + ": cannot create the audit key: " + std::strerror(errno));
  }
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  sodium_memzero(text.data(), text.size());
  if (!ok) {
    ::unlink(path.c_str());
    throw Error(path + ": cannot write the audit key");
  }
  return to_hex(pk, sizeof pk);
}

// A text member, or "" when it is missing or not text (json::value would throw its own
// type_error for a member of another type, and the command would print nlohmann's message).
static std::string text_member(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

AuditKey read_audit_key(const std::string& path) {
  ensure_sodium();
  nlohmann::json j = nlohmann::json::parse(read_text(path, "audit key"), nullptr, false);
  if (!j.is_object() || text_member(j, "format") != kKeyFormat || !j["public_key"].is_string() ||
      !j["secret_key"].is_string())
    throw InputError(path + ": not a gongzhi audit key (made by gongzhi admin init-audit-key)");
  AuditKey key;
  key.public_key_hex = j["public_key"].get<std::string>();
  from_hex(key.public_key_hex, crypto_sign_PUBLICKEYBYTES, path + ": public_key");
  key.secret_key = from_hex(j["secret_key"].get<std::string>(), crypto_sign_SECRETKEYBYTES,
                            path + ": secret_key");
  return key;
}

std::string make_audit_anchor(storage::IdentityStore& store, const AuditKey& key) {
  ensure_sodium();
  auto chain_heads = storage::audit_chain_heads(store);
  auto v = store.verify_audit();
  if (!v.intact)
    throw InputError("the audit log of " + store.location() + " is broken at entry " +
                     std::to_string(v.bad_seq) + " (" + v.problem +
                     "): an anchor vouches only for an intact chain");
  auto log = store.audit_log();
  if (log.empty()) throw InputError("the audit log of " + store.location() + " is empty");
  std::string fingerprints;
  fingerprints.reserve(log.size() * kFingerprintHex);
  // The entries anchored, as ranges of numbers (PostgreSQL skips the numbers of rolled-back
  // writes, and an entry being written now may take a number below the last one read).
  nlohmann::json ranges = nlohmann::json::array();
  for (const auto& e : log) {
    fingerprints += e.hash.substr(0, kFingerprintHex);
    if (!ranges.empty() && ranges.back()[1].get<std::int64_t>() == e.seq - 1)
      ranges.back()[1] = e.seq;
    else
      ranges.push_back({e.seq, e.seq});
  }
  // Each chain's head, read before the log (so every one is in it): its full hash covers every
  // entry of its chain before it.
  nlohmann::json heads = nlohmann::json::array();
  for (const auto& h : chain_heads)
    if (h.seq > 0) heads.push_back({{"chain", h.chain}, {"seq", h.seq}, {"hash", h.hash}});
  const auto& head = log.back();
  nlohmann::json anchor = {{"format", kAnchorFormat},
                           {"seq", head.seq},
                           {"hash", head.hash},
                           {"heads", heads},
                           {"ranges", ranges},
                           {"entry_time", head.time},
                           {"anchored_at", storage::now_iso8601()},
                           {"fingerprints", fingerprints},
                           {"public_key", key.public_key_hex}};
  std::string text = signed_text(anchor);
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(text.data()),
                       text.size(), reinterpret_cast<const unsigned char*>(key.secret_key.data()));
  anchor["signature"] = to_hex(sig, sizeof sig);
  return anchor.dump();
}

storage::AuditVerification verify_audit_with_anchor(storage::IdentityStore& store,
                                                    const std::string& anchor_json,
                                                    const std::string& trusted_public_key) {
  ensure_sodium();
  nlohmann::json a = nlohmann::json::parse(anchor_json, nullptr, false);
  std::string format = a.is_object() ? text_member(a, "format") : "";
  bool v1 = format == kAnchorFormatV1;
  if (!a.is_object() || (!v1 && format != kAnchorFormat) || !a["seq"].is_number_integer() ||
      !a["hash"].is_string() || !a["fingerprints"].is_string() || !a["public_key"].is_string() ||
      !a["signature"].is_string() || (!v1 && !a["heads"].is_array()))
    throw InputError("not a gongzhi audit anchor (made by gongzhi admin audit-anchor)");
  auto seq = a["seq"].get<std::int64_t>();
  auto hash = a["hash"].get<std::string>();
  auto fingerprints = a["fingerprints"].get<std::string>();
  auto pk = from_hex(a["public_key"].get<std::string>(), crypto_sign_PUBLICKEYBYTES,
                     "the anchor's public_key");
  auto sig = from_hex(a["signature"].get<std::string>(), crypto_sign_BYTES, "the anchor's signature");
  std::string text = signed_text(a);
  if (crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(sig.data()),
                                  reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                                  reinterpret_cast<const unsigned char*>(pk.data())) != 0)
    throw InputError("the anchor's signature does not match its content: the anchor was altered");
  if (!trusted_public_key.empty() && trusted_public_key != a["public_key"].get<std::string>())
    throw InputError("the anchor was signed with key " + a["public_key"].get<std::string>() +
                     ", not with the trusted key " + trusted_public_key);
  // The anchored entries (version 1: 1..seq) and the heads whose full hash is recorded.
  struct Head {
    std::int64_t seq;
    std::string hash;
  };
  std::vector<Head> heads;
  std::vector<std::pair<std::int64_t, std::int64_t>> ranges;
  if (v1) {
    heads.push_back({seq, hash});
    ranges.emplace_back(1, seq);
  } else {
    auto bad = [] { return InputError("the anchor's heads or ranges are not well formed"); };
    for (const auto& h : a["heads"]) {
      if (!h.is_object() || !h["seq"].is_number_integer() || !h["hash"].is_string()) throw bad();
      heads.push_back({h["seq"].get<std::int64_t>(), h["hash"].get<std::string>()});
    }
    if (!a["ranges"].is_array()) throw bad();
    for (const auto& r : a["ranges"]) {
      if (!r.is_array() || r.size() != 2 || !r[0].is_number_integer() || !r[1].is_number_integer())
        throw bad();
      ranges.emplace_back(r[0].get<std::int64_t>(), r[1].get<std::int64_t>());
    }
  }
  std::size_t next_range = 0;
  auto anchored = [&](std::int64_t s) {  // entries come in seq order
    while (next_range < ranges.size() && ranges[next_range].second < s) ++next_range;
    return next_range < ranges.size() && ranges[next_range].first <= s;
  };
  std::map<std::int64_t, std::string> head_hash;
  for (const auto& h : heads) head_hash[h.seq] = h.hash;
  std::size_t count = fingerprints.size() / kFingerprintHex;
  if (count < 1 || fingerprints.size() % kFingerprintHex != 0 || (v1 && count != static_cast<std::size_t>(seq)))
    throw InputError("the anchor's fingerprints do not cover its " + std::to_string(seq) + " entries");

  auto v = store.verify_audit();
  if (!v.intact) return v;
  auto log = store.audit_log();
  std::string anchored_at = text_member(a, "anchored_at");
  std::size_t i = 0, heads_seen = 0;
  for (const auto& e : log) {
    if (!anchored(e.seq)) continue;
    auto h = head_hash.find(e.seq);
    bool differs = i >= count || e.hash.compare(0, kFingerprintHex, fingerprints,
                                                i * kFingerprintHex, kFingerprintHex) != 0;
    if (differs || (h != head_hash.end() && e.hash != h->second))
      return broken(v, e.seq, "entry " + std::to_string(e.seq) + " (" + e.action + " " + e.object +
                                  ") is not the entry anchored on " + anchored_at +
                                  ": it was rewritten and the chain rehashed after the anchor");
    if (h != head_hash.end()) ++heads_seen;
    ++i;
  }
  if (i < count || heads_seen < head_hash.size()) {
    std::int64_t missing = ranges.empty() ? seq : ranges.back().second;
    for (const auto& [s, h] : head_hash) {
      bool found = false;
      for (const auto& e : log) found = found || e.seq == s;
      if (!found) {
        missing = s;
        break;
      }
    }
    return broken(v, missing, "entry " + std::to_string(missing) + " is missing: the log holds " +
                                  std::to_string(i) + " of the " + std::to_string(count) +
                                  " entries the anchor of " + anchored_at +
                                  " records (the log was cut back)");
  }
  return v;
}

}  // namespace gz::services
