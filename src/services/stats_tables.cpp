#include "services/stats_tables.h"

#include <algorithm>
#include <cmath>
#include <future>
#include <mutex>
#include <set>

#include "common/error.h"
#include "domain/land_use_classes.h"
#include "domain/planning_classes.h"
#include "domain/survey_fields.h"
#include "geo/ellipsoid.h"
#include "services/overlay.h"
#include "storage/attributes_json.h"

namespace gz::services {

namespace {

std::string text_or_empty(const Attributes& a, const char* field) {
  return attribute_text(a, field).value_or("");
}

using TallyMap = std::map<SpotKey, SpotSums>;

// Sums one batch of spots into `out` on all cores.
void tally_batch(const std::string& layer, std::vector<StoredFeature>& batch, TallyMap& out,
                 std::map<std::string, std::string>& names) {
  std::mutex merge;
  const auto& codes = SurveyCodeTable::standard();
  parallel_chunks(batch.size(), [&](std::size_t begin, std::size_t end, int) {
    TallyMap local;
    std::map<std::string, std::string> local_names;
    for (std::size_t i = begin; i < end; ++i) {
      auto& f = batch[i];
      Attributes a = storage::decode_attributes(f.attributes_json);
      if (auto p = land_use_spot_problem(a)) throw InputError("layer " + layer, f.source_id, p->field, p->reason);
      SpotKey key;
      key.unit = text_or_empty(a, "ZLDWDM").substr(0, 12);
      key.code = *land_use_code(a);
      key.czcs = text_or_empty(a, "CZCSXM");
      key.grade = text_or_empty(a, "GDPDJB");
      std::string gdlx = text_or_empty(a, "GDLX");
      if (const SurveyCode* c = gdlx.empty() ? nullptr : codes.find("GDLX", gdlx)) key.gdlx = c->count_as;
      double gross = geo::ellipsoidal_area_m2(geo::Geometry::from_wkb(f.wkb));
      auto& s = local[key];
      s.gross_m2 += gross;
      s.net_m2 += gross * (1 - ridge_deduction_coefficient(a));
      ++s.spots;
      if (!key.unit.empty() && !local_names.count(key.unit))
        local_names[key.unit] = text_or_empty(a, "ZLDWMC");
    }
    std::lock_guard lock(merge);
    for (auto& [k, s] : local) {
      auto& t = out[k];
      t.gross_m2 += s.gross_m2;
      t.net_m2 += s.net_m2;
      t.spots += s.spots;
    }
    for (auto& [k, n] : local_names) names.emplace(k, n);
  });
}

// What a table counts: the atom of a spot (nullopt when the table leaves it out), and per column
// the atoms it sums. Rounding works on atoms, so every column is a sum of rounded atoms.
struct Spec {
  std::vector<TableColumn> columns;
  std::vector<std::vector<std::string>> atoms;
  std::function<std::optional<std::string>(const SpotKey&)> atom_of;

