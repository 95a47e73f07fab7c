// gongzhi orders: the supervision loop from a terminal or cron. `warnings` lists the project
// warnings (services/warnings.h) as a table or JSON; `escalate` runs the sweep that escalates
// overdue supervision orders one level (services/orders.h), the job a county runs periodically,
// as POST /api/v1/order-escalations does for a signed-in official. Every escalation is audited.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/acting_user.h"
#include "cli/command.h"
#include "http/api_services.h"

namespace gz::cli {

namespace {
struct OrdersOptions {
  std::string db, as, format = "table";
};

int run_warnings(const OrdersOptions& o) {
  auto store = storage::Store::open(o.db, {.create = false});
  auto identity = storage::IdentityStore::open(o.db);
  auto projects = storage::ProjectStore::open(o.db);
  http::ApiServices api(*store, *identity, *projects);
  auto list = api.warnings.warnings(acting_user(o.db, o.as));
  if (o.format == "json") {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& w : list)
      out.push_back({{"key", w.key}, {"rule", w.rule}, {"level", w.level}, {"project", w.project_code},
                     {"region_code", w.region_code},
                     {"responsible", {{"kind", w.responsible.kind}, {"region_code", w.responsible.region_code},
                                      {"department", w.responsible.department}}},
                     {"figures", nlohmann::json::parse(w.figures)}, {"message_zh", w.message_zh}});
    std::cout << out.dump(1) << "\n";
    return kExitOk;
  }
  for (const auto& w : list)
    std::cout << w.level << "\t" << w.rule << "\t" << w.project_code << "\t"
              << services::unit_label_zh(w.responsible) << "\t" << w.message_zh << "\n";
  std::cout << list.size() << " warnings\n";
  return kExitOk;
}

int run_escalate(const OrdersOptions& o) {
  auto store = storage::Store::open(o.db, {.create = false});
  auto identity = storage::IdentityStore::open(o.db);
  auto projects = storage::ProjectStore::open(o.db);
  http::ApiServices api(*store, *identity, *projects);
  auto list = api.orders.escalate_overdue(acting_user(o.db, o.as));
  for (const auto& x : list)
    std::cout << x.code << "\t" << x.title << "\tlevel " << x.escalation_level << " → "
              << services::unit_label_zh(x.supervisor) << "\n";
  std::cout << list.size() << " orders escalated\n";
  return kExitOk;
}
}  // namespace

void add_orders_command(CLI::App& app, Action& action) {
  auto o = std::make_shared<OrdersOptions>();
  auto* cmd = app.add_subcommand("orders", "Project warnings and supervision orders (预警与督办)");
  cmd->require_subcommand(1);
  auto* warnings = cmd->add_subcommand("warnings", "The project warnings the user may see, most severe first");
  auto* escalate = cmd->add_subcommand(
      "escalate",
      "Escalate every overdue supervision order one level (to the level above the issuer, then to\n"
      "the leader group): the periodic job, e.g. from cron once a day");
  for (auto* sub : {warnings, escalate}) {
    sub->add_option("--db", o->db, "SQLite file, or pg:CONNINFO / postgresql://… for PostgreSQL")->required();
    sub->add_option("--as", o->as, "act as this user (their roles and jurisdiction); default: the operator, all regions");
  }
  warnings->add_option("--format", o->format, "table or json")->check(CLI::IsMember({"table", "json"}));
  warnings->callback([o, &action] { action = [o] { return run_warnings(*o); }; });
  escalate->callback([o, &action] { action = [o] { return run_escalate(*o); }; });
}

}  // namespace gz::cli
