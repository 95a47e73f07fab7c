#include "http/funds_routes.h"

#include <limits>

#include "http/api_support.h"
#include "http/download_routes.h"
#include "services/money_words.h"

namespace gz::http {

using nlohmann::json;

namespace {

ApiError invalid_amount(const std::string& field) {
  return {400, "invalid_amount",
          "字段 " + field + " 应为 1 至 10^15 之间的整数（单位：分），不接受小数、字符串或负数",
          "field " + field + " must be a whole number of fen from 1 to 10^15 (no decimals, "
          "strings or negative numbers)"};
}

// An amount in fen: a JSON integer from 1 to 10^15. 12.5, 12.0, "1250", -5, 0 and 10^20 are
// all refused here, before anything is read or written.
std::int64_t amount_field(const json& body, const std::string& field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) throw invalid_amount(field);
  if (it->is_number_unsigned()) {
    auto v = it->get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(kMaxAmountFen) || v == 0) throw invalid_amount(field);
    return static_cast<std::int64_t>(v);
  }
  if (!it->is_number_integer()) throw invalid_amount(field);
  auto v = it->get<std::int64_t>();
  if (!valid_amount_fen(v)) throw invalid_amount(field);
  return v;
}

// An optional positive id in a body (source_id); 0 when absent.
std::int64_t optional_id_field(const json& body, const std::string& field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return 0;
  if (!it->is_number_integer() || (!it->is_number_unsigned() && it->get<std::int64_t>() <= 0) ||
      (it->is_number_unsigned() &&
       it->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())))
    throw ApiError{400, "wrong_type", "字段 " + field + " 应为正整数",
                   "field " + field + " must be a positive integer id"};
  return it->get<std::int64_t>();
}

void put_money(json& j, const std::string& prefix, std::int64_t fen) {
  j[prefix + "_fen"] = fen;
  j[prefix + "_yuan"] = format_yuan(fen);
}

json source_json(const services::FundSource& s) {
  json j = {{"id", s.id},
            {"region_code", s.region_code},
            {"kind", std::string(to_string(s.kind))},
            {"kind_zh", std::string(chinese_name(s.kind))},
            {"name", s.name},
            {"created_by", s.created_by},
            {"created_at", s.created_at}};
  put_money(j, "amount", s.amount_fen);
  put_money(j, "allocated", s.allocated_fen);
  put_money(j, "unallocated", s.unallocated_fen());
  return j;
}

json ledger_json(const services::LedgerEntry& e) {
  json j = {{"id", e.id},
            {"time", e.time},
            {"kind", e.kind},
            {"source_id", e.source_id},
            {"project_id", e.project_id},
            {"payee", e.payee},
            {"disbursement_id", e.disbursement_id == 0 ? json(nullptr) : json(e.disbursement_id)},
            {"note", e.note},
            {"actor", e.actor},
            {"milestone_id", e.milestone_id == 0 ? json(nullptr) : json(e.milestone_id)},
            {"milestone", e.milestone},
            {"compensation_id", e.compensation_id == 0 ? json(nullptr) : json(e.compensation_id)}};
  put_money(j, "amount", e.amount_fen);
  return j;
}

json disbursement_json(const services::Disbursement& d) {
  json j = {{"id", d.id},
            {"project_id", d.project_id},
            {"project_code", d.project_code},
            {"source_id", d.source_id == 0 ? json(nullptr) : json(d.source_id)},
            {"milestone_id", d.milestone_id == 0 ? json(nullptr) : json(d.milestone_id)},
            {"milestone", d.milestone},
            {"payee", d.payee},
            {"purpose", d.purpose},
            {"status", d.status},
            {"requested_by", d.requested_by},
            {"requested_at", d.requested_at},
            {"decided_by", d.decided_by},
            {"decided_at", d.decided_at},
            {"decision_comment", d.decision_comment},
            {"compensation_id", d.compensation_id == 0 ? json(nullptr) : json(d.compensation_id)},
            {"voucher", d.voucher_type.empty()
                            ? json(nullptr)
                            : json{{"content_type", d.voucher_type},
                                   {"size", d.voucher_size},
                                   {"url", "/api/v1/projects/" + std::to_string(d.project_id) +
                                               "/funds/disbursements/" + std::to_string(d.id) + "/voucher"}}}};
  put_money(j, "amount", d.amount_fen);
  // What the approval's confirmation shows beside the figures: 大写金额 and the 万元 summary.
  j["amount_capital"] = services::chinese_capital_amount(d.amount_fen);
  j["amount_wan_yuan"] = services::wan_yuan_text(d.amount_fen);
  return j;
}

