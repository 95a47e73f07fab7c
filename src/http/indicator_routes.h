// The routes of land indicators and benefit sharing (指标与利益共享, docs/indicators.md): the
// indicator ledger with its tracing, uses and transfers, the distribution plans with their vote
// and payment, a villager's 我的收益, the dashboard figures and the xlsx downloads of the ledger
// and of each distribution. Areas are m² (with mu alongside), money integer fen (with yuan
// strings made from the fen without floating point).
#pragma once

#include "http/router.h"
#include "services/benefit_sharing.h"
#include "services/land_indicators.h"
#include "storage/identity_store.h"

namespace gz::http {

void add_indicator_routes(Router& r, storage::IdentityStore& identity,
                          services::LandIndicatorService& indicators,
                          services::BenefitSharingService& benefits);

}  // namespace gz::http
