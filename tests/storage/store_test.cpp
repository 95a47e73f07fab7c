// The storage interface, driven directly on every implementation (SQLite file, PostgreSQL +
// PostGIS): numbering versions, all-or-nothing writes, reading back exactly what was written,
// several connections at once. Behaviour only one store has lives in <backend>_store_test.cpp.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "common/error.h"
#include "storage/spot_index.h"
#include "storage/store.h"
#include "store_backends.h"

namespace gz::test {
namespace {

using storage::NewLayerVersion;
using storage::Store;

Attributes land_use_attributes(const std::string& code, std::int64_t bsm) {
  return {{"BSM", bsm}, {"DLBM", code}, {"TBMJ", 666.67}, {"KCDLBM", std::monostate{}}};
}

class StoreTest : public StoreBackendTest {
 protected:
  std::unique_ptr<Store> open_store() { return Store::open(location(), {.create = true}); }

  // Writes one version of `layer` with `n` squares in a row starting at (117, 30).
  static LayerVersion write_version(Store& store, const std::string& layer, int n,
                                    LayerKind kind = LayerKind::land_use) {
    auto writer = store.begin_layer_version({layer, kind, "test.geojson", "EPSG:4490"});
    add_squares(*writer, n);
    return writer->commit();
  }

  static void add_squares(storage::LayerWriter& writer, int n) {
    for (int i = 0; i < n; ++i) {
      double x = 117.0 + i * 0.01;
      writer.add(std::to_string(i), square_wkb(x, 30.0, 0.005), {x, 30.0, x + 0.005, 30.005},
                 land_use_attributes("0101", i));
    }
  }

  static std::vector<std::string> source_ids(Store& store, const LayerVersion& v) {
    std::vector<std::string> ids;
    store.scan(v, [&](StoredFeature&& f) { ids.push_back(f.source_id); });
    return ids;
  }
};

std::string value_text(const AttributeValue& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>)
          return "null";
        else if constexpr (std::is_same_v<T, std::int64_t>)
          return "int " + std::to_string(x);
        else if constexpr (std::is_same_v<T, double>) {
          char buf[40];
          std::snprintf(buf, sizeof buf, "double %.17g", x);
          return buf;
        } else
          return "string " + x;
      },
      v);
}

TEST_P(StoreTest, versions_are_numbered_from_one_per_layer) {
  auto store = open_store();
  LayerVersion a1 = write_version(*store, "dltb", 2);
  LayerVersion b1 = write_version(*store, "hongxian", 1, LayerKind::ecological_redline);
  LayerVersion a2 = write_version(*store, "dltb", 3);
  EXPECT_EQ(a1.version, 1);
  EXPECT_EQ(b1.version, 1);
  EXPECT_EQ(a2.version, 2);
  EXPECT_EQ(a2.feature_count, 3);
  EXPECT_EQ(a2.source_srs, "EPSG:4490");

  auto versions = store->versions("dltb");
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0].version, 1);
  EXPECT_EQ(versions[0].feature_count, 2);
  EXPECT_EQ(versions[1].feature_count, 3);
  EXPECT_EQ(versions[1].source, "test.geojson");
  EXPECT_EQ(versions[1].created_at, a2.created_at);
  EXPECT_EQ(versions[1].id, a2.id);
  EXPECT_EQ(store->layer_version("dltb", std::nullopt).version, 2);
  EXPECT_EQ(store->layer_version("dltb", 1).feature_count, 2);

  auto latest = store->layers();
  ASSERT_EQ(latest.size(), 2u);
  EXPECT_EQ(latest[0].layer, "dltb");
  EXPECT_EQ(latest[0].version, 2);
  EXPECT_EQ(latest[1].layer, "hongxian");
  EXPECT_EQ(latest[1].kind, LayerKind::ecological_redline);
  EXPECT_EQ(store->layers_of_kind(LayerKind::ecological_redline).size(), 1u);

  EXPECT_THROW(store->versions("nope"), NotFoundError);
  EXPECT_THROW(store->layer_version("dltb", 3), NotFoundError);

  // Reopened, the numbering continues.
  store.reset();
  store = open_store();
  EXPECT_EQ(write_version(*store, "dltb", 1).version, 3);
}

