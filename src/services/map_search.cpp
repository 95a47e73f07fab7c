#include "services/map_search.h"

#include <algorithm>
#include <cctype>

#include "common/csv_table.h"
#include "common/data_dir.h"
#include "common/error.h"
#include "domain/planning_classes.h"
#include "domain/survey_fields.h"
#include "geo/label_point.h"
#include "storage/attributes_json.h"
#include "storage/spot_index.h"

namespace gz::services {

namespace {

bool is_name_field(std::string_view name) {
  auto lower = [](std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  const std::string n = lower(name);
  return n == "xzqdm" || n == "xzqmc" || n == "code" || n == "name";
}

}  // namespace

std::vector<MapPlace> map_places(storage::Store& store) {
  std::vector<MapPlace> out;
  storage::Store::ScanOptions options;
  options.decode_attributes = false;
  for (const auto& v : store.layers_of_kind(LayerKind::region)) {
    store.scan(
        v,
        [&](StoredFeature&& f) {
          Attributes a = storage::decode_attributes_if(f.attributes_json, is_name_field);
          auto code = zone_code(a);
          if (!code || code->empty()) return;
          MapPlace p;
          p.code = *code;
          p.name = zone_name(a).value_or(*code);
          try {
            p.level = region_level(*code);
          } catch (const UsageError&) {
            return;  // not a division code: nothing to label or search by
          }
          p.layer = v.layer;
          p.extent = f.bbox;
          auto [x, y] = geo::label_point(f.wkb);
          p.label_lon = x;
          p.label_lat = y;
          out.push_back(std::move(p));
        },
        options);
  }
  std::sort(out.begin(), out.end(), [](const MapPlace& a, const MapPlace& b) {
    return a.code != b.code ? a.code < b.code : a.layer < b.layer;
  });
  // The same region in two region layers: the first layer's.
  out.erase(std::unique(out.begin(), out.end(),
                        [](const MapPlace& a, const MapPlace& b) { return a.code == b.code; }),
            out.end());
  return out;
}

std::vector<SpotMatch> find_spots_by_bsm(storage::Store& store, const std::string& bsm) {
  if (bsm.empty() || bsm.size() > 32 ||
      !std::all_of(bsm.begin(), bsm.end(),
                   [](unsigned char c) { return std::isalnum(c) != 0; }))
    throw UsageError("bsm: a spot's 标识码 is 1–32 letters or digits (given '" +
                     bsm.substr(0, 40) + "')");
  std::vector<SpotMatch> out;
  for (const auto& v : store.layers_of_kind(LayerKind::land_use)) {
    // A scheme's simulated land use (schemes.cpp: "scenario-" + the scheme's code) copies the
    // survey's spots with their BSMs; the spot asked for is the survey's.
    if (v.layer.rfind("scenario-", 0) == 0) continue;
    for (auto& f : storage::find_by_bsm(store, v, bsm)) out.push_back({v, std::move(f)});
  }
  return out;
}

std::vector<MapFieldName> parse_map_field_names(const std::string& csv, const std::string& source) {
  CsvTable t = CsvTable::parse(csv, source);
  const std::size_t field = t.column("field"), code = t.column("code"), zh = t.column("name_zh"),
                    en = t.column("name_en");
  std::vector<MapFieldName> out;
  for (std::size_t i = 0; i < t.rows().size(); ++i) {
    const auto& r = t.rows()[i];
    MapFieldName n{r[field], r[code], r[zh], r[en]};
    if (n.field.empty() || n.name_zh.empty() || n.name_en.empty())
      throw InputError(source, "line " + std::to_string(t.line_of(i)), "",
                       "a row needs a field and its name in Chinese and in English");
    out.push_back(std::move(n));
  }
  return out;
}

const std::vector<MapFieldName>& map_field_names() {
  static const std::vector<MapFieldName> names = [] {
    std::string path = data_dir() + "/map_fields.csv";
    auto out = parse_map_field_names(read_file(path), path);
    for (const char* f : {"CZCSXM", "GDPDJB", "GDLX"})
      for (const SurveyCode* c : SurveyCodeTable::standard().of_field(f))
        out.push_back({c->field, c->code, c->name_zh, c->name_en});
    return out;
  }();
  return names;
}

}  // namespace gz::services