json funds_json(const services::ProjectFunds& f) {
  json sources = json::array();
  for (const auto& b : f.sources) {
    json s = {{"source_id", b.source_id},
              {"source_name", b.source_name},
              {"kind", std::string(to_string(b.kind))},
              {"kind_zh", std::string(chinese_name(b.kind))}};
    put_money(s, "allocated", b.allocated_fen);
    put_money(s, "disbursed", b.disbursed_fen);
    put_money(s, "balance", b.balance_fen());
    sources.push_back(s);
  }
  json j = {{"project_id", f.project_id}, {"project_code", f.project_code}, {"sources", sources}};
  put_money(j, "allocated", f.allocated_fen);
  put_money(j, "disbursed", f.disbursed_fen);
  put_money(j, "balance", f.balance_fen());
  put_money(j, "pending", f.pending_fen);
  return j;
}

// A decision carrying a voucher: its body is not JSON.
bool voucher_body(const Request& req) {
  auto type = req.header("content-type");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return !type.empty() && type != "application/json";
}

// The project and disbursement of a voucher upload's target (POST
// /api/v1/projects/{id}/funds/disbursements/{d}/decision or …/voucher), or nullopt.
std::optional<std::pair<std::int64_t, std::int64_t>> voucher_target(const std::string& method,
                                                                   const std::string& target) {
  if (method != "POST") return std::nullopt;
  auto path = target.substr(0, target.find('?'));
  const std::string prefix = "/api/v1/projects/", middle = "/funds/disbursements/";
  if (path.rfind(prefix, 0) != 0) return std::nullopt;
  auto digits = [](const std::string& s) {
    return !s.empty() && s.size() <= 18 && s.find_first_not_of("0123456789") == std::string::npos;
  };
  auto m = path.find(middle, prefix.size());
  if (m == std::string::npos) return std::nullopt;
  auto project = path.substr(prefix.size(), m - prefix.size());
  auto rest = path.substr(m + middle.size());
  auto slash = rest.find('/');
  if (slash == std::string::npos) return std::nullopt;
  auto disbursement = rest.substr(0, slash), tail = rest.substr(slash);
  if (!digits(project) || !digits(disbursement) || (tail != "/decision" && tail != "/voucher"))
    return std::nullopt;
  return std::make_pair(std::stoll(project), std::stoll(disbursement));
}

}  // namespace

std::size_t funds_body_limit(const std::string& method, const std::string& target) {
  // The voucher and the few bytes of its request around it.
  return voucher_target(method, target) ? services::kMaxVoucherBytes : 0;
}

std::optional<Response> funds_before_body(storage::IdentityStore& identity,
                                          services::FundsService& funds, const Request& head) {
  auto t = voucher_target(head.method, head.target);
  if (!t) return std::nullopt;
  // A decision sent as JSON is small and read as before (its own checks, in their order); only a
  // voucher's body is worth refusing before it is read.
  const bool decision = head.target.substr(0, head.target.find('?')).ends_with("/decision");
  if (decision && !voucher_body(head)) return std::nullopt;
  try {
    auto user = signed_in(identity, head);
    funds.check_voucher_upload(user, t->first, t->second);
    return std::nullopt;
  } catch (const ApiError& e) {
    return error_response(e);
  } catch (const Error& e) {
    return error_response(api_error_of(e));
  }
}

