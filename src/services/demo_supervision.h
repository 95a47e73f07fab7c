// The demo county's supervision (issue 15 item 9): projects behind schedule, money paid ahead of
// the works or lying idle, works finished and not accepted, a notice comment and a complaint
// unanswered, so that every project warning shows; and supervision orders in each state (open
// from a warning, overdue and escalated to the leader group, answered and closed).
#pragma once

#include "storage/identity_store.h"
#include "storage/project_store.h"
#include "storage/store.h"

namespace gz::services {

struct DemoSupervisionSummary {
  int warnings = 0;  // warnings the demo shows
  int orders = 0;    // orders issued
};

// Runs after the demo platform's accounts and projects exist (seed_demo_platform calls it).
DemoSupervisionSummary seed_demo_supervision(storage::Store& store, storage::IdentityStore& identity,
                                             storage::ProjectStore& projects);

}  // namespace gz::services
