#include "storage/postgres/connection.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "common/error.h"
#include "storage/write_conflict.h"

namespace gz::storage::pg {

namespace {
// libpq messages end in newlines and continue on tab-indented lines; messages here are one line.
std::string one_line(std::string_view text) {
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.remove_suffix(1);
    if (!line.empty()) out += (out.empty() ? "" : "; ") + std::string(line);
    start = end + 1;
  }
  return out;
}

struct OptionsDeleter {
  void operator()(PQconninfoOption* o) const noexcept { PQconninfoFree(o); }
};
using Options = std::unique_ptr<PQconninfoOption, OptionsDeleter>;

Options parse(const std::string& conninfo, std::string* why) {
  char* err = nullptr;
  Options opts(PQconninfoParse(conninfo.c_str(), &err));
  if (!opts && why) *why = err ? one_line(err) : "out of memory";
  if (err) PQfreemem(err);
  return opts;
}

std::string server_name(PGconn* conn) {
  std::string host = PQhost(conn) ? PQhost(conn) : "";
  std::string port = PQport(conn) ? PQport(conn) : "";
  std::string where = host.empty() || host.front() == '/' ? "socket " + host + " port " + port
                                                           : host + ":" + port;
  return "PostgreSQL database " + std::string(PQdb(conn) ? PQdb(conn) : "") + " on " + where;
}

void ignore_notice(void*, const char*) {}
}  // namespace

std::string describe_conninfo(const std::string& conninfo) {
  std::string why;
  Options opts = parse(conninfo, &why);
  if (!opts) return "invalid connection string";
  std::string out;
  for (const char* key : {"host", "hostaddr", "port", "dbname", "user", "options"})
    for (auto* o = opts.get(); o->keyword; ++o)
      if (o->val && *o->val && std::strcmp(o->keyword, key) == 0)
        out += (out.empty() ? "" : " ") + std::string(key) + "=" + o->val;
  return out.empty() ? "default server" : out;
}

Connection::Connection(const std::string& conninfo) {
  std::string why;
  Options opts = parse(conninfo, &why);
  if (!opts) throw StorageError("cannot connect to PostgreSQL: invalid connection string: " + why);
  std::vector<const char*> keys, values;
  bool has_timeout = false;
  for (auto* o = opts.get(); o->keyword; ++o) {
    if (!o->val || std::strcmp(o->keyword, "client_encoding") == 0) continue;
    has_timeout |= std::strcmp(o->keyword, "connect_timeout") == 0;
    keys.push_back(o->keyword);
    values.push_back(o->val);
  }
  // An unreachable host would otherwise hang for the kernel's TCP timeout.
  if (!has_timeout) keys.push_back("connect_timeout"), values.push_back("10");
  keys.push_back("fallback_application_name"), values.push_back("gongzhi");
  // Attributes and names are sent and read as UTF-8 whatever the server's default.
  keys.push_back("client_encoding"), values.push_back("UTF8");
  keys.push_back(nullptr), values.push_back(nullptr);
  conn_ = PQconnectdbParams(keys.data(), values.data(), 0);
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    std::string reason = conn_ ? one_line(PQerrorMessage(conn_)) : "out of memory";
    PQfinish(conn_);
    conn_ = nullptr;
    throw StorageError("cannot connect to PostgreSQL (" + describe_conninfo(conninfo) +
                       "): " + reason);
  }
  // Notices ("relation already exists, skipping") are not errors and not for the user.
  PQsetNoticeProcessor(conn_, ignore_notice, nullptr);
  name_ = server_name(conn_);
}

Connection::~Connection() { PQfinish(conn_); }

void Connection::fail(const PGresult* r, std::string_view what) const {
  std::string doing = what.empty() ? "" : std::string(what) + ": ";
  if (PQstatus(conn_) == CONNECTION_BAD)
    throw StorageError("lost the connection to " + name_ + " (" + std::string(what) +
                       "): " + one_line(PQerrorMessage(conn_)));
  auto field = [&](int code) {
    const char* v = r ? PQresultErrorField(r, code) : nullptr;
    return v ? std::string(v) : std::string();
  };
  std::string state = field(PG_DIAG_SQLSTATE);
  std::string primary = field(PG_DIAG_MESSAGE_PRIMARY);
  if (primary.empty()) primary = one_line(PQerrorMessage(conn_));
  std::string detail = field(PG_DIAG_MESSAGE_DETAIL);
  if (!detail.empty()) primary += " (" + one_line(detail) + ")";
  // "COPY feature, line 7, column geom: …": say which of the written features was refused.
  std::string context = field(PG_DIAG_CONTEXT);
  if (context.rfind("COPY ", 0) == 0) {
    std::size_t line = context.find("line ");
    if (line != std::string::npos) {
      std::size_t end = context.find_first_not_of("0123456789", line + 5);
      primary += " (feature " + context.substr(line + 5, end - line - 5) + " of the new version";
      std::size_t column = context.find("column ");
      if (column != std::string::npos)
        primary += ", field " + context.substr(column + 7, context.find(':', column) - column - 7);
      primary += ")";
    }
  }
  if (state == "53100")
    throw StorageError(name_ + ": the database server's disk is full; nothing was written");
  // Two processes making the same table or index at once (CREATE … IF NOT EXISTS is not safe
  // against a concurrent creator: the loser hits the catalog's unique index, or finds the name
  // taken): the loser's transaction runs again, and then finds it made.
  std::string constraint = field(PG_DIAG_CONSTRAINT_NAME);
  bool catalog_race = (state == "23505" && constraint.rfind("pg_", 0) == 0) || state == "42P07" ||
                      state == "42710";
  if (catalog_race)
    throw WriteConflict(name_ + " is being set up by another process at the same time; nothing "
                        "was written, try again (" + primary + ")");
  if (state == "40P01" || state == "40001")
    throw WriteConflict(name_ + " is being written by another process, and that write changed "
                        "what this one read; nothing was written, try again (" + primary + ")");
  if (state == "55P03")
    throw StorageError(name_ +
                       " is being written by another process (an import in progress?); try "
                       "again when it has finished (" + primary + ")");
  if (state.rfind("08", 0) == 0)
    throw StorageError("lost the connection to " + name_ + " (" + std::string(what) +
                       "): " + primary);
  if (state == "42501") throw StorageError(name_ + ": " + doing + "permission denied: " + primary);
  throw StorageError(name_ + ": " + doing + primary);
}