  void add(TableColumn c, std::vector<std::string> a) {
    columns.push_back(std::move(c));
    atoms.push_back(std::move(a));
  }
  // A group of columns: 小计 first when there is more than one part.
  void add_group(const std::string& key, const std::string& zh, const std::string& en,
                 std::vector<std::pair<TableColumn, std::vector<std::string>>> parts) {
    if (parts.empty()) return;
    if (parts.size() == 1) {
      add({key, "", "", zh, en}, std::move(parts.front().second));
      return;
    }
    std::vector<std::string> all;
    for (auto& [c, a] : parts)
      for (auto& x : a)
        if (std::find(all.begin(), all.end(), x) == all.end()) all.push_back(x);
    add({key + ":subtotal", zh, en, "小计", "Subtotal"}, all);
    for (auto& [c, a] : parts) {
      c.group_zh = zh;
      c.group_en = en;
      add(std::move(c), std::move(a));
    }
  }
};

std::set<std::string> present_codes(const SpotTally& tally) {
  std::set<std::string> out;
  for (const auto& [k, s] : tally.sums) out.insert(k.code);
  return out;
}

Spec class_spec(int level, const std::set<std::string>& present) {
  const auto& table = LandUseClassTable::standard();
  Spec spec;
  spec.atom_of = [](const SpotKey& k) { return std::optional<std::string>(k.code); };
  std::vector<std::string> level1;
  for (const auto& c : table.classes())
    if (std::find(level1.begin(), level1.end(), c.level1_code) == level1.end()) level1.push_back(c.level1_code);
  for (const auto& l1 : level1) {
    std::vector<const LandUseClass*> members;
    bool survey_only = true, any_present = false;
    for (const auto& c : table.classes())
      if (c.level1_code == l1) {
        members.push_back(&c);
        survey_only = survey_only && c.kind == ClassKind::change_survey;
        any_present = any_present || present.count(c.code);
      }
    // The change-survey heading appears only for a layer that uses its codes.
    if (survey_only && !any_present) continue;
    std::string zh = l1 + " " + members.front()->level1_name_zh, en = l1 + " " + members.front()->level1_name_en;
    auto codes_where = [&](auto pred) {
      std::vector<std::string> out;
      for (const auto* c : members)
        if (pred(*c)) out.push_back(c->code);
      return out;
    };
    std::vector<std::pair<TableColumn, std::vector<std::string>>> parts;
    if (level == 1) {
      auto k = codes_where([](const LandUseClass& c) { return c.kind == ClassKind::adjustable; });
      parts.push_back({{l1, "", "", "面积", "Area"}, codes_where([](const LandUseClass&) { return true; })});
      if (!k.empty()) {
        parts.front().first.label_zh = "小计";
        parts.front().first.label_en = "Subtotal";
        spec.add({l1, zh, en, "小计", "Subtotal"}, parts.front().second);
        spec.add({l1 + ":K", zh, en, "其中：可调整", "of which adjustable (K)"}, k);
      } else {
        spec.add({l1, "", "", zh, en}, parts.front().second);
      }
      continue;
    }
    for (const auto* base : members) {
      if (base->count_as != base->code) continue;
      parts.push_back({{base->code, "", "", base->code + " " + base->name_zh, base->code + " " + base->name_en},
                       codes_where([&](const LandUseClass& c) { return c.count_as == base->code; })});
      auto k = codes_where([&](const LandUseClass& c) {
        return c.count_as == base->code && c.kind == ClassKind::adjustable;
      });
      if (!k.empty())
        parts.push_back({{base->code + ":K", "", "", "其中：可调整", "of which adjustable (K)"}, k});
    }
    if (parts.size() == 1) {
      spec.add({l1, "", "", zh, en}, parts.front().second);
      continue;
    }
    spec.add_group(l1, zh, en, std::move(parts));
  }
  return spec;
}

const char* group_zh(LandGroup g) {
  switch (g) {
    case LandGroup::agricultural: return "农用地";
    case LandGroup::construction: return "建设用地";
    case LandGroup::unused: return "未利用地";
    case LandGroup::none: return "未纳入三大类";
  }
  return "";
}
const char* group_en(LandGroup g) {
  switch (g) {
    case LandGroup::agricultural: return "Agricultural land";
    case LandGroup::construction: return "Construction land";
    case LandGroup::unused: return "Unused land";
    case LandGroup::none: return "Outside the three groups";
  }
  return "";
}

Spec three_spec(int level, const std::set<std::string>& present) {
  const auto& table = LandUseClassTable::standard();
  Spec spec;
  spec.atom_of = [](const SpotKey& k) { return std::optional<std::string>(k.code); };
  for (LandGroup g : {LandGroup::agricultural, LandGroup::construction, LandGroup::unused, LandGroup::none}) {
    std::vector<std::string> codes, cultivated;
    bool any_present = false;
    for (const auto& c : table.classes())
      if (c.group == g) {
        codes.push_back(c.code);
        if (c.cultivated) cultivated.push_back(c.code);
        any_present = any_present || present.count(c.code);
      }
    if (codes.empty() || (g == LandGroup::none && !any_present)) continue;
    std::string key = to_string(g);
    std::vector<std::pair<TableColumn, std::vector<std::string>>> parts;
    if (level == 1) {
      if (!cultivated.empty()) {
        spec.add({key, group_zh(g), group_en(g), "小计", "Subtotal"}, codes);
        spec.add({key + ":01", group_zh(g), group_en(g), "其中：耕地", "of which cultivated"}, cultivated);
      } else {
        spec.add({key, "", "", group_zh(g), group_en(g)}, codes);
      }
      continue;
    }
    std::vector<std::string> level1;
    for (const auto& c : table.classes())
      if (c.group == g && std::find(level1.begin(), level1.end(), c.level1_code) == level1.end())
        level1.push_back(c.level1_code);
    for (const auto& l1 : level1) {
      std::vector<std::string> part;
      std::string zh, en;
      for (const auto& c : table.classes())
        if (c.group == g && c.level1_code == l1) {
          part.push_back(c.code);
          zh = l1 + " " + c.level1_name_zh;
          en = l1 + " " + c.level1_name_en;
        }
      parts.push_back({{key + ":" + l1, "", "", zh, en}, part});
    }
    spec.add_group(key, group_zh(g), group_en(g), std::move(parts));
  }
  return spec;
}

Spec czcs_spec() {
  const auto& codes = SurveyCodeTable::standard();
  Spec spec;
  spec.atom_of = [&codes](const SpotKey& k) -> std::optional<std::string> {
    if (k.czcs.empty() || !codes.find("CZCSXM", k.czcs)) return std::nullopt;
    return k.czcs;
  };
  auto all = codes.of_field("CZCSXM");
  for (const auto* base : all) {
    if (base->count_as != base->code) continue;
    std::vector<std::string> whole, sub;
    for (const auto* c : all)
      if (c->count_as == base->code) (c->code == base->code ? whole : sub).push_back(c->code);
    whole.insert(whole.end(), sub.begin(), sub.end());
    std::string zh = base->code + " " + base->name_zh, en = base->code + " " + base->name_en;
    if (sub.empty()) {
      spec.add({base->code, "", "", zh, en}, whole);
      continue;
    }
    spec.add({base->code, zh, en, "小计", "Subtotal"}, whole);
    spec.add({base->code + ":A", zh, en, "其中：独立工业用地", "of which independent industrial land"}, sub);
  }
  return spec;
}

Spec slope_spec(const SpotTally& tally) {
  const auto& codes = SurveyCodeTable::standard();
  Spec spec;
  spec.atom_of = [](const SpotKey& k) -> std::optional<std::string> {
    const LandUseClass* c = LandUseClassTable::standard().find(k.code);
    if (!c || !c->cultivated) return std::nullopt;
    return k.grade + "|" + k.gdlx;
  };
  auto atoms_of = [](const std::string& grade, std::vector<std::string> gdlx) {
    std::vector<std::string> out;
    for (const auto& t : gdlx) out.push_back(grade + "|" + t);
    return out;
  };
  std::set<std::string> untyped;  // grades with cultivated spots without GDLX
  for (const auto& [k, s] : tally.sums)
    if (k.gdlx.empty() && spec.atom_of(k)) untyped.insert(k.grade);
  for (const auto* g : codes.of_field("GDPDJB")) {
    std::string zh = g->name_zh, en = g->name_en;
    if (g->code == "1") {
      spec.add({g->code, "", "", zh, en}, atoms_of(g->code, {"", "TT", "PD"}));
      continue;
    }
    // 梯田 and 坡地; the part without GDLX only when the layer has such spots.
    std::vector<std::pair<TableColumn, std::vector<std::string>>> parts = {
        {{g->code + ":TT", "", "", "梯田", "Terraces"}, atoms_of(g->code, {"TT"})},
        {{g->code + ":PD", "", "", "坡地", "Slope land"}, atoms_of(g->code, {"PD"})}};
    if (untyped.count(g->code))
      parts.push_back({{g->code + ":none", "", "", "未填写耕地类型", "Type not given"}, atoms_of(g->code, {""})});
    std::vector<std::string> all = atoms_of(g->code, {"TT", "PD", ""});
    spec.add({g->code, zh, en, "小计", "Subtotal"}, all);
    for (auto& [c, a] : parts) {
      c.group_zh = zh;
      c.group_en = en;
      spec.add(std::move(c), std::move(a));
    }
  }
  bool ungraded = false;
  for (const auto& [k, s] : tally.sums)
    if (k.grade.empty() && spec.atom_of(k)) ungraded = true;
  if (ungraded) spec.add({"none", "", "", "未填写坡度级别", "Slope grade not given"}, atoms_of("", {"", "TT", "PD"}));
  return spec;
}

Spec planning_spec(int level, const std::set<std::string>& present) {
  const auto& conv = BaseConversion::standard();
  const auto& yydh = PlanningClassTable::standard();
  const auto& sd = LandUseClassTable::standard();
  Spec spec;
  spec.atom_of = [&conv, level](const SpotKey& k) -> std::optional<std::string> {
    const ConversionRule& r = conv.convert(k.code, k.czcs);
    if (auto c = r.at_level(level)) return "c:" + *c;
    if (auto l1 = r.at_level(1)) return "u:" + *l1;
    return "f:" + k.code;
  };
  // Columns: the classes a 三调 code can become, in the planning table's order.
  std::set<std::string> reachable, undecided;
  std::vector<std::string> flagged;
  for (const auto& r : conv.rules()) {
    if (auto c = r.at_level(level)) reachable.insert(*c);
    else if (auto l1 = r.at_level(1)) undecided.insert(*l1);
    else if (present.count(r.sd_code) &&
             std::find(flagged.begin(), flagged.end(), r.sd_code) == flagged.end())
      flagged.push_back(r.sd_code);
  }
  for (const auto& c : yydh.classes()) {
    if (c.level != 1) continue;
    std::string zh = c.code + " " + c.name_zh, en = c.code + " " + c.name_en;
    if (level == 1) {
      if (reachable.count(c.code)) spec.add({c.code, "", "", zh, en}, {"c:" + c.code});
      continue;
    }
    std::vector<std::pair<TableColumn, std::vector<std::string>>> parts;
    for (const auto& child : yydh.classes())
      if (child.parent == c.code && reachable.count(child.code))
        parts.push_back({{child.code, "", "", child.code + " " + child.name_zh, child.code + " " + child.name_en},
                         {"c:" + child.code}});
    if (undecided.count(c.code))
      parts.push_back({{c.code + ":undecided", "", "", "待人工细分", "to be subdivided by a person"}, {"u:" + c.code}});
    if (parts.size() == 1 && undecided.count(c.code)) {
      // Decided to this first level only: its one column says so under the class's heading.
      parts.front().first.group_zh = zh;
      parts.front().first.group_en = en;
      spec.add(parts.front().first, parts.front().second);
      continue;
    }
    if (parts.size() == 1 && !undecided.count(c.code)) {
      // One second-level class: still shown under its first-level heading.
      parts.front().first.group_zh = zh;
      parts.front().first.group_en = en;
      spec.add(parts.front().first, parts.front().second);
      continue;
    }
    spec.add_group(c.code, zh, en, std::move(parts));
  }
  for (const auto& code : flagged)
    spec.add({"flag:" + code, "待人工判定（基数转换）", "Needs a person's decision (base conversion)",
              code + " " + sd.find(code)->name_zh, code + " " + sd.find(code)->name_en},
             {"f:" + code});
  return spec;
}

// Largest-remainder rounding of non-negative values (in hundredths) to integers that add up to
// the rounded sum.
std::vector<std::int64_t> round_parts(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  std::int64_t target = std::llround(sum);
  std::vector<std::int64_t> out(v.size());
  std::int64_t floors = 0;
  std::vector<std::size_t> order(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    out[i] = static_cast<std::int64_t>(std::floor(v[i]));
    floors += out[i];
    order[i] = i;
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return v[a] - std::floor(v[a]) > v[b] - std::floor(v[b]);
  });
  for (std::int64_t k = 0; k < target - floors && k < static_cast<std::int64_t>(order.size()); ++k)
    ++out[order[static_cast<std::size_t>(k)]];
  return out;
}

double hundredths_per_m2(AreaUnit u) {
  switch (u) {
    case AreaUnit::hectare: return 100.0 / kSquareMetresPerHectare;
    case AreaUnit::mu: return 100.0 / kSquareMetresPerMu;
    case AreaUnit::square_metre: return 100.0;
  }
  return 1;
}

}  // namespace

