#include "storage/postgres/pg_store.h"

#include <chrono>
#include <cstring>
#include <ctime>

#include "common/error.h"
#include "storage/attributes_json.h"
#include "storage/layer_schema.h"
#include "storage/postgres/connection.h"
#include "storage/postgres/pg_replicas.h"

namespace gz::storage {

using pg::Param;
using pg::Result;

namespace {
// 1 first release; 2 each version's LayerSchema in layer_version.feature_schema (NULL for
// versions written before).
constexpr int kSchemaVersion = 3;
constexpr int kSrid = 4490;
// Rows per FETCH of a scan: a few MB of features in memory at most.
constexpr int kFetchRows = 2000;
// COPY data is handed to libpq in chunks of about this size.
constexpr std::size_t kCopyChunk = 1 << 20;

std::string conninfo_of(const std::string& location) {
  if (location.rfind("pg:", 0) == 0) return location.substr(3);
  return location;  // a postgresql:// or postgres:// URI, which libpq reads itself
}

std::string now_iso8601() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string value(const PGresult* r, int row, int column) {
  return std::string(PQgetvalue(r, row, column), PQgetlength(r, row, column));
}

// ---- binary COPY and binary rows: network byte order ------------------------------------------

void put_u16(std::string& b, std::uint16_t v) {
  char c[2] = {static_cast<char>(v >> 8), static_cast<char>(v)};
  b.append(c, 2);
}

void put_u32(std::string& b, std::uint32_t v) {
  char c[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
               static_cast<char>(v)};
  b.append(c, 4);
}

void put_u64(std::string& b, std::uint64_t v) {
  put_u32(b, static_cast<std::uint32_t>(v >> 32));
  put_u32(b, static_cast<std::uint32_t>(v));
}

std::uint64_t get_u64(const char* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

double get_f64(const PGresult* r, int row, int column) {
  if (PQgetisnull(r, row, column)) return 0;  // an empty geometry has no extent
  std::uint64_t bits = get_u64(PQgetvalue(r, row, column));
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

// WKB to EWKB carrying SRID 4490 (PostGIS's binary input), in the WKB's own byte order.
void put_ewkb_field(std::string& b, const std::string& wkb, const std::string& source_id,
                    const std::string& store) {
  if (wkb.size() < 5 || (wkb[0] != 0 && wkb[0] != 1))
    throw StorageError(store + ": feature '" + source_id + "': the geometry is not WKB");
  bool little = wkb[0] == 1;
  unsigned char t[4];
  std::memcpy(t, wkb.data() + 1, 4);
  std::uint32_t type = little ? (t[0] | t[1] << 8 | t[2] << 16 | std::uint32_t(t[3]) << 24)
                              : (std::uint32_t(t[0]) << 24 | t[1] << 16 | t[2] << 8 | t[3]);
  constexpr std::uint32_t kSridFlag = 0x20000000;
  if (type & kSridFlag) {  // EWKB already: its SRID must be the column's, the server checks
    put_u32(b, static_cast<std::uint32_t>(wkb.size()));
    b += wkb;
    return;
  }
  auto put_ordered = [&](std::uint32_t v) {
    char c[4];
    for (int i = 0; i < 4; ++i) c[i] = static_cast<char>(v >> (little ? 8 * i : 8 * (3 - i)));
    b.append(c, 4);
  };
  put_u32(b, static_cast<std::uint32_t>(wkb.size() + 4));
  b += wkb[0];
  put_ordered(type | kSridFlag);
  put_ordered(kSrid);
  b.append(wkb, 5, std::string::npos);
}

void put_bytes_field(std::string& b, const std::string& bytes) {
  put_u32(b, static_cast<std::uint32_t>(bytes.size()));
  b += bytes;
}

constexpr char kCopyHeader[] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";  // signature, flags, extension

// ---- reading -----------------------------------------------------------------------------------

constexpr const char* kVersionColumns =
    "SELECT v.id, l.name, l.kind, v.version, v.feature_count, coalesce(v.source, ''), "
    "coalesce(v.source_srs, ''), "
    "to_char(v.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
    "FROM layer_version v JOIN layer l ON l.id = v.layer_id ";

// Exact bounds of each geometry (box3d is computed in double precision from the coordinates,
// unlike the single-precision boxes of the index).
constexpr const char* kFeatureColumns =
    "SELECT f.id, f.source_id, ST_AsBinary(f.geom, 'NDR'), f.attrs, ST_XMin(b), ST_YMin(b), "
    "ST_XMax(b), ST_YMax(b) FROM feature f CROSS JOIN LATERAL (SELECT Box3D(f.geom) AS b) x ";

StoredFeature read_feature(const PGresult* r, int row, const Store::ScanOptions& options) {
  StoredFeature f;
  f.id = static_cast<std::int64_t>(get_u64(PQgetvalue(r, row, 0)));
  f.source_id = value(r, row, 1);
  f.wkb = value(r, row, 2);
  std::string_view attrs{PQgetvalue(r, row, 3), static_cast<std::size_t>(PQgetlength(r, row, 3))};
  if (options.decode_attributes)
    f.attributes = decode_attributes(attrs);
  else if (!options.keep_attributes_json || options.keep_attributes_json(attrs))
    f.attributes_json = attrs;
  f.bbox = {get_f64(r, row, 4), get_f64(r, row, 5), get_f64(r, row, 6), get_f64(r, row, 7)};
  return f;
}

std::vector<Param> text_params(const std::vector<std::string>& params) {
  std::vector<Param> out;
  for (const auto& p : params) out.push_back(pg::text(p));
  return out;
}
}  // namespace

bool is_postgres_location(std::string_view location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0 ||
         location.rfind("pg:", 0) == 0;
}

PgStore::PgStore(const std::string& location, const OpenOptions&) {
  conn_ = std::make_unique<pg::Connection>(conninfo_of(location));
  Result r = conn_->query("SELECT current_schema(), current_setting('search_path')", {},
                          "cannot read the search_path");
  if (PQgetisnull(r.get(), 0, 0))
    throw StorageError(conn_->name() + ": no schema of the search_path (" + value(r.get(), 0, 1) +
                       ") exists; create it first (CREATE SCHEMA …) or correct "
                       "options=-csearch_path=… in the connection string");
  schema_ = value(r.get(), 0, 0);
  name_ = conn_->name() + (schema_ == "public" ? "" : " (schema " + schema_ + ")");
  conn_->set_name(name_);
  // Scans read whole cursors: plan them for all rows, not for the first tenth (the default
  // would favour walking the id index over the spatial index for a bounding-box scan).
  auto set_up_session = [this] {
    conn_->exec("SET cursor_tuple_fraction = 1", "cannot set up the session");
    // With standbys a commit is flushed at once, so that its WAL reaches them at once.
    if (pg::have_read_replicas()) conn_->exec("SET synchronous_commit = on", "cannot set up the session");
    ensure_postgis_on_search_path();
  };
  set_up_session();
  // Session settings are lost with the connection: made again on every reconnection.
  conn_->on_reconnect(set_up_session);
  migrate();
}

PgStore::~PgStore() = default;

// The tables' schema may be the only one in the search_path (options=-csearch_path=xyz): the
// PostGIS types and functions, usually in public, are then added behind it.
void PgStore::ensure_postgis_on_search_path() {
  Result r = conn_->query(
      "SELECT n.nspname, n.nspname = ANY(current_schemas(false)) FROM pg_catalog.pg_extension e "
      "JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'postgis'",
      {}, "cannot look for PostGIS");
  if (PQntuples(r.get()) == 0 || value(r.get(), 0, 1) == "t") return;
  conn_->query(
      "SELECT set_config('search_path', CASE WHEN current_setting('search_path') = '' THEN "
      "quote_ident($1) ELSE current_setting('search_path') || ', ' || quote_ident($1) END, false)",
      {pg::text(value(r.get(), 0, 0))}, "cannot add the PostGIS schema to the search_path");
}

void PgStore::migrate() {
  const std::string what = "cannot set up the Gongzhi tables";
  auto tables = [&] {
    Result r = conn_->query(
        "SELECT count(*) FILTER (WHERE tablename = 'meta'), count(*) FROM pg_catalog.pg_tables "
        "WHERE schemaname = $1 AND tablename IN ('meta', 'layer', 'layer_version', 'feature')",
        {pg::text(schema_)}, what);
    return std::pair{value(r.get(), 0, 0) == "1", std::stoi(value(r.get(), 0, 1))};
  };
  auto stored_version = [&] {
    Result r = conn_->query("SELECT value FROM meta WHERE key = 'schema_version'", {}, what);
    return PQntuples(r.get()) == 1 ? std::stoi(value(r.get(), 0, 0)) : kSchemaVersion;
  };
  auto check_version = [&] {
    int found = stored_version();
    if (found > kSchemaVersion)
      throw StorageError(name_ + " was written by a newer gongzhi (schema " +
                         std::to_string(found) + ")");
    if (found == kSchemaVersion) return;
    // Older tables are brought up to date once, by whichever process gets the lock first.
    conn_->exec("BEGIN", what);
    try {
      conn_->exec("SELECT pg_advisory_xact_lock(hashtextextended('gongzhi: create tables', 0))",
                  what);
      if (stored_version() < 2)
        conn_->exec(
            "ALTER TABLE layer_version ADD COLUMN IF NOT EXISTS feature_schema text; "
            "UPDATE meta SET value = '2' WHERE key = 'schema_version'",
            what);
      // Schema 3 indexes the spots' BSM (a search finds a spot without reading every one).
      if (stored_version() < 3)
        conn_->exec(
            "CREATE INDEX IF NOT EXISTS feature_bsm ON feature(version_id, (attrs->>'BSM')); "
            "UPDATE meta SET value = '3' WHERE key = 'schema_version'",
            what);
      conn_->exec("COMMIT", what);
    } catch (...) {
      conn_->rollback_quietly();
      throw;
    }
  };
  if (tables().first) return check_version();

  conn_->exec("BEGIN", what);
  try {
    // Several processes may open a new database at once: one creates, the others wait and see.
    conn_->exec("SELECT pg_advisory_xact_lock(hashtextextended('gongzhi: create tables', 0))",
                what);
    auto [has_meta, count] = tables();
    if (has_meta) {
      conn_->exec("COMMIT", what);
      return check_version();
    }
    // Tables of another program with our names are never adopted: we would write into them.
    if (count > 0)
      throw StorageError(name_ +
                         " holds tables named meta, layer, layer_version or feature that Gongzhi "
                         "did not create; refusing to change them: use another database or "
                         "schema (options=-csearch_path=…)");
    Result ext = conn_->query("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'postgis'",
                              {}, what);
    if (PQntuples(ext.get()) == 0) {
      Result created(PQexec(conn_->get(), "CREATE EXTENSION IF NOT EXISTS postgis"));
      if (PQresultStatus(created.get()) != PGRES_COMMAND_OK) {
        const char* why = PQresultErrorField(created.get(), PG_DIAG_MESSAGE_PRIMARY);
        throw StorageError(name_ + ": PostGIS is not installed in this database and cannot be "
                           "installed (" + std::string(why ? why : PQerrorMessage(conn_->get())) +
                           "); ask its administrator to run CREATE EXTENSION postgis");
      }
    }
    conn_->exec(R"sql(
      CREATE TABLE meta(key text PRIMARY KEY, value text NOT NULL);
      CREATE TABLE layer(
        id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        name text NOT NULL UNIQUE,
        kind text NOT NULL);
      CREATE TABLE layer_version(
        id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        layer_id bigint NOT NULL REFERENCES layer(id),
        version integer NOT NULL,
        feature_count bigint NOT NULL DEFAULT 0,
        source text,
        source_srs text,
        created_at timestamptz NOT NULL,
        feature_schema text,
        UNIQUE (layer_id, version));
      -- No foreign key to layer_version: a per-row check would halve bulk-load speed, and
      -- features are only ever written by the version's own transaction.
      CREATE TABLE feature(
        id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        version_id bigint NOT NULL,
        source_id text NOT NULL,
        geom geometry(Geometry, 4490) NOT NULL,
        attrs json NOT NULL);
      CREATE INDEX feature_by_version ON feature(version_id, id);
      CREATE INDEX feature_geom ON feature USING gist(geom);
      CREATE INDEX feature_bsm ON feature(version_id, (attrs->>'BSM'));
    )sql",
                what);
    conn_->query("INSERT INTO meta(key, value) VALUES('schema_version', $1)",
                 {pg::text(std::int64_t{kSchemaVersion})}, what);
    conn_->exec("COMMIT", what);
  } catch (...) {
    conn_->rollback_quietly();
    throw;
  }
}

std::vector<LayerVersion> PgStore::read_versions(pg::Connection& on,
                                                 const std::string& where_and_order,
                                                 const std::vector<std::string>& params) {
  Result r = on.query(kVersionColumns + where_and_order, text_params(params),
                          "cannot read layers");
  std::vector<LayerVersion> out;
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    LayerVersion v;
    v.id = std::stoll(value(r.get(), i, 0));
    v.layer = value(r.get(), i, 1);
    v.kind = parse_layer_kind(value(r.get(), i, 2));
    v.version = std::stoi(value(r.get(), i, 3));
    v.feature_count = std::stoll(value(r.get(), i, 4));
    v.source = value(r.get(), i, 5);
    v.source_srs = value(r.get(), i, 6);
    v.created_at = value(r.get(), i, 7);
    out.push_back(std::move(v));
  }
  return out;
}

std::optional<LayerSchema> PgStore::layer_schema(const LayerVersion& v) {
  std::lock_guard lock(mutex_);
  Result r = reader().query("SELECT feature_schema FROM layer_version WHERE id = $1",
                          {pg::text(v.id)}, "cannot read layers");
  if (PQntuples(r.get()) != 1 || PQgetisnull(r.get(), 0, 0)) return std::nullopt;
  return decode_layer_schema(value(r.get(), 0, 0), v.feature_count, name_ + ", layer " + v.layer);
}

std::vector<LayerVersion> PgStore::layers() {
  std::lock_guard lock(mutex_);
  // Byte order of names, as SQLite sorts them, whatever the database's collation.
  return read_versions(reader(),
      "WHERE v.version = (SELECT max(version) FROM layer_version WHERE layer_id = l.id) "
      "ORDER BY l.name COLLATE \"C\"",
      {});
}

std::vector<LayerVersion> PgStore::versions(const std::string& layer) {
  std::lock_guard lock(mutex_);
  auto out = read_versions(reader(), "WHERE l.name = $1 ORDER BY v.version", {layer});
  if (out.empty()) throw NotFoundError("layer '" + layer + "' does not exist in " + name_);
  return out;
}

LayerVersion PgStore::layer_version(const std::string& layer, std::optional<int> version) {
  auto all = versions(layer);
  if (!version) return all.back();
  for (auto& v : all)
    if (v.version == *version) return v;
  throw NotFoundError("layer '" + layer + "' has no version " + std::to_string(*version) +
                      " (latest is " + std::to_string(all.back().version) + ")");
}

// One transaction per version: the version row and every feature (sent with COPY in binary)
// become visible together at commit; anything else ends in ROLLBACK. Nested: inside the
// transaction the caller has open on the connection (a ProjectStore write), under a savepoint:
// commit() releases it, so the version is visible when the caller commits and never if the
// caller rolls back; a writer dropped without commit() undoes only its own rows.
class PgLayerWriter : public LayerWriter {
 public:
  PgLayerWriter(pg::Connection& conn, std::string name, std::string schema, std::mutex* mutex,
                const NewLayerVersion& v)
      : conn_(conn), name_(std::move(name)), schema_(std::move(schema)), nested_(mutex == nullptr),
        what_("cannot write layer '" + v.layer + "'") {
    if (mutex) lock_ = std::unique_lock<std::mutex>(*mutex);
    if (nested_ && PQtransactionStatus(conn_.get()) != PQTRANS_INTRANS)
      throw StorageError(name_ + ": a layer version inside a transaction needs the transaction open");
    conn_.exec(nested_ ? "SAVEPOINT gz_layer_version" : "BEGIN", what_);
    open_ = true;
    try {
      start(v);
    } catch (...) {
      undo();
      throw;
    }
  }

