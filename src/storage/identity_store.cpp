#include "storage/identity_store.h"
#include "storage/audit_search.h"

#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>
#include <map>
#include <mutex>
#include <type_traits>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "storage/audit_chains.h"
#include "storage/change_signal.h"
#include "storage/postgres/pg_identity_store.h"
#include "storage/postgres/pg_store.h"
#include "storage/identity_write.h"
#include "storage/write_session.h"
#include "storage/sql_identity_store.h"
#include "storage/sqlite/sqlite_identity_store.h"

namespace gz::storage {

namespace {
class SqlIdentityStore;
void set_reader_factory(IdentityStore& store, std::function<std::unique_ptr<SqlSession>()> open,
                        std::shared_ptr<ChangeSignal> signal);
}  // namespace

std::unique_ptr<IdentityStore> IdentityStore::open(const std::string& location,
                                                   const OpenOptions& options) {
  auto store = is_postgres_location(location) ? open_pg_identity_store(location, options)
                                              : open_sqlite_identity_store(location, options);
  // Session checks read on connections of their own (the database exists by now).
  OpenOptions reader = options;
  reader.create = false;
  set_reader_factory(*store, [location, reader] { return open_sql_session(location, reader); },
                     ChangeSignal::for_location(location));
  return store;
}

std::string canonical_detail(const std::string& detail) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(detail);
    if (!j.is_object()) throw InputError("audit detail must be a JSON object");
    // nlohmann's objects keep keys sorted, and dump() is compact: one text per value.
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
  } catch (const nlohmann::json::exception& e) {
    throw InputError("audit detail is not JSON: " + std::string(e.what()));
  }
}