SpotTally tally_spots(storage::Store& store, const LayerVersion& layer,
                      const std::function<void(std::size_t)>& progress) {
  if (layer.kind != LayerKind::land_use)
    throw UsageError("layer '" + layer.layer + "' is a " + std::string(to_string(layer.kind)) +
                     " layer; the summary tables read a 三调 land-use layer");
  SpotTally tally;
  tally.layer = layer;
  const std::size_t kBatch = 65536;
  std::vector<StoredFeature> batch, working;
  batch.reserve(kBatch);
  std::future<void> pending;
  std::size_t done = 0;
  // A batch is measured on all cores while the next one is read.
  auto launch = [&] {
    if (pending.valid()) pending.get();
    std::swap(batch, working);
    batch.clear();
    pending = std::async(std::launch::async, [&] {
      tally_batch(layer.layer, working, tally.sums, tally.unit_names);
      done += working.size();
      if (progress) progress(done);
    });
  };
  try {
    store.scan(layer, [&](StoredFeature&& f) {
      batch.push_back(std::move(f));
      if (batch.size() == kBatch) launch();
    }, {.decode_attributes = false, .keep_attributes_json = {}});
    if (!batch.empty()) launch();
    if (pending.valid()) pending.get();
  } catch (...) {
    if (pending.valid()) pending.wait();
    throw;
  }
  return tally;
}

