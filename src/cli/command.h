// Each subcommand lives in its own file and registers itself here: options, help text, action.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace gz::cli {

// The action a parsed subcommand runs; returns the process exit code.
using Action = std::function<int()>;

// Exit codes (the machine-readable contract of the CLI).
constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitFindings = 3;

void add_import_command(CLI::App& app, Action& action);
void add_export_command(CLI::App& app, Action& action);
void add_layers_command(CLI::App& app, Action& action);
void add_stats_command(CLI::App& app, Action& action);
void add_check_command(CLI::App& app, Action& action);
void add_balance_command(CLI::App& app, Action& action);
void add_demo_command(CLI::App& app, Action& action);
void add_serve_command(CLI::App& app, Action& action);
void add_admin_command(CLI::App& app, Action& action);
void add_realloc_command(CLI::App& app, Action& action);
void add_assess_command(CLI::App& app, Action& action);
void add_schemes_command(CLI::App& app, Action& action);
void add_report_command(CLI::App& app, Action& action);
void add_monitor_command(CLI::App& app, Action& action);
void add_orders_command(CLI::App& app, Action& action);

}  // namespace gz::cli
