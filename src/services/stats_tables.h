// The official summary tables of a 三调 land-use layer, as officials file them: rows are the
// 坐落单位 (townships or villages, from ZLDWDM), columns the classes of the chosen table:
// 土地利用现状分类面积汇总表 (class, level 1 or 2, in 三调 or — through the base conversion —
// 用地用海 classes), 三大类 (three), 城镇村及工矿用地 (czcs) and 耕地坡度分级 (slope).
// One pass over the layer sums the spots by their coded facts (SpotTally); every table is then
// built from that tally. Areas are ellipsoidal on CGCS2000, gross or net of field ridges (KCXS),
// rounded to 0.01 of the unit with largest-remainder rounding so a row's parts add up to its
// rounded total. The CLI (`gongzhi stats --table`) and the HTTP API share this code.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "storage/store.h"

namespace gz::services {

// The facts of a spot the tables read; spots with equal facts are summed together.
struct SpotKey {
  std::string unit;   // ZLDWDM's first 12 digits (the village), "" when missing
  std::string code;   // DLBM
  std::string czcs;   // CZCSXM as given, "" when none
  std::string grade;  // GDPDJB, "" when none
  std::string gdlx;   // GDLX folded to TT / PD, "" when none
  auto operator<=>(const SpotKey&) const = default;
};
struct SpotSums {
  double gross_m2 = 0, net_m2 = 0;
  std::int64_t spots = 0;
};
struct SpotTally {
  LayerVersion layer;
  std::map<SpotKey, SpotSums> sums;
  std::map<std::string, std::string> unit_names;  // village code → ZLDWMC
};

// Reads the layer once, in batches, measuring on all cores. Throws InputError naming the layer
// and feature for a spot without a known 三调 code or with an unknown CZCSXM/GDPDJB/GDLX.
SpotTally tally_spots(storage::Store& store, const LayerVersion& layer,
                      const std::function<void(std::size_t)>& progress = {});

enum class TableKind { classes, three, czcs, slope };
enum class AreaUnit { hectare, mu, square_metre };
std::optional<TableKind> parse_table_kind(const std::string& s);   // class|three|czcs|slope
std::optional<AreaUnit> parse_area_unit(const std::string& s);      // ha|mu|m2

struct TableRequest {
  TableKind kind = TableKind::classes;
  int level = 2;          // 1 or 2
  bool planning = false;  // 用地用海 classes through the base conversion (class table only)
  bool net = false;       // net of field ridges instead of gross
  AreaUnit unit = AreaUnit::hectare;
  std::string region;     // only units inside this region code ("" = all)
  int row_digits = 0;     // 6 county, 9 township, 12 village; 0 = one level below `region`
  std::map<std::string, std::string> names;  // names of regions (rows above village level)
  std::string region_name;                   // for the title
};

// A data column. Consecutive columns with the same non-empty group share a merged header cell
// above their labels; a column with an empty group has its label over both header rows.
struct TableColumn {
  std::string key;  // stable, for machines (e.g. "0201", "0201:K", "02:subtotal")
  std::string group_zh, group_en, label_zh, label_en;
};
struct TableRow {
  std::string code, name;
  std::int64_t total = 0;             // hundredths of the unit
  std::vector<std::int64_t> values;   // per column, hundredths of the unit
};
struct SummaryTable {
  LayerVersion layer;
  TableRequest request;
  std::string title_zh, title_en, unit_zh, unit_en;
  std::vector<std::string> notes_zh, notes_en;
  std::vector<TableColumn> columns;
  TableRow total;              // 合计 row
  std::vector<TableRow> rows;  // by unit code
};

// Throws UsageError for a request the table does not support (e.g. --classification yydh with a
// table other than class, a level other than 1 or 2).
SummaryTable build_table(const SpotTally& tally, const TableRequest& request);

// Names of regions from the store's region layers (XZQDM → XZQMC), for rows above village level.
std::map<std::string, std::string> region_names(storage::Store& store);

}  // namespace gz::services

namespace gz::services {

// Tallies kept per layer version for the server, so a user switching tables, levels and regions
// reads the layer once. A new version of the layer is a new key; the oldest entries go first.
class TallyCache {
 public:
  explicit TallyCache(std::size_t capacity = 4) : capacity_(capacity) {}
  std::shared_ptr<const SpotTally> get(storage::Store& store, const LayerVersion& layer);

 private:
  std::size_t capacity_;
  std::mutex mutex_;
  std::vector<std::pair<std::string, std::shared_ptr<const SpotTally>>> entries_;  // oldest first
};

}  // namespace gz::services
