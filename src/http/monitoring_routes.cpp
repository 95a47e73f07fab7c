#include "http/monitoring_routes.h"

#include <unistd.h>

#include <cctype>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "common/data_dir.h"
#include "common/error.h"
#include "http/api_support.h"
#include "http/download_routes.h"
#include "services/land_use_monitor.h"
#include "services/monitoring_output.h"
#include "services/regions.h"

namespace gz::http {

namespace {

ApiError bad(const std::string& param, const std::string& value, const std::string& expected) {
  return ApiError{400, "invalid_parameter", "查询参数 " + param + " 应为 " + expected + "，而不是 '" + value + "'",
                  "query parameter " + param + " must be " + expected + ", not '" + value + "'"};
}

// Roles that receive land-use warnings: the government side and the auditor.
bool receives_warnings(const User& user) {
  for (const auto& g : user.grants)
    switch (g.role) {
      case Role::admin:
      case Role::auditor:
      case Role::leader_group:
      case Role::lead_department:
      case Role::co_reviewing_department:
      case Role::township:
      case Role::village_collective:
        return true;
      default:
        break;
    }
  return false;
}

// The regions the user's grants cover, as code prefixes; nullopt = everywhere.
std::optional<std::vector<std::string>> visible_prefixes(const User& user) {
  std::vector<std::string> out;
  for (const auto& g : user.grants) {
    if (g.role == Role::admin || g.role == Role::auditor || g.region_code.empty()) return std::nullopt;
    out.push_back(region_prefix(g.region_code));
  }
  return out;
}

bool under(const std::string& code, const std::optional<std::vector<std::string>>& prefixes) {
  if (!prefixes) return true;
  for (const auto& p : *prefixes)
    if (code.compare(0, p.size(), p) == 0) return true;
  return false;
}

int version_param(const std::string& name, const std::string& text) {
  int v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v < 1) throw bad(name, text, "版本号（正整数）/ a version number");
  return v;
}

// Comparisons of whole layers, by (from version id, to version id, project event sequence).
class MonitorCache {
 public:
  std::shared_ptr<const services::MonitorResult> get(storage::Store& store, storage::ProjectStore* projects,
                                                     const services::MonitorRequest& req, bool& hit) {
    const auto from = store.layer_version(req.layer, req.from_version);
    const auto to = store.layer_version(req.layer, req.to_version);
    const std::int64_t seq = projects ? projects->last_event_seq() : 0;
    const auto key = std::make_tuple(from.id, to.id, seq);
    std::lock_guard lock(mutex_);  // one comparison at a time: a second asker waits for the first
    if (auto it = cache_.find(key); it != cache_.end()) {
      hit = true;
      return it->second;
    }
    hit = false;
    auto result = std::make_shared<const services::MonitorResult>(
        services::monitor_land_use(store, req, projects));
    if (cache_.size() >= 8) cache_.clear();
    cache_[key] = result;
    return result;
  }

 private:
  std::mutex mutex_;
  std::map<std::tuple<std::int64_t, std::int64_t, std::int64_t>, std::shared_ptr<const services::MonitorResult>>
      cache_;
};

}  // namespace

