#include "http/audit_routes.h"

#include "common/data_dir.h"
#include "common/error.h"
#include "http/api_support.h"
#include "http/download_routes.h"
#include "services/xlsx_report.h"

#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <regex>

namespace gz::http {

namespace {
// Auditors read everything and administrators keep the system; nobody else reads the log.
void require_auditor(const User& user) {
  for (const auto& g : user.grants)
    if (g.role == Role::auditor || g.role == Role::admin) return;
  throw ApiError{403, "auditors_only", "仅监督（审计）人员和管理员可查看审计日志",
                 "only auditors and administrators may read the audit log"};
}

std::int64_t query_int(const std::map<std::string, std::string>& q, const std::string& name,
                       std::int64_t fallback, std::int64_t min, std::int64_t max) {
  auto it = q.find(name);
  if (it == q.end()) return fallback;
  std::int64_t v = 0;
  bool ok = !it->second.empty() && it->second.size() <= 18;
  for (char c : it->second) ok = ok && c >= '0' && c <= '9';
  if (ok) v = std::stoll(it->second);
  if (!ok || v < min || v > max)
    throw ApiError{400, "invalid_parameter", "参数 " + name + " 应为 " + std::to_string(min) + " 至 " + std::to_string(max) + " 的整数",
                   "parameter " + name + " must be an integer from " + std::to_string(min) + " to " + std::to_string(max)};
  return v;
}

ApiError bad_parameter(const std::string& name, const std::string& zh_what, const std::string& en_what) {
  return {400, "invalid_parameter", "参数 " + name + " 应为" + zh_what, "parameter " + name + " must be " + en_what};
}

// A UTC time bound: "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS]". A bare day as the upper bound
// includes that day (it becomes the next day's start).
std::string time_bound(const std::map<std::string, std::string>& q, const std::string& name, bool upper) {
  auto it = q.find(name);
  if (it == q.end() || it->second.empty()) return "";
  static const std::regex day(R"(^(\d{4})-(\d{2})-(\d{2})$)");
  static const std::regex moment(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$)");
  std::smatch m;
  if (std::regex_match(it->second, m, day)) {
    using namespace std::chrono;
    year_month_day ymd{year{std::stoi(m[1])}, month{static_cast<unsigned>(std::stoi(m[2]))},
                       std::chrono::day{static_cast<unsigned>(std::stoi(m[3]))}};
    if (!ymd.ok()) throw bad_parameter(name, "有效日期（如 2026-12-07）", "a valid date (2026-12-07)");
    if (!upper) return it->second;
    year_month_day next{sys_days{ymd} + days{1}};
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(next.year()),
                  static_cast<unsigned>(next.month()), static_cast<unsigned>(next.day()));
    return buf;
  }
  if (std::regex_match(it->second, moment)) return it->second;
  throw bad_parameter(name, "日期（如 2026-12-07）或时间（如 2026-12-07T08:30）",
                      "a date (2026-12-07) or a time (2026-12-07T08:30)");
}

std::string text_param(const std::map<std::string, std::string>& q, const std::string& name) {
  auto it = q.find(name);
  if (it == q.end()) return "";
  if (it->second.size() > 200) throw bad_parameter(name, "不超过 200 个字符的文本", "text of at most 200 characters");
  return it->second;
}

nlohmann::json entry_json(const storage::AuditEntry& e) {
  return {{"seq", e.seq},
          {"time", e.time},
          {"actor", e.actor},
          {"action", e.action},
          {"object", e.object},
          {"detail", nlohmann::json::parse(e.detail, nullptr, false)},
          {"hash", e.hash},
          {"prev_hash", e.prev_hash}};
}

nlohmann::json verification_json(const storage::AuditVerification& v) {
  // "Verified up to entry N": every entry before the first bad one checked out.
  std::int64_t verified = v.intact ? v.entries : std::max<std::int64_t>(0, v.bad_seq - 1);
  return {{"intact", v.intact}, {"entries", v.entries}, {"bad_seq", v.bad_seq},
          {"problem", v.problem}, {"verified_through", verified}};
}

}  // namespace

storage::AuditQuery audit_query_of(const std::map<std::string, std::string>& q, std::int64_t max_limit) {
  storage::AuditQuery a;
  a.actor = text_param(q, "actor");
  a.action_prefix = text_param(q, "action");
  a.object_contains = text_param(q, "object");
  a.project_code = text_param(q, "project");
  a.from_time = time_bound(q, "from", false);
  a.to_time = time_bound(q, "to", true);
  a.before = query_int(q, "before", 0, 0, std::numeric_limits<std::int64_t>::max() / 2);
  a.limit = static_cast<std::size_t>(query_int(q, "limit", std::min<std::int64_t>(100, max_limit), 1, max_limit));
  return a;
}

