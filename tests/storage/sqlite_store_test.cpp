// What only the SQLite store does: refusing files that are not its own, and Store::create
// building a new file aside and publishing it complete. Everything both stores must do is in
// store_test.cpp, run on both.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "../test_support.h"
#include "common/error.h"
#include "storage/sqlite/sqlite_store.h"
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

// A write acknowledged to anyone must survive a power loss (docs/durability.md): every
// connection flushes its commits (synchronous=FULL, 2) unless NORMAL (1) is asked for.
TEST_F(SqliteStoreTest, every_connection_flushes_each_commit_unless_normal_is_asked_for) {
  auto synchronous = [](sqlite3* db) {
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, "PRAGMA synchronous", -1, &s, nullptr), SQLITE_OK);
    EXPECT_EQ(sqlite3_step(s), SQLITE_ROW);
    int value = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return value;
  };
  ASSERT_EQ(storage::sqlite_synchronous(), storage::SqliteSync::full);
  storage::SqliteStore full(at("store.sqlite"), {.create = true});
  EXPECT_EQ(synchronous(full.handle()), 2);
  storage::set_sqlite_synchronous(storage::SqliteSync::normal);
  storage::SqliteStore normal(at("store.sqlite"), {});
  storage::set_sqlite_synchronous(storage::SqliteSync::full);
  EXPECT_EQ(synchronous(normal.handle()), 1);
  EXPECT_EQ(synchronous(full.handle()), 2) << "a connection keeps what it was opened with";
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

namespace gz::test {
namespace {

// A file written by the first release (schema 1: bounds only in the R*Tree) opens, is upgraded
// in place, and reads back with bounds that still enclose every feature.
TEST_F(SqliteStoreTest, a_schema_1_database_is_upgraded_when_opened) {
  write_version(*open_store(), "dltb", 3);
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(at("store.sqlite").c_str(), &db), SQLITE_OK);
    const char* downgrade =
        "ALTER TABLE feature DROP COLUMN minx; ALTER TABLE feature DROP COLUMN miny;"
        "ALTER TABLE feature DROP COLUMN maxx; ALTER TABLE feature DROP COLUMN maxy;"
        "ALTER TABLE layer_version DROP COLUMN feature_schema;"
        "UPDATE meta SET value = '1' WHERE key = 'schema_version';";
    ASSERT_EQ(sqlite3_exec(db, downgrade, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  auto store = open_store();
  std::vector<StoredFeature> got;
  store->scan(store->layer_version("dltb", std::nullopt), [&](StoredFeature&& f) { got.push_back(std::move(f)); });
  ASSERT_EQ(got.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    double x = 117.0 + i * 0.01;
    EXPECT_LE(got[i].bbox.minx, x);
    EXPECT_GE(got[i].bbox.maxx, x + 0.005);
    EXPECT_NEAR(got[i].bbox.minx, x, 3e-5);
    EXPECT_NEAR(got[i].bbox.maxy, 30.005, 3e-5);
  }
  EXPECT_EQ(query(at("store.sqlite"), "SELECT value FROM meta WHERE key = 'schema_version'"),
            std::vector<std::string>{"4"});
}

}  // namespace
}  // namespace gz::test

namespace gz::test {
namespace {

// A large layer is read on several connections at once; it still comes back whole and in order.
TEST_F(SqliteStoreTest, read_all_of_a_large_layer_returns_every_feature_in_order) {
  auto store = open_store();
  auto v = write_version(*store, "big", 60000);
  write_version(*store, "other", 10);  // ids of another layer around it are not picked up
  auto v2 = write_version(*store, "big", 5);
  auto all = store->read_all(v, {});
  ASSERT_EQ(all.size(), 60000u);
  for (std::size_t i = 0; i < all.size(); ++i) {
    ASSERT_EQ(all[i].source_id, std::to_string(i));
    if (i) ASSERT_LT(all[i - 1].id, all[i].id);
  }
  EXPECT_EQ(std::get<std::int64_t>(*find_attribute(all[59999].attributes, "BSM")), 59999);
  auto raw = store->read_all(v, {.decode_attributes = false, .keep_attributes_json = {}});
  EXPECT_TRUE(raw[0].attributes.empty());
  EXPECT_NE(raw[0].attributes_json.find("\"DLBM\""), std::string::npos);
  EXPECT_EQ(store->read_all(v2, {}).size(), 5u);
}

// A caller that reads only some features' attribute text gets exactly that text, and every
// feature all the same.
TEST_F(SqliteStoreTest, read_all_keeps_only_the_attribute_text_asked_for) {
  auto store = open_store();
  auto v = write_version(*store, "big", 60000);
  auto kept = store->read_all(v, {.decode_attributes = false,
                                  .keep_attributes_json = [](std::string_view text) {
                                    return text.find("\"BSM\":4") != std::string_view::npos;
                                  }});
  ASSERT_EQ(kept.size(), 60000u);
  std::size_t with_text = 0;
  for (std::size_t i = 0; i < kept.size(); ++i) {
    bool wanted = std::to_string(i)[0] == '4';
    EXPECT_EQ(kept[i].attributes_json.empty(), !wanted) << i << ": " << kept[i].attributes_json;
    EXPECT_FALSE(kept[i].wkb.empty());
    with_text += wanted;
  }
  EXPECT_GT(with_text, 0u);
}

}  // namespace
}  // namespace gz::test