std::string canonical_audit_text(const AuditEntry& e) {
  // The chain and the entry before it in the chain (audit_log.chain, prev_seq) are not in the
  // text: prev_hash, which is, links each entry to that one already (docs/audit.md).
  nlohmann::json j = nlohmann::json::array(
      {"gongzhi-audit-1", e.seq, e.time, e.actor, e.action, e.object, e.detail, e.prev_hash});
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string audit_hash(const AuditEntry& e) {
  std::string text = canonical_audit_text(e);
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

namespace {


constexpr std::int64_t kAttemptsKeptSeconds = 86400;

class SqlIdentityStore : public IdentityStore {
 public:
  static constexpr const char* kEntryColumns =
      "seq, time, actor, action, object, detail, prev_hash, hash";
  static AuditEntry entry_of(const SqlSession::Row& r) {
    return {std::stoll(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], r[7]};
  }
  // Where an entry stands in its chain: the chain, and the entry before it there (-1: written
  // before there were chains, when it was seq - 1).
  struct Link {
    int chain = 1;
    std::int64_t prev_seq = -1;
  };

  std::vector<AuditChainHead> chain_heads() {
    std::lock_guard lock(mutex_);
    return read([&] {
      std::vector<AuditChainHead> out;
      for (auto& h : s_->query("SELECT id, last_seq, last_hash FROM audit_head ORDER BY id"))
        out.push_back({std::stoi(h[0]), std::stoll(h[1]), h[2]});
      return out;
    });
  }

  explicit SqlIdentityStore(std::unique_ptr<SqlSession> s) : s_(std::move(s)) {
    begin_exclusive(*s_);
    try {
      s_->create_tables();
      // Common to both backends (and new since the first release: made where missing).
      s_->exec_script(
          "CREATE TABLE IF NOT EXISTS disabled_users(user_id bigint PRIMARY KEY REFERENCES "
          "users(id), since text NOT NULL)");
      s_->commit();
    } catch (...) {
      s_->rollback();
      throw;
    }
  }

  std::string location() const override { return s_->name(); }

  User create_first_admin(const std::string& username, const std::string& password_hash,
                          const std::string& actor) override {
    validate_username(username);
    std::lock_guard lock(mutex_);
    return write([&] {
      auto admins = s_->query(
          "SELECT u.username FROM grants g JOIN users u ON u.id = g.user_id WHERE g.role = $1 "
          "ORDER BY u.id",
          {std::string(to_string(Role::admin))});
      if (!admins.empty())
        throw ConflictError("an administrator already exists (" + admins[0][0] + ") in " +
                            s_->name() + "; add further users with gongzhi admin add-user");
      NewUser u{username, password_hash, {Grant{Role::admin, "", ""}}};
      User created = insert_user(u);
      append_locked({actor, "admin.create", "user:" + username, detail_of(created, {})});
      return created;
    });
  }

  User add_user(const NewUser& user, const std::string& actor) override {
    validate_username(user.username);
    for (const auto& g : user.grants) {
      if (!g.department.empty()) validate_department(g.department);
      if (!g.region_code.empty()) validate_region_code(g.region_code);
    }
    std::lock_guard lock(mutex_);
    return write([&] {
      std::vector<std::string> new_departments;
      for (const auto& g : user.grants) {
        if (g.department.empty()) continue;
        auto rows = s_->query(
            "INSERT INTO departments(name) VALUES($1) ON CONFLICT DO NOTHING RETURNING id",
            {g.department});
        if (!rows.empty()) new_departments.push_back(g.department);
      }
      User created = insert_user(user);
      append_locked({actor, "user.create", "user:" + user.username,
                     detail_of(created, new_departments)});
      return created;
    });
  }

  std::vector<User> users() override {
    std::lock_guard lock(mutex_);
    return read([&] { return read_users("", {}); });
  }

  std::optional<User> find_user(const std::string& username) override {
    std::lock_guard lock(mutex_);
    auto found = read([&] { return read_users("WHERE username = $1", {username}); });
    if (found.empty()) return std::nullopt;
    return found.front();
  }

  std::vector<Department> departments() override {
    std::lock_guard lock(mutex_);
    return read([&] {
      std::vector<Department> out;
      for (auto& r : s_->query("SELECT id, name FROM departments ORDER BY name"))
        out.push_back({std::stoll(r[0]), r[1]});
      return out;
    });
  }

  LoginFailures failed_logins(const std::string& username, const std::string& address,
                              std::int64_t since, std::int64_t address_since) override {
    std::lock_guard lock(mutex_);
    return read([&] { return count_failures(username, address, since, address_since); });
  }

  std::int64_t begin_login_attempt(const LoginAttempt& a, std::int64_t since,
                                   std::int64_t address_since,
                                   const std::function<bool(const LoginFailures&)>& admit) override {
    std::lock_guard lock(mutex_);
    return write([&]() -> std::int64_t {
      // Under the write lock: two attempts at once are counted one after the other.
      if (!admit(count_failures(a.username, a.address, since, address_since))) return 0;
      // Housekeeping: attempts older than a day count for nothing, and ended sessions open
      // nothing (idle ones are kept an hour longer, so a lazily updated last_seen never ends a
      // session early).
      s_->query("DELETE FROM login_attempts WHERE time < CAST($1 AS bigint)",
                {std::to_string(a.time - kAttemptsKeptSeconds)});
      s_->query("DELETE FROM login_throttle_audits WHERE time < CAST($1 AS bigint)",
                {std::to_string(a.time - kAttemptsKeptSeconds)});
      // Cast: SQLite compares an expression with a text parameter as text.
      s_->query("DELETE FROM sessions WHERE expires <= CAST($1 AS bigint) OR "
                "last_seen + idle_seconds + 3600 <= CAST($1 AS bigint)",
                {std::to_string(a.time)});
      auto id = s_->query(
          "INSERT INTO login_attempts(username, address, time, ok) VALUES($1, $2, $3, 0) RETURNING id",
          {a.username, a.address, std::to_string(a.time)});
      return std::stoll(id.at(0).at(0));
    }, false);
  }

  void login_failed(std::int64_t attempt_id, std::int64_t time) override {
    std::lock_guard lock(mutex_);
    write([&] {
      s_->query("UPDATE login_attempts SET time = CAST($2 AS bigint) WHERE id = CAST($1 AS bigint)",
                {std::to_string(attempt_id), std::to_string(time)});
      return 0;
    }, false);
  }

  bool audit_login_throttle(const AuditRecord& record, std::int64_t failures, std::int64_t time,
                            std::int64_t since) override {
    std::lock_guard lock(mutex_);
    return write([&] {
      auto last = s_->query("SELECT failures, time FROM login_throttle_audits WHERE object = $1",
                            {record.object});
      if (!last.empty() && std::stoll(last[0][1]) >= since && failures < 4 * std::stoll(last[0][0]))
        return false;
      s_->query("INSERT INTO login_throttle_audits(object, failures, time) VALUES($1, $2, $3) "
                "ON CONFLICT(object) DO UPDATE SET failures = excluded.failures, time = excluded.time",
                {record.object, std::to_string(failures), std::to_string(time)});
      append_locked(record);
      return true;
    }, false);
  }

  void create_session(const SessionRecord& session, std::int64_t attempt_id,
                      const AuditRecord& audit) override {
    std::lock_guard lock(mutex_);
    write([&] {
      auto id = s_->query("SELECT id FROM users WHERE username = $1", {session.username});
      if (id.empty())
        throw NotFoundError("no user '" + session.username + "' in " + s_->name());
      // A disabled account (storage/access_store.h) gets no session.
      if (!s_->query("SELECT 1 FROM disabled_users WHERE user_id = $1", {id[0][0]}).empty())
        throw PermissionError("user '" + session.username + "' is disabled");
      s_->query(
          "INSERT INTO sessions(token_hash, user_id, created, expires, idle_seconds, last_seen, "
          "address) VALUES($1, $2, $3, $4, $5, $6, $7)",
          {session.token_hash, id[0][0], std::to_string(session.created),
           std::to_string(session.expires), std::to_string(session.idle_seconds),
           std::to_string(session.last_seen), session.address});
      if (attempt_id > 0)
        s_->query("UPDATE login_attempts SET ok = 1 WHERE id = CAST($1 AS bigint)",
                  {std::to_string(attempt_id)});
      append_locked(audit);
      return 0;
    }, false);
  }

  std::optional<std::pair<SessionRecord, User>> touch_session(const std::string& token_hash,
                                                              std::int64_t now) override {
    // The hot path of every request: one statement (session, user and grants) on a reader
    // connection of the pool, so that requests on several threads check sessions at once and
    // wait for no writer.
    std::optional<std::pair<SessionRecord, User>> found;
    with_reader([&](SqlSession& s) {
      auto rows = s.query(
          "SELECT s.token_hash, u.username, s.created, s.expires, s.idle_seconds, s.last_seen, "
          "s.address, u.id, u.created_at, g.role, g.department, g.region_code "
          "FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN grants g ON g.user_id = u.id "
          "WHERE s.token_hash = $1 AND NOT EXISTS (SELECT 1 FROM disabled_users d WHERE "
          "d.user_id = u.id) ORDER BY g.role, g.department, g.region_code",
          {token_hash});
      if (rows.empty()) return;
      auto& r = rows[0];
      SessionRecord rec{r[0], r[1], std::stoll(r[2]), std::stoll(r[3]), std::stoll(r[4]),
                        std::stoll(r[5]), r[6]};
      User u{std::stoll(r[7]), r[1], "", r[8], {}};
      for (const auto& row : rows)
        if (!row[9].empty()) u.grants.push_back({parse_role(row[9]), row[10], row[11]});
      found.emplace(std::move(rec), std::move(u));
    });
    if (!found) return std::nullopt;
    auto& rec = found->first;
    // Outside the audit chain's write lock: a session touch is no audited change.
    if (now >= rec.expires || now >= rec.last_seen + rec.idle_seconds) {
      std::lock_guard lock(mutex_);
      s_->query("DELETE FROM sessions WHERE token_hash = $1", {token_hash});
      return std::nullopt;
    }
    // last_seen is written at most once a minute (sooner for short idle windows: every tenth
    // of the window), so that checking a session is a read and not a write per request; a
    // session may so end up to that much before its exact idle end.
    if (now - rec.last_seen >= std::min<std::int64_t>(60, rec.idle_seconds / 10)) {
      std::lock_guard lock(mutex_);
      s_->query("UPDATE sessions SET last_seen = $2 WHERE token_hash = $1 AND last_seen < $2",
                {token_hash, std::to_string(now)});
      rec.last_seen = now;
    }
    return found;
  }

  // Reads that may run beside the main session: connections made by `open` as needed, at
  // most kReaders kept.
  void set_reader_factory(std::function<std::unique_ptr<SqlSession>()> open) {
    reader_factory_ = std::move(open);
  }
  void set_change_signal(std::shared_ptr<ChangeSignal> signal) { signal_ = std::move(signal); }

  bool delete_session(const std::string& token_hash, const std::string& address) override {
    std::lock_guard lock(mutex_);
    return write([&] {
      auto rows = s_->query(
          "SELECT u.username FROM sessions s JOIN users u ON u.id = s.user_id "
          "WHERE s.token_hash = $1",
          {token_hash});
      if (rows.empty()) return false;
      s_->query("DELETE FROM sessions WHERE token_hash = $1", {token_hash});
      nlohmann::json d = {{"address", address}};
      append_locked({rows[0][0], "session.logout", "user:" + rows[0][0], d.dump()});
      return true;
    });
  }

  std::vector<Region> replace_regions(const std::vector<Region>& input, const std::string& source,
                                      const std::string& actor) override {
    auto regions = build_region_hierarchy(input);
    std::lock_guard lock(mutex_);
    return write([&] {
      auto before = s_->query("SELECT count(*) FROM regions");
      s_->query("DELETE FROM regions");
      std::map<std::string, std::int64_t> per_level;
      for (const auto& r : regions) {
        s_->query("INSERT INTO regions(code, name, level, parent) VALUES($1, $2, $3, $4)",
                  {r.code, r.name, std::string(to_string(r.level)), r.parent});
        ++per_level[std::string(to_string(r.level))];
      }
      nlohmann::json d = {{"source", source},
                          {"regions", regions.size()},
                          {"replaced", std::stoll(before.at(0).at(0))},
                          {"levels", per_level}};
      append_locked({actor, "regions.import", "regions",
                     d.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)});
      return regions;
    });
  }

  std::vector<Region> regions() override {
    std::lock_guard lock(mutex_);
    return read([&] { return read_regions("", {}); });
  }

  bool has_regions() override {
    std::lock_guard lock(mutex_);
    return read([&] { return !s_->query("SELECT 1 FROM regions LIMIT 1").empty(); });
  }

  std::optional<Region> find_region(const std::string& code) override {
    std::lock_guard lock(mutex_);
    auto found = read([&] { return read_regions("WHERE code = $1", {code}); });
    if (found.empty()) return std::nullopt;
    return found.front();
  }

  std::vector<Region> child_regions(const std::string& code) override {
    std::lock_guard lock(mutex_);
    return read([&] { return read_regions("WHERE parent = $1", {code}); });
  }

  AuditEntry append_audit(const AuditRecord& record) override {
    std::lock_guard lock(mutex_);
    return write([&] { return append_locked(record); }, false);
  }

  std::vector<AuditEntry> audit_log() override {
    std::lock_guard lock(mutex_);
    return read([&] { return read_log(); });
  }

  std::vector<AuditEntry> audit_page(std::int64_t after, std::size_t limit,
                                     const std::string& action_prefix,
                                     const std::string& object) override {
    // LIKE with the prefix's own % and _ escaped, so they match themselves.
    std::string pattern;
    for (char c : action_prefix) {
      if (c == '%' || c == '_' || c == '\\') pattern += '\\';
      pattern += c;
    }
    pattern += '%';
    std::lock_guard lock(mutex_);
    return read([&] {
      std::vector<AuditEntry> out;
      for (auto& r : s_->query(
               "SELECT " + std::string(kEntryColumns) + " FROM audit_log "
               "WHERE seq > CAST($1 AS bigint) AND action LIKE $2 ESCAPE '\\' AND ($3 = '' OR object = $3) "
               "ORDER BY seq LIMIT " + std::to_string(limit),
               {std::to_string(after), pattern, object}))
        out.push_back(entry_of(r));
      return out;
    });
  }

  // storage/audit_search.h
  std::vector<AuditEntry> audit_search(const AuditQuery& q) {
    // LIKE patterns with the text's own % and _ escaped, so they match themselves.
    auto escaped = [](const std::string& text) {
      std::string out;
      for (char c : text) {
        if (c == '%' || c == '_' || c == '\\') out += '\\';
        out += c;
      }
      return out;
    };
    std::lock_guard lock(mutex_);
    return read([&] {
      std::vector<AuditEntry> out;
      for (auto& r : s_->query(
               "SELECT " + std::string(kEntryColumns) + " FROM audit_log "
               "WHERE (CAST($1 AS bigint) = 0 OR seq < CAST($1 AS bigint)) "
               "AND ($2 = '' OR actor = $2) AND action LIKE $3 ESCAPE '\\' "
               "AND object LIKE $4 ESCAPE '\\' AND ($5 = '' OR time >= $5) AND ($6 = '' OR time < $6) "
               "AND ($7 = '' OR object = $7 OR (object LIKE 'feedback:%' AND "
               "(detail LIKE $8 OR detail LIKE $9))) "
               "ORDER BY seq DESC LIMIT " + std::to_string(q.limit),
               {std::to_string(q.before), q.actor, escaped(q.action_prefix) + "%",
                "%" + escaped(q.object_contains) + "%", q.from_time, q.to_time,
                q.project_code.empty() ? "" : "project:" + q.project_code,
                // The canonical detail is compact JSON with sorted keys: "project":12, or "project":12}
                "%\"project\":" + std::to_string(q.project_id) + ",%",
                "%\"project\":" + std::to_string(q.project_id) + "}%"}))
        out.push_back(entry_of(r));
      return out;
    });
  }

  AuditVerification verify_audit() override {
    std::vector<AuditEntry> log;
    std::vector<Link> links;
    std::vector<SqlSession::Row> heads;
    {
      std::lock_guard lock(mutex_);
      read([&] {
        for (auto& r : s_->query("SELECT " + std::string(kEntryColumns) +
                                 ", chain, prev_seq FROM audit_log ORDER BY seq")) {
          log.push_back(entry_of(r));
          links.push_back({std::stoi(r[8]), r[9].empty() ? -1 : std::stoll(r[9])});
        }
        heads = s_->query("SELECT id, last_seq, last_hash FROM audit_head ORDER BY id");
        return 0;
      });
    }
    AuditVerification v;
    v.entries = static_cast<std::int64_t>(log.size());
    auto fail = [&](std::int64_t seq, std::string problem) {
      v.intact = false;
      v.bad_seq = seq;
      v.problem = std::move(problem);
      return v;
    };
    // Each chain walked in seq order: every entry names the one before it in its chain
    // (prev_seq) and carries its hash (prev_hash).
    struct End {
      std::int64_t seq = 0;
      std::string hash = kAuditGenesisHash;
    };
    std::map<int, End> ends;
    for (std::size_t i = 0; i < log.size(); ++i) {
      const AuditEntry& e = log[i];
      End& end = ends[links[i].chain];
      std::int64_t prev = links[i].prev_seq < 0 ? e.seq - 1 : links[i].prev_seq;
      std::string n = std::to_string(e.seq), last = std::to_string(end.seq);
      if (prev >= e.seq || prev < end.seq)
        return fail(e.seq, "entry " + n + " does not follow entry " + last +
                               ": it names entry " + std::to_string(prev) +
                               " as the one before it (entries reordered or renumbered)");
      if (prev > end.seq)
        return fail(prev, "entry " + std::to_string(prev) + " is missing (deleted): the log goes "
                          "from entry " + last + " to entry " + n);
      if (e.prev_hash != end.hash)
        return fail(e.seq, "entry " + n + " does not follow entry " + last +
                               ": its prev_hash is not that entry's hash (entries reordered, "
                               "removed or replaced)");
      if (audit_hash(e) != e.hash)
        return fail(e.seq, "entry " + n + " was edited: its content (" + e.action + " " +
                               e.object + ") no longer matches its hash");
      end = {e.seq, e.hash};
    }
    // Each chain ends where its head says.
    std::map<int, End> head_of;
    for (const auto& h : heads) head_of[std::stoi(h[0])] = {std::stoll(h[1]), h[2]};
    for (const auto& [chain, end] : ends)
      if (!head_of.count(chain))
        return fail(end.seq, "the head of the audit chain entry " + std::to_string(end.seq) +
                                 " belongs to is missing");
    for (const auto& [chain, head] : head_of) {
      End end = ends.count(chain) ? ends[chain] : End{};
      if (head.seq > end.seq)
        return fail(head.seq, "entry " + std::to_string(head.seq) +
                                  " is missing (deleted): its chain ends at entry " +
                                  std::to_string(end.seq) + " but the chain head records entry " +
                                  std::to_string(head.seq));
      if (head.seq != end.seq || head.hash != end.hash)
        return fail(end.seq, "entry " + std::to_string(end.seq) +
                                 " is not the entry the chain head records (entry " +
                                 std::to_string(head.seq) + "): the end of the log was rewritten");
    }
    return v;
  }

 private:
  // `signal`: tell every process that identities changed (a logout, a new user, new regions),
  // after the commit and before the caller answers; not for what revokes nothing (a login, a
  // login attempt, an audit entry).
  template <class F>
  auto write(F&& f, bool signal = true) -> std::invoke_result_t<F&> {
    return identity_write(*s_, signal ? signal_.get() : nullptr, std::forward<F>(f));
  }

  template <class F>
  auto read(F&& f) -> std::invoke_result_t<F&> {
    s_->begin_read();
    try {
      auto result = f();
      s_->commit();
      return result;
    } catch (...) {
      s_->rollback();
      throw;
    }
  }

  static std::string detail_of(const User& u, const std::vector<std::string>& new_departments) {
    nlohmann::json grants = nlohmann::json::array();
    for (const auto& g : u.grants)
      grants.push_back({{"role", std::string(to_string(g.role))},
                        {"department", g.department},
                        {"region", g.region_code}});
    nlohmann::json d = {{"username", u.username}, {"grants", grants}};
    if (!new_departments.empty()) d["new_departments"] = new_departments;
    return d.dump();
  }

  User insert_user(const NewUser& u) {
    if (!s_->query("SELECT 1 FROM users WHERE username = $1", {u.username}).empty())
      throw ConflictError("username '" + u.username + "' is already taken in " + s_->name());
    User out{0, u.username, u.password_hash, now_iso8601(), u.grants};
    auto id = s_->query(
        "INSERT INTO users(username, password_hash, created_at) VALUES($1, $2, $3) RETURNING id",
        {u.username, u.password_hash, out.created_at});
    out.id = std::stoll(id.at(0).at(0));
    for (const auto& g : u.grants)
      s_->query(
          "INSERT INTO grants(user_id, role, department, region_code) VALUES($1, $2, $3, $4)",
          {std::to_string(out.id), std::string(to_string(g.role)), g.department, g.region_code});
    return out;
  }

  LoginFailures count_failures(const std::string& username, const std::string& address,
                               std::int64_t since, std::int64_t address_since) {
    LoginFailures f;
    // A success ends the pair's run of failures; the address's count runs on (a success of one
    // account says nothing of the guesses at others).
    auto pair = s_->query(
        "SELECT count(*), coalesce(max(time), 0) FROM login_attempts WHERE username = $1 AND "
        "address = $2 AND ok = 0 AND time >= CAST($3 AS bigint) AND id > coalesce((SELECT max(id) "
        "FROM login_attempts WHERE username = $1 AND address = $2 AND ok = 1), 0)",
        {username, address, std::to_string(since)});
    auto from = s_->query(
        "SELECT count(*), coalesce(max(time), 0) FROM login_attempts WHERE address = $1 AND ok = 0 "
        "AND time >= CAST($2 AS bigint)",
        {address, std::to_string(address_since)});
    auto known = s_->query(
        "SELECT count(*) FROM (SELECT 1 FROM login_attempts WHERE username = $1 AND address = $2 "
        "AND ok = 1 LIMIT 1) k",
        {username, address});
    f.pair = std::stoll(pair.at(0).at(0));
    f.pair_last = std::stoll(pair.at(0).at(1));
    f.address = std::stoll(from.at(0).at(0));
    f.address_last = std::stoll(from.at(0).at(1));
    f.known = known.at(0).at(0) != "0";
    return f;
  }

  AuditEntry append_locked(const AuditRecord& r) { return append_audit_entry(*s_, r); }

  std::vector<AuditEntry> read_log() {
    std::vector<AuditEntry> out;
    for (auto& r : s_->query("SELECT " + std::string(kEntryColumns) + " FROM audit_log ORDER BY seq"))
      out.push_back(entry_of(r));
    return out;
  }

  std::vector<Region> read_regions(const std::string& where,
                                   const std::vector<std::string>& params) {
    std::vector<Region> out;
    for (auto& r : s_->query("SELECT code, name, parent FROM regions " + where + " ORDER BY code",
                             params))
      out.push_back({r[0], r[1], region_level(r[0]), r[2]});
    return out;
  }

  std::vector<User> read_users(const std::string& where, const std::vector<std::string>& params) {
    std::vector<User> out;
    std::map<std::int64_t, std::size_t> index;
    for (auto& r : s_->query("SELECT id, username, password_hash, created_at FROM users " + where +
                                 " ORDER BY username",
                             params)) {
      index[std::stoll(r[0])] = out.size();
      out.push_back({std::stoll(r[0]), r[1], r[2], r[3], {}});
    }
    if (out.empty()) return out;
    for (auto& r : s_->query("SELECT g.user_id, g.role, g.department, g.region_code FROM grants g "
                             "JOIN users u ON u.id = g.user_id " +
                                 (where.empty() ? std::string() : "WHERE u.username = $1 ") +
                                 "ORDER BY g.user_id, g.role, g.department, g.region_code",
                             params)) {
      auto it = index.find(std::stoll(r[0]));
      if (it != index.end()) out[it->second].grants.push_back({parse_role(r[1]), r[2], r[3]});
    }
    return out;
  }

  // Runs fn on an idle reader connection (made when none is idle), or on the main session
  // when the store has no reader factory. A connection that failed is dropped.
  template <class F>
  void with_reader(F&& fn) {
    if (!reader_factory_) {
      std::lock_guard lock(mutex_);
      fn(*s_);
      return;
    }
    std::unique_ptr<SqlSession> r;
    {
      std::lock_guard lock(readers_mutex_);
      if (!readers_.empty()) {
        r = std::move(readers_.back());
        readers_.pop_back();
      }
    }
    if (!r) r = reader_factory_();
    fn(*r);
    std::lock_guard lock(readers_mutex_);
    if (readers_.size() < kReaders) readers_.push_back(std::move(r));
  }

  static constexpr std::size_t kReaders = 8;
  std::unique_ptr<SqlSession> s_;
  std::mutex mutex_;  // one session; callers on several threads take turns
  std::function<std::unique_ptr<SqlSession>()> reader_factory_;
  std::shared_ptr<ChangeSignal> signal_;
  std::mutex readers_mutex_;
  std::vector<std::unique_ptr<SqlSession>> readers_;
};

void set_reader_factory(IdentityStore& store, std::function<std::unique_ptr<SqlSession>()> open,
                        std::shared_ptr<ChangeSignal> signal) {
  if (auto* sql = dynamic_cast<SqlIdentityStore*>(&store)) {
    sql->set_reader_factory(std::move(open));
    sql->set_change_signal(std::move(signal));
  }
}

}  // namespace

AuditEntry append_audit_entry(SqlSession& session, const AuditRecord& r) {
  AuditEntry e;
  std::string chain = std::to_string(audit_chain_of(session));
  auto head = session.query("SELECT last_seq, last_hash FROM audit_head WHERE id = $1", {chain});
  if (head.empty()) {
    // A chain's first entry (its head row is made with it, in the same transaction).
    session.query("INSERT INTO audit_head(id, last_seq, last_hash) VALUES($1, 0, $2)",
                  {chain, std::string(kAuditGenesisHash)});
    head = {{"0", std::string(kAuditGenesisHash)}};
  }
  // PostgreSQL draws the number from a sequence (no lock: numbers of rolled-back writes are
  // skipped); SQLite, one writer at a time, takes the next one.
  auto seq = session.query(session.postgres()
                               ? "SELECT nextval('audit_log_seq')"
                               : "SELECT coalesce(max(seq), 0) + 1 FROM audit_log");
  e.seq = std::stoll(seq.at(0).at(0));
  e.prev_hash = head[0][1];
  e.time = now_iso8601();
  e.actor = r.actor;
  e.action = r.action;
  e.object = r.object;
  e.detail = canonical_detail(r.detail);
  e.hash = audit_hash(e);
  session.query(
      "INSERT INTO audit_log(seq, time, actor, action, object, detail, prev_hash, hash, chain, "
      "prev_seq) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
      {std::to_string(e.seq), e.time, e.actor, e.action, e.object, e.detail, e.prev_hash, e.hash,
       chain, head[0][0]});
  session.query("UPDATE audit_head SET last_seq = $1, last_hash = $2 WHERE id = $3",
                {std::to_string(e.seq), e.hash, chain});
  return e;
}

int audit_chain_of(SqlSession& session) {
  int chain = pg_audit_chain(session);
  return chain > 0 ? chain : 1;
}

void begin_exclusive(SqlSession& session) {
  if (!pg_begin_exclusive(session)) session.begin_write();
}

std::vector<AuditChainHead> audit_chain_heads(IdentityStore& store) {
  if (auto* sql = dynamic_cast<SqlIdentityStore*>(&store)) return sql->chain_heads();
  return {};
}

std::string now_iso8601() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() %
            1000000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%06lldZ", static_cast<long long>(us));
  return std::string(buf) + frac;
}

std::unique_ptr<SqlSession> open_sql_session(const std::string& location,
                                             const OpenOptions& options) {
  if (is_postgres_location(location)) return open_pg_session(location, options);
  return open_sqlite_session(location, options);
}

std::unique_ptr<IdentityStore> make_sql_identity_store(std::unique_ptr<SqlSession> session) {
  return std::make_unique<SqlIdentityStore>(std::move(session));
}

}  // namespace gz::storage

namespace gz::storage {

std::vector<AuditEntry> audit_search(IdentityStore& store, const AuditQuery& query) {
  // Every IdentityStore is the SQL one (make_sql_identity_store), on SQLite or PostgreSQL.
  auto* sql = dynamic_cast<SqlIdentityStore*>(&store);
  if (!sql) throw Error("the audit log of this identity store cannot be searched");
  return sql->audit_search(query);
}

}  // namespace gz::storage
