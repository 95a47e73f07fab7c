// The villages' people and economy (人口经济, docs/village_figures.md): per-village tables from
// xlsx, ods or csv (GBK or UTF-8) keyed by the 12-digit village code and a year, with households,
// people, labourers, migrant workers, per-capita income and collective income (the columns and
// the headers they go by: data/village_figure_columns.csv). Each import is a new version of the
// whole table, written with its audit entry in one transaction; a file with any bad row is
// refused naming the file, the row, the column and the reason, and nothing is stored.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/identity.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"

namespace gz::services {

struct VillageFigureRow {
  std::string village_code;
  int year = 0;
  std::optional<std::int64_t> households, people, labourers, migrant_workers;
  std::optional<double> income_per_capita, collective_income;  // yuan
};

struct VillageFigureVersion {
  std::int64_t version = 0;
  std::string source, imported_by, imported_at;
  std::int64_t rows = 0;
};

// The figures of one region: every village under it (or the village itself) with the rows of
// its latest year in the latest version, and their totals (income per capita weighted by
// people, over the villages that give both).
struct RegionFigures {
  std::optional<VillageFigureVersion> version;
  std::vector<VillageFigureRow> villages;
  VillageFigureRow total;  // village_code the region's, year the latest among the villages
};

// One column of the table as data/village_figure_columns.csv gives it.
struct VillageFigureColumn {
  std::string column, kind, name_zh, name_en;
  std::vector<std::string> aliases;
};
const std::vector<VillageFigureColumn>& village_figure_columns();

// Reads and checks a file against the villages of `hierarchy` (the region hierarchy): unknown
// village codes, a village and year given twice, non-numeric values and negative counts are
// refused with InputError naming the file, the row, the column and the reason. `encoding` for a
// CSV ("" detects: UTF-8 when valid, else GBK).
std::vector<VillageFigureRow> read_village_figures(const std::string& path,
                                                   const std::vector<Region>& hierarchy,
                                                   const std::string& encoding = "");

class VillageFigureService {
 public:
  // Makes its tables.
  VillageFigureService(storage::ProjectStore& store, storage::IdentityStore& identity);

  // read_village_figures, then the rows as the next version with the audit entry
  // (village_figures.import) in one transaction.
  VillageFigureVersion import_file(const std::string& path, const std::string& actor,
                                   const std::string& encoding = "");
  std::vector<VillageFigureVersion> versions();
  // The latest version's figures of the villages under `region`.
  RegionFigures figures(const std::string& region);

 private:
  storage::ProjectStore& store_;
  storage::IdentityStore& identity_;
};

}  // namespace gz::services
