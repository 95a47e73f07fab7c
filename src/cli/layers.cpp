// gongzhi layers: what is on the one map, with versions.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "storage/store.h"

namespace gz::cli {

void add_layers_command(CLI::App& app, Action& action) {
  struct Options {
    std::string db, layer, format = "table";
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("layers", "List the layers of a database, or the versions of one layer.");
  cmd->add_option("--db", o->db, "SQLite file, or pg:CONNINFO / postgresql://… for PostgreSQL")->required();
  cmd->add_option("--layer", o->layer, "list every version of this layer");
  cmd->add_option("--format", o->format, "table or json")->check(CLI::IsMember({"table", "json"}));
  cmd->callback([o, &action] {
    action = [o] {
      auto store = storage::Store::open(o->db);
      auto list = o->layer.empty() ? store->layers() : store->versions(o->layer);
      if (o->format == "json") {
        nlohmann::json out = nlohmann::json::array();
        for (auto& v : list)
          out.push_back({{"layer", v.layer}, {"kind", to_string(v.kind)}, {"version", v.version},
                         {"features", v.feature_count}, {"source", v.source},
                         {"source_srs", v.source_srs}, {"created_at", v.created_at}});
        std::cout << out.dump(2) << "\n";
      } else {
        std::printf("%-24s %-28s %7s %10s  %s\n", "layer", "kind", "version", "features", "created");
        for (auto& v : list)
          std::printf("%-24s %-28s %7d %10lld  %s\n", v.layer.c_str(), std::string(to_string(v.kind)).c_str(),
                      v.version, static_cast<long long>(v.feature_count), v.created_at.c_str());
      }
      return kExitOk;
    };
  });
}

}  // namespace gz::cli
