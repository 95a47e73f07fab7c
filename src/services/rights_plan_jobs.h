// The worker pool of RightsService's plan jobs (services/rights_plan_jobs.cpp); private to the
// rights service's sources.
#pragma once

#include <boost/asio/thread_pool.hpp>

#include <condition_variable>
#include <mutex>

#include "services/rights.h"

namespace gz::services {

struct RightsService::PlanJobs {
  explicit PlanJobs(std::size_t threads) : pool(threads) {}
  boost::asio::thread_pool pool;
  std::mutex mutex;
  std::condition_variable changed;
  int active = 0;  // jobs of this process queued or running
};

}  // namespace gz::services
