// The storage interface, driven directly on a SQLite file: what every store implementation must
// do (numbering versions, all-or-nothing writes, reading back exactly what was written).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "../test_support.h"
#include "common/error.h"
#include "storage/store.h"

namespace gz::test {
namespace {

namespace fs = std::filesystem;
using storage::NewLayerVersion;
using storage::Store;

Attributes land_use_attributes(const std::string& code, std::int64_t bsm) {
  return {{"BSM", bsm}, {"DLBM", code}, {"TBMJ", 666.67}, {"KCDLBM", std::monostate{}}};
}

class SqliteStoreTest : public TempDirTest {
 protected:
  std::unique_ptr<Store> open_store() {
    return Store::open(at("store.sqlite"), {.create = true});
  }

  // Writes one version of `layer` with `n` squares in a row starting at (117, 30).
  LayerVersion write_version(Store& store, const std::string& layer, int n,
                             LayerKind kind = LayerKind::land_use) {
    auto writer = store.begin_layer_version({layer, kind, "test.geojson", "EPSG:4490"});
    for (int i = 0; i < n; ++i) {
      double x = 117.0 + i * 0.01;
      writer->add(std::to_string(i), square_wkb(x, 30.0, 0.005), {x, 30.0, x + 0.005, 30.005},
                  land_use_attributes("0101", i));
    }
    return writer->commit();
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

TEST_F(SqliteStoreTest, versions_are_numbered_from_one_per_layer) {
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

TEST_F(SqliteStoreTest, a_writer_destroyed_without_commit_leaves_nothing) {
  auto store = open_store();
  write_version(*store, "dltb", 2);
  std::string before = dump_database(at("store.sqlite"));
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
  EXPECT_EQ(dump_database(at("store.sqlite")), before);
  EXPECT_EQ(store->versions("dltb").size(), 1u);
  EXPECT_THROW(store->versions("new_layer"), NotFoundError);
  // And the store takes the next write as version 2.
  EXPECT_EQ(write_version(*store, "dltb", 1).version, 2);
}

TEST_F(SqliteStoreTest, scan_returns_geometry_and_attributes_as_written) {
  auto store = open_store();
  Attributes attrs{{"BSM", std::int64_t{9007199254740993}},
                   {"negative", std::int64_t{-42}},
                   {"TBMJ", 1234.5678901234567},
                   {"whole_double", 3.0},
                   {"tiny", 1e-300},
                   {"DLMC", std::string("水浇地")},
                   {"empty", std::string()},
                   {"quote", std::string("a \"quoted\" \\ value")},
                   {"KCDLBM", std::monostate{}}};
  std::string wkb = square_wkb(117.123456789012, 30.987654321098, 0.0001);
  Envelope box{117.123456789012, 30.987654321098, 117.123556789012, 30.987754321098};
  auto writer = store->begin_layer_version({"dltb", LayerKind::land_use, "x", "EPSG:4490"});
  writer->add("BSM-1", wkb, box, attrs);
  LayerVersion v = writer->commit();
  writer.reset();

  std::vector<StoredFeature> got;
  store->scan(v, [&](StoredFeature&& f) { got.push_back(std::move(f)); });
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].source_id, "BSM-1");
  EXPECT_EQ(got[0].wkb, wkb);
  ASSERT_EQ(got[0].attributes.size(), attrs.size());
  for (std::size_t i = 0; i < attrs.size(); ++i) {
    EXPECT_EQ(got[0].attributes[i].name, attrs[i].name);
    EXPECT_EQ(value_text(got[0].attributes[i].value), value_text(attrs[i].value))
        << "attribute " << attrs[i].name;
  }
  // The spatial index keeps single precision, rounded outwards by up to two float steps
  // (~1.5e-5 degrees near longitude 117): the box still holds the shape.
  EXPECT_LE(got[0].bbox.minx, box.minx);
  EXPECT_LE(got[0].bbox.miny, box.miny);
  EXPECT_GE(got[0].bbox.maxx, box.maxx);
  EXPECT_GE(got[0].bbox.maxy, box.maxy);
  EXPECT_NEAR(got[0].bbox.minx, box.minx, 3e-5);
  EXPECT_NEAR(got[0].bbox.maxy, box.maxy, 3e-5);
}

TEST_F(SqliteStoreTest, scan_bbox_returns_only_features_of_that_version_meeting_the_box) {
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
  std::vector<std::string> all;
  store->scan(v1, [&](StoredFeature&& f) { all.push_back(f.source_id); });
  EXPECT_EQ(all.size(), 20u);
  EXPECT_EQ(ids_in(v1, {73, 3, 136, 54}), all);
}

TEST_F(SqliteStoreTest, reimport_with_another_kind_is_refused_and_the_store_stays_writable) {
  auto store = open_store();
  write_version(*store, "dltb", 2);
  std::string before = dump_database(at("store.sqlite"));
  EXPECT_THROW(store->begin_layer_version({"dltb", LayerKind::parcel, "x", "EPSG:4490"}),
               UsageError);
  EXPECT_EQ(dump_database(at("store.sqlite")), before);
  // The refusal must not leave a transaction open on the connection.
  EXPECT_EQ(write_version(*store, "dltb", 1).version, 2);
  EXPECT_EQ(write_version(*store, "other", 1, LayerKind::parcel).version, 1);
}

TEST_F(SqliteStoreTest, invalid_layer_names_are_refused) {
  auto store = open_store();
  for (const std::string& name : std::vector<std::string>{
           "", "lu'; DROP TABLE feature; --", "a b", "../etc", std::string(65, 'x')})
    EXPECT_THROW(store->begin_layer_version({name, LayerKind::land_use, "x", "EPSG:4490"}),
                 UsageError)
        << name;
  EXPECT_NO_THROW(storage::validate_layer_name("地类图斑_2023-v2"));
  EXPECT_TRUE(store->layers().empty());
}

TEST_F(SqliteStoreTest, opening_a_file_that_is_not_a_database_gives_a_storage_error) {
  std::string path = at("notes.sqlite");
  write_file(path, std::string("this is not a database, it is a note about the database\n") +
                       std::string(4096, 'x'));
  std::string bytes = read_file(path);
  try {
    Store::open(path, {.create = true});
    FAIL() << "opened a text file as a store";
  } catch (const StorageError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find(path), std::string::npos) << what;
    EXPECT_NE(what.find("not a database"), std::string::npos) << what;
  }
  EXPECT_EQ(read_file(path), bytes);
}

TEST_F(SqliteStoreTest, opening_a_missing_database_without_create_is_not_found) {
  EXPECT_THROW(Store::open(at("missing.sqlite")), NotFoundError);
  EXPECT_FALSE(fs::exists(at("missing.sqlite")));
}

TEST_F(SqliteStoreTest, a_sqlite_file_of_another_program_is_refused_unchanged) {
  std::string path = at("other.sqlite");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "CREATE TABLE parcels(id INTEGER, owner TEXT); INSERT INTO parcels VALUES(1,'x')",
               nullptr, nullptr, nullptr);
  sqlite3_close(db);
  std::string bytes = read_file(path);
  EXPECT_THROW(Store::open(path, {.create = true}), StorageError);
  EXPECT_EQ(read_file(path), bytes);
}

TEST_F(SqliteStoreTest, create_publishes_a_store_only_when_it_is_complete) {
  std::string path = at("county.sqlite");
  // A failed build leaves nothing behind.
  EXPECT_THROW(Store::create(path,
                             [&](Store& s) {
                               write_version(s, "dltb", 3);
                               throw InputError("survey.shp", "7", "", "broken");
                             }),
               InputError);
  EXPECT_TRUE(no_database_files(path));

  EXPECT_TRUE(Store::create(path, [&](Store& s) { write_version(s, "dltb", 3); }));
  // Complete in its main file: no WAL to carry along, no staging copy left.
  EXPECT_EQ(dir_.entries(), std::vector<std::string>{"county.sqlite"});
  auto store = Store::open(path);
  EXPECT_EQ(store->layer_version("dltb", std::nullopt).feature_count, 3);
  store.reset();

  // Never replaces a store that exists: the caller is told to use it instead.
  std::string before = dump_database(path);
  EXPECT_FALSE(Store::create(path, [&](Store& s) { write_version(s, "other", 1); }));
  EXPECT_EQ(dump_database(path), before);
  for (const auto& name : dir_.entries())
    EXPECT_EQ(name.find(".new-"), std::string::npos) << "staging copy left behind: " << name;
}

}  // namespace
}  // namespace gz::test
