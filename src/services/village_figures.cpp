#include "services/village_figures.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "common/csv_table.h"
#include "common/data_dir.h"
#include "common/error.h"
#include "common/text_encoding.h"
#include "geo/spreadsheet.h"
#include "storage/sql_identity_store.h"

namespace gz::services {

namespace {

constexpr const char* kTables = R"sql(
CREATE TABLE IF NOT EXISTS village_figure_versions(
  id {id}, version bigint NOT NULL UNIQUE, source text NOT NULL, imported_by text NOT NULL,
  imported_at text NOT NULL, row_count bigint NOT NULL);
CREATE TABLE IF NOT EXISTS village_figures(
  version bigint NOT NULL, village_code text NOT NULL, year bigint NOT NULL,
  households bigint, people bigint, labourers bigint, migrant_workers bigint,
  income_per_capita double precision, collective_income double precision,
  PRIMARY KEY(version, village_code, year));
)sql";

std::string trim(std::string s) {
  auto sp = [](unsigned char c) { return std::isspace(c) != 0; };
  while (!s.empty() && sp(s.back())) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && sp(s[i])) ++i;
  s.erase(0, i);
  // A no-break or ideographic space around a cell's text, as spreadsheets keep them.
  for (const char* ws : {"\u3000", "\u00a0"}) {
    const std::string w = ws;
    while (s.size() >= w.size() && s.compare(0, w.size(), w) == 0) s.erase(0, w.size());
    while (s.size() >= w.size() && s.compare(s.size() - w.size(), w.size(), w) == 0)
      s.erase(s.size() - w.size());
  }
  return s;
}

// A header as compared: trimmed, lower case, without a unit in brackets ("人均收入（元）").
std::string header_key(const std::string& h) {
  std::string s = trim(h);
  for (const char* open : {"（", "("}) {
    auto at = s.find(open);
    if (at != std::string::npos && at > 0) s = trim(s.substr(0, at));
  }
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string lower_ext(const std::string& path) {
  std::string e = std::filesystem::path(path).extension().string();
  for (char& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return e;
}

geo::SheetTable read_csv_table(const std::string& path, const std::string& encoding) {
  std::string text = decode_text(read_file(path), encoding, path);
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
  geo::SheetTable t;
  std::size_t pos = 0;
  int line = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string l = text.substr(pos, end - pos);
    pos = end + 1;
    ++line;
    auto cells = split_csv_line(l);
    if (line == 1) {
      t.header = cells;
      continue;
    }
    cells.resize(std::max(cells.size(), t.header.size()));
    t.rows.push_back(std::move(cells));
    t.row_numbers.push_back(line);
  }
  return t;
}

std::string number_text(std::string s) {
  s = trim(s);
  // Thousands separators as officials type them: 1,234 or 1，234.
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == ',') continue;
    if (s.compare(i, 3, "，") == 0) {
      i += 2;
      continue;
    }
    out += s[i];
  }
  return out;
}

std::optional<double> parse_number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

const std::vector<VillageFigureColumn>& village_figure_columns() {
  static const std::vector<VillageFigureColumn> columns = [] {
    const std::string path = data_dir() + "/village_figure_columns.csv";
    CsvTable t = CsvTable::parse(read_file(path), path);
    const auto c = t.column("column"), k = t.column("kind"), zh = t.column("name_zh"),
               en = t.column("name_en"), al = t.column("aliases");
    std::vector<VillageFigureColumn> out;
    for (const auto& r : t.rows()) {
      VillageFigureColumn col{r[c], r[k], r[zh], r[en], {}};
      std::size_t pos = 0;
      const std::string& a = r[al];
      while (pos <= a.size()) {
        auto end = a.find('|', pos);
        if (end == std::string::npos) end = a.size();
        if (end > pos) col.aliases.push_back(header_key(a.substr(pos, end - pos)));
        pos = end + 1;
      }
      col.aliases.push_back(header_key(col.column));
      col.aliases.push_back(header_key(col.name_zh));
      out.push_back(std::move(col));
    }
    return out;
  }();
  return columns;
}

