// gongzhi: one binary, one subcommand per file in cli/. Errors are translated to exit codes here.
#include <cstdio>
#include <iostream>

#include "cli/command.h"
#include "common/error.h"

int main(int argc, char** argv) {
  using namespace gz::cli;
  CLI::App app{"Gongzhi (共治): collaborative governance of whole-region comprehensive land "
               "consolidation"};
  app.require_subcommand(1);
  app.set_version_flag("--version", GONGZHI_VERSION);
  Action action;
  add_import_command(app, action);
  add_export_command(app, action);
  add_layers_command(app, action);
  add_stats_command(app, action);
  add_check_command(app, action);
  add_balance_command(app, action);
  add_demo_command(app, action);
  add_serve_command(app, action);
  add_admin_command(app, action);
  add_realloc_command(app, action);
  add_assess_command(app, action);
  add_schemes_command(app, action);
  add_report_command(app, action);
  add_monitor_command(app, action);
  add_orders_command(app, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  try {
    return action ? action() : kExitUsage;
  } catch (const gz::UsageError& e) {
    std::cerr << "gongzhi: " << e.what() << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "gongzhi: " << e.what() << "\n";
    return kExitError;
  }
}