TEST_P(StoreTest, not_found_errors_name_the_layer_and_the_store) {
  auto store = open_store();
  write_version(*store, "dltb", 1);
  try {
    store->versions("nope");
    FAIL() << "no error for a missing layer";
  } catch (const NotFoundError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("'nope'"), std::string::npos) << what;
    EXPECT_NE(what.find(store->location()), std::string::npos) << what;
  }
  try {
    store->layer_version("dltb", 7);
    FAIL() << "no error for a missing version";
  } catch (const NotFoundError& e) {
    EXPECT_NE(std::string(e.what()).find("no version 7 (latest is 1)"), std::string::npos)
        << e.what();
  }
}

TEST_P(StoreTest, layers_are_listed_in_byte_order_of_their_names) {
  auto store = open_store();
  for (const std::string name : {"地类图斑", "zeta", "Alpha", "_x", "alpha", "9"})
    write_version(*store, name, 1);
  std::vector<std::string> names;
  for (const auto& v : store->layers()) names.push_back(v.layer);
  EXPECT_EQ(names, (std::vector<std::string>{"9", "Alpha", "_x", "alpha", "zeta", "地类图斑"}));
}

TEST_P(StoreTest, a_writer_destroyed_without_commit_leaves_nothing) {
  auto store = open_store();
  write_version(*store, "dltb", 2);
  std::string before = where_->dump();
  {
    auto writer = store->begin_layer_version({"dltb", LayerKind::land_use, "x", "EPSG:4490"});
    writer->add("0", square_wkb(117, 30, 0.01), {117, 30, 117.01, 30.01},
                land_use_attributes("0103", 1));
  }
  {
    // A layer that did not exist is not created either.
    auto writer = store->begin_layer_version({"new_layer", LayerKind::project, "x", "EPSG:4490"});
    writer->add("0", square_wkb(117, 30, 0.01), {117, 30, 117.01, 30.01}, {});
  }
  {
    // Nor after thousands of features, well past any batch a store sends ahead.
    auto writer = store->begin_layer_version({"dltb", LayerKind::land_use, "x", "EPSG:4490"});
    Attributes wide = land_use_attributes("0103", 1);
    wide.push_back({"note", std::string(1000, 'n')});
    for (int i = 0; i < 5000; ++i)
      writer->add(std::to_string(i), square_wkb(117, 30, 0.01), {117, 30, 117.01, 30.01}, wide);
  }
  EXPECT_EQ(where_->dump(), before);
  EXPECT_EQ(store->versions("dltb").size(), 1u);
  EXPECT_THROW(store->versions("new_layer"), NotFoundError);
  // And the store takes the next write as version 2.
  EXPECT_EQ(write_version(*store, "dltb", 1).version, 2);
}

TEST_P(StoreTest, scan_returns_geometry_and_attributes_as_written) {
  auto store = open_store();
  Attributes attrs{{"BSM", std::int64_t{9007199254740993}},
                   {"negative", std::int64_t{-42}},
                   {"TBMJ", 1234.5678901234567},
                   {"whole_double", 3.0},
                   {"tiny", 1e-300},
                   {"huge", -1.7976931348623157e308},
                   {"DLMC", std::string("水浇地")},
                   {"empty", std::string()},
                   {"quote", std::string("a \"quoted\" \\ value\nwith a newline\ttab")},
                   {"looks_like_a_number", std::string("0101")},
                   {"KCDLBM", std::monostate{}},
                   {"zz_last_but_not_sorted", std::int64_t{0}},
                   {"aa", 0.5}};
  std::string wkb = square_wkb(117.123456789012, 30.987654321098, 0.0001);
  Envelope box{117.123456789012, 30.987654321098, 117.123556789012, 30.987754321098};
  auto writer = store->begin_layer_version({"dltb", LayerKind::land_use, "x", "EPSG:4490"});
  writer->add("BSM-1", wkb, box, attrs);
  writer->add("no attributes", wkb, box, {});
  LayerVersion v = writer->commit();
  writer.reset();

  std::vector<StoredFeature> got;
  store->scan(v, [&](StoredFeature&& f) { got.push_back(std::move(f)); });
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].source_id, "BSM-1");
  EXPECT_EQ(got[0].wkb, wkb);
  ASSERT_EQ(got[0].attributes.size(), attrs.size());
  for (std::size_t i = 0; i < attrs.size(); ++i) {
    EXPECT_EQ(got[0].attributes[i].name, attrs[i].name);
    EXPECT_EQ(value_text(got[0].attributes[i].value), value_text(attrs[i].value))
        << "attribute " << attrs[i].name;
  }
  EXPECT_TRUE(got[1].attributes.empty());
  EXPECT_LT(got[0].id, got[1].id);
  // SQLite's spatial index keeps single precision, rounded outwards by up to two float steps
  // (~1.5e-5 degrees near longitude 117): the box still holds the shape.
  EXPECT_LE(got[0].bbox.minx, box.minx);
  EXPECT_LE(got[0].bbox.miny, box.miny);
  EXPECT_GE(got[0].bbox.maxx, box.maxx);
  EXPECT_GE(got[0].bbox.maxy, box.maxy);
  EXPECT_NEAR(got[0].bbox.minx, box.minx, 3e-5);
  EXPECT_NEAR(got[0].bbox.maxy, box.maxy, 3e-5);
  if (postgres()) {
    // PostGIS gives the geometry's own extent, to the last bit.
    EXPECT_EQ(got[0].bbox.minx, box.minx);
    EXPECT_EQ(got[0].bbox.miny, box.miny);
    EXPECT_EQ(got[0].bbox.maxx, 117.123456789012 + 0.0001);
    EXPECT_EQ(got[0].bbox.maxy, 30.987654321098 + 0.0001);
  }
}

