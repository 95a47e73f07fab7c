// A server-side cache of assessments (docs/assessment.md, "Cache"). An assessment reads the
// land-use layer and every layer it measures against (regions, units, red line, basic farmland,
// urban boundary, village plans, parcels, projects); it is a pure function of those layers'
// versions and the request. The cache keys each result by the request (by, zone, land-use layer
// and version, jurisdiction scope, DEM path) and by the versions of every layer in the store at
// the time: importing a new version of any layer (or a new layer) changes the key, so the next
// request assesses afresh. Looking up costs one listing of the store's layers.
//
// Concurrent requests for the same key wait for one computation rather than each assessing.
// Results are kept for the `capacity` most recently used keys (LRU); zone outlines (simplified
// GeoJSON, for the web map) are kept per zones-layer version.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <future>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "services/assessment.h"
#include "storage/store.h"

namespace gz::services {

struct CachedAssessment {
  std::shared_ptr<const AssessmentResult> result;
  bool hit = false;  // served from the cache (false: assessed by this call or by one it waited for)
};

class AssessmentCache {
 public:
  explicit AssessmentCache(std::size_t capacity = 64) : capacity_(capacity) {}

  // The result of `assess(store, request)`, from the cache when the store's layers are unchanged
  // since it was computed. Errors are not cached.
  CachedAssessment get(storage::Store& store, const AssessmentRequest& request);

  // The outline of each zone of `result` (its feature in the zones layer version), simplified to
  // about `tolerance_deg` and with coordinates rounded to 6 decimals (~0.1 m): code → GeoJSON
  // geometry text. Zones whose feature is missing are left out.
  std::map<std::string, std::string> outlines(storage::Store& store, const AssessmentResult& result,
                                               double tolerance_deg = 0.00005);

  // How far the computation for `request` has come: "running" with the features overlaid
  // (land-use spots, then parcels) of the total, "ready" when its result is in the cache, "none"
  // when nothing is cached or running for it (not asked yet, or the layers changed since).
  struct Progress {
    std::string state = "none";
    std::size_t done = 0, total = 0;
  };
  Progress progress(storage::Store& store, const AssessmentRequest& request);

  struct Stats {
    std::size_t hits = 0, misses = 0, entries = 0;
  };
  Stats stats() const;

  // The key a request has in `store` now (request fields + every layer's latest version id).
  static std::string key_of(storage::Store& store, const AssessmentRequest& request);

 private:
  using Future = std::shared_future<std::shared_ptr<const AssessmentResult>>;
  std::size_t capacity_;
  mutable std::mutex mu_;
  std::list<std::string> lru_;  // most recent first
  struct Counter {
    std::atomic<std::size_t> done{0}, total{0};
  };
  struct Entry {
    Future future;
    std::list<std::string>::iterator pos;
    std::shared_ptr<Counter> counter;
  };
  std::map<std::string, Entry> entries_;
  std::size_t hits_ = 0, misses_ = 0;
  // Zone outlines by zones-layer version id: code → GeoJSON.
  std::map<std::int64_t, std::shared_ptr<const std::map<std::string, std::string>>> outlines_;
};

}  // namespace gz::services
