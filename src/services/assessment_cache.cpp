#include "services/assessment_cache.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "geo/geometry.h"

namespace gz::services {

namespace {

// Coordinates rounded to 6 decimals (about 0.1 m), recursively through a GeoJSON geometry.
void round_coordinates(nlohmann::json& j) {
  if (j.is_number_float()) {
    j = std::round(j.get<double>() * 1e6) / 1e6;
  } else if (j.is_array()) {
    for (auto& x : j) round_coordinates(x);
  }
}

}  // namespace

std::string AssessmentCache::key_of(storage::Store& store, const AssessmentRequest& r) {
  std::string key = r.by + '\x1f' + r.zone + '\x1f' + r.land_use_layer + '\x1f' +
                    (r.version ? std::to_string(*r.version) : "latest") + '\x1f' + r.zones_layer +
                    '\x1f' + r.redline_layer + '\x1f' + r.pbf_layer + '\x1f' + r.udb_layer + '\x1f' +
                    r.village_plan_layer + '\x1f' + r.parcel_layer + '\x1f' + r.project_layer +
                    '\x1f' + r.dem_path + '\x1e';
  if (r.region_scope) {
    for (const auto& s : *r.region_scope) key += s + ',';
  } else {
    key += '*';
  }
  key += '\x1e';
  // Every layer's latest version: a new version of any of them (or a new layer) is a new key.
  for (const auto& v : store.layers()) key += v.layer + ':' + std::to_string(v.id) + ';';
  return key;
}

CachedAssessment AssessmentCache::get(storage::Store& store, const AssessmentRequest& request) {
  const std::string key = key_of(store, request);
  std::shared_ptr<std::promise<std::shared_ptr<const AssessmentResult>>> mine;
  Future future;
  std::shared_ptr<Counter> counter;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.pos);
      future = it->second.future;
    } else {
      mine = std::make_shared<std::promise<std::shared_ptr<const AssessmentResult>>>();
      future = mine->get_future().share();
      counter = std::make_shared<Counter>();
      lru_.push_front(key);
      entries_.emplace(key, Entry{future, lru_.begin(), counter});
      ++misses_;
      while (entries_.size() > capacity_ && lru_.size() > 1) {
        entries_.erase(lru_.back());
        lru_.pop_back();
      }
    }
  }
  if (!mine) {
    // Computed already (a hit) or being computed by another request (wait for it).
    const bool ready = future.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    auto result = future.get();  // rethrows the error of a failed computation
    if (ready) {
      std::lock_guard lock(mu_);
      ++hits_;
    }
    return {result, ready};
  }
  try {
    auto result = std::make_shared<const AssessmentResult>(
        assess(store, request, AssessmentMethod::standard(), [&counter](std::size_t done, std::size_t total) {
          counter->total = total;
          counter->done = done;
        }));
    mine->set_value(result);
    return {result, false};
  } catch (...) {
    mine->set_exception(std::current_exception());
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end()) {  // errors are not kept: the next request tries again
      lru_.erase(it->second.pos);
      entries_.erase(it);
    }
    throw;
  }
}

std::map<std::string, std::string> AssessmentCache::outlines(storage::Store& store,
                                                             const AssessmentResult& result,
                                                             double tolerance_deg) {
  std::shared_ptr<const std::map<std::string, std::string>> all;
  {
    std::lock_guard lock(mu_);
    auto it = outlines_.find(result.zones.id);
    if (it != outlines_.end()) all = it->second;
  }
  if (!all) {
    auto made = std::make_shared<std::map<std::string, std::string>>();
    store.scan(result.zones, [&](StoredFeature&& f) {
      auto code = attribute_text_any(f.attributes, {"DYBH", "XZQDM", "code"}).value_or(f.source_id);
      auto g = geo::Geometry::from_wkb(f.wkb);
      auto simple = g.simplify(tolerance_deg);
      if (simple.is_null() || simple.is_empty()) simple = std::move(g);
      auto j = nlohmann::json::parse(simple.geojson());
      if (j.contains("coordinates")) round_coordinates(j["coordinates"]);
      (*made)[code] = j.dump();
    });
    all = made;
    std::lock_guard lock(mu_);
    if (outlines_.size() >= capacity_) outlines_.clear();
    outlines_[result.zones.id] = all;
  }
  std::map<std::string, std::string> out;
  for (const auto& z : result.zones_assessed) {
    auto it = all->find(z.code);
    if (it != all->end()) out.emplace(z.code, it->second);
  }
  return out;
}

AssessmentCache::Progress AssessmentCache::progress(storage::Store& store, const AssessmentRequest& request) {
  const std::string key = key_of(store, request);
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return {};
  Progress p;
  p.done = it->second.counter->done;
  p.total = it->second.counter->total;
  p.state = it->second.future.wait_for(std::chrono::seconds(0)) == std::future_status::ready ? "ready" : "running";
  return p;
}

AssessmentCache::Stats AssessmentCache::stats() const {
  std::lock_guard lock(mu_);
  return {hits_, misses_, entries_.size()};
}

}  // namespace gz::services
