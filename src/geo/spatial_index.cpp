#include "geo/spatial_index.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace gz::geo {

namespace {
constexpr std::size_t kNodeSize = 10;  // as the GEOS STRtree this replaces
}

void SpatialIndex::insert(std::size_t item, const Envelope& env) {
  // Boxes are normalised as GEOS does for a rectangle given corners in either order.
  items_.push_back({std::min(env.minx, env.maxx), std::min(env.miny, env.maxy),
                    std::max(env.minx, env.maxx), std::max(env.miny, env.maxy)});
  ids_.push_back(item);
  built_ = false;
}

void SpatialIndex::build() const {
  levels_.clear();
  leaf_ids_.clear();
  built_ = true;
  const std::size_t n = items_.size();
  if (n == 0) return;
  // Sort-tile-recursive packing: vertical slices by centre x, each sorted by centre y.
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  auto cx = [&](std::size_t i) { return items_[i].minx + items_[i].maxx; };
  auto cy = [&](std::size_t i) { return items_[i].miny + items_[i].maxy; };
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return cx(a) < cx(b); });
  std::size_t leaves = (n + kNodeSize - 1) / kNodeSize;
  std::size_t slices = static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(leaves))));
  std::size_t per_slice = slices * kNodeSize;
  for (std::size_t s = 0; s < n; s += per_slice)
    std::stable_sort(order.begin() + s, order.begin() + std::min(n, s + per_slice),
                     [&](auto a, auto b) { return cy(a) < cy(b); });
  levels_.emplace_back();
  for (std::size_t i : order) {
    levels_[0].push_back(items_[i]);
    leaf_ids_.push_back(ids_[i]);
  }
  while (levels_.back().size() > 1) {
    const std::vector<Box>& below = levels_.back();
    std::vector<Box> above;
    for (std::size_t j = 0; j < below.size(); j += kNodeSize) {
      Box b = below[j];
      for (std::size_t k = j + 1; k < std::min(below.size(), j + kNodeSize); ++k) {
        b.minx = std::min(b.minx, below[k].minx);
        b.miny = std::min(b.miny, below[k].miny);
        b.maxx = std::max(b.maxx, below[k].maxx);
        b.maxy = std::max(b.maxy, below[k].maxy);
      }
      above.push_back(b);
    }
    levels_.push_back(std::move(above));
  }
}

void SpatialIndex::query(const Envelope& env, std::vector<std::size_t>& out) const {
  out.clear();
  if (!built_) build();
  if (levels_.empty()) return;
  const Box q{std::min(env.minx, env.maxx), std::min(env.miny, env.maxy),
              std::max(env.minx, env.maxx), std::max(env.miny, env.maxy)};
  // Depth-first over (level, node); the tree is shallow (kNodeSize^depth items).
  struct Visit {
    std::size_t level, node;
  };
  Visit stack[kNodeSize * 24];  // depth × (kNodeSize - 1) + 1 at most
  std::size_t top = 0;
  stack[top++] = {levels_.size() - 1, 0};
  while (top > 0) {
    Visit v = stack[--top];
    if (!levels_[v.level][v.node].meets(q)) continue;
    if (v.level == 0) {
      out.push_back(leaf_ids_[v.node]);
      continue;
    }
    std::size_t first = v.node * kNodeSize;
    std::size_t last = std::min(levels_[v.level - 1].size(), first + kNodeSize);
    for (std::size_t c = first; c < last; ++c) stack[top++] = {v.level - 1, c};
  }
  std::sort(out.begin(), out.end());
}

std::vector<std::size_t> SpatialIndex::query(const Envelope& env) const {
  std::vector<std::size_t> out;
  query(env, out);
  return out;
}

}  // namespace gz::geo
