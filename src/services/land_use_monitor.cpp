#include "services/land_use_monitor.h"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <nlohmann/json.hpp>
#include <string_view>
#include <unordered_map>

#include "common/error.h"
#include "domain/land_use_classes.h"
#include "domain/project.h"
#include "domain/survey_fields.h"
#include "geo/crs.h"
#include "geo/ellipsoid.h"
#include "services/overlay.h"
#include "storage/attributes_json.h"
#include "storage/sql_identity_store.h"

namespace gz::services {

std::optional<Severity> ChangeSpot::severity() const {
  std::optional<Severity> s;
  for (const auto& h : hits)
    if (!s || h.severity > *s) s = h.severity;
  return s;
}

namespace {

using nlohmann::json;

// ---- reading the facts of a spot from its stored attribute text ---------------------------------

// What the comparison reads of a map spot: BSM, class code, location unit. Read straight from
// the stored JSON object text (top-level members only), so that a million spots are not decoded.
struct SpotFacts {
  std::string bsm, code, region, region_name;
  int code_rank = 9;  // DLBM (0) before code (1) before class_code (2), as land_use_code reads
};

bool key_is(std::string_view key, std::string_view lower) {
  if (key.size() != lower.size()) return false;
  for (std::size_t i = 0; i < key.size(); ++i) {
    char c = key[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

// End of the JSON string starting at `at` (the opening quote): index of the closing quote.
std::size_t string_end(std::string_view s, std::size_t at, bool& escaped) {
  escaped = false;
  for (std::size_t i = at + 1; i < s.size(); ++i) {
    if (s[i] == '\\') {
      escaped = true;
      ++i;
    } else if (s[i] == '"') {
      return i;
    }
  }
  throw Error("malformed attribute text");
}

// End (one past) of the JSON value starting at `at`.
std::size_t value_end(std::string_view s, std::size_t at) {
  if (s[at] == '"') {
    bool esc;
    return string_end(s, at, esc) + 1;
  }
  if (s[at] == '{' || s[at] == '[') {
    int depth = 0;
    for (std::size_t i = at; i < s.size(); ++i) {
      char c = s[i];
      if (c == '"') {
        bool esc;
        i = string_end(s, i, esc);
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
    }
    throw Error("malformed attribute text");
  }
  std::size_t i = at;
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ' ' && s[i] != '\n' && s[i] != '\t' &&
         s[i] != '\r')
    ++i;
  return i;
}

// The text of a scalar value as attribute_text gives it: strings unescaped, numbers as written
// (integers are stored without a decimal point), null as nothing.
std::string value_text(std::string_view v) {
  if (v.empty() || v == "null") return {};
  if (v.front() == '"') {
    if (v.find('\\') == std::string_view::npos) return std::string(v.substr(1, v.size() - 2));
    return json::parse(v).get<std::string>();
  }
  if (v.front() == '{' || v.front() == '[') return {};
  return std::string(v);
}

void read_facts(std::string_view s, SpotFacts& out) {
  out = SpotFacts{};
  auto skip_ws = [&](std::size_t i) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r')) ++i;
    return i;
  };
  std::size_t i = skip_ws(0);
  if (i >= s.size() || s[i] != '{') return;
  i = skip_ws(i + 1);
  while (i < s.size() && s[i] == '"') {
    bool esc;
    std::size_t kend = string_end(s, i, esc);
    std::string_view key = s.substr(i + 1, kend - i - 1);
    std::string unescaped;
    if (esc) {
      unescaped = json::parse(s.substr(i, kend - i + 1)).get<std::string>();
      key = unescaped;
    }
    i = skip_ws(kend + 1);
    if (i >= s.size() || s[i] != ':') return;
    i = skip_ws(i + 1);
    if (i >= s.size()) return;
    std::size_t vend = value_end(s, i);
    std::string_view value = s.substr(i, vend - i);
    if (key_is(key, "bsm")) {
      out.bsm = value_text(value);
    } else if (key_is(key, "dlbm") || key_is(key, "code") || key_is(key, "class_code")) {
      int rank = key_is(key, "dlbm") ? 0 : key_is(key, "code") ? 1 : 2;
      if (rank < out.code_rank) {
        std::string t = value_text(value);
        if (!t.empty()) {
          out.code = std::move(t);
          out.code_rank = rank;
        }
      }
    } else if (key_is(key, "zldwdm")) {
      out.region = value_text(value);
    } else if (key_is(key, "zldwmc")) {
      out.region_name = value_text(value);
    }
    i = skip_ws(vend);
    if (i < s.size() && s[i] == ',') i = skip_ws(i + 1);
  }
}

std::uint64_t geometry_hash(std::string_view wkb) { return std::hash<std::string_view>{}(wkb); }

// A version read on a thread of its own and handed over in batches, so that the store's reading
// (SQLite or PostgreSQL, copying the rows) and the caller's work on each feature use two cores.
// At most a few batches wait; an exception on either side ends both and reaches the caller.
void scan_ahead(storage::Store& store, const LayerVersion& v, const std::function<void(StoredFeature&&)>& fn,
                const storage::Store::ScanOptions& options) {
  constexpr std::size_t kBatch = 1024, kQueued = 4;
  struct Stop {};
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<std::vector<StoredFeature>> queue;
  bool done = false, stop = false;
  std::exception_ptr failure;
  std::thread reader([&] {
    std::vector<StoredFeature> batch;
    batch.reserve(kBatch);
    auto hand_over = [&] {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return queue.size() < kQueued || stop; });
      if (stop) throw Stop{};
      queue.push_back(std::move(batch));
      batch = {};
      batch.reserve(kBatch);
      lock.unlock();
      changed.notify_all();
    };
    try {
      store.scan(
          v,
          [&](StoredFeature&& f) {
            batch.push_back(std::move(f));
            if (batch.size() == kBatch) hand_over();
          },
          options);
      if (!batch.empty()) hand_over();
    } catch (const Stop&) {
    } catch (...) {
      std::lock_guard lock(mutex);
      failure = std::current_exception();
    }
    std::lock_guard lock(mutex);
    done = true;
    changed.notify_all();
  });
  auto finish = [&] {
    {
      std::lock_guard lock(mutex);
      stop = true;
    }
    changed.notify_all();
    reader.join();
  };
  try {
    for (;;) {
      std::vector<StoredFeature> batch;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return !queue.empty() || done; });
        if (queue.empty()) break;
        batch = std::move(queue.front());
        queue.pop_front();
      }
      changed.notify_all();
      for (auto& f : batch) fn(std::move(f));
    }
  } catch (...) {
    finish();
    throw;
  }
  finish();
  if (failure) std::rethrow_exception(failure);
}