std::vector<VillageFigureRow> read_village_figures(const std::string& path,
                                                   const std::vector<Region>& hierarchy,
                                                   const std::string& encoding) {
  if (!std::filesystem::exists(path)) throw InputError(path, "", "", "no such file");
  const std::string ext = lower_ext(path);
  geo::SheetTable t;
  if (ext == ".csv" || ext == ".txt")
    t = read_csv_table(path, encoding);
  else if (ext == ".xlsx" || ext == ".ods")
    t = geo::read_spreadsheet(path);
  else
    throw InputError(path, "", "", "village figures come as .xlsx, .ods or .csv");

  const auto& columns = village_figure_columns();
  std::map<std::string, std::size_t> at;  // column → index in the file
  for (std::size_t i = 0; i < t.header.size(); ++i) {
    const std::string key = header_key(t.header[i]);
    for (const auto& c : columns)
      if (std::find(c.aliases.begin(), c.aliases.end(), key) != c.aliases.end() && !at.count(c.column))
        at[c.column] = i;
  }
  auto name_of = [&](const std::string& column) {
    for (const auto& c : columns)
      if (c.column == column) return c.name_zh + " (" + column + ")";
    return column;
  };
  for (const char* needed : {"village_code", "year"})
    if (!at.count(needed))
      throw InputError(path + ": row 1: the header has no column " + name_of(needed) +
                       " (headers found: " + [&] {
                         std::string s;
                         for (const auto& h : t.header) s += (s.empty() ? "" : ", ") + h;
                         return s;
                       }() + ")");
  if (at.size() < 3)
    throw InputError(path + ": row 1: the header names no figure column (户数, 人口, 劳动力, "
                            "外出务工人数, 人均收入, 集体经济收入)");

  std::set<std::string> villages;
  for (const auto& r : hierarchy)
    if (r.level == RegionLevel::village) villages.insert(r.code);

  std::vector<VillageFigureRow> out;
  std::set<std::pair<std::string, int>> seen;
  std::map<std::pair<std::string, int>, int> first_row;
  for (std::size_t k = 0; k < t.rows.size(); ++k) {
    const auto& cells = t.rows[k];
    const int row = t.row_numbers[k];
    auto cell = [&](const std::string& column) {
      auto it = at.find(column);
      return it == at.end() || it->second >= cells.size() ? std::string() : trim(cells[it->second]);
    };
    auto refuse = [&](const std::string& column, const std::string& reason) {
      return InputError(path + ": row " + std::to_string(row) + ", column " + name_of(column) +
                        ": " + reason);
    };
    if (std::all_of(cells.begin(), cells.end(), [&](const std::string& c) { return trim(c).empty(); }))
      continue;
    VillageFigureRow r;
    r.village_code = cell("village_code");
    if (r.village_code.size() != 12 ||
        !std::all_of(r.village_code.begin(), r.village_code.end(),
                     [](unsigned char c) { return std::isdigit(c) != 0; }))
      throw refuse("village_code", "'" + r.village_code + "' is not a 12-digit village code");
    if (!villages.count(r.village_code))
      throw refuse("village_code", "unknown village code " + r.village_code +
                                       " (not a village of the region hierarchy; import the "
                                       "regions first)");
    const std::string year = cell("year");
    auto y = parse_number(number_text(year));
    if (!y || *y != std::floor(*y) || *y < 1949 || *y > 2100)
      throw refuse("year", "'" + year + "' is not a year (1949–2100)");
    r.year = static_cast<int>(*y);
    const auto key = std::make_pair(r.village_code, r.year);
    if (!seen.insert(key).second)
      throw refuse("village_code", "village " + r.village_code + " and year " +
                                       std::to_string(r.year) + " are given twice (rows " +
                                       std::to_string(first_row[key]) + " and " +
                                       std::to_string(row) + ")");
    first_row[key] = row;
    for (const auto& c : columns) {
      if (c.kind != "count" && c.kind != "money") continue;
      const std::string text = cell(c.column);
      if (text.empty()) continue;
      auto v = parse_number(number_text(text));
      if (!v) throw refuse(c.column, "'" + text + "' is not a number");
      if (c.kind == "count") {
        if (*v < 0) throw refuse(c.column, "a count cannot be negative (" + text + ")");
        if (*v != std::floor(*v)) throw refuse(c.column, "a count is a whole number (" + text + ")");
        auto n = static_cast<std::int64_t>(*v);
        if (c.column == "households") r.households = n;
        else if (c.column == "people") r.people = n;
        else if (c.column == "labourers") r.labourers = n;
        else if (c.column == "migrant_workers") r.migrant_workers = n;
      } else {
        if (c.column == "income_per_capita") {
          if (*v < 0) throw refuse(c.column, "an income per head cannot be negative (" + text + ")");
          r.income_per_capita = *v;
        } else if (c.column == "collective_income") {
          r.collective_income = *v;
        }
      }
    }
    out.push_back(std::move(r));
  }
  if (out.empty()) throw InputError(path + ": the file has no rows of figures");
  return out;
}

VillageFigureService::VillageFigureService(storage::ProjectStore& store,
                                           storage::IdentityStore& identity)
    : store_(store), identity_(identity) {
  store_.ensure_tables(kTables);
}

namespace {
std::string opt(const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) : ""; }
std::string opt(const std::optional<double>& v) {
  if (!v) return "";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", *v);
  return buf;
}
std::optional<std::int64_t> opt_i64(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return std::stoll(s);
}
std::optional<double> opt_f64(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return std::stod(s);
}
VillageFigureVersion version_of(const storage::SqlSession::Row& r) {
  return {std::stoll(r[0]), r[1], r[2], r[3], std::stoll(r[4])};
}
constexpr const char* kVersionColumns =
    "SELECT version, source, imported_by, imported_at, row_count FROM village_figure_versions ";
}  // namespace