void add_audit_routes(Router& r, storage::IdentityStore& identity, services::ProjectService* projects) {
  r.add("GET", "/api/v1/audit", [&](const Request& req, const PathParams&) {
    require_auditor(signed_in(identity, req));
    auto q = query_params(req);
    auto after = query_int(q, "after", 0, 0, std::numeric_limits<std::int64_t>::max() / 2);
    auto limit = query_int(q, "limit", 100, 1, 1000);
    auto action = q.count("action") ? q["action"] : "";
    auto object = q.count("object") ? q["object"] : "";
    nlohmann::json list = nlohmann::json::array();
    std::int64_t last = 0;
    for (const auto& e : identity.audit_page(after, static_cast<std::size_t>(limit), action, object)) {
      list.push_back({{"seq", e.seq},
                      {"time", e.time},
                      {"actor", e.actor},
                      {"action", e.action},
                      {"object", e.object},
                      {"detail", nlohmann::json::parse(e.detail, nullptr, false)},
                      {"hash", e.hash},
                      {"prev_hash", e.prev_hash}});
      last = e.seq;
    }
    return json_response(200, {{"entries", list}, {"next_after", last}});
  });
  r.add("GET", "/api/v1/audit/verify", [&](const Request& req, const PathParams&) {
    require_auditor(signed_in(identity, req));
    return json_response(200, verification_json(identity.verify_audit()));
  });
  // The auditor's search, newest first; next_before pages on (0 when this was the last page).
  r.add("GET", "/api/v1/audit/search", [&](const Request& req, const PathParams&) {
    require_auditor(signed_in(identity, req));
    auto query = audit_query_of(query_params(req), 500);
    nlohmann::json list = nlohmann::json::array();
    auto found = storage::audit_search(identity, query);
    for (const auto& e : found) list.push_back(entry_json(e));
    std::int64_t next = found.size() == query.limit && !found.empty() ? found.back().seq : 0;
    return json_response(200, {{"entries", list}, {"next_before", next}});
  });
  // The same search as a workbook (at most 20,000 entries), with the chain's state in its notes.
  r.add("GET", "/api/v1/audit/export.xlsx", [&](const Request& req, const PathParams&) {
    require_auditor(signed_in(identity, req));
    auto params = query_params(req);
    if (!params.count("limit")) params["limit"] = "20000";
    auto query = audit_query_of(params, 20000);
    auto found = storage::audit_search(identity, query);
    auto v = identity.verify_audit();
    services::ReportSheet sheet;
    sheet.name = "审计日志";
    sheet.file_stem = "审计日志";
    sheet.title_zh = "审计日志";
    sheet.caption_zh = "共 " + std::to_string(found.size()) + " 条，按序号倒序";
    sheet.columns = {{"序号", 0, 8},  {"时间（UTC）", 0, 28}, {"操作人", 0, 16}, {"操作", 0, 30},
                     {"对象", 0, 24}, {"内容", 0, 60},        {"哈希", 0, 20}};
    for (const auto& e : found)
      sheet.rows.push_back({{e.seq, e.time, e.actor, e.action, e.object, e.detail, e.hash}});
    auto vj = verification_json(v);
    sheet.notes_zh.push_back(v.intact ? "链校验：完整，已核验至第 " + std::to_string(v.entries) + " 条"
                                      : "链校验：第 " + std::to_string(v.bad_seq) + " 条起不一致，已核验至第 " +
                                            std::to_string(vj["verified_through"].get<std::int64_t>()) +
                                            " 条（" + v.problem + "）");
    sheet.generated_at = services::beijing_time_now();
    return xlsx_download(sheet);
  });
  // One project's trail, for whoever may see the project (the visibility check of its page).
  if (projects) {
    r.add("GET", "/api/v1/projects/{id}/activity", [&identity, projects](const Request& req, const PathParams& pp) {
      auto user = signed_in(identity, req);
      auto p = projects->get(user, id_param(pp, "id"));
      auto params = query_params(req);
      storage::AuditQuery query;
      query.project_code = p.code;
      query.project_id = p.id;
      query.before = query_int(params, "before", 0, 0, std::numeric_limits<std::int64_t>::max() / 2);
      query.limit = static_cast<std::size_t>(query_int(params, "limit", 200, 1, 1000));
      nlohmann::json list = nlohmann::json::array();
      auto found = storage::audit_search(identity, query);
      for (const auto& e : found) {
        // The hashes are the auditor's business; the trail itself is the project's.
        auto j = entry_json(e);
        j.erase("hash");
        j.erase("prev_hash");
        list.push_back(j);
      }
      std::int64_t next = found.size() == query.limit && !found.empty() ? found.back().seq : 0;
      return json_response(200, {{"entries", list}, {"next_before", next}});
    });
  }
}

}  // namespace gz::http