// ---- the comparison -------------------------------------------------------------------------------

// A feature of the from-version, as kept while the to-version streams past.
struct FromEntry {
  std::uint64_t hash = 0;
  std::int64_t id = 0;  // storage id
  std::uint32_t code = 0;  // index into the code list
  bool seen = false;
  bool duplicate = false;  // the BSM appears more than once: matched by geometry
};

// A changed feature taking part in the overlay of changed areas.
struct PoolFeature {
  std::string bsm, code, region, region_name;
  std::string wkb;
  Envelope bbox;
};

// The from-version's features by BSM. A BSM is mostly a number (a survey's 标识码): those are
// kept by their value, which a million of them look up faster than by text; any other text
// (leading zeros, letters, more than 18 digits) by itself.
class BsmMap {
 public:
  void reserve(std::size_t n) { numbers_.reserve(n); }
  // The entry of `bsm` and whether it is new.
  std::pair<FromEntry*, bool> try_emplace(const std::string& bsm) {
    if (auto n = number(bsm)) {
      auto [it, added] = numbers_.try_emplace(*n);
      return {&it->second, added};
    }
    auto [it, added] = texts_.try_emplace(bsm);
    return {&it->second, added};
  }
  FromEntry* find(const std::string& bsm) {
    if (auto n = number(bsm)) {
      auto it = numbers_.find(*n);
      return it == numbers_.end() ? nullptr : &it->second;
    }
    auto it = texts_.find(bsm);
    return it == texts_.end() ? nullptr : &it->second;
  }
  template <typename Fn>
  void for_each(Fn&& fn) {
    for (auto& [n, e] : numbers_) fn(std::to_string(n), e);
    for (auto& [t, e] : texts_) fn(t, e);
  }
  void clear() {
    std::unordered_map<std::uint64_t, FromEntry>().swap(numbers_);
    std::unordered_map<std::string, FromEntry>().swap(texts_);
  }

 private:
  // The value of a BSM that std::to_string gives back unchanged, else nothing.
  static std::optional<std::uint64_t> number(const std::string& bsm) {
    if (bsm.empty() || bsm.size() > 18 || (bsm[0] == '0' && bsm.size() > 1)) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : bsm) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v;
  }
  std::unordered_map<std::uint64_t, FromEntry> numbers_;
  std::unordered_map<std::string, FromEntry> texts_;
};

void grow(Envelope& e, const Envelope& b, bool& first) {
  if (first) {
    e = b;
    first = false;
    return;
  }
  e.minx = std::min(e.minx, b.minx);
  e.miny = std::min(e.miny, b.miny);
  e.maxx = std::max(e.maxx, b.maxx);
  e.maxy = std::max(e.maxy, b.maxy);
}

bool in_regions(const std::string& region, const std::optional<std::vector<std::string>>& prefixes) {
  if (!prefixes) return true;
  for (const auto& p : *prefixes)
    if (region.compare(0, p.size(), p) == 0) return true;
  return false;
}

// A platform project the plan rules look at.
struct PlanProject {
  std::string code, name, region, state;
  std::string area_geojson;
  Envelope bbox;
  struct Change {
    std::string geojson, from_code, to_code;
  };
  std::vector<Change> changes;
  std::optional<double> claimed_achieved_m2;
};

