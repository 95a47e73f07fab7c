// The envelope index finds exactly the items whose boxes meet the query box, touching included.
#include <gtest/gtest.h>

#include <random>

#include "geo/spatial_index.h"

namespace gz::geo {
namespace {

TEST(SpatialIndex, finds_exactly_the_boxes_meeting_the_query_in_item_order) {
  std::mt19937_64 rng(2026);
  std::uniform_real_distribution<double> pos(0, 100), size(0, 8);
  std::vector<Envelope> boxes;
  SpatialIndex index;
  for (std::size_t i = 0; i < 3000; ++i) {
    double x = pos(rng), y = pos(rng);
    Envelope e{x, y, x + size(rng), y + size(rng)};
    if (i % 7 == 0) e = {x, y, x, y};  // a point
    boxes.push_back(e);
    index.insert(i * 3 + 1, e);  // items need not be 0..n-1
  }
  std::vector<std::size_t> got;
  for (int q = 0; q < 2000; ++q) {
    double x = pos(rng), y = pos(rng);
    Envelope query{x, y, x + size(rng), y + size(rng)};
    if (q % 5 == 0) query = boxes[q % boxes.size()];  // exactly touching/equal boxes
    if (q % 11 == 0) query = {boxes[q].maxx, boxes[q].maxy, boxes[q].maxx + 1, boxes[q].maxy + 1};
    std::vector<std::size_t> expected;
    for (std::size_t i = 0; i < boxes.size(); ++i)
      if (boxes[i].intersects(query)) expected.push_back(i * 3 + 1);
    index.query(query, got);
    ASSERT_EQ(got, expected) << "query " << q;
  }
}

TEST(SpatialIndex, an_empty_index_finds_nothing_and_corners_may_come_in_any_order) {
  SpatialIndex empty;
  EXPECT_TRUE(empty.query({0, 0, 1, 1}).empty());
  SpatialIndex index;
  index.insert(7, {2, 2, 1, 1});  // corners swapped
  EXPECT_EQ(index.query({1.5, 1.5, 1.6, 1.6}), std::vector<std::size_t>{7});
  EXPECT_EQ(index.query({2, 2, 3, 3}), std::vector<std::size_t>{7});
  EXPECT_TRUE(index.query({2.01, 0, 3, 3}).empty());
}

}  // namespace
}  // namespace gz::geo