TEST_P(StoreTest, scan_streams_every_feature_of_a_large_version_in_id_order) {
  auto store = open_store();
  write_version(*store, "other", 3);
  LayerVersion v = write_version(*store, "dltb", 4321);
  write_version(*store, "dltb", 2);
  std::int64_t last_id = 0;
  int n = 0;
  bool ordered = true, attributes_match = true;
  store->scan(v, [&](StoredFeature&& f) {
    ordered &= f.id > last_id && f.source_id == std::to_string(n);
    const AttributeValue* bsm = find_attribute(f.attributes, "BSM");
    attributes_match &= bsm && std::get<std::int64_t>(*bsm) == n;
    last_id = f.id;
    ++n;
  });
  EXPECT_EQ(n, 4321);
  EXPECT_TRUE(ordered);
  EXPECT_TRUE(attributes_match);
}

// A caller that reads only some features' attribute text gets exactly that text, and every
// feature all the same.
TEST_P(StoreTest, read_all_keeps_only_the_attribute_text_asked_for) {
  auto store = open_store();
  LayerVersion v = write_version(*store, "dltb", 500);
  auto kept = store->read_all(v, {.decode_attributes = false,
                                  .keep_attributes_json = [](std::string_view text) {
                                    return text.find("\"BSM\":4") != std::string_view::npos;
                                  }});
  ASSERT_EQ(kept.size(), 500u);
  for (std::size_t i = 0; i < kept.size(); ++i) {
    bool wanted = std::to_string(i)[0] == '4';
    EXPECT_EQ(kept[i].attributes_json.empty(), !wanted) << i << ": " << kept[i].attributes_json;
    EXPECT_TRUE(kept[i].attributes.empty());
    EXPECT_FALSE(kept[i].wkb.empty());
  }
  EXPECT_NE(kept[4].attributes_json.find("\"DLBM\""), std::string::npos);
}

TEST_P(StoreTest, a_scan_ended_by_an_exception_leaves_the_store_usable) {
  auto store = open_store();
  LayerVersion v = write_version(*store, "dltb", 5000);
  int seen = 0;
  EXPECT_THROW(store->scan(v,
                           [&](StoredFeature&&) {
                             if (++seen == 10) throw InputError("stop here");
                           }),
               InputError);
  EXPECT_EQ(seen, 10);
  EXPECT_EQ(source_ids(*store, v).size(), 5000u);
  EXPECT_EQ(write_version(*store, "dltb", 1).version, 2);
}

TEST_P(StoreTest, scan_bbox_returns_only_features_of_that_version_meeting_the_box) {
  auto store = open_store();
  LayerVersion v1 = write_version(*store, "dltb", 20);  // squares at x = 117.00, 117.01, …
  LayerVersion v2 = write_version(*store, "dltb", 20);

  auto ids_in = [&](const LayerVersion& v, const Envelope& box) {
    std::vector<std::string> ids;
    store->scan_bbox(v, box, [&](StoredFeature&& f) { ids.push_back(f.source_id); });
    return ids;
  };
  // Touches squares 3 (117.03–117.035) and 4 (117.04–117.045) only.
  Envelope box{117.034, 30.001, 117.041, 30.002};
  EXPECT_EQ(ids_in(v1, box), (std::vector<std::string>{"3", "4"}));
  EXPECT_EQ(ids_in(v2, box), (std::vector<std::string>{"3", "4"}));
  // Between squares 3 and 4, and away from everything.
  EXPECT_TRUE(ids_in(v1, {117.0352, 30.001, 117.0398, 30.002}).empty());
  EXPECT_TRUE(ids_in(v1, {100, 20, 101, 21}).empty());
  // A box covering everything returns what scan returns, in the same order.
  std::vector<std::string> all = source_ids(*store, v1);
  EXPECT_EQ(all.size(), 20u);
  EXPECT_EQ(ids_in(v1, {73, 3, 136, 54}), all);
}

