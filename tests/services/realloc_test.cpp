// Parcel reallocation on every backend: a synthetic unit of scattered strips is consolidated so
// that every household keeps its land value within the tolerance in far fewer pieces; households
// that asked to stay keep their parcels exactly; the original layer is never touched; bad input
// (parcels without value or household, overlapping parcels, an impossible tolerance, an unknown
// stayer) is refused naming the parcel or household.
#include <gtest/gtest.h>

#include <cmath>

#include "../storage/store_backends.h"
#include "common/error.h"
#include "services/realloc.h"
#include "storage/store.h"

namespace gz::test {
namespace {

class ReallocTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    store_ = storage::Store::open(location(), {.create = true});
  }
  std::unique_ptr<storage::Store> store_;
};

TEST_P(ReallocTest, households_keep_their_value_in_fewer_pieces_and_stayers_keep_their_parcels) {
  services::write_demo_parcels(*store_, "parcels", 120, 600, 3);
  auto before = where_->query("SELECT count(*) FROM feature");
  services::ReallocRequest req;
  req.layer = "parcels";
  req.stay = {"H00007", "H00042"};
  req.output_layer = "parcels_new";
  auto r = services::reallocate(*store_, req);
  EXPECT_EQ(r.households, 120);
  EXPECT_EQ(r.moving_households, 118);
  EXPECT_TRUE(r.within_tolerance);
  EXPECT_LT(r.max_abs_deviation, 0.005);
  EXPECT_NEAR(r.before.parcels_per_household, 5.0, 1e-9);
  EXPECT_LE(r.after.parcels_per_household, 0.4 * r.before.parcels_per_household);
  EXPECT_GT(r.after.mean_parcel_area_m2, 2 * r.before.mean_parcel_area_m2);
  for (const auto& h : r.households_detail) {
    EXPECT_LE(std::fabs(h.deviation), 0.02) << h.household;
    if (h.household == "H00007" || h.household == "H00042") {
      EXPECT_TRUE(h.stayed);
      EXPECT_EQ(h.parcels_after, h.parcels_before);
      EXPECT_DOUBLE_EQ(h.value_after, h.value_before);
    }
  }
  // A new layer, the original as it was.
  ASSERT_TRUE(r.written);
  EXPECT_EQ(r.written->layer, "parcels_new");
  EXPECT_EQ(store_->layer_version("parcels", std::nullopt).feature_count, 600);
  int stayer_parcels = 0;
  for (const auto& f : store_->read_all(*r.written, {}))
    if (attribute_text(f.attributes, "CBFBM").value_or("") == "H00007") ++stayer_parcels;
  EXPECT_EQ(stayer_parcels, 5);
}

TEST_P(ReallocTest, a_plan_outside_the_tolerance_is_reported_and_not_written) {
  services::write_demo_parcels(*store_, "parcels", 120, 600, 3);
  services::ReallocRequest req;
  req.layer = "parcels";
  req.output_layer = "parcels_new";
  req.tolerance = 1e-9;  // no consolidation keeps every value this exactly
  auto r = services::reallocate(*store_, req);
  EXPECT_FALSE(r.within_tolerance);
  EXPECT_GT(r.max_abs_deviation, 1e-9);
  EXPECT_FALSE(r.written);
  EXPECT_THROW(store_->layer_version("parcels_new", std::nullopt), NotFoundError);
  EXPECT_EQ(where_->query("SELECT count(*) FROM layer_version"), std::vector<std::string>{"1"});
}

TEST_P(ReallocTest, bad_input_is_refused_naming_the_parcel_or_household) {
  services::write_demo_parcels(*store_, "parcels", 10, 30, 1);
  auto dump = where_->dump();
  services::ReallocRequest req;
  req.layer = "parcels";
  auto message = [&](services::ReallocRequest q) {
    try {
      services::reallocate(*store_, q);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  auto bad = req;
  bad.tolerance = 0;
  EXPECT_NE(message(bad).find("--tolerance"), std::string::npos);
  bad = req;
  bad.stay = {"H99999"};
  EXPECT_NE(message(bad).find("H99999"), std::string::npos);
  EXPECT_EQ(where_->dump(), dump);

  // A parcel with no grade and no value; one with no household; two that overlap.
  auto write = [&](const std::string& layer, const std::vector<Attributes>& attrs, bool overlap) {
    auto w = store_->begin_layer_version({layer, LayerKind::parcel, "test", "EPSG:4490"});
    for (std::size_t i = 0; i < attrs.size(); ++i) {
      double x = 117.3 + (overlap ? 0.0001 * static_cast<double>(i) : 0.001 * static_cast<double>(i));
      w->add("Q" + std::to_string(i + 1), square_wkb(x, 31.8, 0.0005), {x, 31.8, x + 0.0005, 31.8005},
             attrs[i]);
    }
    w->commit();
  };
  write("no_value", {{{"CBFBM", std::string("H1")}, {"DLDJ", std::int64_t{3}}},
                     {{"CBFBM", std::string("H2")}}},
        false);
  bad = req;
  bad.layer = "no_value";
  EXPECT_NE(message(bad).find("Q2"), std::string::npos) << message(bad);
  write("no_household", {{{"DLDJ", std::int64_t{3}}}}, false);
  bad.layer = "no_household";
  EXPECT_NE(message(bad).find("CBFBM"), std::string::npos) << message(bad);
  write("overlapping", {{{"CBFBM", std::string("H1")}, {"DLDJ", std::int64_t{3}}},
                        {{"CBFBM", std::string("H2")}, {"DLDJ", std::int64_t{4}}}},
        true);
  bad.layer = "overlapping";
  auto m = message(bad);
  EXPECT_NE(m.find("overlaps parcel"), std::string::npos) << m;
  EXPECT_NE(m.find("Q1"), std::string::npos) << m;
}

INSTANTIATE_TEST_SUITE_P(Backends, ReallocTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
