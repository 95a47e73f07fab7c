#include "http/stats_table_routes.h"

#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>

#include "common/data_dir.h"
#include "http/api_support.h"
#include "http/download_routes.h"
#include "services/regions.h"
#include "services/stats_table_output.h"
#include "services/stats_tables.h"

namespace gz::http {

namespace {

ApiError bad(const std::string& param, const std::string& value, const std::string& expected) {
  return ApiError{400, "invalid_parameter", "查询参数 " + param + " 应为 " + expected + "，而不是 '" + value + "'",
                  "query parameter " + param + " must be " + expected + ", not '" + value + "'"};
}

bool division_code(const std::string& s) {
  if (s.size() != 6 && s.size() != 9 && s.size() != 12) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

void add_stats_table_routes(Router& r, storage::Store& store, storage::IdentityStore& identity) {
  auto cache = std::make_shared<services::TallyCache>();
  r.add("GET", "/api/v1/stats/tables", [&store, &identity, cache](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    auto q = query_params(req);
    static const std::set<std::string> known = {"region", "table", "level", "classification", "area",
                                                "unit", "rows", "format", "layer"};
    for (const auto& [k, v] : q)
      if (!known.count(k))
        throw ApiError{400, "unknown_parameter", "未知的查询参数：" + k, "unknown query parameter: " + k};
    auto param = [&](const std::string& k, const std::string& fallback) {
      auto it = q.find(k);
      return it == q.end() ? fallback : it->second;
    };
    // Authorization first: the region must be one the caller may see.
    std::string region = param("region", "");
    if (region.empty())
      for (const auto& g : user.grants)
        if (!g.region_code.empty()) {
          region = g.region_code;
          break;
        }
    if (!region.empty() && !division_code(region)) throw bad("region", region, "6、9 或 12 位区划代码 / a 6, 9 or 12-digit division code");
    if (region.empty() ? !services::may_see_region(user, "") : !services::may_see_region(user, region))
      throw ApiError{404, "not_found", "没有这个区域", "no such region"};
    services::TableRequest rq;
    std::string table = param("table", "class"), level = param("level", "2"),
                cls = param("classification", "sandiao"), area = param("area", "gross"),
                unit = param("unit", "ha"), rows = param("rows", ""), format = param("format", "json");
    auto kind = services::parse_table_kind(table);
    if (!kind) throw bad("table", table, "class、three、czcs 或 slope");
    rq.kind = *kind;
    if (level != "1" && level != "2") throw bad("level", level, "1 或 2");
    rq.level = level == "1" ? 1 : 2;
    if (cls != "sandiao" && cls != "yydh") throw bad("classification", cls, "sandiao 或 yydh");
    rq.planning = cls == "yydh";
    if (rq.planning && rq.kind != services::TableKind::classes)
      throw bad("classification", cls, "sandiao（用地用海只用于 class 表）/ sandiao (yydh is for the class table)");
    if (area != "gross" && area != "net") throw bad("area", area, "gross 或 net");
    rq.net = area == "net";
    auto u = services::parse_area_unit(unit);
    if (!u) throw bad("unit", unit, "ha、mu 或 m2");
    rq.unit = *u;
    if (rows != "" && rows != "township" && rows != "village" && rows != "county")
      throw bad("rows", rows, "county、township 或 village");
    rq.row_digits = rows == "county" ? 6 : rows == "township" ? 9 : rows == "village" ? 12 : 0;
    if (format != "json" && format != "csv" && format != "xlsx") throw bad("format", format, "json、csv 或 xlsx");
    rq.region = region;
    LayerVersion layer;
    if (auto name = param("layer", ""); !name.empty()) {
      layer = store.layer_version(name, std::nullopt);
      if (layer.kind != LayerKind::land_use) throw bad("layer", name, "一个土地利用现状图层 / a land-use layer");
    } else {
      auto list = store.layers_of_kind(LayerKind::land_use);
      if (list.empty()) throw ApiError{404, "no_land_use_layer", "还没有导入土地利用现状图层", "no land-use layer has been imported"};
      if (list.size() > 1)
        throw ApiError{400, "layer_required", "有多个土地利用现状图层，请用 layer 指定", "several land-use layers; name one with layer"};
      layer = list.front();
    }
    for (const auto& reg : identity.regions()) rq.names[reg.code] = reg.name;
    if (rq.names.count(region)) rq.region_name = rq.names.at(region);
    auto tally = cache->get(store, layer);
    auto t = services::build_table(*tally, rq);
    std::string file = t.title_zh;
    if (format == "json") return json_response(200, services::table_json(t));
    Response res;
    if (format == "csv") {
      res.content_type = "text/csv; charset=utf-8";
      res.body = "\xEF\xBB\xBF" + services::table_csv(t);  // the BOM makes spreadsheets read UTF-8
      res.headers.emplace_back("Content-Disposition", content_disposition(file + ".csv"));
    } else {
      res = file_download(file + ".xlsx", kXlsxType, [&](const std::string& path) { services::write_table_xlsx(t, path); });
    }
    res.headers.emplace_back("Cache-Control", "private, no-store");
    return res;
  });
}

}  // namespace gz::http
