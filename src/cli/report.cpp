// gongzhi report: a platform project's report as an xlsx sheet, the same file as the web's
// download (GET /api/v1/projects/{id}/sheets/{sheet}) for officials without a browser. Written
// under a temporary name and renamed into place when complete, like gongzhi export.
#include <iostream>

#include "cli/acting_user.h"
#include "cli/command.h"
#include "common/error.h"
#include "http/api_services.h"
#include "services/project_sheets.h"
#include "services/staged_output.h"

namespace gz::cli {

namespace {
struct ReportOptions {
  std::string db, project, sheet, output, as;
  bool force = false;
};

int run_report(const ReportOptions& o) {
  auto kind = services::parse_project_sheet(o.sheet);
  services::StagedOutput staged(o.output, o.force);
  auto store = storage::Store::open(o.db, {.create = false});
  auto identity = storage::IdentityStore::open(o.db);
  auto projects = storage::ProjectStore::open(o.db);
  http::ApiServices api(*store, *identity, *projects);
  User user = acting_user(o.db, o.as);
  std::int64_t id = 0;
  if (!o.project.empty() && o.project.find_first_not_of("0123456789") == std::string::npos) {
    id = std::stoll(o.project);
  } else {
    for (const auto& p : api.projects.list(user))
      if (p.code == o.project) id = p.id;
    if (id == 0) throw NotFoundError("no project " + o.project + " that " + user.username + " may see");
  }
  services::SheetSources src{*store, api.projects, &api.funds, &api.progress};
  auto sheet = services::project_sheet(src, user, id, kind);
  services::write_report_xlsx(sheet, staged.file_path().string());
  staged.publish();
  std::cout << "wrote " << sheet.title_zh << " (" << sheet.rows.size() << " rows) to " << o.output << "\n";
  return kExitOk;
}
}  // namespace

void add_report_command(CLI::App& app, Action& action) {
  auto o = std::make_shared<ReportOptions>();
  auto* cmd = app.add_subcommand(
      "report",
      "A project's report as xlsx (Chinese headers and units, 合计, generated-at line): balance\n"
      "(土地利用结构调整表), findings (合规性审查问题清单), ledger (资金台账, in 元 to the fen) or\n"
      "evaluation (绩效评价表); the same file the project page downloads.");
  cmd->add_option("--db", o->db, "SQLite file, or pg:CONNINFO / postgresql://… for PostgreSQL")->required();
  cmd->add_option("--project", o->project, "project code (XM…) or id")->required();
  cmd->add_option("--sheet", o->sheet, "balance, findings, ledger or evaluation")
      ->required()
      ->check(CLI::IsMember({"balance", "findings", "ledger", "evaluation"}));
  cmd->add_option("--output", o->output, "the .xlsx file to write")->required();
  cmd->add_option("--as", o->as, "act as this user (their roles and jurisdiction); default: the operator, all regions");
  cmd->add_flag("--force", o->force, "replace an existing output");
  cmd->callback([o, &action] { action = [o] { return run_report(*o); }; });
}

}  // namespace gz::cli
