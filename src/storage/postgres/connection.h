// One libpq connection with RAII: parameterised queries, COPY, and errors that name the server,
// the database and what went wrong (StorageError), never a bare libpq message.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
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
  PGconn* conn_ = nullptr;
  std::string name_;
};

// The connection string with any password left out, for messages.
std::string describe_conninfo(const std::string& conninfo);

}  // namespace gz::storage::pg