  ~PgLayerWriter() override {
    if (open_) undo();
  }

  void add(const std::string& source_id, const std::string& wkb, const Envelope& bbox,
           const Attributes& attributes) override {
    std::size_t mark = buffer_.size();
    std::string json = encode_attributes(attributes);
    try {
      put_u16(buffer_, 4);
      put_u32(buffer_, 8);
      put_u64(buffer_, static_cast<std::uint64_t>(result_.id));
      put_bytes_field(buffer_, source_id);
      put_ewkb_field(buffer_, wkb, source_id, name_);
      put_bytes_field(buffer_, json);
    } catch (...) {
      buffer_.resize(mark);  // no half tuple in the stream
      throw;
    }
    ++result_.feature_count;
    layer_schema_.inspect_written(attributes, json);
    layer_schema_.measure(wkb, bbox);
    if (buffer_.size() >= kCopyChunk) flush();
  }

  LayerVersion commit() override {
    put_u16(buffer_, 0xFFFF);  // end of the binary COPY data
    flush();
    conn_.end_copy(what_);
    conn_.query("UPDATE layer_version SET feature_count = $1, feature_schema = $2 WHERE id = $3",
                {pg::text(result_.feature_count), pg::text(encode_layer_schema(layer_schema_.finish())),
                 pg::text(result_.id)},
                what_);
    conn_.exec(nested_ ? "RELEASE SAVEPOINT gz_layer_version" : "COMMIT", what_);
    open_ = false;
    // Nested: the enclosing transaction's commit raises the read fence.
    if (!nested_) pg::note_primary_commit(conn_);
    return result_;
  }

