// Every service the API serves, built over one database's stores, and the ApiContext that routes
// them: `gongzhi serve` and the OpenAPI route-table test build the same router from this, so the
// test cannot drift from what the server answers.
#pragma once

#include "http/routes.h"
#include "services/assessment.h"
#include "services/dashboard.h"
#include "services/funds.h"
#include "services/benefit_sharing.h"
#include "services/land_indicators.h"
#include "services/orders.h"
#include "services/warnings.h"
#include "services/participation.h"
#include "services/progress.h"
#include "services/projects.h"
#include "services/rights.h"
#include "services/schemes.h"
#include "services/units.h"
#include "services/village_plans.h"
#include "storage/identity_store.h"
#include "storage/imagery_store.h"
#include "storage/project_store.h"
#include "storage/store.h"

namespace gz::http {

struct ApiServices {
  // Makes the services' tables where missing and registers their guards on `projects`.
  // `location` (the database all three live in) adds the imagery tiles; empty: none served.
  ApiServices(storage::Store& store, storage::IdentityStore& identity,
              storage::ProjectStore& project_store, const std::string& location = "");
  ApiServices(const ApiServices&) = delete;
  ApiServices& operator=(const ApiServices&) = delete;

  // Every part served, with the event feed over `project_store`.
  ApiContext context(const AuthOptions& auth = {});

  storage::Store& store;
  storage::IdentityStore& identity;
  storage::ProjectStore& project_store;
  services::ProjectService projects;
  services::ProgressService progress;
  services::FundsService funds;
  services::ParticipationService participation;
  services::UnitService units;
  services::VillagePlanService village_plans;
  services::DashboardService dashboard;
  services::RightsService rights;
  services::SchemeService schemes;
  services::WarningService warnings;
  services::OrderService orders;
  services::LandIndicatorService indicators;
  services::BenefitSharingService benefits;
  std::unique_ptr<storage::ImageryStore> imagery;
};

}  // namespace gz::http