// Whether a surveyed class is the class a plan change leads to: the same class of the official
// tables (0201K counts as 0201, 1104A as 1104).
bool same_counted_class(const std::string& a, const std::string& b, const LandUseClassTable& classes) {
  const auto* ca = classes.find(a);
  const auto* cb = classes.find(b);
  if (!ca || !cb) return a == b;
  return ca->count_as == cb->count_as;
}

// Per-thread geometry state for the rules.
struct RuleWorker {
  std::unique_ptr<GaussKruger> gk;
  std::map<LayerKind, std::vector<std::unique_ptr<ZoneSet>>> zones;  // per control layer, by kind
  std::vector<std::unique_ptr<ZoneSet>> construction;                // village-plan construction zones
  struct Project {
    const PlanProject* p = nullptr;
    geo::Geometry area_gk;
    std::vector<std::pair<std::string, geo::Geometry>> changes_gk;  // to_code, GK geometry
  };
  std::vector<Project> projects;
};

geo::Geometry unite_projected(std::vector<geo::Geometry>&& parts) {
  if (parts.size() == 1) return std::move(parts[0]);
  return geo::Geometry::union_all(std::move(parts)).polygonal_part();
}

double lonlat_area(const geo::Geometry& gk_geometry, GaussKruger& gk) {
  if (gk_geometry.is_null() || gk_geometry.is_empty()) return 0;
  return geo::ellipsoidal_area_m2(gk_geometry.transformed(gk.to_lonlat));
}

// The part of `target` (projected) that none of `cover` (projected) covers: land one version
// holds and the other does not.
geo::Geometry uncovered_part(Target& target, std::vector<geo::Geometry>&& cover) {
  if (cover.empty()) return target.projected().clone();
  geo::Geometry others = unite_projected(std::move(cover));
  try {
    return target.projected().difference(others).polygonal_part();
  } catch (const Error&) {
    // A target or cover that projecting made invalid: repaired once, then measured again.
    geo::Geometry t = target.projected().make_valid().polygonal_part();
    if (!others.validity().valid) others = others.make_valid().polygonal_part();
    return t.difference(others).polygonal_part();
  }
}

}  // namespace