 private:
  void undo() noexcept {
    if (!nested_) {
      conn_.rollback_quietly();
    } else if (PQstatus(conn_.get()) == CONNECTION_OK) {
      if (PQtransactionStatus(conn_.get()) == PQTRANS_ACTIVE) conn_.abort_copy("abandoned");
      PQclear(PQexec(conn_.get(), "ROLLBACK TO SAVEPOINT gz_layer_version"));
      PQclear(PQexec(conn_.get(), "RELEASE SAVEPOINT gz_layer_version"));
    }
    open_ = false;
  }

  void start(const NewLayerVersion& v) {
    // Version numbers are handed out one layer at a time: a second import of the same layer
    // waits here until the first has committed or rolled back, and then takes the next number.
    conn_.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                {pg::text("gongzhi layer " + schema_ + "." + v.layer)}, what_);
    Result found = conn_.query("SELECT id, kind FROM layer WHERE name = $1", {pg::text(v.layer)},
                               what_);
    std::int64_t layer_id;
    if (PQntuples(found.get()) == 1) {
      layer_id = std::stoll(value(found.get(), 0, 0));
      std::string kind = value(found.get(), 0, 1);
      if (kind != to_string(v.kind))
        throw UsageError("layer '" + v.layer + "' is of kind " + kind + ", not " +
                         std::string(to_string(v.kind)) +
                         "; import into a new layer name or use --kind " + kind);
    } else {
      Result ins = conn_.query("INSERT INTO layer(name, kind) VALUES($1, $2) RETURNING id",
                               {pg::text(v.layer), pg::text(std::string(to_string(v.kind)))},
                               what_);
      layer_id = std::stoll(value(ins.get(), 0, 0));
    }
    result_.created_at = now_iso8601();
    Result ins = conn_.query(
        "INSERT INTO layer_version(layer_id, version, source, source_srs, created_at) "
        "SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4::timestamptz FROM layer_version "
        "WHERE layer_id = $1 RETURNING id, version",
        {pg::text(layer_id), pg::text(v.source), pg::text(v.source_srs),
         pg::text(result_.created_at)},
        what_);
    result_.id = std::stoll(value(ins.get(), 0, 0));
    result_.version = std::stoi(value(ins.get(), 0, 1));
    result_.layer = v.layer;
    result_.kind = v.kind;
    result_.source = v.source;
    result_.source_srs = v.source_srs;
    conn_.query("COPY feature(version_id, source_id, geom, attrs) FROM STDIN (FORMAT binary)", {},
                what_);
    buffer_.assign(kCopyHeader, sizeof kCopyHeader - 1);
  }

