// A layer version written inside a project-store transaction (ProjectTx::begin_layer_version), on
// both backends: it appears together with the audit entry and event of the same transaction, or
// not at all; readers on other connections never see it before the commit; a writer dropped
// inside the transaction undoes only its own rows.
#include <gtest/gtest.h>

#include <stdexcept>

#include "common/error.h"
#include "store_backends.h"
#include "storage/sql_identity_store.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

using storage::ProjectTx;

class LayerInTransactionTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    layers_ = storage::Store::open(location(), {.create = true});
    identity_ = storage::IdentityStore::open(location(), {.create = true});
    store_ = storage::ProjectStore::open(location());
  }
  static void add_squares(storage::LayerWriter& w, int n) {
    for (int i = 0; i < n; ++i) {
      double x = 117.0 + i * 0.01;
      w.add("S" + std::to_string(i + 1), square_wkb(x, 31.0, 0.005), {x, 31.0, x + 0.005, 31.005},
            {{"DLBM", std::string("0101")}});
    }
  }
  std::size_t versions_of(const std::string& layer) {
    try {
      return layers_->versions(layer).size();
    } catch (const NotFoundError&) {
      return 0;
    }
  }
  std::size_t features_stored() { return std::stoul(where_->query("SELECT count(*) FROM feature").at(0)); }

  std::unique_ptr<storage::Store> layers_;
  std::unique_ptr<storage::IdentityStore> identity_;
  std::unique_ptr<storage::ProjectStore> store_;
};

TEST_P(LayerInTransactionTest, a_committed_transaction_shows_the_version_with_its_audit_entry_and_event) {
  LayerVersion written;
  store_->write([&](ProjectTx& tx) {
    auto w = tx.begin_layer_version({"scenario-x", LayerKind::land_use, "test", "EPSG:4490"});
    add_squares(*w, 3);
    written = w->commit();
    // Not committed yet: a reader on its own connection sees nothing of it.
    EXPECT_EQ(versions_of("scenario-x"), 0u);
    tx.audit({"test", "layer.write", "layer:scenario-x", "{}"});
    tx.insert_event({0, "", "layer.written", 0, "340123", "", "{}"});
  });
  EXPECT_EQ(written.version, 1);
  EXPECT_EQ(written.feature_count, 3);
  auto seen = layers_->layer_version("scenario-x", std::nullopt);
  EXPECT_EQ(seen.version, 1);
  EXPECT_EQ(seen.feature_count, 3);
  EXPECT_EQ(layers_->read_all(seen, {}).size(), 3u);
  std::size_t bboxed = 0;
  layers_->scan_bbox(seen, {117.0, 31.0, 117.006, 31.006}, [&](StoredFeature&&) { ++bboxed; });
  EXPECT_EQ(bboxed, 1u);  // the spatial index has the rows too
  ASSERT_EQ(identity_->audit_log().size(), 1u);
  EXPECT_EQ(identity_->audit_log()[0].action, "layer.write");
  EXPECT_EQ(store_->last_event_seq(), 1);

  // The next one, inside another transaction, takes the next number.
  store_->write([&](ProjectTx& tx) {
    auto w = tx.begin_layer_version({"scenario-x", LayerKind::land_use, "test", "EPSG:4490"});
    add_squares(*w, 1);
    EXPECT_EQ(w->commit().version, 2);
  });
  EXPECT_EQ(versions_of("scenario-x"), 2u);
}

TEST_P(LayerInTransactionTest, a_transaction_that_fails_after_the_layer_write_leaves_nothing) {
  auto before = where_->dump();
  EXPECT_THROW(store_->write([&](ProjectTx& tx) {
    auto w = tx.begin_layer_version({"scenario-x", LayerKind::land_use, "test", "EPSG:4490"});
    add_squares(*w, 5);
    w->commit();
    tx.audit({"test", "layer.write", "layer:scenario-x", "{}"});
    tx.insert_event({0, "", "layer.written", 0, "340123", "", "{}"});
    // A constraint of the project side fails after the version was written.
    tx.session().query("INSERT INTO projects(code) VALUES('no other column')");
  }),
               StorageError);
  EXPECT_EQ(versions_of("scenario-x"), 0u);
  EXPECT_EQ(features_stored(), 0u);
  EXPECT_TRUE(identity_->audit_log().empty());
  EXPECT_EQ(store_->last_event_seq(), 0);
  EXPECT_EQ(where_->dump(), before);
  // The layer name and version number stay free, the session usable.
  store_->write([&](ProjectTx& tx) {
    auto w = tx.begin_layer_version({"scenario-x", LayerKind::land_use, "test", "EPSG:4490"});
    add_squares(*w, 1);
    EXPECT_EQ(w->commit().version, 1);
  });
  EXPECT_EQ(versions_of("scenario-x"), 1u);
}

TEST_P(LayerInTransactionTest, a_writer_dropped_inside_the_transaction_undoes_only_its_own_rows) {
  store_->write([&](ProjectTx& tx) {
    tx.insert_event({0, "", "before", 0, "340123", "", "{}"});
    {
      auto w = tx.begin_layer_version({"scenario-x", LayerKind::land_use, "test", "EPSG:4490"});
      add_squares(*w, 4);
      // dropped without commit(): e.g. a feature the caller refuses halfway
    }
    tx.audit({"test", "layer.abandoned", "layer:scenario-x", "{}"});
  });
  EXPECT_EQ(versions_of("scenario-x"), 0u);
  EXPECT_EQ(features_stored(), 0u);
  EXPECT_EQ(identity_->audit_log().size(), 1u);
  EXPECT_EQ(store_->last_event_seq(), 1);
}

TEST_P(LayerInTransactionTest, a_layer_of_another_kind_is_refused_inside_the_transaction_too) {
  auto w = layers_->begin_layer_version({"dltb", LayerKind::land_use, "test", "EPSG:4490"});
  add_squares(*w, 1);
  w->commit();
  w.reset();
  EXPECT_THROW(store_->write([&](ProjectTx& tx) {
    tx.audit({"test", "layer.write", "layer:dltb", "{}"});
    tx.begin_layer_version({"dltb", LayerKind::parcel, "test", "EPSG:4490"});
  }),
               UsageError);
  EXPECT_TRUE(identity_->audit_log().empty());
  EXPECT_EQ(versions_of("dltb"), 1u);
}

TEST_P(LayerInTransactionTest, a_read_transaction_cannot_write_a_layer_version) {
  EXPECT_THROW(store_->read([&](ProjectTx& tx) {
    tx.begin_layer_version({"scenario-x", LayerKind::land_use, "test", "EPSG:4490"});
  }),
               UsageError);
  EXPECT_EQ(versions_of("scenario-x"), 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, LayerInTransactionTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