void add_funds_routes(Router& r, storage::IdentityStore& identity, services::FundsService& funds) {
  r.add("GET", "/api/v1/funds/sources", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    auto q = query_params(req);
    json list = json::array();
    for (const auto& s : funds.sources(user, q.count("region") ? q["region"] : ""))
      list.push_back(source_json(s));
    return json_response(200, {{"sources", list}});
  });
  r.add("POST", "/api/v1/funds/sources", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"region_code", "kind", "name", "amount_fen"},
                         {"region_code", "kind", "name", "amount_fen"});
    services::NewFundSource in{string_field(b, "region_code"), string_field(b, "kind"),
                               string_field(b, "name"), amount_field(b, "amount_fen")};
    return json_response(201, source_json(funds.create_source(user, in)));
  });
  r.add("GET", "/api/v1/funds/disbursements", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    auto q = query_params(req);
    json list = json::array();
    for (const auto& d : funds.all_disbursements(user, q.count("status") ? q["status"] : ""))
      list.push_back(disbursement_json(d));
    return json_response(200, {{"disbursements", list}});
  });
  r.add("GET", "/api/v1/funds/sources/{id}", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    return json_response(200, source_json(funds.source(user, id_param(pp, "id"))));
  });
  r.add("GET", "/api/v1/funds/sources/{id}/allocations", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto id = id_param(pp, "id");
    auto entries = funds.source_allocations(user, id);
    json list = json::array();
    std::int64_t total = 0;
    for (const auto& e : entries) {
      list.push_back(ledger_json(e));
      total += e.amount_fen;
    }
    json j = {{"source_id", id}, {"allocations", list}};
    put_money(j, "allocated", total);
    return json_response(200, j);
  });
  r.add("GET", "/api/v1/projects/{id}/funds", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    return json_response(200, funds_json(funds.project_funds(user, id_param(pp, "id"))));
  });
  r.add("GET", "/api/v1/projects/{id}/funds/ledger", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto id = id_param(pp, "id");
    json list = json::array();
    for (const auto& e : funds.project_ledger(user, id)) list.push_back(ledger_json(e));
    return json_response(200, {{"project_id", id}, {"entries", list}});
  });
  r.add("POST", "/api/v1/projects/{id}/funds/allocations", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"source_id", "amount_fen", "note"}, {"source_id", "amount_fen"});
    auto source = optional_id_field(b, "source_id");
    auto amount = amount_field(b, "amount_fen");
    auto e = funds.allocate(user, id_param(pp, "id"), source, amount, string_field(b, "note"));
    return json_response(201, ledger_json(e));
  });
  r.add("GET", "/api/v1/projects/{id}/funds/disbursements",
        [&](const Request& req, const PathParams& pp) {
          auto user = signed_in(identity, req);
          auto id = id_param(pp, "id");
          json list = json::array();
          for (const auto& d : funds.disbursements(user, id)) list.push_back(disbursement_json(d));
          return json_response(200, {{"project_id", id}, {"disbursements", list}});
        });
  r.add("POST", "/api/v1/projects/{id}/funds/disbursements",
        [&](const Request& req, const PathParams& pp) {
          auto user = signed_in(identity, req);
          auto b = body_object(
              req, {"milestone_id", "payee", "amount_fen", "source_id", "purpose", "compensation_id"},
              {"milestone_id", "amount_fen"});
          services::DisbursementInput in;
          in.milestone_id = optional_id_field(b, "milestone_id");
          in.payee = string_field(b, "payee");
          in.purpose = string_field(b, "purpose");
          in.amount_fen = amount_field(b, "amount_fen");
          in.source_id = optional_id_field(b, "source_id");
          in.compensation_id = optional_id_field(b, "compensation_id");
          auto d = funds.request_disbursement(user, id_param(pp, "id"), in);
          return json_response(201, disbursement_json(d));
        });
  r.add("POST", "/api/v1/projects/{id}/funds/disbursements/{disbursement}/decision",
        [&](const Request& req, const PathParams& pp) {
          auto user = signed_in(identity, req);
          // JSON, or a voucher (its bytes as the body) with the decision and the opinion in the
          // query: ?decision=approve&comment=…
          if (voucher_body(req)) {
            auto q = query_params(req);
            json b = {{"decision", q.count("decision") ? q["decision"] : ""},
                      {"comment", q.count("comment") ? q["comment"] : ""}};
            const bool approve = approve_decision(b);
            services::VoucherUpload v{req.body};
            auto d = funds.decide(user, id_param(pp, "id"), id_param(pp, "disbursement"), approve,
                                  b["comment"].get<std::string>(), &v);
            return json_response(200, disbursement_json(d));
          }
          auto b = body_object(req, {"decision", "comment"}, {"decision"});
          const bool approve = approve_decision(b);
          auto comment = string_field(b, "comment");
          // The opinion a decision needs is the service's rule, checked after who may decide.
          auto d = funds.decide(user, id_param(pp, "id"), id_param(pp, "disbursement"), approve, comment);
          return json_response(200, disbursement_json(d));
        });
  r.add("POST", "/api/v1/projects/{id}/funds/disbursements/{disbursement}/voucher",
        [&](const Request& req, const PathParams& pp) {
          auto user = signed_in(identity, req);
          services::VoucherUpload v{req.body};
          auto d = funds.attach_voucher(user, id_param(pp, "id"), id_param(pp, "disbursement"), v);
          return json_response(201, disbursement_json(d));
        });
  r.add("GET", "/api/v1/projects/{id}/funds/disbursements/{disbursement}/voucher",
        [&](const Request& req, const PathParams& pp) {
          auto user = signed_in(identity, req);
          auto d = id_param(pp, "disbursement");
          auto v = funds.voucher(user, id_param(pp, "id"), d);
          const std::string ext = v.content_type == "application/pdf" ? ".pdf"
                                  : v.content_type == "image/png"     ? ".png"
                                                                      : ".jpg";
          return Response{200, v.content_type, std::move(v.bytes),
                          {{"Content-Disposition", content_disposition("拨付凭证-" + std::to_string(d) + ext)},
                           {"X-Content-Type-Options", "nosniff"},
                           {"Cache-Control", "private, no-store"}}};
        });
}

}  // namespace gz::http
