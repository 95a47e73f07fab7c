// The worker pool of RightsService's plan jobs (services/rights_plan_jobs.cpp); private to the
// rights service's sources.
#pragma once

#include <boost/asio/thread_pool.hpp>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>
#include <thread>

#include "services/rights.h"

namespace gz::services {

struct RightsService::PlanJobs {
  explicit PlanJobs(std::size_t threads) : pool(threads) {}
  boost::asio::thread_pool pool;
  std::mutex mutex;
  std::condition_variable changed;
  int active = 0;                 // jobs of this process queued or running
  std::set<std::int64_t> ids;     // their ids, for the heartbeat
  // Stamps this process's queued and running jobs as alive every few seconds, so that a job
  // whose process died (kill -9, power loss) is known as abandoned soon after, not never.
  // Declared last: stopped and joined first.
  std::jthread heartbeat;
};

}  // namespace gz::services
