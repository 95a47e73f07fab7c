// gongzhi serve: the platform's HTTP server on the embedded SQLite store.
#include <spdlog/spdlog.h>

#include <iostream>

#include "cli/command.h"
#include "common/error.h"
#include "http/routes.h"
#include "http/server.h"
#include "storage/store.h"

namespace gz::cli {

void add_serve_command(CLI::App& app, Action& action) {
  struct Options {
    std::string db, listen = "127.0.0.1:8080";
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("serve", "Serve the platform over HTTP (health page, layer list).");
  cmd->add_option("--db", o->db, "SQLite database file")->required();
  cmd->add_option("--listen", o->listen, "address:port to listen on (port 0 picks a free one)");
  cmd->callback([o, &action] {
    action = [o] {
      auto colon = o->listen.rfind(':');
      if (colon == std::string::npos) throw UsageError("--listen must be ADDRESS:PORT, e.g. 127.0.0.1:8080");
      http::ServerOptions options;
      options.address = o->listen.substr(0, colon);
      try {
        int port = std::stoi(o->listen.substr(colon + 1));
        if (port < 0 || port > 65535) throw std::out_of_range("port");
        options.port = static_cast<unsigned short>(port);
      } catch (const std::exception&) {
        throw UsageError("--listen: '" + o->listen.substr(colon + 1) + "' is not a port number");
      }
      auto store = storage::Store::open(o->db);
      http::Server server(options, http::make_routes(*store));
      server.run([&](unsigned short port) {
        std::cout << "gongzhi serving " << o->db << " on http://" << options.address << ":" << port
                  << "/" << std::endl;
      });
      std::cout << "gongzhi stopped" << std::endl;
      return kExitOk;
    };
  });
}

}  // namespace gz::cli