TEST_P(StoreTest, reimport_with_another_kind_is_refused_and_the_store_stays_writable) {
  auto store = open_store();
  write_version(*store, "dltb", 2);
  std::string before = where_->dump();
  EXPECT_THROW(store->begin_layer_version({"dltb", LayerKind::parcel, "x", "EPSG:4490"}),
               UsageError);
  EXPECT_EQ(where_->dump(), before);
  // The refusal must not leave a transaction open on the connection.
  EXPECT_EQ(write_version(*store, "dltb", 1).version, 2);
  EXPECT_EQ(write_version(*store, "other", 1, LayerKind::parcel).version, 1);
}

TEST_P(StoreTest, invalid_layer_names_are_refused) {
  auto store = open_store();
  for (const std::string& name : std::vector<std::string>{
           "", "lu'; DROP TABLE feature; --", "a b", "../etc", std::string(65, 'x')})
    EXPECT_THROW(store->begin_layer_version({name, LayerKind::land_use, "x", "EPSG:4490"}),
                 UsageError)
        << name;
  EXPECT_NO_THROW(storage::validate_layer_name("地类图斑_2023-v2"));
  EXPECT_TRUE(store->layers().empty());
}

TEST_P(StoreTest, nothing_of_a_version_is_visible_to_another_connection_before_commit) {
  auto writing = open_store();
  auto reading = open_store();
  write_version(*writing, "dltb", 2);
  auto writer = writing->begin_layer_version({"dltb", LayerKind::land_use, "x", "EPSG:4490"});
  add_squares(*writer, 3000);
  auto during = reading->versions("dltb");
  ASSERT_EQ(during.size(), 1u);
  EXPECT_EQ(source_ids(*reading, during.back()).size(), 2u);
  EXPECT_THROW(reading->layer_version("dltb", 2), NotFoundError);
  LayerVersion v2 = writer->commit();
  writer.reset();
  EXPECT_EQ(reading->layer_version("dltb", std::nullopt).version, 2);
  EXPECT_EQ(source_ids(*reading, v2).size(), 3000u);
}

TEST_P(StoreTest, two_writers_of_one_layer_on_two_connections_get_consecutive_versions) {
  auto first = open_store();
  auto second = open_store();
  write_version(*first, "dltb", 1);
  auto writer = first->begin_layer_version({"dltb", LayerKind::land_use, "x", "EPSG:4490"});
  add_squares(*writer, 10);
  // The second writer waits for the first (its number depends on the first's outcome).
  std::atomic<bool> started{false};
  auto other = std::async(std::launch::async, [&] {
    started = true;
    return write_version(*second, "dltb", 7);
  });
  while (!started) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(writer->commit().version, 2);
  writer.reset();
  LayerVersion v3 = other.get();
  EXPECT_EQ(v3.version, 3);
  EXPECT_EQ(v3.feature_count, 7);
  auto versions = first->versions("dltb");
  ASSERT_EQ(versions.size(), 3u);
  EXPECT_EQ(versions[1].feature_count, 10);
  EXPECT_EQ(where_->query("SELECT v.version, count(f.id) FROM layer_version v LEFT JOIN feature f "
                          "ON f.version_id = v.id GROUP BY v.id, v.version ORDER BY v.version"),
            (std::vector<std::string>{"1|1", "2|10", "3|7"}));
}

TEST_P(StoreTest, several_connections_opening_a_new_store_at_once_all_succeed) {
  std::vector<std::future<int>> opened;
  for (int i = 0; i < 6; ++i)
    opened.push_back(std::async(std::launch::async, [&, i] {
      auto store = open_store();
      return write_version(*store, "layer" + std::to_string(i), 1).version;
    }));
  for (auto& f : opened) EXPECT_EQ(f.get(), 1);
  EXPECT_EQ(open_store()->layers().size(), 6u);
  // The schema was set up once: one version row, the same every opener saw.
  EXPECT_EQ(where_->query("SELECT count(*) FROM meta WHERE key = 'schema_version'"),
            std::vector<std::string>{"1"});
}

