// A platform project's reports as xlsx sheets (Chinese headers and units, a title row, 合计 where
// it applies, the generated-at line), the same data as the JSON API gives:
// - balance: the land-use balance sheet of the project's plan (土地利用结构调整表; as the
//   balance of `gongzhi balance` and of a scheme, by class, in 亩 and 公顷);
// - findings: the compliance findings on record with their binding effect and acknowledgement
//   (GET /projects/{id} "compliance_gate");
// - ledger: every movement of the project's funds, source by source (GET …/funds/ledger), in
//   元 to the fen, summed in fen;
// - evaluation: the indicators, planned and achieved values and scores (GET …/evaluation).
// Each is read with the caller's rights exactly as its JSON route reads it (NotFoundError for a
// project the user may not see, Forbidden where the JSON route refuses).
#pragma once

#include <string>
#include <string_view>

#include "domain/identity.h"
#include "services/funds.h"
#include "services/progress.h"
#include "services/projects.h"
#include "services/xlsx_report.h"
#include "storage/store.h"

namespace gz::services {

enum class ProjectSheet { balance, findings, ledger, evaluation };
// Throws UsageError naming the sheets when `name` is none of them.
ProjectSheet parse_project_sheet(std::string_view name);
std::string_view to_string(ProjectSheet s);
// "土地利用结构调整表" …, the sheet's title and the stem of its file name.
std::string sheet_title_zh(ProjectSheet s);

struct SheetSources {
  storage::Store& layers;
  ProjectService& projects;
  FundsService* funds = nullptr;        // needed for the ledger
  ProgressService* progress = nullptr;  // needed for the evaluation
};

ReportSheet project_sheet(SheetSources& src, const User& user, std::int64_t project_id, ProjectSheet sheet);

}  // namespace gz::services