  void flush() {
    if (buffer_.empty()) return;
    conn_.put_copy_data(buffer_, what_);
    buffer_.clear();
  }

  pg::Connection& conn_;
  std::string name_, schema_;
  bool nested_;
  std::unique_lock<std::mutex> lock_;
  std::string what_;
  LayerVersion result_;
  std::string buffer_;
  bool open_ = false;
  LayerSchemaBuilder layer_schema_;
};

std::unique_ptr<LayerWriter> PgStore::begin_layer_version(const NewLayerVersion& v) {
  validate_layer_name(v.layer);
  return std::make_unique<PgLayerWriter>(*conn_, name_, schema_, &mutex_, v);
}

std::unique_ptr<LayerWriter> begin_pg_layer_version_in_transaction(pg::Connection& conn,
                                                                   const std::string& name,
                                                                   const NewLayerVersion& v) {
  validate_layer_name(v.layer);
  // The schema the layer tables are in, as PgStore names it in the version lock.
  Result r = conn.query("SELECT current_schema()", {}, "cannot write layer '" + v.layer + "'");
  return std::make_unique<PgLayerWriter>(conn, name, value(r.get(), 0, 0), nullptr, v);
}

// Features leave the server a batch at a time through a cursor, so a layer of millions is never
// in memory at once; the callback may throw, which ends the read transaction.
void PgStore::stream(const std::string& select, const std::vector<std::string>& params,
                     const std::function<void(StoredFeature&&)>& fn, const ScanOptions& options) {
  std::lock_guard lock(mutex_);
  const std::string what = "cannot read features";
  pg::Connection& on = reader();
  on.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", what);
  try {
    on.query("DECLARE gongzhi_scan NO SCROLL CURSOR FOR " + select, text_params(params), what);
    const std::string fetch = "FETCH FORWARD " + std::to_string(kFetchRows) + " FROM gongzhi_scan";
    for (;;) {
      Result r = on.query(fetch, {}, what, /*binary_rows=*/true);
      int n = PQntuples(r.get());
      for (int i = 0; i < n; ++i) fn(read_feature(r.get(), i, options));
      if (n < kFetchRows) break;
    }
    on.exec("COMMIT", what);
  } catch (...) {
    on.rollback_quietly();
    throw;
  }
}

