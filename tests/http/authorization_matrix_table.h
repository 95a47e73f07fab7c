// The authorization matrix's expected answers: one row per operation of the OpenAPI document
// (tests/http/authorization_matrix_test.cpp runs it). A new operation needs a row here, or the
// test fails.
//
// Columns of `expect`, one character per persona, grouped by spaces:
//   -      no session
//   A S    admin (whole country), auditor shenji (whole country)
//   L Z R F  county C: leader group lingdao, lead department zrzy (自然资源局), co-reviewing
//          departments nyncj (农业农村局) and czj (财政局)
//   T K M  township T (zhen), village V's collective (cun), villager of V (cunmin, household
//          H00001)
//   I E    investor touzi (county C), expert zhuanjia (county C)
//   k m t x  outside: collective cun_o and villager cunmin_o of village V2 (same township, other
//          village), township zhen_b of township T2, lead department zrzy_x of county X
// Each character: A allowed (2xx, or a 4xx other than 401/403/404 given by the state of things or
// the request's content), F 403 (sees the object, may not do this), N 404 (outside what the persona
// may see: the same answer as for an object that does not exist), U 401 (no session).
//
// `region` names the fixture region the object lies in (C county, T township, V village; "" when
// the operation has no object of one region, e.g. a list filtered by the caller's grants): every
// persona whose grants do not overlap it must be N. `target` and `body` are the request, with the
// fixture's objects in capitals: P a project in works in T (milestone MS, disbursement D with a voucher,
// obligation OBL, photo PHOTO, comment CM), PR a township project in application in T with a
// rights plan (household H of cunmin, dispute DISPUTE, plan job JOB, compensation entry COMP),
// N a notice of V, F open feedback of cunmin, VOTE and SURVEY of V, SRC a county fund source,
// SCHEME a scheme over T in unit UNIT, CHANGE a village-plan change request of V, LAYER the
// land-use layer, GONE a scheme like SCHEME made anew for each request that removes it.
#pragma once

#include <string>
#include <vector>

#include "domain/identity.h"