VillageFigureVersion VillageFigureService::import_file(const std::string& path,
                                                       const std::string& actor,
                                                       const std::string& encoding) {
  auto rows = read_village_figures(path, identity_.regions(), encoding);
  const std::string source = std::filesystem::path(path).filename().string();
  return store_.write([&](storage::ProjectTx& tx) {
    auto& s = tx.session();
    VillageFigureVersion v;
    v.version = std::stoll(
        s.query("SELECT COALESCE(max(version), 0) + 1 FROM village_figure_versions").at(0).at(0));
    v.source = source;
    v.imported_by = actor;
    v.imported_at = tx.now();
    v.rows = static_cast<std::int64_t>(rows.size());
    s.query("INSERT INTO village_figure_versions(version, source, imported_by, imported_at, "
            "row_count) VALUES($1, $2, $3, $4, $5)",
            {std::to_string(v.version), v.source, v.imported_by, v.imported_at,
             std::to_string(v.rows)});
    for (const auto& r : rows)
      s.query("INSERT INTO village_figures(version, village_code, year, households, people, "
              "labourers, migrant_workers, income_per_capita, collective_income) VALUES($1, $2, "
              "CAST($3 AS bigint), CAST(NULLIF($4, '') AS bigint), CAST(NULLIF($5, '') AS bigint), "
              "CAST(NULLIF($6, '') AS bigint), CAST(NULLIF($7, '') AS bigint), "
              "CAST(NULLIF($8, '') AS double precision), CAST(NULLIF($9, '') AS double precision))",
              {std::to_string(v.version), r.village_code, std::to_string(r.year), opt(r.households),
               opt(r.people), opt(r.labourers), opt(r.migrant_workers), opt(r.income_per_capita),
               opt(r.collective_income)});
    std::set<std::string> villages;
    for (const auto& r : rows) villages.insert(r.village_code);
    nlohmann::json detail = {{"version", v.version},
                             {"source", v.source},
                             {"rows", v.rows},
                             {"villages", villages.size()}};
    tx.audit({actor, "village_figures.import", "village_figures:v" + std::to_string(v.version),
              detail.dump()});
    return v;
  });
}

std::vector<VillageFigureVersion> VillageFigureService::versions() {
  return store_.read([&](storage::ProjectTx& tx) {
    std::vector<VillageFigureVersion> out;
    for (const auto& r : tx.session().query(std::string(kVersionColumns) + "ORDER BY version"))
      out.push_back(version_of(r));
    return out;
  });
}

RegionFigures VillageFigureService::figures(const std::string& region) {
  const std::string prefix = region_prefix(region);
  return store_.read([&](storage::ProjectTx& tx) {
    RegionFigures out;
    auto& s = tx.session();
    auto latest = s.query(std::string(kVersionColumns) + "ORDER BY version DESC LIMIT 1");
    out.total.village_code = region;
    if (latest.empty()) return out;
    out.version = version_of(latest[0]);
    auto rows = s.query(
        "SELECT village_code, year, households, people, labourers, migrant_workers, "
        "CAST(income_per_capita AS text), CAST(collective_income AS text) FROM village_figures "
        "WHERE version = CAST($1 AS bigint) AND substr(village_code, 1, $2) = $3 "
        "ORDER BY village_code, year DESC",
        {std::to_string(out.version->version), std::to_string(prefix.size()), prefix});
    double weighted = 0, weight = 0;
    auto add = [](std::optional<std::int64_t>& sum, const std::optional<std::int64_t>& v) {
      if (v) sum = sum.value_or(0) + *v;
    };
    for (const auto& r : rows) {
      if (!out.villages.empty() && out.villages.back().village_code == r[0]) continue;  // older year
      VillageFigureRow f;
      f.village_code = r[0];
      f.year = static_cast<int>(std::stoll(r[1]));
      f.households = opt_i64(r[2]);
      f.people = opt_i64(r[3]);
      f.labourers = opt_i64(r[4]);
      f.migrant_workers = opt_i64(r[5]);
      f.income_per_capita = opt_f64(r[6]);
      f.collective_income = opt_f64(r[7]);
      add(out.total.households, f.households);
      add(out.total.people, f.people);
      add(out.total.labourers, f.labourers);
      add(out.total.migrant_workers, f.migrant_workers);
      if (f.collective_income)
        out.total.collective_income = out.total.collective_income.value_or(0) + *f.collective_income;
      if (f.income_per_capita && f.people && *f.people > 0) {
        weighted += *f.income_per_capita * static_cast<double>(*f.people);
        weight += static_cast<double>(*f.people);
      }
      out.total.year = std::max(out.total.year, f.year);
      out.villages.push_back(std::move(f));
    }
    if (weight > 0) out.total.income_per_capita = weighted / weight;
    return out;
  });
}

}  // namespace gz::services