// A store from before versions recorded their schema (SQLite schema 2, PostgreSQL schema 1) is
// upgraded when opened: its versions have no schema (an export reads them first), new ones do.
TEST_P(StoreTest, a_store_from_before_recorded_schemas_is_upgraded_when_opened) {
  LayerVersion old = write_version(*open_store(), "dltb", 3);
  where_->exec("ALTER TABLE layer_version DROP COLUMN feature_schema");
  where_->exec(std::string("UPDATE meta SET value = '") + (postgres() ? "1" : "2") +
               "' WHERE key = 'schema_version'");
  auto store = open_store();
  EXPECT_FALSE(store->layer_schema(old));
  EXPECT_EQ(source_ids(*store, old).size(), 3u);
  LayerVersion fresh = write_version(*store, "dltb", 2);
  auto recorded = store->layer_schema(fresh);
  ASSERT_TRUE(recorded);
  EXPECT_EQ(recorded->count, 2);
  ASSERT_EQ(recorded->fields.size(), 4u);
  EXPECT_EQ(recorded->fields[1].name, "DLBM");
  EXPECT_EQ(recorded->fields[3].type, AttributeType::text) << "KCDLBM is always null";
  EXPECT_DOUBLE_EQ(recorded->extent.minx, 117.0);
  EXPECT_DOUBLE_EQ(recorded->extent.maxx, 117.015);
  EXPECT_EQ(where_->query("SELECT value FROM meta WHERE key = 'schema_version'"),
            std::vector<std::string>{postgres() ? "3" : "4"});
}

// A spot is found by its BSM through the index on it (feature_bsm), whether the BSM was written
// as a number or as text, and only in the version asked for.
TEST_P(StoreTest, a_spot_is_found_by_its_bsm_through_an_index) {
  auto store = open_store();
  LayerVersion v1 = write_version(*store, "dltb", 5);
  auto writer = store->begin_layer_version({"dltb", LayerKind::land_use, "test.geojson", "EPSG:4490"});
  writer->add("a", square_wkb(118.0, 30.0, 0.005), {118.0, 30.0, 118.005, 30.005},
              {{"BSM", std::string("340123000123")}, {"DLBM", std::string("0103")}});
  writer->add("b", square_wkb(118.1, 30.0, 0.005), {118.1, 30.0, 118.105, 30.005},
              {{"BSM", std::int64_t{3}}, {"DLBM", std::string("0201")}});
  LayerVersion v2 = writer->commit();
  writer.reset();  // an open layer writer holds the store until it is destroyed

  auto found = storage::find_by_bsm(*store, v1, "3");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].source_id, "3");
  EXPECT_EQ(std::get<std::int64_t>(found[0].attributes.at(0).value), 3);
  EXPECT_DOUBLE_EQ(found[0].bbox.minx, 117.03);
  auto text = storage::find_by_bsm(*store, v2, "340123000123");
  ASSERT_EQ(text.size(), 1u);
  EXPECT_EQ(text[0].source_id, "a");
  ASSERT_EQ(storage::find_by_bsm(*store, v2, "3").size(), 1u);
  EXPECT_EQ(storage::find_by_bsm(*store, v2, "3")[0].source_id, "b");
  EXPECT_TRUE(storage::find_by_bsm(*store, v2, "4").empty()) << "4 is in version 1 only";
  EXPECT_TRUE(storage::find_by_bsm(*store, v1, "34012300012").empty()) << "no prefix matches";

  if (postgres()) {
    EXPECT_EQ(where_->query("SELECT count(*) FROM pg_indexes WHERE indexname = 'feature_bsm' "
                            "AND schemaname = current_schema()"),
              std::vector<std::string>{"1"});
  } else {
    auto plan = where_->query(
        "EXPLAIN QUERY PLAN SELECT id FROM feature WHERE version_id = 1 AND "
        "CAST(json_extract(attrs, '$.BSM') AS TEXT) = '3'");
    std::string text_plan;
    for (const auto& row : plan) text_plan += row + "\n";
    EXPECT_NE(text_plan.find("feature_bsm"), std::string::npos) << text_plan;
  }
}

TEST_P(StoreTest, a_store_written_by_a_newer_gongzhi_is_refused) {
  write_version(*open_store(), "dltb", 1);
  where_->exec("UPDATE meta SET value = '99' WHERE key = 'schema_version'");
  try {
    open_store();
    FAIL() << "opened a store of a newer schema";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("newer gongzhi (schema 99)"), std::string::npos)
        << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(, StoreTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