std::optional<TableKind> parse_table_kind(const std::string& s) {
  if (s == "class") return TableKind::classes;
  if (s == "three") return TableKind::three;
  if (s == "czcs") return TableKind::czcs;
  if (s == "slope") return TableKind::slope;
  return std::nullopt;
}

std::optional<AreaUnit> parse_area_unit(const std::string& s) {
  if (s == "ha") return AreaUnit::hectare;
  if (s == "mu") return AreaUnit::mu;
  if (s == "m2") return AreaUnit::square_metre;
  return std::nullopt;
}

SummaryTable build_table(const SpotTally& tally, const TableRequest& rq) {
  if (rq.level != 1 && rq.level != 2) throw UsageError("--level is 1 or 2");
  if (rq.planning && rq.kind != TableKind::classes)
    throw UsageError("--classification yydh applies to --table class only");
  auto present = present_codes(tally);
  Spec spec = rq.planning                      ? planning_spec(rq.level, present)
              : rq.kind == TableKind::classes ? class_spec(rq.level, present)
              : rq.kind == TableKind::three   ? three_spec(rq.level, present)
              : rq.kind == TableKind::czcs    ? czcs_spec()
                                              : slope_spec(tally);
  SummaryTable t;
  t.layer = tally.layer;
  t.request = rq;
  t.columns = spec.columns;
  int digits = rq.row_digits;
  if (digits == 0) digits = rq.region.size() >= 12 ? 12 : rq.region.size() >= 9 ? 12 : rq.region.size() >= 6 ? 9 : 9;
  // Per row, per atom: area in hundredths of the unit.
  std::map<std::string, std::map<std::string, double>> rows;
  double scale = hundredths_per_m2(rq.unit);
  for (const auto& [k, s] : tally.sums) {
    if (!rq.region.empty() && k.unit.rfind(rq.region, 0) != 0) continue;
    std::string row = k.unit.substr(0, std::min<std::size_t>(static_cast<std::size_t>(digits), k.unit.size()));
    auto& atoms = rows[row];
    if (auto atom = spec.atom_of(k)) atoms[*atom] += (rq.net ? s.net_m2 : s.gross_m2) * scale;
  }
  std::set<std::string> universe;
  for (const auto& a : spec.atoms) universe.insert(a.begin(), a.end());
  std::vector<std::string> atom_list(universe.begin(), universe.end());
  std::map<std::string, std::int64_t> total_atoms;
  t.total.code = rq.region;
  t.total.name = "合计";
  t.total.values.assign(t.columns.size(), 0);
  for (const auto& [code, atoms] : rows) {
    std::vector<double> v;
    for (const auto& a : atom_list) {
      auto it = atoms.find(a);
      v.push_back(it == atoms.end() ? 0.0 : it->second);
    }
    auto rounded = round_parts(v);
    std::map<std::string, std::int64_t> by_atom;
    TableRow row;
    row.code = code;
    if (code.empty()) row.name = "（未填写坐落单位）";
    else if (code.size() == 12 && tally.unit_names.count(code)) row.name = tally.unit_names.at(code);
    else if (rq.names.count(code)) row.name = rq.names.at(code);
    for (std::size_t i = 0; i < atom_list.size(); ++i) {
      by_atom[atom_list[i]] = rounded[i];
      row.total += rounded[i];
    }
    for (const auto& col : spec.atoms) {
      std::int64_t sum = 0;
      for (const auto& a : col) sum += by_atom[a];
      row.values.push_back(sum);
    }
    for (std::size_t c = 0; c < row.values.size(); ++c) t.total.values[c] += row.values[c];
    t.total.total += row.total;
    t.rows.push_back(std::move(row));
  }

  std::string level_zh = rq.level == 1 ? "（一级分类）" : "（二级分类）";
  std::string level_en = rq.level == 1 ? " (first level)" : " (second level)";
  switch (rq.kind) {
    case TableKind::classes:
      t.title_zh = rq.planning ? "用地用海分类面积汇总表（三调基数转换）" : "土地利用现状分类面积汇总表";
      t.title_en = rq.planning ? "Area by 用地用海 planning class (base conversion of the 三调 survey)"
                               : "Summary of land-use area by class";
      t.title_zh += level_zh;
      t.title_en += level_en;
      break;
    case TableKind::three:
      t.title_zh = "土地利用现状三大类面积汇总表" + level_zh;
      t.title_en = "Summary of land-use area by the three groups" + level_en;
      break;
    case TableKind::czcs:
      t.title_zh = "城镇村及工矿用地面积汇总表";
      t.title_en = "Urban, town, village, industrial and mining land";
      break;
    case TableKind::slope:
      t.title_zh = "耕地坡度分级面积汇总表";
      t.title_en = "Cultivated land by slope grade";
      break;
  }
  if (!rq.region_name.empty()) t.title_zh = rq.region_name + t.title_zh;
  if (rq.net) {
    t.title_zh += "（扣除田坎）";
    t.title_en += ", net of field ridges";
  }
  const char* unit_zh = rq.unit == AreaUnit::hectare ? "公顷" : rq.unit == AreaUnit::mu ? "亩" : "平方米";
  const char* unit_en = rq.unit == AreaUnit::hectare ? "hectares" : rq.unit == AreaUnit::mu ? "mu" : "m²";
  t.unit_zh = std::string("单位：") + unit_zh;
  t.unit_en = std::string("Unit: ") + unit_en;
  t.notes_zh.push_back(std::string("面积为 2000 国家大地坐标系椭球面积") +
                       (rq.net ? "，扣除田坎（田坎系数）后的净面积。" : "（图斑毛面积）。"));
  t.notes_en.push_back(std::string("Ellipsoidal areas on CGCS2000") +
                       (rq.net ? ", net of field ridges (KCXS)." : " (gross spot areas)."));
  t.notes_zh.push_back("取整：各行按最大余额法取整到 0.01，各栏之和等于该行合计（合计为未取整面积四舍五入）；合计行为各行取整值之和。");
  t.notes_en.push_back("Rounding: each row is rounded to 0.01 by the largest-remainder method, so its parts add up to its total (the unrounded total rounded); the total row is the sum of the rounded rows.");
  if (rq.planning) {
    t.notes_zh.push_back("按基数转换表进行三调→用地用海基数转换；需人工判定的面积单列（待人工细分、待人工判定），未作推定。");
    t.notes_en.push_back("Converted from 3rd-survey classes to territorial spatial planning classes by the base conversion table (data/base_conversion.csv); area needing a person's decision is shown apart, never guessed.");
  } else if (rq.kind == TableKind::classes || rq.kind == TableKind::three) {
    t.notes_zh.push_back("湿地（00）含 0303、0304、0306、0402、0603、1105、1106、1108；可调整地类（K）计入基础地类并单列“其中：可调整”；1104A、1107A、0810A 计入 1104、1107、0810；1301–1304 为年度变更调查专用地类，单列。");
    t.notes_en.push_back("Wetland (00) holds 0303, 0304, 0306, 0402, 0603, 1105, 1106, 1108; adjustable K codes count in their base class and are shown apart; 1104A, 1107A, 0810A count in 1104, 1107, 0810; 1301–1304 (annual change survey) have their own heading.");
  } else if (rq.kind == TableKind::czcs) {
    t.notes_zh.push_back("按城镇村属性码统计；201A、202A、203A 计入城市、建制镇、村庄并单列“其中：独立工业用地”。");
    t.notes_en.push_back("By CZCSXM; 201A, 202A, 203A count in city, town and village and are shown apart.");
  } else {
    t.notes_zh.push_back("仅统计耕地（0101、0102、0103）；按耕地坡度级别和耕地类型（梯田、坡地）统计。");
    t.notes_en.push_back("Cultivated land only; slope grade GDPDJB, type GDLX: TT terraces, PD slope land.");
  }
  return t;
}

std::map<std::string, std::string> region_names(storage::Store& store) {
  std::map<std::string, std::string> out;
  for (const auto& v : store.layers_of_kind(LayerKind::region))
    store.scan(v, [&](StoredFeature&& f) {
      auto code = zone_code(f.attributes);
      auto name = zone_name(f.attributes);
      if (code && name) out.emplace(*code, *name);
    });
  return out;
}

}  // namespace gz::services

namespace gz::services {

std::shared_ptr<const SpotTally> TallyCache::get(storage::Store& store, const LayerVersion& layer) {
  std::string key = layer.layer + "#" + std::to_string(layer.version);
  {
    std::lock_guard lock(mutex_);
    for (const auto& [k, t] : entries_)
      if (k == key) return t;
  }
  // Measured outside the lock: two first requests may both read; the second result is dropped.
  auto tally = std::make_shared<const SpotTally>(tally_spots(store, layer));
  std::lock_guard lock(mutex_);
  for (const auto& [k, t] : entries_)
    if (k == key) return t;
  entries_.emplace_back(key, tally);
  if (entries_.size() > capacity_) entries_.erase(entries_.begin());
  return tally;
}

}  // namespace gz::services
