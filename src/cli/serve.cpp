// gongzhi serve: the platform's HTTP server on the embedded SQLite store.
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>

#include <iostream>

#include "cli/command.h"
#include "common/error.h"
#include "http/funds_routes.h"
#include "http/progress_routes.h"
#include "http/request_origin.h"
#include "http/api_services.h"
#include "http/routes.h"
#include "http/server.h"
#include "storage/change_signal.h"
#include "storage/identity_store.h"
#include "storage/postgres/pg_replicas.h"
#include "storage/postgres/pg_store.h"
#include "storage/project_store.h"
#include "storage/sqlite/sqlite_store.h"
#include "storage/store.h"

namespace gz::cli {

namespace {
// Connections are descriptors: the soft limit (often 1024) raised to the hard one, so that
// --max-connections (by default derived from it) is what limits them.
void raise_descriptor_limit() {
  struct rlimit nofile {};
  if (::getrlimit(RLIMIT_NOFILE, &nofile) != 0 || nofile.rlim_cur >= nofile.rlim_max) return;
  nofile.rlim_cur = std::min<rlim_t>(nofile.rlim_max, 1 << 20);
  ::setrlimit(RLIMIT_NOFILE, &nofile);
}
}  // namespace

void add_serve_command(CLI::App& app, Action& action) {
  struct Options {
    std::string db, pg, listen = "127.0.0.1:8080", synchronous = "full";
    std::vector<std::string> pg_read;
    int pg_read_wait_ms = 500;
    http::AuthOptions auth;
    int io_threads = 0, worker_threads = 4, request_timeout = 30, header_timeout = 10;
    int max_connections = 0, max_connections_per_address = 256;
    std::string log_file;
    std::size_t log_max_kb = 10 * 1024, log_keep = 5;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("serve", "Serve the platform over HTTP (health page, layer list, sign-in).");
  auto* db = cmd->add_option("--db", o->db, "SQLite database file (the embedded default)");
  auto* pg = cmd->add_option("--pg", o->pg,
                             "PostgreSQL connection instead of a SQLite file (libpq conninfo, "
                             "e.g. \"host=127.0.0.1 dbname=gongzhi\", or postgresql://…)");
  db->excludes(pg);
  pg->excludes(db);
  cmd->add_option("--pg-read", o->pg_read,
                  "a streaming standby of the --pg database for reads (libpq conninfo; "
                  "repeatable): project and layer reads go to a standby, writes to --pg, and what "
                  "this server wrote is always read back (docs/deploy.md)");
  cmd->add_option("--pg-read-wait-ms", o->pg_read_wait_ms,
                  "how long a read waits for a standby to replay this server's last write before "
                  "it runs on the primary instead (default 500)")
      ->check(CLI::Range(0, 60000));
  cmd->add_option("--sqlite-synchronous", o->synchronous,
                  "when a commit is on disk: full (default; a write the server acknowledged "
                  "survives a power loss) or normal (faster; a power loss may take back the last "
                  "writes); see docs/durability.md")
      ->check(CLI::IsMember({"full", "normal"}))
      ->excludes(pg);
  cmd->add_option("--listen", o->listen, "address:port to listen on (port 0 picks a free one)");
  cmd->add_option("--session-idle-seconds", o->auth.policy.idle_seconds,
                  "a session unused this long ends (default 12 h)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{365} * 24 * 3600));
  cmd->add_option("--session-max-seconds", o->auth.policy.absolute_seconds,
                  "every session ends this long after login (default 7 days)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{365} * 24 * 3600));
  cmd->add_option("--trusted-proxy", o->auth.trusted_proxies,
                  "address of a reverse proxy whose X-Forwarded-For names the client (repeatable)");
  cmd->add_flag("--secure-cookie", o->auth.secure_cookie,
                "mark the session cookie Secure (when clients reach the server over TLS)");
  cmd->add_option("--io-threads", o->io_threads,
                  "threads serving connections (default 0: twice the hardware threads)")
      ->check(CLI::Range(0, 256));
  cmd->add_option("--worker-threads", o->worker_threads,
                  "threads doing the storage work of requests (default 4)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--request-timeout", o->request_timeout,
                  "a client taking longer than this (seconds) to send a request or to take its "
                  "answer is disconnected (default 30)")
      ->check(CLI::Range(1, 3600));
  cmd->add_option("--header-timeout", o->header_timeout,
                  "a client has this long (seconds) to send a request's header, and a kept-alive "
                  "connection waits this long for the next request (default 10)")
      ->check(CLI::Range(1, 3600));
  cmd->add_option("--max-connections", o->max_connections,
                  "connections open at once; more are closed when accepted (default 0: the "
                  "descriptor limit less 128)")
      ->check(CLI::Range(0, 1 << 20));
  cmd->add_option("--max-connections-per-address", o->max_connections_per_address,
                  "connections open at once from one client address (default 256; trusted "
                  "proxies have no limit)")
      ->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--log-file", o->log_file,
                  "write the server log (each sign-in attempt, errors) to FILE, rotated into "
                  "FILE.1, FILE.2 … (default: standard output)");
  cmd->add_option("--log-max-kb", o->log_max_kb, "rotate the log file at this size (default 10240)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{4} << 20));
  cmd->add_option("--log-keep", o->log_keep, "rotated log files kept (default 5)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100}));
  cmd->callback([o, &action] {
    action = [o] {
      if (!o->log_file.empty()) {
        try {
          auto log = spdlog::rotating_logger_mt("gongzhi", o->log_file, o->log_max_kb * 1024, o->log_keep);
          spdlog::set_default_logger(log);
        } catch (const spdlog::spdlog_ex& e) {
          throw UsageError("--log-file " + o->log_file + ": " + e.what());
        }
        // Each line on disk as it is written: what a crash leaves behind is what happened.
        spdlog::flush_on(spdlog::level::info);
      }
      auto colon = o->listen.rfind(':');
      if (colon == std::string::npos) throw UsageError("--listen must be ADDRESS:PORT, e.g. 127.0.0.1:8080");
      http::ServerOptions options;
      options.io_threads = o->io_threads;
      options.worker_threads = o->worker_threads;
      options.timeout_seconds = o->request_timeout;
      options.header_timeout_seconds = o->header_timeout;
      options.max_connections = o->max_connections;
      options.max_connections_per_address = o->max_connections_per_address;
      options.unlimited_addresses = o->auth.trusted_proxies;
      raise_descriptor_limit();
      options.address = o->listen.substr(0, colon);
      try {
        int port = std::stoi(o->listen.substr(colon + 1));
        if (port < 0 || port > 65535) throw std::out_of_range("port");
        options.port = static_cast<unsigned short>(port);
      } catch (const std::exception&) {
        throw UsageError("--listen: '" + o->listen.substr(colon + 1) + "' is not a port number");
      }
      if (o->db.empty() && o->pg.empty()) throw UsageError("serve needs --db FILE or --pg CONNINFO");
      std::string location = o->db;
      if (!o->pg.empty())
        location = o->pg.rfind("postgresql://", 0) == 0 || o->pg.rfind("postgres://", 0) == 0 ||
                           o->pg.rfind("pg:", 0) == 0
                       ? o->pg
                       : "pg:" + o->pg;
      // Before any store is opened: every connection the server commits on gets it.
      storage::set_sqlite_synchronous(o->synchronous == "normal" ? storage::SqliteSync::normal
                                                                 : storage::SqliteSync::full);
      if (!o->pg_read.empty()) {
        if (!storage::is_postgres_location(location))
          throw UsageError("--pg-read names standbys of a PostgreSQL database: serve it with "
                           "--pg CONNINFO (or --db pg:CONNINFO)");
        std::string primary = location.rfind("pg:", 0) == 0 ? location.substr(3) : location;
        storage::pg::set_read_replicas(
            primary, {o->pg_read, std::chrono::milliseconds(o->pg_read_wait_ms)});
      }
      auto store = storage::Store::open(location);
      // Users, sessions, projects and the audit log live in the same database (tables made if
      // missing).
      auto identity = storage::IdentityStore::open(location);
      auto project_store = storage::ProjectStore::open(location);
      http::ApiServices api(*store, *identity, *project_store, location);
      http::ApiContext ctx = api.context(o->auth);
      // Sessions and project lists kept in memory, current across every server process on the
      // database (storage/change_signal.h); the I/O threads answer the list from them.
      http::FastReads fast(*identity, storage::ChangeSignal::for_location(location));
      ctx.fast_reads = &fast;
      options.fast = [&fast](const http::Request& req) { return fast.answer(req); };
      options.body_limit_for = [](const std::string& method, const std::string& target) {
        return std::max(http::progress_body_limit(method, target), http::funds_body_limit(method, target));
      };
      options.before_body = [&](const http::Request& head) -> std::optional<http::Response> {
        if (auto refusal = http::cross_origin_refusal(head, o->auth))
          return http::error_response(*refusal);  // before its body is read
        if (http::funds_body_limit(head.method, head.target))
          return http::funds_before_body(*identity, api.funds, head);
        return http::progress_before_body(*identity, api.progress, head);
      };
      http::Server server(options, http::make_routes(ctx));
      server.run([&](unsigned short port) {
        std::cout << "gongzhi serving " << (o->db.empty() ? store->location() : o->db) << " on http://" << options.address << ":" << port
                  << "/" << std::endl;
      });
      std::cout << "gongzhi stopped" << std::endl;
      return kExitOk;
    };
  });
}

}  // namespace gz::cli