MonitorResult monitor_land_use(storage::Store& store, const MonitorRequest& request,
                               storage::ProjectStore* projects, const MonitoringRules& rules,
                               const MonitorProgress& progress) {
  auto report = [&](const char* phase, std::int64_t done, std::int64_t total) {
    if (progress) progress(phase, done, total);
  };
  // ---- what is compared: refused before any work ----
  const std::string to_layer = request.to_layer.empty() ? request.layer : request.to_layer;
  if (request.layer != to_layer)
    throw InvalidRequest("versions_of_different_layers",
                         "只能比较同一图层的两个版本：" + request.layer + " 与 " + to_layer + " 是不同的图层",
                         "versions of different layers: '" + request.layer + "' v" +
                             std::to_string(request.from_version) + " and '" + to_layer + "' v" +
                             std::to_string(request.to_version) +
                             "; compare two versions of the same land-use layer");
  MonitorResult result;
  result.from = store.layer_version(request.layer, request.from_version);
  result.to = store.layer_version(to_layer, request.to_version);
  if (result.from.kind != LayerKind::land_use)
    throw InvalidRequest("not_a_land_use_layer",
                         "图层 " + request.layer + " 不是土地利用现状图层（类型 " +
                             std::string(to_string(result.from.kind)) + "）",
                         "layer '" + request.layer + "' is of kind " +
                             std::string(to_string(result.from.kind)) +
                             ", not land_use: change spots are found between land-use versions");
  if (result.from.version == result.to.version)
    throw InvalidRequest("same_version", "起始版本与终止版本相同（v" + std::to_string(result.from.version) + "）",
                         "--from-version and --to-version are both v" +
                             std::to_string(result.from.version) + " of '" + request.layer +
                             "'; name two different versions");
  const auto& classes = LandUseClassTable::standard();

  // ---- 1. the from-version, as a stream: BSM → (geometry hash, class) ----
  std::vector<std::string> codes;  // code list, index 0 = ""
  std::unordered_map<std::string, std::uint32_t> code_index;
  auto code_of = [&](const std::string& c) -> std::uint32_t {
    auto [it, added] = code_index.try_emplace(c, static_cast<std::uint32_t>(codes.size()));
    if (added) codes.push_back(c);
    return it->second;
  };
  code_of("");
  BsmMap from_by_bsm;
  from_by_bsm.reserve(static_cast<std::size_t>(result.from.feature_count) + 16);
  std::vector<std::int64_t> from_without_bsm;  // storage ids matched by geometry
  std::unordered_map<std::int64_t, std::string> duplicate_ids;  // id → BSM, a BSM seen twice
  // The from-version's geometries are kept in one buffer while they fit kKeptBudget, so that the
  // changed ones need no second pass over the version; beyond it they are read again.
  constexpr std::size_t kKeptBudget = std::size_t{1} << 30;
  struct Kept {
    std::int64_t id;
    std::uint64_t offset;
    std::uint32_t size, region, region_name;
  };
  std::string kept_wkb;
  std::vector<Kept> kept;  // in storage order: ascending id
  bool keeping = true;
  kept.reserve(static_cast<std::size_t>(result.from.feature_count));
  storage::Store::ScanOptions raw;
  raw.decode_attributes = false;
  Envelope extent;
  bool first_box = true;
  SpotFacts facts;
  std::int64_t n = 0;
  const std::int64_t from_total = result.from.feature_count, to_total = result.to.feature_count;
  scan_ahead(
      store, result.from,
      [&](StoredFeature&& f) {
        read_facts(f.attributes_json, facts);
        grow(extent, f.bbox, first_box);
        if (keeping) {
          if (kept_wkb.size() + f.wkb.size() > kKeptBudget || (!kept.empty() && kept.back().id >= f.id)) {
            keeping = false;
            std::string().swap(kept_wkb);
            std::vector<Kept>().swap(kept);
          } else {
            kept.push_back({f.id, kept_wkb.size(), static_cast<std::uint32_t>(f.wkb.size()), code_of(facts.region),
                            code_of(facts.region_name)});
            kept_wkb += f.wkb;
          }
        }
        if (facts.bsm.empty()) {
          from_without_bsm.push_back(f.id);
        } else {
          auto [entry, added] = from_by_bsm.try_emplace(facts.bsm);
          if (added) {
            *entry = FromEntry{geometry_hash(f.wkb), f.id, code_of(facts.code)};
          } else {
            // Every holder of a BSM seen twice is matched by geometry.
            if (!entry->duplicate) duplicate_ids[entry->id] = facts.bsm;
            entry->duplicate = true;
            duplicate_ids[f.id] = facts.bsm;
          }
        }
        if (++n % 65536 == 0) report("read", n, from_total + to_total);
      },
      raw);
  result.features_before = n;

  // ---- 2. the to-version, as a stream: unchanged spots pass, changed ones are kept ----
  std::vector<ChangeSpot> spots;  // matched by BSM, same geometry, another class
  std::vector<PoolFeature> pool_to;
  std::unordered_map<std::int64_t, std::pair<std::string, std::uint32_t>> wanted_from;  // id → BSM, code
  std::int64_t m = 0;
  scan_ahead(
      store, result.to,
      [&](StoredFeature&& f) {
        read_facts(f.attributes_json, facts);
        grow(extent, f.bbox, first_box);
        FromEntry* e = nullptr;
        if (!facts.bsm.empty())
          if (auto* found = from_by_bsm.find(facts.bsm); found && !found->duplicate) {
            e = found;
            if (e->seen) {  // a BSM twice in the to-version: both sides by geometry
              e->duplicate = true;
              e = nullptr;
            }
          }
        if (e) {
          e->seen = true;
          ++result.matched_by_bsm;
          if (e->hash == geometry_hash(f.wkb)) {
            if (codes[e->code] != facts.code) {
              ChangeSpot s;
              s.bsm_before = s.bsm_after = facts.bsm;
              s.code_before = codes[e->code];
              s.code_after = facts.code;
              s.region_code = facts.region;
              s.region_name = facts.region_name;
              s.matched_by_bsm = true;
              s.wkb = std::move(f.wkb);
              s.bbox = f.bbox;
              spots.push_back(std::move(s));
            }
            if (++m % 65536 == 0) report("read", n + m, from_total + to_total);
            return;
          }
          wanted_from[e->id] = {facts.bsm, e->code};
        }
        pool_to.push_back({facts.bsm, facts.code, facts.region, facts.region_name, std::move(f.wkb), f.bbox});
        if (++m % 65536 == 0) report("read", n + m, from_total + to_total);
      },
      raw);
  result.features_after = m;
  // Removed spots, spots whose geometry changed and every holder of a BSM seen twice (in either
  // version) take part in the overlay.
  from_by_bsm.for_each([&](const std::string& bsm, FromEntry& e) {
    if (!e.seen || e.duplicate) wanted_from[e.id] = {bsm, e.code};
  });
  for (auto id : from_without_bsm) wanted_from[id] = {"", 0};
  for (auto& [id, bsm] : duplicate_ids) wanted_from[id] = {bsm, 0};
  from_by_bsm.clear();

  // ---- 3. the changed features of the from-version (a second pass only when some are) ----
  std::vector<PoolFeature> pool_from;
  if (keeping && !wanted_from.empty()) {
    // From the kept geometries; the class of a feature without (or with a doubled) BSM was not
    // kept with it, so those few are read again below.
    std::unordered_map<std::int64_t, std::pair<std::string, std::uint32_t>> again;
    for (auto& [id, w] : wanted_from) {
      auto it = std::lower_bound(kept.begin(), kept.end(), id, [](const Kept& k, std::int64_t v) { return k.id < v; });
      if (w.second == 0 || it == kept.end() || it->id != id) {
        again.emplace(id, w);
        continue;
      }
      PoolFeature p{w.first, codes[w.second], codes[it->region], codes[it->region_name],
                    kept_wkb.substr(it->offset, it->size), {}};
      p.bbox = geo::Geometry::from_wkb(p.wkb).envelope();
      pool_from.push_back(std::move(p));
    }
    wanted_from = std::move(again);
  }
  std::string().swap(kept_wkb);
  std::vector<Kept>().swap(kept);
  if (!wanted_from.empty()) {
    std::int64_t k = 0;
    store.scan(
        result.from,
        [&](StoredFeature&& f) {
          if (++k % 65536 == 0) report("read", from_total + to_total, from_total + to_total);
          if (!wanted_from.count(f.id)) return;
          read_facts(f.attributes_json, facts);
          pool_from.push_back({facts.bsm, facts.code, facts.region, facts.region_name, std::move(f.wkb), f.bbox});
        },
        raw);
  }
  report("read", from_total + to_total, from_total + to_total);
  if (first_box) return result;  // two empty versions
  const int epsg = geo::gauss_kruger_3deg_epsg((extent.minx + extent.maxx) / 2);

  // ---- 4. the changed areas overlaid: every piece whose class differs is a spot ----
  // Land only one version holds (the part of a changed feature that no changed feature of the
  // other version covers; unchanged features cover the same land in both) is a spot too, with
  // the class kNoLand on the other side: added land (none → class) and removed land (class →
  // none).
  geo::SpatialIndex from_index, to_index;
  for (std::size_t i = 0; i < pool_from.size(); ++i) from_index.insert(i, pool_from[i].bbox);
  for (std::size_t i = 0; i < pool_to.size(); ++i) to_index.insert(i, pool_to[i].bbox);
  from_index.query(Envelope{0, 0, 0, 0});  // built here, then read by every thread
  to_index.query(Envelope{0, 0, 0, 0});
  auto one_side_spot = [&](const PoolFeature& f, bool added, geo::Geometry&& rest, GaussKruger& gk,
                           std::vector<ChangeSpot>& out) {
    if (rest.is_empty()) return;
    geo::Geometry lonlat = rest.transformed(gk.to_lonlat);
    double area = geo::ellipsoidal_area_m2(lonlat);
    if (area < rules.min_area_m2) return;
    ChangeSpot s;
    (added ? s.bsm_after : s.bsm_before) = f.bsm;
    s.code_before = added ? kNoLand : f.code;
    s.code_after = added ? f.code : kNoLand;
    s.region_code = f.region;
    s.region_name = f.region_name;
    s.wkb = lonlat.wkb();
    s.bbox = lonlat.envelope();
    s.area_m2 = area;
    out.push_back(std::move(s));
  };
  {
    const int threads = worker_threads();
    std::vector<std::unique_ptr<GaussKruger>> gks(threads);
    std::vector<std::map<std::size_t, geo::Geometry>> from_gk(threads);  // per thread, on demand
    std::vector<std::vector<ChangeSpot>> found((pool_to.size() + 2047) / 2048 + 1);
    std::mutex mutex;
    parallel_chunks(
        pool_to.size(),
        [&](std::size_t begin, std::size_t end, int t) {
          if (!gks[t]) gks[t] = std::make_unique<GaussKruger>(epsg);
          GaussKruger& gk = *gks[t];
          std::vector<std::size_t> candidates;
          std::vector<ChangeSpot> local;
          std::vector<geo::Geometry> cover;
          for (std::size_t i = begin; i < end; ++i) {
            const PoolFeature& b = pool_to[i];
            from_index.query(b.bbox, candidates);
            Target tb(geo::Geometry::from_wkb(b.wkb), gk);
            cover.clear();
            for (std::size_t c : candidates) {
              const PoolFeature& a = pool_from[c];
              auto it = from_gk[t].find(c);
              if (it == from_gk[t].end()) {
                geo::Geometry g = geo::Geometry::from_wkb(a.wkb).transformed(gk.to_gk);
                if (!g.validity().valid) g = g.make_valid().polygonal_part();
                it = from_gk[t].emplace(c, std::move(g)).first;
              }
              cover.push_back(it->second.clone());
              if (a.code == b.code) continue;  // same class: no change spot, whatever the shape
              geo::Geometry piece = tb.intersection_projected(it->second);
              if (piece.is_empty()) continue;
              geo::Geometry lonlat = piece.transformed(gk.to_lonlat);
              double area = geo::ellipsoidal_area_m2(lonlat);
              if (area < rules.min_area_m2) continue;
              ChangeSpot s;
              s.bsm_before = a.bsm;
              s.bsm_after = b.bsm;
              s.code_before = a.code;
              s.code_after = b.code;
              s.region_code = b.region.empty() ? a.region : b.region;
              s.region_name = b.region.empty() ? a.region_name : b.region_name;
              s.wkb = lonlat.wkb();
              s.bbox = lonlat.envelope();
              s.area_m2 = area;
              local.push_back(std::move(s));
            }
            one_side_spot(b, true, uncovered_part(tb, std::move(cover)), gk, local);
          }
          std::lock_guard lock(mutex);
          found[begin / 2048] = std::move(local);
        },
        [&](std::size_t done) { report("compare", static_cast<std::int64_t>(done), static_cast<std::int64_t>(pool_to.size())); });
    for (auto& chunk : found)
      for (auto& s : chunk) spots.push_back(std::move(s));
    from_gk.clear();

    // Removed land: the part of a changed from-feature no changed to-feature covers.
    std::vector<std::map<std::size_t, geo::Geometry>> to_gk(threads);
    std::vector<std::vector<ChangeSpot>> removed((pool_from.size() + 2047) / 2048 + 1);
    parallel_chunks(
        pool_from.size(),
        [&](std::size_t begin, std::size_t end, int t) {
          if (!gks[t]) gks[t] = std::make_unique<GaussKruger>(epsg);
          GaussKruger& gk = *gks[t];
          std::vector<std::size_t> candidates;
          std::vector<ChangeSpot> local;
          std::vector<geo::Geometry> cover;
          for (std::size_t i = begin; i < end; ++i) {
            const PoolFeature& a = pool_from[i];
            to_index.query(a.bbox, candidates);
            Target ta(geo::Geometry::from_wkb(a.wkb), gk);
            cover.clear();
            for (std::size_t c : candidates) {
              auto it = to_gk[t].find(c);
              if (it == to_gk[t].end()) {
                geo::Geometry g = geo::Geometry::from_wkb(pool_to[c].wkb).transformed(gk.to_gk);
                if (!g.validity().valid) g = g.make_valid().polygonal_part();
                it = to_gk[t].emplace(c, std::move(g)).first;
              }
              cover.push_back(it->second.clone());
            }
            one_side_spot(a, false, uncovered_part(ta, std::move(cover)), gk, local);
          }
          std::lock_guard lock(mutex);
          removed[begin / 2048] = std::move(local);
        });
    for (auto& chunk : removed)
      for (auto& s : chunk) spots.push_back(std::move(s));
  }
  pool_from.clear();
  pool_to.clear();

  // Stable ids: the same two versions give the same spots in the same order.
  std::sort(spots.begin(), spots.end(), [](const ChangeSpot& a, const ChangeSpot& b) {
    return std::tie(a.region_code, a.bsm_before, a.bsm_after, a.code_before, a.code_after, a.bbox.minx,
                    a.bbox.miny) < std::tie(b.region_code, b.bsm_before, b.bsm_after, b.code_before,
                                            b.code_after, b.bbox.minx, b.bbox.miny);
  });
  for (std::size_t i = 0; i < spots.size(); ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "BH%06zu", i + 1);
    spots[i].id = id;
    const auto* before = classes.find(spots[i].code_before);
    const auto* after = classes.find(spots[i].code_after);
    spots[i].name_before = before ? before->name_zh : spots[i].code_before == kNoLand ? "无" : "";
    spots[i].name_after = after ? after->name_zh : spots[i].code_after == kNoLand ? "无" : "";
  }
  if (request.region_prefixes)
    std::erase_if(spots, [&](const ChangeSpot& s) { return !in_regions(s.region_code, request.region_prefixes); });

  // ---- 5. the rules ----
  // Control layers: the latest version of every layer of a kind a change rule names.
  std::vector<LoadedLayer> controls;
  {
    std::vector<LayerKind> kinds;
    for (const auto& r : rules.rules) {
      for (auto k : r.inside) kinds.push_back(k);
      for (const auto& o : r.outside) kinds.push_back(parse_layer_kind(o.substr(0, o.find(':'))));
    }
    for (const auto& v : store.layers())
      if (std::find(kinds.begin(), kinds.end(), v.kind) != kinds.end() && v.layer != request.layer) {
        result.controls.push_back(v);
        controls.push_back(load_layer(store, v));
      }
  }
  // Projects for the plan rules.
  std::vector<PlanProject> plan_projects;
  const MonitoringRule* deviation = nullptr;
  const MonitoringRule* shortfall = nullptr;
  for (const auto& r : rules.rules) {
    if (r.type == MonitoringRule::Type::plan_deviation) deviation = &r;
    if (r.type == MonitoringRule::Type::new_cultivated_shortfall) shortfall = &r;
  }
  if (projects && (deviation || shortfall)) {
    auto records = projects->read([&](storage::ProjectTx& tx) { return tx.projects(std::nullopt, true); });
    std::map<std::int64_t, double> achieved;
    try {
      achieved = projects->read([&](storage::ProjectTx& tx) {
        std::map<std::int64_t, double> out;
        for (const auto& r : tx.session().query(
                 "SELECT project_id, achieved FROM progress_indicators WHERE indicator = $1",
                 {"new_cultivated_land"}))
          if (!r[1].empty()) out[std::stoll(r[0])] = std::stod(r[1]);
        return out;
      });
    } catch (const Error&) {
      // No progress has ever been recorded in this database (no table yet): nothing achieved.
    }
    for (const auto& p : records) {
      std::string state(to_string(p.state));
      bool wanted = (deviation && std::count(deviation->project_states.begin(), deviation->project_states.end(), state)) ||
                    (shortfall && std::count(shortfall->project_states.begin(), shortfall->project_states.end(), state));
      if (!wanted || !in_regions(p.region_code, request.region_prefixes)) continue;
      json plan = json::parse(p.plan_json.empty() ? "{}" : p.plan_json, nullptr, false);
      if (!plan.is_object() || !plan.contains("area") || plan["area"].is_null()) continue;
      PlanProject pp;
      pp.code = p.code;
      pp.name = p.name;
      pp.region = p.region_code;
      pp.state = state;
      pp.area_geojson = plan["area"].dump();
      pp.bbox = geo::Geometry::from_geojson(pp.area_geojson).envelope();
      const json changes = plan.value("changes", json::array());
      for (const auto& c : changes)
        if (c.is_object() && c.contains("geometry"))
          pp.changes.push_back({c["geometry"].dump(), c.value("from_code", ""), c.value("to_code", "")});
      if (auto it = achieved.find(p.id); it != achieved.end()) pp.claimed_achieved_m2 = it->second;
      plan_projects.push_back(std::move(pp));
    }
  }
  auto project_wanted = [](const MonitoringRule* r, const PlanProject& p) {
    return r && std::count(r->project_states.begin(), r->project_states.end(), p.state);
  };

  const int threads = worker_threads();
  std::vector<RuleWorker> workers(threads);
  auto prepare = [&](RuleWorker& w) {
    if (w.gk) return;
    w.gk = std::make_unique<GaussKruger>(epsg);
    for (const auto& c : controls) {
      w.zones[c.version.kind].push_back(std::make_unique<ZoneSet>(c, *w.gk));
      if (c.version.kind == LayerKind::village_plan)
        w.construction.push_back(std::make_unique<ZoneSet>(c, *w.gk, [](const StoredFeature& f) {
          return village_zone_allows_construction(f.attributes);
        }));
    }
    for (const auto& p : plan_projects) {
      if (!project_wanted(deviation, p)) continue;
      RuleWorker::Project wp;
      wp.p = &p;
      wp.area_gk = geo::Geometry::from_geojson(p.area_geojson).transformed(w.gk->to_gk);
      if (!wp.area_gk.validity().valid) wp.area_gk = wp.area_gk.make_valid().polygonal_part();
      for (const auto& c : p.changes) {
        geo::Geometry g = geo::Geometry::from_geojson(c.geojson).transformed(w.gk->to_gk);
        if (!g.validity().valid) g = g.make_valid().polygonal_part();
        wp.changes_gk.emplace_back(c.to_code, std::move(g));
      }
      w.projects.push_back(std::move(wp));
    }
  };
  parallel_chunks(
      spots.size(),
      [&](std::size_t begin, std::size_t end, int t) {
        RuleWorker& w = workers[t];
        prepare(w);
        for (std::size_t i = begin; i < end; ++i) {
          ChangeSpot& s = spots[i];
          Target target(geo::Geometry::from_wkb(s.wkb), *w.gk);
          if (s.area_m2 == 0) s.area_m2 = target.area_m2();
          s.area_mu = s.area_m2 / kSquareMetresPerMu;
          s.area_ha = s.area_m2 / kSquareMetresPerHectare;
          for (const auto& rule : rules.rules) {
            if (rule.type != MonitoringRule::Type::change) continue;
            if (!rule.from.matches(s.code_before, classes) || !rule.to.matches(s.code_after, classes)) continue;
            double area = 0;
            if (!rule.inside.empty()) {
              // The part inside every named kind (inside any layer of that kind).
              std::optional<geo::Geometry> inside;  // GK
              for (LayerKind k : rule.inside) {
                std::vector<geo::Geometry> parts;
                for (auto& z : w.zones[k]) {
                  Overlap o = z->overlap_union(target, true);
                  if (o.area_m2 > 0) parts.push_back(o.lonlat.transformed(w.gk->to_gk));
                }
                if (parts.empty()) {
                  inside = geo::Geometry::empty_polygon();
                  break;
                }
                geo::Geometry u = unite_projected(std::move(parts));
                inside = inside ? inside->intersection(u).polygonal_part() : std::move(u);
              }
              area = inside ? lonlat_area(*inside, *w.gk) : 0;
            } else if (!rule.outside.empty()) {
              std::vector<geo::Geometry> allowed;  // GK
              for (const auto& o : rule.outside) {
                if (o == "village_plan:construction") {
                  for (auto& z : w.construction) {
                    Overlap ov = z->overlap_union(target, true);
                    if (ov.area_m2 > 0) allowed.push_back(ov.lonlat.transformed(w.gk->to_gk));
                  }
                } else {
                  for (auto& z : w.zones[parse_layer_kind(o)]) {
                    Overlap ov = z->overlap_union(target, true);
                    if (ov.area_m2 > 0) allowed.push_back(ov.lonlat.transformed(w.gk->to_gk));
                  }
                }
              }
              if (allowed.empty()) {
                area = s.area_m2;
              } else {
                geo::Geometry rest =
                    target.projected().difference(unite_projected(std::move(allowed))).polygonal_part();
                area = lonlat_area(rest, *w.gk);
              }
            } else {
              area = s.area_m2;
            }
            if (area < rules.min_area_m2) continue;
            s.hits.push_back({rule.id, rule.name_zh, rule.name_en,
                              rule.severity_for(area / kSquareMetresPerMu), area, "", ""});
          }
          if (deviation)
            for (auto& wp : w.projects) {
              if (!wp.p->bbox.intersects(s.bbox)) continue;
              geo::Geometry in_area = target.intersection_projected(wp.area_gk);
              if (in_area.is_empty() || lonlat_area(in_area, *w.gk) < rules.min_area_m2) continue;
              // What the plan makes here: its changes to the class the survey found.
              std::vector<geo::Geometry> planned;
              for (const auto& [to_code, g] : wp.changes_gk)
                if (same_counted_class(to_code, s.code_after, classes)) planned.push_back(g.clone());
              geo::Geometry rest = planned.empty()
                                       ? std::move(in_area)
                                       : in_area.difference(unite_projected(std::move(planned))).polygonal_part();
              double area = lonlat_area(rest, *w.gk);
              if (area < rules.min_area_m2) continue;
              s.hits.push_back({deviation->id, deviation->name_zh, deviation->name_en,
                                deviation->severity_for(area / kSquareMetresPerMu), area, wp.p->code,
                                wp.p->name});
            }
          std::stable_sort(s.hits.begin(), s.hits.end(),
                           [](const RuleHit& a, const RuleHit& b) { return a.severity > b.severity; });
        }
      },
      [&](std::size_t done) { report("rules", static_cast<std::int64_t>(done), static_cast<std::int64_t>(spots.size())); });

  // ---- 6. 新增耕地核定: claimed vs surveyed new cultivated land per completed project ----
  if (shortfall) {
    GaussKruger gk(epsg);
    for (const auto& p : plan_projects) {
      if (!project_wanted(shortfall, p)) continue;
      // The plan's new cultivated plots: changes to a cultivated class from another.
      std::vector<geo::Geometry> plots;
      for (const auto& c : p.changes) {
        const auto* to = classes.find(c.to_code);
        const auto* from = classes.find(c.from_code);
        if (!to || !to->cultivated || (from && from->cultivated)) continue;
        geo::Geometry g = geo::Geometry::from_geojson(c.geojson).transformed(gk.to_gk);
        if (!g.validity().valid) g = g.make_valid().polygonal_part();
        plots.push_back(std::move(g));
      }
      NewCultivatedCheck check;
      check.project = p.code;
      check.project_name = p.name;
      check.region_code = p.region;
      check.state = p.state;
      double planned_m2 = 0, surveyed_m2 = 0;
      if (!plots.empty()) {
        geo::Geometry united = unite_projected(std::move(plots));
        geo::Geometry united_ll = united.transformed(gk.to_lonlat);
        planned_m2 = geo::ellipsoidal_area_m2(united_ll);
        std::vector<geo::Geometry> cultivated;
        store.scan_bbox(result.to, united_ll.envelope(), [&](StoredFeature&& f) {
          auto code = land_use_code(f.attributes);
          if (!code || !classes.is_cultivated(*code)) return;
          Target t(geo::Geometry::from_wkb(f.wkb), gk);
          geo::Geometry piece = t.intersection_projected(united);
          if (!piece.is_empty()) cultivated.push_back(std::move(piece));
        });
        if (!cultivated.empty()) surveyed_m2 = lonlat_area(unite_projected(std::move(cultivated)), gk);
      }
      check.claimed_m2 = p.claimed_achieved_m2.value_or(planned_m2);
      if (check.claimed_m2 <= 0) continue;
      check.surveyed_m2 = surveyed_m2;
      check.shortfall_m2 = std::max(0.0, check.claimed_m2 - surveyed_m2);
      double share = check.shortfall_m2 / check.claimed_m2;
      if (check.shortfall_m2 >= rules.min_area_m2 && share > shortfall->tolerance_share)
        check.hit = RuleHit{shortfall->id, shortfall->name_zh, shortfall->name_en,
                            shortfall->severity_for(share), check.shortfall_m2, p.code, p.name};
      result.projects.push_back(std::move(check));
    }
  }
  result.spots = std::move(spots);
  return result;
}

}  // namespace gz::services