pg::Connection& PgStore::reader() {
  if (!pg::have_read_replicas()) return *conn_;
  auto& counters = pg::replica_counters();
  try {
    if (!standby_) {
      Result r = conn_->query("SELECT current_setting('search_path')", {}, "cannot read the search_path");
      standby_ = pg::connect_standby(value(r.get(), 0, 0));
    }
    if (standby_ && pg::standby_current(*standby_)) {
      ++counters.standby_reads;
      return *standby_;
    }
  } catch (const StorageError&) {
    standby_.reset();  // the next read tries a standby again
  }
  ++counters.primary_reads;
  return *conn_;
}

void PgStore::scan(const LayerVersion& v, const std::function<void(StoredFeature&&)>& fn,
                   const ScanOptions& options) {
  stream(std::string(kFeatureColumns) + "WHERE f.version_id = $1 ORDER BY f.id",
         {std::to_string(v.id)}, fn, options);
}

std::vector<StoredFeature> PgStore::find_by_bsm(const LayerVersion& v, const std::string& bsm) {
  std::vector<StoredFeature> out;
  // The expression is the index's own (feature_bsm).
  stream(std::string(kFeatureColumns) +
             "WHERE f.version_id = $1 AND (f.attrs->>'BSM') = $2 ORDER BY f.id LIMIT 50",
         {std::to_string(v.id), bsm}, [&](StoredFeature&& f) { out.push_back(std::move(f)); },
         ScanOptions{});
  return out;
}

void PgStore::scan_bbox(const LayerVersion& v, const Envelope& bbox,
                        const std::function<void(StoredFeature&&)>& fn) {
  auto num = [](double d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", d);
    return std::string(buf);
  };
  stream(std::string(kFeatureColumns) +
             "WHERE f.version_id = $1 AND f.geom && ST_MakeEnvelope($2, $3, $4, $5, 4490) "
             "ORDER BY f.id",
         {std::to_string(v.id), num(bbox.minx), num(bbox.miny), num(bbox.maxx), num(bbox.maxy)},
         fn, ScanOptions{});
}

}  // namespace gz::storage