namespace gz::test::matrix {

struct Persona {
  const char* name;
  Role role;
  const char* department;
  const char* region;  // fixture region of the grant ("" the whole country)
  bool extra;          // added to the demo platform's accounts by the test
};

inline const std::vector<Persona>& personas() {
  static const std::vector<Persona> p = {
      {"admin", Role::admin, "", "", false},
      {"shenji", Role::auditor, "", "", false},
      {"lingdao", Role::leader_group, "", "C", false},
      {"zrzy", Role::lead_department, "自然资源局", "C", false},
      {"nyncj", Role::co_reviewing_department, "农业农村局", "C", false},
      {"czj", Role::co_reviewing_department, "财政局", "C", false},
      {"zhen", Role::township, "", "T", false},
      {"cun", Role::village_collective, "", "V", false},
      {"cunmin", Role::villager, "", "V", false},
      {"touzi", Role::investor, "", "C", false},
      {"zhuanjia", Role::expert, "", "C", false},
      {"cun_o", Role::village_collective, "", "V2", true},
      {"cunmin_o", Role::villager, "", "V2", true},
      {"zhen_b", Role::township, "", "T2", true},
      {"zrzy_x", Role::lead_department, "自然资源局", "X", true},
  };
  return p;
}

struct Row {
  const char* method;
  const char* path;    // as in the OpenAPI document
  const char* region;  // the fixture region of the object ("" none)
  const char* how;     // how the object's region is found
  const char* expect;  // per persona, see above
  const char* target;
  const char* body = "";
  const char* fresh = "";  // a fixture object made anew before each request (it is removed)
  bool stream = false;     // Server-Sent Events: only the status is read
  bool photo = false;      // the body is a PNG
};

// clang-format off
inline const std::vector<Row>& rows() {
  static const std::vector<Row> r = {
  // ---- base: health, documents, layers, regions, tiles ----
  {"GET", "/api/v1/health", "", "public", "A AA AAAA AAA AA AAAA", "/api/v1/health"},
  {"GET", "/api/v1/openapi.json", "", "public", "A AA AAAA AAA AA AAAA", "/api/v1/openapi.json"},
  {"POST", "/api/v1/session", "", "public (sign-in; a body without password is a 400)", "A AA AAAA AAA AA AAAA", "/api/v1/session", R"({"username":"nobody"})"},
  {"GET", "/api/v1/me", "", "the caller", "U AA AAAA AAA AA AAAA", "/api/v1/me"},
  {"GET", "/api/v1/layers", "", "the county's map: any signed-in user", "U AA AAAA AAA AA AAAA", "/api/v1/layers"},
  {"GET", "/api/v1/layers/{layer}", "", "the county's map: any signed-in user", "U AA AAAA AAA AA AAAN", "/api/v1/layers/{LAYER}"},
  {"GET", "/api/v1/regions", "", "filtered by the caller's grants", "U AA AAAA AAA AA AAAA", "/api/v1/regions"},
  {"GET", "/api/v1/regions/{code}", "V", "the code", "U AA AAAA AAA AA NNNN", "/api/v1/regions/{V}"},
  {"GET", "/tiles/{layer}/{z}/{x}/{y}.mvt", "C", "the layer's county (map data)", "U AA AAAA AAA AA AAAN", "/tiles/{LAYER}/0/0/0.mvt"},
  {"GET", "/api/v1/imagery", "", "the county's map: any signed-in user (empty outside it)", "U AA AAAA AAA AA AAAA", "/api/v1/imagery"},
  {"GET", "/api/v1/map/places", "", "the county's map: any signed-in user (empty outside it)", "U AA AAAA AAA AA AAAA", "/api/v1/map/places"},
  {"GET", "/api/v1/map/spots", "", "the county's map: any signed-in user (empty outside it)", "U AA AAAA AAA AA AAAA", "/api/v1/map/spots?bsm=1"},
  {"GET", "/api/v1/map/fields", "", "reference data", "U AA AAAA AAA AA AAAA", "/api/v1/map/fields"},
  {"GET", "/api/v1/regions/{code}/figures", "V", "the region's subtree (人口经济)", "U AA AAAA AAA AA NNNN", "/api/v1/regions/{V}/figures"},
  {"GET", "/tiles/imagery/{layer}/{date}/{z}/{x}/{y}", "C", "the county's map (the fixture has no imagery: 404 even inside)", "U NN NNNN NNN NN NNNN", "/tiles/imagery/dom/2025-06/0/0/0"},
  {"GET", "/api/v1/layers/{layer}/download", "C", "the layer's county (map data)", "U AA AAAA AAA AA AAAN", "/api/v1/layers/{LAYER}/download?format=gpkg"},
  {"GET", "/api/v1/land-use-classes", "", "reference data", "U AA AAAA AAA AA AAAA", "/api/v1/land-use-classes"},
  {"GET", "/api/v1/stats/tables", "T", "?region=", "U AA AAAA ANN AA NNNN", "/api/v1/stats/tables?region={T}"},
  {"GET", "/api/v1/monitoring/changes", "T", "?region=", "U AA AAAA ANN FF NNNN", "/api/v1/monitoring/changes?region={T}&layer={LAYER}"},
  {"GET", "/api/v1/dashboard", "T", "?region=", "U AA AAAA ANN FA NNNN", "/api/v1/dashboard?region={T}"},
  {"GET", "/api/v1/audit", "", "the caller's role", "U AA FFFF FFF FF FFFF", "/api/v1/audit"},
  {"GET", "/api/v1/audit/verify", "", "the caller's role", "U AA FFFF FFF FF FFFF", "/api/v1/audit/verify"},
  {"GET", "/api/v1/audit/search", "", "the caller's role", "U AA FFFF FFF FF FFFF", "/api/v1/audit/search?action=project."},
  {"GET", "/api/v1/audit/export.xlsx", "", "the caller's role", "U AA FFFF FFF FF FFFF", "/api/v1/audit/export.xlsx?limit=10"},
  {"GET", "/api/v1/events", "", "filtered by the caller's grants", "U AA AAAA AAA AA AAAA", "/api/v1/events", "", "", true},
  // ---- assessment, units, village plans ----
  {"GET", "/api/v1/assessment", "V", "?region=", "U AA AAAA AAF FA NNNN", "/api/v1/assessment?region={V}"},
  {"GET", "/api/v1/assessment/progress", "V", "?region=", "U AA AAAA AAF FA NNNN", "/api/v1/assessment/progress?region={V}"},
  {"GET", "/api/v1/units", "", "filtered by the caller's grants", "U AA AAAA AAF FA AFAA", "/api/v1/units"},
  {"GET", "/api/v1/units/{code}", "", "the unit's villages", "U AA AAAA ANN FA AFAN", "/api/v1/units/{UNIT}"},
  {"GET", "/api/v1/village-plans/{region}", "V", "the code", "U AA AAAA AAA NA NNNN", "/api/v1/village-plans/{V}"},
  {"GET", "/api/v1/village-plans/{region}/versions", "V", "the code", "U AA AAAA AAA NA NNNN", "/api/v1/village-plans/{V}/versions"},
  {"GET", "/api/v1/village-plans/{region}/changes", "V", "the code", "U AA AAAA AAA NA NNNN", "/api/v1/village-plans/{V}/changes"},
  {"POST", "/api/v1/village-plans/{region}/changes", "V", "the code", "U AF FFFF AAF NF NNNN", "/api/v1/village-plans/{V}/changes", R"({"zones":{ZONES},"reason":"矩阵测试"})"},
  {"GET", "/api/v1/village-plan-changes/{id}", "V", "the request's village", "U AA AAAA AAA NA NNNN", "/api/v1/village-plan-changes/{CHANGE}"},
  {"POST", "/api/v1/village-plan-changes/{id}/decision", "V", "the request's village", "U FF FAFF FFF NF NNNN", "/api/v1/village-plan-changes/{CHANGE}/decision", R"({"decision":"approve","opinion":"同意"})"},
  // ---- projects ----
  {"GET", "/api/v1/projects", "", "filtered by the caller's grants", "U AA AAAA AAA AA AAAA", "/api/v1/projects"},
  {"POST", "/api/v1/projects", "V", "body region_code", "U FF FAFF AAF AF FFFF", "/api/v1/projects", R"({"name":"矩阵测试项目","type":"农用地整理","region_code":"{V}"})"},
  {"GET", "/api/v1/project-types", "", "reference data", "U AA AAAA AAA AA AAAA", "/api/v1/project-types"},
  {"POST", "/api/v1/plans/from-geojson", "", "the caller's roles (nothing stored)", "U FF FAFF AAF AF AFAA", "/api/v1/plans/from-geojson", "{AREA_FC}"},
  {"GET", "/api/v1/projects/{id}", "T", "project → region_code", "U AA AAAA ANA AA NANN", "/api/v1/projects/{P}"},
  {"GET", "/api/v1/projects/{id}/activity", "T", "project → region_code", "U AA AAAA ANA AA NANN", "/api/v1/projects/{P}/activity"},
  {"PUT", "/api/v1/projects/{id}/plan", "T", "project → region_code", "U FF FAFF ANF AF NFNN", "/api/v1/projects/{P}/plan", R"({"plan":{PLAN},"row_version":1})"},
  {"POST", "/api/v1/projects/{id}/actions", "T", "project → region_code", "U FF FAFF ANF AF NFNN", "/api/v1/projects/{P}/actions", R"({"action":"complete"})"},
  {"POST", "/api/v1/projects/{id}/reviews", "T", "project → region_code", "U FF FFAF FNF FF NFNN", "/api/v1/projects/{P}/reviews", R"({"department":"农业农村局","decision":"approve"})"},
  {"POST", "/api/v1/projects/{id}/acknowledgements", "T", "project → region_code", "U FF FAFF FNF FF NFNN", "/api/v1/projects/{P}/acknowledgements", R"({"finding":"redline_overlap","reason":"矩阵测试"})"},
  {"POST", "/api/v1/projects/{id}/obligations/{obligation}/fulfil", "T", "project → region_code", "U FF FAAF ANF AF NFNN", "/api/v1/projects/{P}/obligations/{OBL}/fulfil", R"({"evidence":"措施已落实"})"},
  {"GET", "/api/v1/projects/{id}/download", "T", "project → region_code (as GET /projects/{id})", "U AA AAAA ANA AA NANN", "/api/v1/projects/{P}/download?part=boundary&format=gpkg"},
  {"GET", "/api/v1/projects/{id}/sheets/{sheet}", "T", "project → region_code (the ledger as GET …/funds/ledger)", "U AA AAAA ANA AA NANN", "/api/v1/projects/{P}/sheets/ledger?format=xlsx"},
  {"POST", "/api/v1/projects/{id}/compliance-preview", "T", "project → region_code", "U FF FAFF ANF AF NFNN", "/api/v1/projects/{P}/compliance-preview"},
  // ---- progress and evaluation ----
  {"GET", "/api/v1/projects/{id}/milestones", "T", "project → region_code", "U AA AAAA ANA AA NANN", "/api/v1/projects/{P}/milestones"},
  {"POST", "/api/v1/projects/{id}/milestones", "T", "project → region_code", "U FF FAFF ANF AF NFNN", "/api/v1/projects/{P}/milestones", R"({"name":"矩阵工程","planned_date":"2027-06-30"})"},
  {"POST", "/api/v1/projects/{id}/milestones/{milestone}/progress", "T", "project → region_code", "U FF FAFF ANF AF NFNN", "/api/v1/projects/{P}/milestones/{MS}/progress", R"({"percent":100})"},
  {"GET", "/api/v1/projects/{id}/reports", "T", "project → region_code", "U AA AAAA ANA AA NANN", "/api/v1/projects/{P}/reports"},
  {"POST", "/api/v1/projects/{id}/reports", "T", "project → region_code", "U FF AAAA ANF FA NFNN", "/api/v1/projects/{P}/reports", R"({"kind":"inspection","text":"巡查正常"})"},
  {"GET", "/api/v1/projects/{id}/photos", "T", "project → region_code", "U AA AAAA ANA AA NANN", "/api/v1/projects/{P}/photos"},
  {"POST", "/api/v1/projects/{id}/photos", "T", "project → region_code", "U FF AAAA ANF AA NFNN", "/api/v1/projects/{P}/photos", "", "", false, true},
  {"GET", "/api/v1/projects/{id}/photos/{sha256}", "T", "project → region_code", "U AA AAAA ANA AA NANN", "/api/v1/projects/{P}/photos/{PHOTO}"},
  {"GET", "/api/v1/projects/{id}/evaluation", "T", "project → region_code", "U AA AAAA ANA AA NANN", "/api/v1/projects/{P}/evaluation"},
  {"PUT", "/api/v1/projects/{id}/evaluation/planned", "T", "project → region_code", "U FF FAFF FNF FF NFNN", "/api/v1/projects/{P}/evaluation/planned", R"({"values":{"satisfaction":90}})"},
  {"PUT", "/api/v1/projects/{id}/evaluation/achieved", "T", "project → region_code", "U FF FAFF ANF AF NFNN", "/api/v1/projects/{P}/evaluation/achieved", R"({"values":{"satisfaction":90}})"},
  {"GET", "/api/v1/evaluations", "", "filtered by the caller's grants", "U AA AAAA AAA AA AAAA", "/api/v1/evaluations"},
  // ---- land indicators and benefit sharing (IND an indicator of the demo's accepted project, in township T2 of C; DIST the demo's voted and paid distribution plan of P) ----
  {"GET", "/api/v1/indicators", "", "filtered by the caller's grants", "U AA AAAA AAA AA AAAA", "/api/v1/indicators"},
  {"GET", "/api/v1/indicators/summary", "", "filtered by the caller's grants", "U AA AAAA AAA AA AAAA", "/api/v1/indicators/summary"},
  {"GET", "/api/v1/indicator-transfers", "", "filtered by the caller's grants", "U AA AAAA AAA AA AAAA", "/api/v1/indicator-transfers"},
  {"GET", "/api/v1/indicators/{id}", "C", "indicator → project → region_code", "U AA AAAA NNN AA NNAN", "/api/v1/indicators/{IND}"},
  {"POST", "/api/v1/projects/{id}/indicators", "T", "project → region_code (P is in works: plots_not_accepted for the lead department)", "U FF FAFF FNF FF NFNN", "/api/v1/projects/{P}/indicators", R"({"quality_grade":5})"},
  {"GET", "/api/v1/projects/{id}/indicators", "T", "project → region_code", "U AA AAAA ANA AA NANN", "/api/v1/projects/{P}/indicators"},
  {"POST", "/api/v1/indicators/{id}/uses", "C", "indicator → project → region_code, and the target project", "U FF FAFF NNN FF NNFN", "/api/v1/indicators/{IND}/uses", R"({"target_project_id":{P},"area_m2":0.01,"plots":[0]})"},
  {"POST", "/api/v1/indicators/{id}/transfers", "C", "indicator → project → region_code", "U FF FAFF NNN FF NNFN", "/api/v1/indicators/{IND}/transfers", R"({"buyer_region_code":"{X}","buyer_name":"矩阵测试受让方","area_m2":0.01,"price_fen":1})"},
  {"GET", "/api/v1/distributions", "", "filtered by the caller's grants", "U AA AAAA AAA AA AAAA", "/api/v1/distributions"},
  {"GET", "/api/v1/my/benefits", "", "the caller's own households", "U AA AAAA AAA AA AAAA", "/api/v1/my/benefits"},
  {"GET", "/api/v1/distributions/{id}", "T", "plan → project → region_code", "U AA AAAA ANA AA NANN", "/api/v1/distributions/{DIST}"},
  {"POST", "/api/v1/projects/{id}/distributions", "T", "project → region_code", "U FF FFFF ANF FF NFNN", "/api/v1/projects/{P}/distributions", R"({"title":"矩阵测试分配","village_code":"{V}","revenue_kind":"land_rent","source_id":{SRC},"amount_fen":1,"county_bp":0,"village_bp":10000,"households_bp":0,"household_basis":"person"})"},
  {"POST", "/api/v1/distributions/{id}/vote", "T", "plan → project → region_code, then the plan's village", "U FF FFFF ANF FF NFNN", "/api/v1/distributions/{DIST}/vote", "{}"},
  {"POST", "/api/v1/distributions/{id}/notice", "T", "plan → project → region_code, then the plan's village", "U FF FFFF ANF FF NFNN", "/api/v1/distributions/{DIST}/notice", R"({"days":7})"},
  {"GET", "/api/v1/distributions/{id}/objections", "T", "plan → project → region_code", "U AA AAAA ANA AA NANN", "/api/v1/distributions/{DIST}/objections"},
  {"POST", "/api/v1/distributions/{id}/objections", "T", "plan → project → region_code, then a villager of the plan's village", "U FF FFFF FNA FF NFNN", "/api/v1/distributions/{DIST}/objections", R"({"reason":"矩阵测试的异议"})"},
  {"POST", "/api/v1/distribution-objections/{id}/answer", "T", "objection → plan → project → region_code, then the township over the plan's village", "U FF FFFF ANF FF NFNN", "/api/v1/distribution-objections/{OBJ}/answer", R"({"answer":"矩阵测试的答复"})"},
  {"GET", "/api/v1/notices/{id}/distribution", "T", "notice → plan → project → region_code", "U AA AAAA ANA AA NANN", "/api/v1/notices/{DNOTICE}/distribution"},
  {"POST", "/api/v1/distributions/{id}/payment", "T", "plan → project → region_code", "U FF FFFF ANF FF NFNN", "/api/v1/distributions/{DIST}/payment", "{}"},
  {"POST", "/api/v1/distributions/{id}/payment/decision", "T", "plan → project → region_code", "U FF FFFA FNF FF NFNN", "/api/v1/distributions/{DIST}/payment/decision", R"({"decision":"refuse","comment":"矩阵"})"},
  // ---- funds ----
  {"GET", "/api/v1/funds/sources", "", "filtered by the caller's grants", "U AA AAAA AAA AA AAAA", "/api/v1/funds/sources"},
  {"POST", "/api/v1/funds/sources", "C", "body region_code", "U FF FAFA FFF FF FFFF", "/api/v1/funds/sources", R"({"region_code":"{C}","kind":"county","name":"矩阵测试资金","amount_fen":100})"},
  {"GET", "/api/v1/funds/disbursements", "", "filtered by the caller's grants", "U AA AAAA AAA AA AAAA", "/api/v1/funds/disbursements"},
  {"GET", "/api/v1/funds/sources/{id}", "C", "source → region_code", "U AA AANA NNN NN NNNN", "/api/v1/funds/sources/{SRC}"},
  {"GET", "/api/v1/funds/sources/{id}/allocations", "C", "source → region_code", "U AA AANA NNN NN NNNN", "/api/v1/funds/sources/{SRC}/allocations"},
  {"GET", "/api/v1/projects/{id}/funds", "T", "project → region_code", "U AA AAAA ANA AA NANN", "/api/v1/projects/{P}/funds"},
  {"GET", "/api/v1/projects/{id}/funds/ledger", "T", "project → region_code", "U AA AAAA ANA AA NANN", "/api/v1/projects/{P}/funds/ledger"},
  {"POST", "/api/v1/projects/{id}/funds/allocations", "T", "project → region_code", "U FF FAFA FNF FF NFNN", "/api/v1/projects/{P}/funds/allocations", R"({"source_id":{SRC},"amount_fen":1,"note":"矩阵"})"},
  {"GET", "/api/v1/projects/{id}/funds/disbursements", "T", "project → region_code", "U AA AAAA ANA AA NANN", "/api/v1/projects/{P}/funds/disbursements"},
  {"POST", "/api/v1/projects/{id}/funds/disbursements", "T", "project → region_code", "U FF FFFF ANF AF NFNN", "/api/v1/projects/{P}/funds/disbursements", R"({"milestone_id":{MS},"amount_fen":1,"payee":"施工单位","purpose":"进度款"})"},
  {"POST", "/api/v1/projects/{id}/funds/disbursements/{disbursement}/decision", "T", "project → region_code", "U FF FFFA FNF FF NFNN", "/api/v1/projects/{P}/funds/disbursements/{D}/decision", R"({"decision":"approve","comment":"同意拨付"})"},
  // D carries a voucher czj attached in the fixture: a second upload is a 409 (A).
  {"GET", "/api/v1/projects/{id}/funds/disbursements/{disbursement}/voucher", "T", "project → region_code", "U AA AAAA ANA AA NANN", "/api/v1/projects/{P}/funds/disbursements/{D}/voucher"},
  {"POST", "/api/v1/projects/{id}/funds/disbursements/{disbursement}/voucher", "T", "project → region_code", "U FF FFFA FNF FF NFNN", "/api/v1/projects/{P}/funds/disbursements/{D}/voucher", "", "", false, true},
  // ---- participation ----
  {"GET", "/api/v1/notices", "", "filtered by the caller's grants", "U AA AAAA AAA AA AAAA", "/api/v1/notices"},
  {"POST", "/api/v1/notices", "V", "body region_code", "U AF FANN AAF NN NNNN", "/api/v1/notices", R"({"region_code":"{V}","title":"矩阵测试公告","body":"公告内容","days":5})"},
  {"GET", "/api/v1/notices/{id}", "V", "notice → region_code", "U AA AANN AAA NN NNNN", "/api/v1/notices/{N}"},
  {"GET", "/api/v1/projects/{id}/notice", "T", "project → region_code", "U AA AAAA ANA AA NANN", "/api/v1/projects/{P}/notice"},
  {"GET", "/api/v1/projects/{id}/comments", "T", "project → region_code", "U AA AAAA ANA AA NANN", "/api/v1/projects/{P}/comments"},
  {"POST", "/api/v1/projects/{id}/comments", "T", "project → region_code", "U FF FFFF FNA FF NANN", "/api/v1/projects/{P}/comments", R"({"body":"矩阵测试意见"})"},
  {"POST", "/api/v1/comments/{id}/reply", "T", "comment → its project's region_code", "U AF FANN ANF NN NNNN", "/api/v1/comments/{CM}/reply", R"({"reply":"已答复"})"},
  {"GET", "/api/v1/feedback-categories", "", "reference data", "U AA AAAA AAA AA AAAA", "/api/v1/feedback-categories"},
  {"GET", "/api/v1/feedback", "", "own, or filtered by the caller's grants", "U AA AAAA AAA AA AAAA", "/api/v1/feedback"},
  {"POST", "/api/v1/feedback", "V", "body region_code", "U FF FFFF FFA FF FNFF", "/api/v1/feedback", R"({"region_code":"{V}","category":"question","body":"矩阵测试问题"})"},
  {"GET", "/api/v1/feedback/{id}", "V", "feedback → region_code", "U AA AANN AAA NN NNNN", "/api/v1/feedback/{F}"},
  {"POST", "/api/v1/feedback/{id}/answer", "V", "feedback → region_code", "U AF FANN AAF NN NNNN", "/api/v1/feedback/{F}/answer", R"({"reply":"已处理"})"},
  {"POST", "/api/v1/feedback/{id}/close", "V", "feedback → region_code", "U AF FANN AAA NN NNNN", "/api/v1/feedback/{F}/close", "{}"},
  {"POST", "/api/v1/feedback-escalations", "", "inside the caller's grants", "U AF AAFF AFF FF FFAA", "/api/v1/feedback-escalations", "{}"},
  {"GET", "/api/v1/villages/{code}/representatives", "V", "the code", "U AA AANN AAA NN NNNN", "/api/v1/villages/{V}/representatives"},
  {"PUT", "/api/v1/villages/{code}/representatives", "V", "the code", "U AF FFNN AAF NN NNNN", "/api/v1/villages/{V}/representatives", R"({"usernames":["cunmin"]})"},
  {"GET", "/api/v1/votes", "", "filtered by the caller's grants", "U AA AAAA AAA AA AAAA", "/api/v1/votes"},
  {"POST", "/api/v1/votes", "V", "body region_code", "U AF FFNN AAF NN NNNN", "/api/v1/votes", R"({"region_code":"{V}","question":"矩阵测试表决"})"},
  {"GET", "/api/v1/votes/{id}", "V", "vote → region_code", "U AA AANN AAA NN NNNN", "/api/v1/votes/{VOTE}"},
  {"POST", "/api/v1/votes/{id}/ballots", "V", "vote → region_code", "U FF FFNN FFA NN NNNN", "/api/v1/votes/{VOTE}/ballots", R"({"choice":"yes"})"},
  {"POST", "/api/v1/votes/{id}/close", "V", "vote → region_code", "U AF FFNN AAF NN NNNN", "/api/v1/votes/{VOTE}/close", "{}"},
  {"GET", "/api/v1/surveys", "", "filtered by the caller's grants", "U AA AAAA AAA AA AAAA", "/api/v1/surveys"},
  {"POST", "/api/v1/surveys", "V", "body region_code", "U AF FANN AAF NN NNNN", "/api/v1/surveys", R"({"region_code":"{V}","title":"矩阵测试问卷","questions":[{"text":"满意吗","choices":["满意","不满意"]}]})"},
  {"GET", "/api/v1/surveys/{id}", "V", "survey → region_code", "U AA AANN AAA NN NNNN", "/api/v1/surveys/{SURVEY}"},
  {"POST", "/api/v1/surveys/{id}/responses", "V", "survey → region_code", "U FF FFNN FFA NN NNNN", "/api/v1/surveys/{SURVEY}/responses", R"({"answers":[0]})"},
  {"POST", "/api/v1/surveys/{id}/close", "V", "survey → region_code", "U AF FANN AAF NN NNNN", "/api/v1/surveys/{SURVEY}/close", "{}"},
  // ---- rights adjustment ----
  {"GET", "/api/v1/rights/members", "", "filtered by the caller's grants", "U AA AAAA AAA AA AAAA", "/api/v1/rights/members"},
  {"POST", "/api/v1/rights/members", "V", "body region_code", "U AF FFFF AAF FF FFFF", "/api/v1/rights/members", R"({"household_code":"H00777","username":"cunmin","region_code":"{V}"})"},
  {"DELETE", "/api/v1/rights/members/{member}", "V", "member → region_code", "U AF NNNN AAN NN NNNN", "/api/v1/rights/members/{MEMBER}", "", "MEMBER"},
  {"GET", "/api/v1/rights/mine", "", "the caller", "U AA AAAA AAA AA AAAA", "/api/v1/rights/mine"},
  {"GET", "/api/v1/projects/{id}/rights/plans", "T", "project → region_code", "U AA AAAA AAN NF NNNN", "/api/v1/projects/{PR}/rights/plans"},
  {"POST", "/api/v1/projects/{id}/rights/plans", "T", "project → region_code", "U FF FAFF AFN NF NNNN", "/api/v1/projects/{PR}/rights/plans", R"({"parcels_layer":"parcels"})"},
  {"GET", "/api/v1/projects/{id}/rights/plan-jobs", "T", "project → region_code", "U AA AAAA AAN NF NNNN", "/api/v1/projects/{PR}/rights/plan-jobs"},
  {"GET", "/api/v1/projects/{id}/rights/plan-jobs/{job}", "T", "project → region_code", "U AA AAAA AAN NF NNNN", "/api/v1/projects/{PR}/rights/plan-jobs/{JOB}"},
  {"GET", "/api/v1/projects/{id}/rights/households", "T", "project → region_code", "U AA AAAA AAN NF NNNN", "/api/v1/projects/{PR}/rights/households"},
  {"GET", "/api/v1/projects/{id}/rights/households/{household}", "T", "project → region_code", "U AA AAAA AAA NN NNNN", "/api/v1/projects/{PR}/rights/households/{H}"},
  {"POST", "/api/v1/projects/{id}/rights/households/{household}/confirm", "T", "project → region_code", "U FF FFFF AAA NN NNNN", "/api/v1/projects/{PR}/rights/households/{H}/confirm", R"({"note":"确认"})"},
  {"POST", "/api/v1/projects/{id}/rights/households/{household}/objection", "T", "project → region_code", "U FF FFFF AAA NN NNNN", "/api/v1/projects/{PR}/rights/households/{H}/objection", R"({"reason":"不同意"})"},
  {"GET", "/api/v1/projects/{id}/rights/disputes", "T", "project → region_code", "U AA AAAA AAA NA NNNN", "/api/v1/projects/{PR}/rights/disputes"},
  {"GET", "/api/v1/projects/{id}/rights/disputes/{dispute}", "T", "project → region_code", "U AA AAAA AAA NN NNNN", "/api/v1/projects/{PR}/rights/disputes/{DISPUTE}"},
  {"POST", "/api/v1/projects/{id}/rights/disputes/{dispute}/meetings", "T", "project → region_code", "U FF FAFF AFF NN NNNN", "/api/v1/projects/{PR}/rights/disputes/{DISPUTE}/meetings", R"({"held_on":"2026-12-01","place":"村委会","mediator":"调解员","minutes":"双方陈述"})"},
  {"POST", "/api/v1/projects/{id}/rights/disputes/{dispute}/agreement", "T", "project → region_code", "U FF FAFF AFF NN NNNN", "/api/v1/projects/{PR}/rights/disputes/{DISPUTE}/agreement", R"({"agreement":"达成协议"})"},
  {"POST", "/api/v1/projects/{id}/rights/disputes/{dispute}/escalation", "T", "project → region_code", "U FF FAFF AFF NN NNNN", "/api/v1/projects/{PR}/rights/disputes/{DISPUTE}/escalation", R"({"reason":"调解不成"})"},
  {"POST", "/api/v1/projects/{id}/rights/disputes/{dispute}/ruling", "T", "project → region_code", "U FF FAFF FFF NN NNNN", "/api/v1/projects/{PR}/rights/disputes/{DISPUTE}/ruling", R"({"ruling":"维持方案"})"},
  {"GET", "/api/v1/projects/{id}/rights/compensation", "T", "project → region_code", "U AA AAAA ANA NA NNNN", "/api/v1/projects/{PR}/rights/compensation"},
  {"POST", "/api/v1/projects/{id}/rights/compensation", "T", "project → region_code", "U FF FFFF ANN NF NNNN", "/api/v1/projects/{PR}/rights/compensation", R"({"household_code":"H00003","amount_fen":100,"basis":"矩阵测试补偿"})"},
  {"POST", "/api/v1/projects/{id}/rights/compensation/{entry}/decision", "T", "project → region_code", "U FF FAAF FNN NF NNNN", "/api/v1/projects/{PR}/rights/compensation/{COMP}/decision", R"({"decision":"approve"})"},
  {"GET", "/api/v1/projects/{id}/rights/compensation/totals", "T", "project → region_code", "U AA AAAA ANN NF NNNN", "/api/v1/projects/{PR}/rights/compensation/totals"},
  // ---- schemes ----
  {"GET", "/api/v1/schemes", "", "filtered by the caller's grants", "U AA AAAA AAA AA AAAA", "/api/v1/schemes"},
  {"POST", "/api/v1/schemes", "T", "body region_code", "U AF FAFF AFF FA FFFF", "/api/v1/schemes", R"({"unit":"{UNIT}","region_code":"{T}","name":"方案乙","cost_fen":1,"plan":{PLAN}})"},
  {"POST", "/api/v1/schemes/compare", "", "the unit's schemes the caller sees", "U AA AAAA ANN NA NNNN", "/api/v1/schemes/compare", R"({"unit":"{UNIT}"})"},
  {"GET", "/api/v1/schemes/{id}", "T", "scheme → region_code", "U AA AAAA ANN NA NNNN", "/api/v1/schemes/{SCHEME}"},
  {"PUT", "/api/v1/schemes/{id}", "T", "scheme → region_code", "U AF FAFF ANN NA NNNN", "/api/v1/schemes/{SCHEME}", R"({"name":"方案甲","cost_fen":100000000,"plan":{PLAN}})"},
  {"DELETE", "/api/v1/schemes/{id}", "T", "scheme → region_code", "U AF FAFF ANN NA NNNN", "/api/v1/schemes/{GONE}", "", "GONE"},
  {"POST", "/api/v1/schemes/{id}/simulate", "T", "scheme → region_code", "U AF FAFF ANN NA NNNN", "/api/v1/schemes/{SCHEME}/simulate", "{}"},
  // ---- warnings and supervision orders (ORD: an order of township T to village V's collective,
  // answered with a photo ORDPHOTO) ----
  {"GET", "/api/v1/warnings", "", "filtered by the caller's grants (none for villagers, experts)", "U AA AAAA AAA AA AAAA", "/api/v1/warnings"},
  {"GET", "/api/v1/warning-rules", "", "reference data", "U AA AAAA AAA AA AAAA", "/api/v1/warning-rules"},
  {"GET", "/api/v1/responsible-units", "", "inside the caller's remit (none for non-issuers)", "U AA AAAA AAA AA AAAA", "/api/v1/responsible-units"},
  {"GET", "/api/v1/supervision/summary", "T", "?region=", "U AA AAAA ANN AA NNNN", "/api/v1/supervision/summary?region={T}"},
  {"GET", "/api/v1/orders", "", "the caller's units' orders", "U AA AAAA AAA AA AAAA", "/api/v1/orders"},
  {"POST", "/api/v1/orders", "V", "body unit.region_code", "U FF AAFF AFF FF FFFF", "/api/v1/orders", R"({"source":"manual","title":"矩阵测试督办","unit":{"kind":"village_collective","region_code":"{V}"},"due_date":"2099-12-31"})"},
  {"GET", "/api/v1/orders/{id}", "V", "the order's units (issuer, addressee, supervisor)", "U AA NNNN AAN NN NNNN", "/api/v1/orders/{ORD}"},
  {"GET", "/api/v1/orders/{id}/photos/{sha256}", "V", "the order's units", "U AA NNNN AAN NN NNNN", "/api/v1/orders/{ORD}/photos/{ORDPHOTO}"},
  {"POST", "/api/v1/orders/{id}/answer", "V", "the order's units", "U FF NNNN FAN NN NNNN", "/api/v1/orders/{ORD}/answer", R"({"text":"已整改"})"},
  {"POST", "/api/v1/orders/{id}/return", "V", "the order's units", "U FF NNNN AFN NN NNNN", "/api/v1/orders/{ORD}/return", R"({"reason":"佐证不足"})"},
  {"POST", "/api/v1/orders/{id}/close", "V", "the order's units", "U FF NNNN AFN NN NNNN", "/api/v1/orders/{ORD}/close", R"({"comment":"核查通过"})"},
  {"POST", "/api/v1/order-escalations", "", "inside the caller's grants", "U AF AAFF AFF FF FFAA", "/api/v1/order-escalations", "{}"},
  // ---- last: signing out ends each persona's session ----
  {"DELETE", "/api/v1/session", "", "the caller's own session", "U AA AAAA AAA AA AAAA", "/api/v1/session"},
  };
  return r;
}
// clang-format on

// `expect` without its spaces.
inline std::string cells(const std::string& expect) {
  std::string out;
  for (char c : expect)
    if (c != ' ') out += c;
  return out;
}

// Observed cells grouped as the table writes them.
inline std::string spaced(const std::string& cells) {
  static const std::vector<std::size_t> groups = {1, 2, 4, 3, 2, 4};
  std::string out;
  std::size_t at = 0;
  for (auto n : groups) {
    if (!out.empty()) out += ' ';
    out += cells.substr(at, n);
    at += n;
  }
  return out;
}

// Routes served but not in the OpenAPI document: the web app's pages (index.html for each client
// route) and its assets, and /health (the load balancer's probe, the same as /api/v1/health).
// None carries data of any region; each answers without a session.
inline const std::vector<std::string>& undocumented_public_routes() {
  static const std::vector<std::string> p = {
      "/health", "/", "/signin", "/home", "/map", "/inbox", "/village", "/schemes", "/projects/{code}",
      "/dashboard", "/assessment", "/village/{section}", "/village/{section}/{id}", "/participation",
      "/parcels", "/evaluations", "/warnings", "/orders", "/orders/{id}", "/monitoring", "/indicators", "/benefits", "/audit", "/print/{kind}/{id}", "/print/{kind}/{id}/{item}", "/assets/{file}"};
  return p;
}
inline bool undocumented_public(const std::string& pattern) {
  for (const auto& x : undocumented_public_routes())
    if (x == pattern) return true;
  return false;
}

}  // namespace gz::test::matrix
