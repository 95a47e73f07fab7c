#include "http/api_services.h"

namespace gz::http {

ApiServices::ApiServices(storage::Store& store_, storage::IdentityStore& identity_,
                         storage::ProjectStore& project_store_, const std::string& location)
    : store(store_),
      identity(identity_),
      project_store(project_store_),
      projects(store, project_store, &identity),
      progress(project_store, projects),
      funds(project_store, &identity),
      participation(project_store, projects, &identity),
      units(store, &project_store),
      village_plans(store, project_store),
      dashboard(store, project_store, funds, progress),
      rights(store, project_store, projects, &identity),
      schemes(store, project_store),
      warnings(project_store),
      orders(store, project_store, &identity, &warnings),
      indicators(store, project_store, projects, funds),
      benefits(project_store, projects, funds, participation),
      imagery(location.empty() ? nullptr : storage::ImageryStore::open(location)) {}

ApiContext ApiServices::context(const AuthOptions& auth) {
  ApiContext ctx{store, identity, auth, &projects};
  ctx.progress = &progress;
  ctx.funds = &funds;
  ctx.participation = &participation;
  ctx.units = &units;
  ctx.village_plans = &village_plans;
  ctx.dashboard = &dashboard;
  ctx.rights = &rights;
  ctx.schemes = &schemes;
  ctx.warnings = &warnings;
  ctx.orders = &orders;
  ctx.indicators = &indicators;
  ctx.benefits = &benefits;
  ctx.event_store = &project_store;
  ctx.imagery = imagery.get();
  return ctx;
}

}  // namespace gz::http
