#include "http/audit_routes.h"

#include "http/api_support.h"

#include <limits>

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
}  // namespace

void add_audit_routes(Router& r, storage::IdentityStore& identity) {
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
    auto v = identity.verify_audit();
    return json_response(200, {{"intact", v.intact},
                               {"entries", v.entries},
                               {"bad_seq", v.bad_seq},
                               {"problem", v.problem}});
  });
}

}  // namespace gz::http
