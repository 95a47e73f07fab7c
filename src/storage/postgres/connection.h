// One libpq connection with RAII: parameterised queries, COPY, and errors that name the server,
// the database and what went wrong (StorageError), never a bare libpq message.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace gz::storage::pg {

struct ResultDeleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// One query parameter: text unless `binary` (then raw bytes, e.g. for bytea).
struct Param {
  std::string value;
  bool binary = false;
};
inline Param text(std::string v) { return {std::move(v), false}; }
inline Param text(std::int64_t v) { return {std::to_string(v), false}; }
inline Param bytes(std::string v) { return {std::move(v), true}; }

class Connection {
 public:
  // `conninfo` is a libpq connection string: key=value pairs or a postgresql:// URI. Throws
  // StorageError "cannot connect to PostgreSQL (host=… port=… dbname=…): reason" (no password).
  explicit Connection(const std::string& conninfo);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  PGconn* get() const { return conn_; }
  // What errors call the store: "PostgreSQL database gongzhi on 127.0.0.1:55432".
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

  // Before every statement: a connection the server dropped (a restart, a failover,
  // pg_terminate_backend) is re-established with PQreset, with a growing pause between attempts
  // (0.25 s doubling to 5 s) during which statements fail at once (StorageError, HTTP 503), and
  // never inside a transaction: a transaction that lost its connection fails as a whole, and
  // the next one, after its owner's rollback, reconnects. After a reconnection the hooks run.
  void ensure_open();
  // Run after every reconnection, in order: session settings to make again, server-side state
  // (prepared statements) to forget.
  void on_reconnect(std::function<void()> hook) { reconnect_hooks_.push_back(std::move(hook)); }
  // Runs `send` (which sends `sql` on get()) after ensure_open(); when the connection turns out
  // to be lost on a statement that changes nothing on its own (BEGIN, or a SELECT outside a
  // transaction), reconnects and sends it once more, so that a dropped idle connection costs
  // no request. exec() and query() go through here; so must any direct libpq call.
  Result send_retrying(std::string_view sql, const std::function<PGresult*()>& send);
  // How many times this connection was re-established (for logs and tests).
  int reconnections() const { return reconnections_; }

  // SQL without parameters; may hold several statements.
  void exec(const std::string& sql, std::string_view what);
  // One statement with parameters ($1, $2 …); rows in binary format when `binary_rows`.
  Result query(const std::string& sql, const std::vector<Param>& params, std::string_view what,
               bool binary_rows = false);
  // Ends a failed transaction without throwing (destructors, error paths).
  void rollback_quietly() noexcept;

  // COPY … FROM STDIN: start with query() (it accepts PGRES_COPY_IN), then send data and end.
  void put_copy_data(const std::string& data, std::string_view what);
  // Completes the COPY, or aborts it when `abort_reason` is given (then never throws).
  void end_copy(std::string_view what);
  void abort_copy(const char* abort_reason) noexcept;

  [[noreturn]] void fail(const PGresult* result, std::string_view what) const;

 private:
  // Follows BEGIN / COMMIT / ROLLBACK sent through exec(): a lost connection inside a
  // transaction is never silently replaced.
  void track_transaction(std::string_view sql);

  PGconn* conn_ = nullptr;
  std::string name_;
  bool in_transaction_ = false;
  std::chrono::steady_clock::time_point next_attempt_{};
  std::chrono::milliseconds backoff_{0};
  int reconnections_ = 0;
  std::vector<std::function<void()>> reconnect_hooks_;
};

// The connection string with any password left out, for messages.
std::string describe_conninfo(const std::string& conninfo);

}  // namespace gz::storage::pg
