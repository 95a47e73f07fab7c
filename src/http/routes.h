// The routes `gongzhi serve` answers so far: a health page, health JSON, the layer list, sign-in
// (POST/DELETE /api/v1/session, GET /api/v1/me) and the OpenAPI document of the API (data/openapi.json, kept true by a test against the route table).
#pragma once

#include "http/fast_reads.h"
#include "http/router.h"
#include "services/auth.h"
#include "services/dashboard.h"
#include "services/progress.h"
#include "services/funds.h"
#include "services/benefit_sharing.h"
#include "services/land_indicators.h"
#include "services/orders.h"
#include "services/warnings.h"
#include "services/participation.h"
#include "services/units.h"
#include "services/village_plans.h"
#include "services/projects.h"
#include "services/rights.h"
#include "services/schemes.h"
#include "storage/project_store.h"
#include "storage/identity_store.h"
#include "storage/imagery_store.h"
#include "storage/store.h"

namespace gz::http {

struct AuthOptions {
  services::AuthPolicy policy;
  bool secure_cookie = false;  // add Secure to the session cookie (the server is behind TLS)
  // Reverse proxies (nginx) whose X-Forwarded-For is believed: a request from one of these
  // addresses counts, for rate limits and the audit log, as coming from the last address in
  // X-Forwarded-For that is not itself a trusted proxy. Empty: the header is ignored.
  std::vector<std::string> trusted_proxies;
};

// What the routes work on. Parts left null are not served (tests of one part need no other).
struct ApiContext {
  storage::Store& store;
  storage::IdentityStore& identity;
  AuthOptions auth;
  services::ProjectService* projects = nullptr;
  services::ProgressService* progress = nullptr;
  services::FundsService* funds = nullptr;
  services::ParticipationService* participation = nullptr;  // needs projects
  services::UnitService* units = nullptr;                  // assessment and consolidation units
  services::VillagePlanService* village_plans = nullptr;  // village plan versions and changes
  services::DashboardService* dashboard = nullptr;
  services::RightsService* rights = nullptr;
  services::SchemeService* schemes = nullptr;
  services::WarningService* warnings = nullptr;  // project warnings; orders need them
  services::OrderService* orders = nullptr;      // supervision orders (督办单)
  services::LandIndicatorService* indicators = nullptr;  // land indicators; needs benefits
  services::BenefitSharingService* benefits = nullptr;   // distribution plans
  // The event feed (GET /api/v1/events) reads the events table here; null = no feed.
  storage::ProjectStore* event_store = nullptr;
  // Keeps sessions and project lists for the server's I/O-thread answers; null = none kept.
  FastReads* fast_reads = nullptr;
  // Imagery tiles by date (GET /api/v1/imagery, /tiles/imagery/…); null = none served.
  storage::ImageryStore* imagery = nullptr;
};

Router make_router(const ApiContext& ctx);
// The client's address as AuthOptions::trusted_proxies defines it.
std::string client_address(const Request& req, const AuthOptions& auth);
// data/openapi.json with the paths and schemas of every data/openapi/*.json part merged in
// (one part per route module, so modules are documented beside each other).
std::string openapi_document();
Handler make_routes(const ApiContext& ctx);
// Health, layers, sign-in and regions only.
Router make_router(storage::Store& store, storage::IdentityStore& identity,
                   const AuthOptions& auth = {});

}  // namespace gz::http