namespace {
bool starts_with_word(std::string_view sql, std::string_view word) {
  while (!sql.empty() && (sql.front() == ' ' || sql.front() == '\n' || sql.front() == '\t'))
    sql.remove_prefix(1);
  if (sql.size() < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(sql[i])) != word[i]) return false;
  return sql.size() == word.size() || !std::isalnum(static_cast<unsigned char>(sql[word.size()]));
}
}  // namespace

void Connection::ensure_open() {
  if (PQstatus(conn_) == CONNECTION_OK) return;
  if (in_transaction_)
    throw StorageError("lost the connection to " + name_ +
                       " during a transaction; nothing of it was committed");
  auto now = std::chrono::steady_clock::now();
  if (now < next_attempt_)
    throw StorageError(name_ + " is unavailable; reconnecting in " +
                       std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          next_attempt_ - now)
                                          .count()) +
                       " ms");
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) {
    using namespace std::chrono_literals;
    backoff_ = std::clamp(backoff_ * 2, std::chrono::milliseconds(250), std::chrono::milliseconds(5000));
    next_attempt_ = std::chrono::steady_clock::now() + backoff_;
    std::string why = one_line(PQerrorMessage(conn_));
    spdlog::warn("cannot reconnect to {} (next try in {} ms): {}", name_, backoff_.count(), why);
    throw StorageError("cannot reconnect to " + name_ + ": " + why);
  }
  backoff_ = std::chrono::milliseconds(0);
  next_attempt_ = {};
  ++reconnections_;
  spdlog::warn("reconnected to {}", name_);
  for (const auto& hook : reconnect_hooks_) hook();
}

void Connection::track_transaction(std::string_view sql) {
  if (starts_with_word(sql, "BEGIN")) in_transaction_ = true;
  else if (starts_with_word(sql, "COMMIT") || starts_with_word(sql, "ROLLBACK") ||
           starts_with_word(sql, "END") || starts_with_word(sql, "ABORT"))
    in_transaction_ = false;
}

Result Connection::send_retrying(std::string_view sql, const std::function<PGresult*()>& send) {
  ensure_open();
  bool harmless = starts_with_word(sql, "BEGIN") ||
                  (!in_transaction_ && starts_with_word(sql, "SELECT"));
  Result r(send());
  if (harmless && PQstatus(conn_) == CONNECTION_BAD) {
    ensure_open();
    r.reset(send());
  }
  return r;
}

void Connection::exec(const std::string& sql, std::string_view what) {
  Result r = send_retrying(sql, [&] { return PQexec(conn_, sql.c_str()); });
  // The transaction state follows the statement even when it failed: a failed COMMIT or
  // ROLLBACK ends the transaction too, and a failed BEGIN is followed by its owner's rollback.
  track_transaction(sql);
  auto status = PQresultStatus(r.get());
  if (!r || (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)) fail(r.get(), what);
}

Result Connection::query(const std::string& sql, const std::vector<Param>& params,
                         std::string_view what, bool binary_rows) {
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  for (const auto& p : params) {
    values.push_back(p.value.data());
    lengths.push_back(static_cast<int>(p.value.size()));
    formats.push_back(p.binary ? 1 : 0);
  }
  Result r = send_retrying(sql, [&] {
    return PQexecParams(conn_, sql.c_str(), static_cast<int>(params.size()), nullptr,
                        values.data(), lengths.data(), formats.data(), binary_rows ? 1 : 0);
  });
  auto status = PQresultStatus(r.get());
  if (!r || (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_COPY_IN))
    fail(r.get(), what);
  return r;
}

void Connection::rollback_quietly() noexcept {
  in_transaction_ = false;
  if (PQstatus(conn_) != CONNECTION_OK) return;
  if (PQtransactionStatus(conn_) == PQTRANS_ACTIVE) abort_copy("abandoned");
  if (PQtransactionStatus(conn_) != PQTRANS_IDLE) PQclear(PQexec(conn_, "ROLLBACK"));
}

void Connection::put_copy_data(const std::string& data, std::string_view what) {
  ensure_open();
  if (PQputCopyData(conn_, data.data(), static_cast<int>(data.size())) != 1) fail(nullptr, what);
}

void Connection::end_copy(std::string_view what) {
  if (PQputCopyEnd(conn_, nullptr) != 1) fail(nullptr, what);
  Result error;
  while (Result r{PQgetResult(conn_)}) {
    if (!error && PQresultStatus(r.get()) != PGRES_COMMAND_OK) error = std::move(r);
  }
  if (error) fail(error.get(), what);
}

void Connection::abort_copy(const char* abort_reason) noexcept {
  if (PQputCopyEnd(conn_, abort_reason) != 1) return;
  while (PGresult* r = PQgetResult(conn_)) PQclear(r);
}

}  // namespace gz::storage::pg
