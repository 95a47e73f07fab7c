#include "storage/access_store.h"

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "storage/change_signal.h"
#include "storage/identity_write.h"
#include "storage/sql_identity_store.h"

namespace gz::storage {

std::unique_ptr<AccessStore> AccessStore::open(const std::string& location) {
  IdentityStore::open(location);  // the identity tables, disabled_users among them
  return std::unique_ptr<AccessStore>(
      new AccessStore(open_sql_session(location), ChangeSignal::for_location(location)));
}

AccessStore::AccessStore(std::unique_ptr<SqlSession> session, std::shared_ptr<ChangeSignal> signal)
    : s_(std::move(session)), signal_(std::move(signal)) {}

AccessStore::~AccessStore() = default;

template <class F>
auto AccessStore::write(F&& f) {
  return identity_write(*s_, signal_.get(), std::forward<F>(f));
}

std::string AccessStore::user_id(const std::string& username) {
  auto id = s_->query("SELECT id FROM users WHERE username = $1", {username});
  if (id.empty()) throw NotFoundError("no user '" + username + "' in " + s_->name());
  return id[0][0];
}

std::int64_t AccessStore::end_sessions(const std::string& user_id) {
  return static_cast<std::int64_t>(
      s_->query("DELETE FROM sessions WHERE user_id = $1 RETURNING token_hash", {user_id}).size());
}

std::int64_t AccessStore::disable_user(const std::string& username, const std::string& actor) {
  return write([&] {
    auto id = user_id(username);
    if (!s_->query("SELECT 1 FROM disabled_users WHERE user_id = $1", {id}).empty())
      throw ConflictError("user '" + username + "' is already disabled in " + s_->name());
    s_->query("INSERT INTO disabled_users(user_id, since) VALUES($1, $2)", {id, now_iso8601()});
    auto ended = end_sessions(id);
    nlohmann::json d = {{"sessions_ended", ended}};
    append_audit_entry(*s_, {actor, "user.disable", "user:" + username, d.dump()});
    return ended;
  });
}

void AccessStore::enable_user(const std::string& username, const std::string& actor) {
  write([&] {
    auto id = user_id(username);
    if (s_->query("DELETE FROM disabled_users WHERE user_id = $1 RETURNING user_id", {id}).empty())
      throw ConflictError("user '" + username + "' is not disabled in " + s_->name());
    append_audit_entry(*s_, {actor, "user.enable", "user:" + username, "{}"});
    return 0;
  });
}

std::set<std::string> AccessStore::disabled_users() {
  std::set<std::string> out;
  s_->begin_read();
  try {
    for (auto& r : s_->query("SELECT u.username FROM disabled_users d JOIN users u ON u.id = d.user_id"))
      out.insert(r[0]);
    s_->commit();
  } catch (...) {
    s_->rollback();
    throw;
  }
  return out;
}

void AccessStore::revoke_grant(const std::string& username, const Grant& g, const std::string& actor) {
  write([&] {
    auto id = user_id(username);
    std::string role(to_string(g.role));
    if (s_->query("DELETE FROM grants WHERE user_id = $1 AND role = $2 AND department = $3 AND "
                  "region_code = $4 RETURNING user_id",
                  {id, role, g.department, g.region_code})
            .empty())
      throw NotFoundError("user '" + username + "' has no grant " + role +
                          (g.department.empty() ? "" : "@" + g.department) + " in " +
                          (g.region_code.empty() ? "all regions" : g.region_code) + " in " +
                          s_->name());
    nlohmann::json d = {{"role", role}, {"department", g.department}, {"region", g.region_code}};
    append_audit_entry(*s_, {actor, "grant.revoke", "user:" + username,
                             d.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)});
    return 0;
  });
}

std::int64_t AccessStore::reset_password(const std::string& username,
                                         const std::string& password_hash,
                                         const std::string& actor) {
  return write([&] {
    auto id = user_id(username);
    s_->query("UPDATE users SET password_hash = $2 WHERE id = $1", {id, password_hash});
    auto ended = end_sessions(id);
    nlohmann::json d = {{"sessions_ended", ended}};
    append_audit_entry(*s_, {actor, "user.password_reset", "user:" + username, d.dump()});
    return ended;
  });
}

std::vector<SessionRecord> AccessStore::sessions(const std::string& username) {
  std::vector<SessionRecord> out;
  s_->begin_read();
  try {
    for (auto& r : s_->query(
             "SELECT s.token_hash, u.username, s.created, s.expires, s.idle_seconds, s.last_seen, "
             "s.address FROM sessions s JOIN users u ON u.id = s.user_id "
             "WHERE ($1 = '' OR u.username = $1) ORDER BY s.created DESC, s.token_hash",
             {username}))
      out.push_back({r[0], r[1], std::stoll(r[2]), std::stoll(r[3]), std::stoll(r[4]),
                     std::stoll(r[5]), r[6]});
    s_->commit();
  } catch (...) {
    s_->rollback();
    throw;
  }
  return out;
}

std::string AccessStore::kill_session(const std::string& id, const std::string& actor) {
  if (id.size() < 12 || id.size() > 64 || id.find_first_not_of("0123456789abcdef") != std::string::npos)
    throw UsageError("session: '" + id + "' is not a session id (12 or more lowercase hex digits, "
                     "as gongzhi admin sessions shows them)");
  return write([&] {
    auto rows = s_->query(
        "SELECT s.token_hash, u.username FROM sessions s JOIN users u ON u.id = s.user_id "
        "WHERE substr(s.token_hash, 1, " + std::to_string(id.size()) + ") = $1",
        {id});
    if (rows.empty()) throw NotFoundError("no session " + id + " in " + s_->name());
    if (rows.size() > 1)
      throw UsageError("session: '" + id + "' names " + std::to_string(rows.size()) +
                       " sessions; give more of its digits");
    s_->query("DELETE FROM sessions WHERE token_hash = $1", {rows[0][0]});
    nlohmann::json d = {{"session", rows[0][0].substr(0, 16)}};
    append_audit_entry(*s_, {actor, "session.kill", "user:" + rows[0][1], d.dump()});
    return rows[0][1];
  });
}

}  // namespace gz::storage