void add_monitoring_routes(Router& r, storage::Store& store, storage::IdentityStore& identity,
                           storage::ProjectStore* projects) {
  auto cache = std::make_shared<MonitorCache>();
  r.add("GET", "/api/v1/monitoring/changes", [&store, &identity, projects, cache](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    auto q = query_params(req);
    static const std::set<std::string> known = {"layer", "from", "to", "region", "severity", "rule", "format"};
    for (const auto& [k, v] : q)
      if (!known.count(k))
        throw ApiError{400, "unknown_parameter", "未知的查询参数：" + k, "unknown query parameter: " + k};
    auto param = [&](const std::string& k) {
      auto it = q.find(k);
      return it == q.end() ? std::string() : it->second;
    };
    // Authorization first: the region, then the role.
    const std::string region = param("region");
    std::optional<std::vector<std::string>> prefixes;
    if (!region.empty()) {
      std::string prefix;
      try {
        prefix = region_prefix(region);
      } catch (const UsageError&) {
        throw bad("region", region, "6、9 或 12 位区划代码 / a 6, 9 or 12-digit division code");
      }
      if (!services::may_see_region(user, region)) throw ApiError{404, "not_found", "没有这个区域", "no such region"};
      prefixes = std::vector<std::string>{prefix};
    } else {
      prefixes = visible_prefixes(user);
    }
    if (!receives_warnings(user))
      throw ApiError{403, "monitoring_forbidden", "当前角色不接收监测预警", "the caller's roles do not receive land-use warnings"};

    const std::string format = param("format").empty() ? "json" : param("format");
    if (format != "json" && format != "geojson" && format != "xlsx") throw bad("format", format, "json、geojson 或 xlsx");
    const std::string severity_text = param("severity");
    std::optional<Severity> severity;
    if (!severity_text.empty()) {
      severity = parse_severity(severity_text);
      if (!severity) throw bad("severity", severity_text, "red、orange 或 yellow");
    }
    const std::string rule = param("rule");
    if (!rule.empty() && !MonitoringRules::standard().find(rule))
      throw bad("rule", rule, "data/monitoring.json 中的规则编号 / a rule id of data/monitoring.json");

    services::MonitorRequest mr;
    if (auto name = param("layer"); !name.empty()) {
      mr.layer = name;
    } else {
      auto list = store.layers_of_kind(LayerKind::land_use);
      if (list.empty())
        throw ApiError{404, "no_land_use_layer", "还没有导入土地利用现状图层", "no land-use layer has been imported"};
      if (list.size() > 1)
        throw ApiError{400, "layer_required", "有多个土地利用现状图层，请用 layer 指定", "several land-use layers; name one with layer"};
      mr.layer = list.front().layer;
    }
    const auto latest = store.layer_version(mr.layer, std::nullopt);
    mr.to_version = param("to").empty() ? latest.version : version_param("to", param("to"));
    if (param("from").empty()) {
      if (mr.to_version <= 1)
        throw RuleError("no_earlier_version", "图层 " + mr.layer + " 只有一个版本，没有可比较的前一版本",
                        "layer '" + mr.layer + "' has no version before v" + std::to_string(mr.to_version) +
                            " to compare with");
      mr.from_version = mr.to_version - 1;
    } else {
      mr.from_version = version_param("from", param("from"));
    }

    bool hit = false;
    auto whole = cache->get(store, projects, mr, hit);
    services::MonitorResult r;
    r.from = whole->from;
    r.to = whole->to;
    r.controls = whole->controls;
    r.features_before = whole->features_before;
    r.features_after = whole->features_after;
    r.matched_by_bsm = whole->matched_by_bsm;
    for (const auto& s : whole->spots) {
      if (!under(s.region_code, prefixes)) continue;
      if (severity && (!s.severity() || *s.severity() != *severity)) continue;
      if (!rule.empty() && std::none_of(s.hits.begin(), s.hits.end(), [&](const auto& h) { return h.rule == rule; }))
        continue;
      r.spots.push_back(s);
    }
    for (const auto& p : whole->projects) {
      if (!under(p.region_code, prefixes)) continue;
      if (severity && (!p.hit || p.hit->severity != *severity)) continue;
      if (!rule.empty() && (!p.hit || p.hit->rule != rule)) continue;
      r.projects.push_back(p);
    }

    Response res;
    if (format == "json") {
      res = json_response(200, services::monitor_json(r, true));
    } else if (format == "geojson") {
      res.content_type = "application/geo+json; charset=utf-8";
      res.body = services::monitor_geojson(r);
    } else {
      res = xlsx_download(services::monitor_sheet(r));
    }
    res.headers.emplace_back("Cache-Control", "private, no-store");
    res.headers.emplace_back("X-Gongzhi-Cache", hit ? "hit" : "miss");
    return res;
  });
}

}  // namespace gz::http
