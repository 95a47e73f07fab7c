// Envelope index over items numbered by the caller: a static packed R-tree (sort-tile-recursive,
// as GEOS's STRtree), kept in flat arrays and queried without allocating, because the overlay
// asks it a few million times per check.
#pragma once

#include <cstddef>
#include <vector>

#include "domain/layer.h"

namespace gz::geo {

class SpatialIndex {
 public:
  void insert(std::size_t item, const Envelope& env);
  // Items whose envelope meets `env` (closed boxes: touching counts), in ascending item order,
  // into `out` (cleared first). Builds the tree on the first query: not thread-safe until then,
  // so each thread holds its own.
  void query(const Envelope& env, std::vector<std::size_t>& out) const;
  std::vector<std::size_t> query(const Envelope& env) const;

 private:
  void build() const;

  struct Box {
    double minx, miny, maxx, maxy;
    bool meets(const Box& o) const {
      return !(o.minx > maxx || o.maxx < minx || o.miny > maxy || o.maxy < miny);
    }
  };
  std::vector<Box> items_;
  std::vector<std::size_t> ids_;
  // levels_[0]: item boxes in tree order (ids in leaf_ids_); levels_[k + 1][j] bounds children
  // [j * kNodeSize, (j + 1) * kNodeSize) of levels_[k].
  mutable std::vector<std::vector<Box>> levels_;
  mutable std::vector<std::size_t> leaf_ids_;
  mutable bool built_ = false;
};

}  // namespace gz::geo
