// The storage interface. Callers (services, CLI, HTTP) see only this; the embedded SQLite store
// and the PostgreSQL/PostGIS store implement it and pass the same test suite.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/layer.h"

namespace gz::storage {

struct NewLayerVersion {
  std::string layer;
  LayerKind kind = LayerKind::land_use;
  std::string source;
  std::string source_srs;
};

// Writes one new version of a layer as a single transaction: nothing is visible until commit(),
// and a writer destroyed without commit() leaves the store exactly as before.
// Every writer records the version's LayerSchema (storage/layer_schema.h) at commit, learnt
// from what add() was handed: `bbox` must be the envelope of `wkb` (as the store gives it back).
class LayerWriter {
 public:
  virtual ~LayerWriter() = default;
  virtual void add(const std::string& source_id, const std::string& wkb, const Envelope& bbox,
                   const Attributes& attributes) = 0;
  virtual LayerVersion commit() = 0;
};

struct OpenOptions {
  bool create = false;   // create the store when it does not exist (import, demo)
  int busy_timeout_ms = 5000;
};

class Store {
 public:
  virtual ~Store() = default;

  // `location` is a SQLite file path, or "postgresql://…" / "pg:CONNINFO" for PostgreSQL.
  static std::unique_ptr<Store> open(const std::string& location, const OpenOptions& options = {});
  // Builds a store that does not exist yet and lets it appear at `location` only once `build`
  // has returned: a failed build leaves no file behind, and two processes creating the same
  // store at once never write into (or delete) each other's half-built file. Returns false,
  // leaving nothing, when another process created `location` first: the caller then works on
  // that store through open().
  static bool create(const std::string& location, const std::function<void(Store&)>& build);

  virtual std::string location() const = 0;
  // Latest version of every layer, by name.
  virtual std::vector<LayerVersion> layers() = 0;
  // All versions of one layer, oldest first. Throws NotFoundError for an unknown layer.
  virtual std::vector<LayerVersion> versions(const std::string& layer) = 0;
  // One version (latest when `version` is empty). Throws NotFoundError naming what is missing.
  virtual LayerVersion layer_version(const std::string& layer, std::optional<int> version) = 0;
  // The schema recorded when `v` was written, or nullopt for a version written before
  // schemas were recorded (the caller then learns it by reading the features).
  virtual std::optional<LayerSchema> layer_schema(const LayerVersion& v) = 0;
  // Latest version of every layer of a kind.
  std::vector<LayerVersion> layers_of_kind(LayerKind kind);

  virtual std::unique_ptr<LayerWriter> begin_layer_version(const NewLayerVersion& v) = 0;

  // Every feature of a version in storage order. Decoding attributes can be left to the caller
  // (decode_attributes in storage/attributes_json.h), e.g. to spread it over threads.
  struct ScanOptions {
    bool decode_attributes = true;
    // Undecoded only: the stored text is kept where this says yes and left empty elsewhere, so
    // text nobody will read is never copied (a million survey spots, e.g.). Empty = keep all.
    std::function<bool(std::string_view)> keep_attributes_json;
  };
  virtual void scan(const LayerVersion& v, const std::function<void(StoredFeature&&)>& fn,
                    const ScanOptions& options) = 0;
  void scan(const LayerVersion& v, const std::function<void(StoredFeature&&)>& fn) {
    scan(v, fn, ScanOptions{});
  }
  // Every feature of a version in storage order, all at once. A store may read with several
  // connections in parallel; the default collects scan().
  virtual std::vector<StoredFeature> read_all(const LayerVersion& v, const ScanOptions& options);

  virtual void scan_bbox(const LayerVersion& v, const Envelope& bbox,
                         const std::function<void(StoredFeature&&)>& fn) = 0;
};

// Layer names become identifiers in files, URLs and reports: letters (any script), digits, '_'
// and '-', 1–64 characters. Throws UsageError saying what is wrong.
void validate_layer_name(const std::string& name);

}  // namespace gz::storage
