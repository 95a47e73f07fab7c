#include "geo/vector_writer.h"

#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>

#include "common/error.h"
#include "common/text_encoding.h"
#include "geo/gdal_support.h"
#include "storage/attributes_json.h"

namespace gz::geo {

namespace {
// Features per transaction: large enough that commits cost nothing, small enough that a
// GeoPackage's journal stays small.
constexpr std::int64_t kFeaturesPerTransaction = 100000;
// Features handed to the writing thread at a time, and batches it may have waiting: at most
// about 2,000 prepared features are held, whatever the layer's size.
constexpr std::size_t kBatchSize = 256;
constexpr std::size_t kMaxQueuedBatches = 8;

// A feature prepared by the caller, waiting to be written: an OGR feature for the driver
// (attributes set, geometry read and transformed), or a GeoPackage row for SQLite.
struct Prepared {
  std::unique_ptr<OGRFeature> feature;
  std::string blob;  // GeoPackage geometry blob
  Envelope box;
  std::int64_t fid = 0;
  std::vector<AttributeValue> values;  // by field
  std::string label;
};
// Batches go back to the caller once written, so that rows keep their buffers.
struct Batch {
  std::vector<Prepared> items;
  std::size_t size = 0;  // items in use
};

OGRFieldType ogr_type(FieldType t) {
  switch (t) {
    case FieldType::integer:
      return OFTInteger64;
    case FieldType::real:
      return OFTReal;
    default:
      return OFTString;
  }
}
}  // namespace

namespace {

// ---- the GeoPackage spatial index, packed at once -----------------------------------------------
// SQLite's R*Tree (ext/rtree/rtree.c) keeps its nodes in three tables: %_node(nodeno, data) with
// every node a blob of a fixed size (the size of the root's blob; 4 + 24 × 51 bytes for a 2D
// tree on 4 KiB pages): 2 bytes of tree depth (root only) and 2 of cell count, big-endian, then
// cells of an 8-byte id (row or child node) and minx, maxx, miny, maxy as 4-byte floats rounded
// outwards; %_rowid(rowid, nodeno) names the leaf of each row, %_parent(nodeno, parentnode) the
// parent of each node but the root (node 1). Inserting rows one by one makes the tree take each
// row through R* splits and reinsertions: most of an export's time. Packed here instead, level
// by level, in sort-tile-recursive order (each level cut into vertical slices by x, each slice
// into nodes by y). A later insertion, update or deletion works on the packed tree as on any
// other; rtreecheck() verifies it (tests/services/export_schema_test.cpp).
struct RtreeEntry {
  std::int64_t id = 0;
  float minx = 0, maxx = 0, miny = 0, maxy = 0;
};

float float_down(double v) {
  float f = static_cast<float>(v);
  return static_cast<double>(f) > v ? std::nextafter(f, -std::numeric_limits<float>::infinity()) : f;
}
float float_up(double v) {
  float f = static_cast<float>(v);
  return static_cast<double>(f) < v ? std::nextafter(f, std::numeric_limits<float>::infinity()) : f;
}
RtreeEntry rtree_entry(std::int64_t id, const Envelope& e) {
  return {id, float_down(e.minx), float_up(e.maxx), float_down(e.miny), float_up(e.maxy)};
}

void put_be(std::string& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}
void put_float(std::string& out, float f) {
  std::uint32_t bits;
  std::memcpy(&bits, &f, 4);
  put_be(out, bits, 4);
}

// Fills the empty R*Tree `rtree` (its root exists, node 1) with `entries`; "" or what failed.
std::string bulk_load_rtree(sqlite3* db, const std::string& rtree, std::vector<RtreeEntry>& entries) {
  auto q = [](const std::string& name) { return "\"" + name + "\""; };
  auto run = [&](const std::string& sql) {
    return sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK ? std::string()
                                                                                  : std::string(sqlite3_errmsg(db));
  };
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, ("SELECT length(data) FROM " + q(rtree + "_node") + " WHERE nodeno = 1").c_str(), -1,
                         &st, nullptr) != SQLITE_OK)
    return sqlite3_errmsg(db);
  const int node_size = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
  sqlite3_finalize(st);
  const std::size_t capacity = node_size > 4 ? static_cast<std::size_t>(node_size - 4) / 24 : 0;
  if (capacity < 4) return "unexpected node size " + std::to_string(node_size);

  struct Node {
    std::int64_t nodeno;
    std::vector<RtreeEntry> cells;
  };
  std::vector<Node> nodes;  // every node but the root
  std::vector<std::pair<std::int64_t, std::int64_t>> parents, leaf_of;
  std::int64_t next_nodeno = 2;
  std::vector<RtreeEntry> level = std::move(entries);
  int depth = 0;
  auto cx = [](const RtreeEntry& e) { return static_cast<double>(e.minx) + e.maxx; };
  auto cy = [](const RtreeEntry& e) { return static_cast<double>(e.miny) + e.maxy; };
  while (level.size() > capacity) {
    const std::size_t count = (level.size() + capacity - 1) / capacity;
    const auto slices = static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(count))));
    const std::size_t per_slice = slices * capacity;
    std::sort(level.begin(), level.end(), [&](const RtreeEntry& a, const RtreeEntry& b) { return cx(a) < cx(b); });
    std::vector<RtreeEntry> up;
    for (std::size_t s = 0; s < level.size(); s += per_slice) {
      auto end = level.begin() + static_cast<std::ptrdiff_t>(std::min(level.size(), s + per_slice));
      std::sort(level.begin() + static_cast<std::ptrdiff_t>(s), end,
                [&](const RtreeEntry& a, const RtreeEntry& b) { return cy(a) < cy(b); });
      for (auto it = level.begin() + static_cast<std::ptrdiff_t>(s); it < end;) {
        auto stop = it + static_cast<std::ptrdiff_t>(std::min<std::size_t>(capacity, static_cast<std::size_t>(end - it)));
        Node n{next_nodeno++, std::vector<RtreeEntry>(it, stop)};
        RtreeEntry box{n.nodeno, n.cells[0].minx, n.cells[0].maxx, n.cells[0].miny, n.cells[0].maxy};
        for (const auto& c : n.cells) {
          box.minx = std::min(box.minx, c.minx);
          box.maxx = std::max(box.maxx, c.maxx);
          box.miny = std::min(box.miny, c.miny);
          box.maxy = std::max(box.maxy, c.maxy);
          if (depth == 0) leaf_of.emplace_back(c.id, n.nodeno);
          else parents.emplace_back(c.id, n.nodeno);
        }
        up.push_back(box);
        nodes.push_back(std::move(n));
        it = stop;
      }
    }
    level = std::move(up);
    ++depth;
  }
  // The root: node 1, holding what is left (leaves when the tree is one node).
  for (const auto& c : level) {
    if (depth == 0) leaf_of.emplace_back(c.id, 1);
    else parents.emplace_back(c.id, 1);
  }
  nodes.push_back({1, std::move(level)});

  for (const char* table : {"_node", "_rowid", "_parent"})
    if (auto why = run("DELETE FROM " + q(rtree + table)); !why.empty()) return why;
  std::string blob;
  if (sqlite3_prepare_v2(db, ("INSERT INTO " + q(rtree + "_node") + " VALUES (?, ?)").c_str(), -1, &st, nullptr) !=
      SQLITE_OK)
    return sqlite3_errmsg(db);
  for (const auto& n : nodes) {
    blob.clear();
    put_be(blob, n.nodeno == 1 ? static_cast<std::uint64_t>(depth) : 0, 2);
    put_be(blob, n.cells.size(), 2);
    for (const auto& c : n.cells) {
      put_be(blob, static_cast<std::uint64_t>(c.id), 8);
      for (float f : {c.minx, c.maxx, c.miny, c.maxy}) put_float(blob, f);
    }
    blob.resize(static_cast<std::size_t>(node_size), '\0');
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, n.nodeno);
    sqlite3_bind_blob(st, 2, blob.data(), static_cast<int>(blob.size()), SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
      std::string why = sqlite3_errmsg(db);
      sqlite3_finalize(st);
      return why;
    }
  }
  sqlite3_finalize(st);
  for (const auto& [table, pairs] : {std::pair{std::string("_rowid"), &leaf_of}, std::pair{std::string("_parent"), &parents}}) {
    if (sqlite3_prepare_v2(db, ("INSERT INTO " + q(rtree + table) + " VALUES (?, ?)").c_str(), -1, &st, nullptr) !=
        SQLITE_OK)
      return sqlite3_errmsg(db);
    for (const auto& [a, b] : *pairs) {
      sqlite3_reset(st);
      sqlite3_bind_int64(st, 1, a);
      sqlite3_bind_int64(st, 2, b);
      if (sqlite3_step(st) != SQLITE_DONE) {
        std::string why = sqlite3_errmsg(db);
        sqlite3_finalize(st);
        return why;
      }
    }
    sqlite3_finalize(st);
  }
  return "";
}

}  // namespace

// Two threads share the work: the caller prepares each feature (its attributes, its geometry
// read from WKB and transformed) while one writing thread hands prepared features to the GDAL
// driver (encoding, the file's own format, transactions). Only the writing thread touches the
// dataset between the constructor and close().
namespace {
// A Shapefile encoding GDAL is not told of: the text is encoded here (TextEncoder).
bool legacy_encoding(std::string encoding) {
  for (auto& c : encoding) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return !encoding.empty() && encoding != "UTF-8" && encoding != "UTF8";
}

// Every file of `dir` into a new zip `zip` (GDAL's /vsizip/, deflated), then `dir` removed.
void zip_directory(const std::string& dir, const std::string& zip) {
  // {…}: the zip's own path, which may hold ".zip" in a directory name (a staged output's
  // .NAME.shp.zip.partial-N/) where GDAL would otherwise split it.
  const std::string prefix = "/vsizip/{" + zip + "}/";
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<char> buf(1 << 20);
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    VSILFILE* out = VSIFOpenL((prefix + f.filename().string()).c_str(), "wb");
    bool ok = in && out;
    while (ok && in) {
      in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      auto n = static_cast<std::size_t>(in.gcount());
      ok = VSIFWriteL(buf.data(), 1, n, out) == n;
    }
    if (out) ok = VSIFCloseL(out) == 0 && ok;
    if (!ok) throw Error("cannot write " + f.filename().string() + " into " + zip + ": " + take_gdal_errors());
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}
}  // namespace

struct VectorWriter::Impl {
  std::string path;
  WriterOptions options;
  GDALDataset* ds = nullptr;
  OGRLayer* layer = nullptr;
  OGRFeatureDefn* defn = nullptr;
  std::unique_ptr<OGRCoordinateTransformation> ct;
  std::unordered_map<std::string, int> field_index;  // by store name
  std::vector<FieldType> field_types;
  Batch batch;  // being filled by the caller
  std::deque<Batch> spare;  // written batches, for the caller to fill again
  // The direct GeoPackage path (see the header): SQLite connection, statements, the triggers
  // set aside while the rows go in, the extent written.
  sqlite3* db = nullptr;
  sqlite3_stmt* insert = nullptr;
  std::string table, geometry_column, fid_column, rtree;  // rtree: "" = no spatial index
  std::vector<RtreeEntry> index_entries;  // by fid
  std::vector<std::pair<std::string, std::string>> triggers;  // name, SQL
  std::int64_t rows = 0;           // written (writing thread)
  std::int64_t rows_prepared = 0;  // prepared (caller)
  Envelope extent;                 // of the rows prepared
  bool direct = false;
  // Shapefile text in a legacy encoding (GBK): encoded here, on the caller's thread, with one
  // converter, and the .cpg written at close; GDAL is told nothing and recodes nothing.
  std::unique_ptr<TextEncoder> encoder;
  // A zipped Shapefile in a legacy encoding (X.shp.zip): written as plain files into this
  // directory and zipped at close, after its .cpg (GDAL would put an empty .cpg into the zip,
  // which a zip cannot have replaced).
  std::string zip, plain_dir;

  std::mutex mutex;
  std::condition_variable changed;
  std::deque<Batch> queue;
  bool closing = false;    // no more batches: write what is queued, commit, end
  bool abandon = false;    // the caller gave up (an exception): end without writing
  std::string failure;     // the writing thread's error, thrown to the caller
  std::thread writer;

  ~Impl() {
    stop(true);
    if (ds) GDALClose(ds);
    finalize_sqlite();
  }
  void finalize_sqlite() {
    if (insert) sqlite3_finalize(std::exchange(insert, nullptr));
    if (db) sqlite3_close(std::exchange(db, nullptr));
  }
  void direct_geometry(Prepared& p, std::string_view wkb, const Envelope* bbox, const std::string& label);
  Prepared& next_item() {
    if (batch.size == batch.items.size()) batch.items.emplace_back();
    return batch.items[batch.size++];
  }
  // SQL on the direct path; throws Error naming the file.
  void exec(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      std::string why = message ? message : sqlite3_errmsg(db);
      sqlite3_free(message);
      throw Error("cannot write " + path + ": " + why);
    }
  }
  static std::string quoted(const std::string& name) {
    std::string out = "\"";
    for (char c : name) {
      if (c == '"') out += '"';
      out += c;
    }
    return out + "\"";
  }
  // Writing thread, direct path: one row and its spatial index entry. "" or what failed.
  std::string write_row(const Prepared& p) {
    sqlite3_reset(insert);
    sqlite3_bind_int64(insert, 1, p.fid);
    sqlite3_bind_blob(insert, 2, p.blob.data(), static_cast<int>(p.blob.size()), SQLITE_STATIC);
    for (std::size_t i = 0; i < p.values.size(); ++i) {
      const int at = static_cast<int>(i) + 3;
      const auto& v = p.values[i];
      if (std::holds_alternative<std::monostate>(v)) {
        sqlite3_bind_null(insert, at);
      } else if (field_types[i] == FieldType::integer) {
        if (const auto* n = std::get_if<std::int64_t>(&v)) sqlite3_bind_int64(insert, at, *n);
        else if (const auto* d = std::get_if<double>(&v)) sqlite3_bind_int64(insert, at, static_cast<std::int64_t>(*d));
        else sqlite3_bind_int64(insert, at, CPLAtoGIntBig(std::get<std::string>(v).c_str()));
      } else if (field_types[i] == FieldType::real) {
        if (const auto* n = std::get_if<std::int64_t>(&v)) sqlite3_bind_double(insert, at, static_cast<double>(*n));
        else if (const auto* d = std::get_if<double>(&v)) sqlite3_bind_double(insert, at, *d);
        else sqlite3_bind_double(insert, at, CPLAtof(std::get<std::string>(v).c_str()));
      } else {
        if (const auto* t = std::get_if<std::string>(&v)) {
          sqlite3_bind_text(insert, at, t->data(), static_cast<int>(t->size()), SQLITE_STATIC);
        } else {
          std::string text;
          if (const auto* n = std::get_if<std::int64_t>(&v)) {
            text = std::to_string(*n);
          } else {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.17g", std::get<double>(v));
            text = buf;
          }
          sqlite3_bind_text(insert, at, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
        }
      }
    }
    if (sqlite3_step(insert) != SQLITE_DONE) return sqlite3_errmsg(db);
    return "";
  }
  [[noreturn]] void fail(const std::string& what) const {
    std::string why = take_gdal_errors();
    throw Error("cannot write " + path + ": " + what + (why.empty() ? "" : ": " + why));
  }
  void stop(bool give_up) {
    if (!writer.joinable()) return;
    {
      std::lock_guard lock(mutex);
      (give_up ? abandon : closing) = true;
    }
    changed.notify_all();
    writer.join();
  }
  // Caller: queue the filled batch, waiting while the writer is behind; throws its failure.
  void push() {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return queue.size() < kMaxQueuedBatches || !failure.empty(); });
    if (!failure.empty()) throw Error(failure);
    queue.push_back(std::move(batch));
    if (spare.empty()) {
      batch = Batch();
    } else {
      batch = std::move(spare.front());
      spare.pop_front();
    }
    lock.unlock();
    changed.notify_all();
  }
  // Writing thread.
  void run() {
    GdalErrorScope scope;
    auto give_up = [&](const std::string& what, std::string why = "") {
      if (why.empty()) why = take_gdal_errors();
      std::lock_guard lock(mutex);
      failure = "cannot write " + path + ": " + what + (why.empty() ? "" : ": " + why);
      queue.clear();
      changed.notify_all();
    };
    bool transactions = true;  // until the driver says it has none (Shapefile)
    bool in_transaction = false;
    std::int64_t pending = 0;
    for (;;) {
      Batch b;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return abandon || closing || !queue.empty(); });
        if (abandon) return;
        if (queue.empty()) break;  // closing, all written
        b = std::move(queue.front());
        queue.pop_front();
      }
      changed.notify_all();
      if (direct) {
        for (std::size_t i = 0; i < b.size; ++i) {
          std::string why = write_row(b.items[i]);
          if (!why.empty()) return give_up("feature " + b.items[i].label, why);
        }
        rows += static_cast<std::int64_t>(b.size);
        b.size = 0;
        std::lock_guard lock(mutex);
        spare.push_back(std::move(b));
        continue;
      }
      for (std::size_t i = 0; i < b.size; ++i) {
        Prepared& p = b.items[i];
        if (transactions && !in_transaction) {
          in_transaction = ds->StartTransaction() == OGRERR_NONE;
          transactions = in_transaction;
          take_gdal_errors();  // a driver without transactions says so as an error; that is no failure
        }
        // A failure GDAL reports without failing the call is a failure too (it would else be lost
        // on this thread).
        bool created = layer->CreateFeature(p.feature.get()) == OGRERR_NONE;
        p.feature.reset();
        std::string why = take_gdal_errors();
        if (!created || !why.empty()) return give_up("feature " + p.label, why);
        if (in_transaction && ++pending >= kFeaturesPerTransaction) {
          if (ds->CommitTransaction() != OGRERR_NONE) return give_up("commit");
          in_transaction = false;
          pending = 0;
        }
      }
    }
    if (in_transaction && ds->CommitTransaction() != OGRERR_NONE) give_up("commit");
  }

  // Direct path, constructor: GDAL has laid the file out (and is closed); the rows go in through
  // SQLite, with the table's triggers (spatial index, feature count: they call GDAL's SQL
  // functions) set aside until close().
  void open_direct(const std::vector<std::string>& columns) {
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK)
      throw Error("cannot write " + path + ": " + (db ? sqlite3_errmsg(db) : "cannot open"));
    // A staged file (services/staged_output.h): nothing to keep if the process dies half-way.
    exec("PRAGMA synchronous = OFF; PRAGMA journal_mode = MEMORY; PRAGMA cache_size = -16384");
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", -1, &st,
                       nullptr);
    sqlite3_bind_text(st, 1, table.c_str(), -1, SQLITE_TRANSIENT);
    while (sqlite3_step(st) == SQLITE_ROW)
      triggers.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)),
                            reinterpret_cast<const char*>(sqlite3_column_text(st, 1)));
    sqlite3_finalize(st);
    exec("BEGIN");
    for (const auto& [name, sql] : triggers) exec("DROP TRIGGER " + quoted(name));
    std::string sql = "INSERT INTO " + quoted(table) + "(" + quoted(fid_column) + ", " + quoted(geometry_column);
    for (const auto& c : columns) sql += ", " + quoted(c);
    sql += ") VALUES (?, ?";
    for (std::size_t i = 0; i < columns.size(); ++i) sql += ", ?";
    sql += ")";
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &insert, nullptr) != SQLITE_OK)
      throw Error("cannot write " + path + ": " + sqlite3_errmsg(db));
    rtree = "rtree_" + table + "_" + geometry_column;
    sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", -1, &st, nullptr);
    sqlite3_bind_text(st, 1, rtree.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_ROW) rtree.clear();
    sqlite3_finalize(st);
  }

  // Direct path, close(): the extent and feature count GDAL would have written, the triggers
  // back, one commit.
  void close_direct() {
    sqlite3_finalize(std::exchange(insert, nullptr));
    if (!rtree.empty() && !index_entries.empty()) {
      std::string why = bulk_load_rtree(db, rtree, index_entries);
      if (!why.empty()) throw Error("cannot write " + path + ": spatial index: " + why);
    }
    std::vector<RtreeEntry>().swap(index_entries);
    sqlite3_stmt* st = nullptr;
    if (rows > 0) {
      sqlite3_prepare_v2(db,
                         "UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ? "
                         "WHERE lower(table_name) = lower(?)",
                         -1, &st, nullptr);
      sqlite3_bind_double(st, 1, extent.minx);
      sqlite3_bind_double(st, 2, extent.miny);
      sqlite3_bind_double(st, 3, extent.maxx);
      sqlite3_bind_double(st, 4, extent.maxy);
      sqlite3_bind_text(st, 5, table.c_str(), -1, SQLITE_TRANSIENT);
      int rc = sqlite3_step(st);
      sqlite3_finalize(st);
      if (rc != SQLITE_DONE) throw Error("cannot write " + path + ": " + sqlite3_errmsg(db));
    }
    bool counted = false;
    sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'gpkg_ogr_contents'", -1, &st,
                       nullptr);
    counted = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    if (counted)
      exec("UPDATE gpkg_ogr_contents SET feature_count = " + std::to_string(rows) +
           " WHERE lower(table_name) = lower('" + [&] {
             std::string t;
             for (char c : table) t += c == '\'' ? std::string("''") : std::string(1, c);
             return t;
           }() + "')");
    for (const auto& [name, sql] : triggers) exec(sql);
    exec("COMMIT");
    if (sqlite3_close(std::exchange(db, nullptr)) != SQLITE_OK) throw Error("cannot write " + path);
  }
};

VectorWriter::VectorWriter(const std::string& path, const WriterOptions& options,
                           const std::vector<FieldSpec>& fields)
    : impl_(std::make_unique<Impl>()) {
  ensure_gdal_registered();
  Impl& im = *impl_;
  im.path = path;
  im.options = options;
  if (options.driver == "ESRI Shapefile" && !options.add_layer && legacy_encoding(options.encoding) &&
      path.size() > 4 && path.compare(path.size() - 4, 4, ".zip") == 0) {
    im.zip = path;
    im.plain_dir = path + ".files";
    std::filesystem::create_directories(im.plain_dir);
    im.path = im.plain_dir + "/" + options.layer_name + ".shp";
  }
  GdalErrorScope scope;
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(options.driver.c_str());
  if (!driver) throw Error("GDAL has no " + options.driver + " driver");
  im.ds = options.add_layer
              ? static_cast<GDALDataset*>(GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE,
                                                     nullptr, nullptr, nullptr))
              : driver->Create(im.path.c_str(), 0, 0, 0, GDT_Unknown, nullptr);
  if (!im.ds) im.fail("cannot create the dataset");

  OGRSpatialReference srs;
  if (srs.SetFromUserInput(options.srs.c_str()) != OGRERR_NONE)
    throw UsageError("--srs '" + options.srs + "' is not a CRS GDAL/PROJ understands");
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  OGRSpatialReference source;
  source.importFromEPSG(4490);
  source.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  if (!srs.IsSame(&source)) {
    im.ct.reset(OGRCreateCoordinateTransformation(&source, &srs));
    if (!im.ct) im.fail("cannot transform from EPSG:4490 to " + options.srs);
  }

  CPLStringList layer_options;
  if (options.driver == "ESRI Shapefile" && !options.encoding.empty()) {
    if (legacy_encoding(options.encoding)) im.encoder = std::make_unique<TextEncoder>(options.encoding);
    layer_options.SetNameValue("ENCODING", im.encoder ? "" : options.encoding.c_str());
  }
  if (options.driver == "CSV") {
    layer_options.SetNameValue("GEOMETRY", "AS_WKT");
    layer_options.SetNameValue("CREATE_CSVT", "YES");
  }
  if (options.driver == "GeoJSON") layer_options.SetNameValue("WRITE_BBOX", "NO");
  OGRwkbGeometryType type = options.multi_polygon ? wkbMultiPolygon : wkbPolygon;
  im.layer = im.ds->CreateLayer(options.layer_name.c_str(), &srs, type, layer_options.List());
  if (!im.layer) im.fail("cannot create layer " + options.layer_name);
  for (const auto& f : fields) {
    OGRFieldDefn defn((im.encoder ? im.encoder->encode(f.output_name) : f.output_name).c_str(), ogr_type(f.type));
    if (options.driver == "ESRI Shapefile" && f.type == FieldType::text)
      defn.SetWidth(std::clamp(f.width, 1, 254));
    if (im.layer->CreateField(&defn, FALSE) != OGRERR_NONE)
      im.fail("cannot create field " + f.output_name);
    im.field_index.emplace(f.name, static_cast<int>(im.field_types.size()));
    im.field_types.push_back(f.type);
  }
  im.defn = im.layer->GetLayerDefn();
  // The direct GeoPackage path: a new file in EPSG:4490.
  im.direct = options.driver == "GPKG" && !options.add_layer && !im.ct;
  if (im.direct) {
    im.table = im.layer->GetName();
    im.fid_column = im.layer->GetFIDColumn();
    if (im.fid_column.empty()) im.fid_column = "fid";
    im.geometry_column = im.layer->GetGeometryColumn();
    std::vector<std::string> columns;
    for (int i = 0; i < im.defn->GetFieldCount(); ++i) columns.push_back(im.defn->GetFieldDefn(i)->GetNameRef());
    im.layer = nullptr;
    im.defn = nullptr;
    GDALDataset* ds = std::exchange(im.ds, nullptr);
    GDALClose(ds);
    std::string why = take_gdal_errors();
    if (!why.empty()) throw Error("cannot write " + im.path + ": " + why);
    im.open_direct(columns);
  }
  im.writer = std::thread([&im] { im.run(); });
}

VectorWriter::~VectorWriter() = default;

namespace {

// The GeoPackage geometry blob (GeoPackage 1.2 §2.1.3, as GDAL writes it): "GP", version 0,
// flags (little-endian, an xy envelope), the srs_id, the envelope minx, maxx, miny, maxy, then
// the ISO WKB of the geometry.
void gpkg_header(std::string& blob, std::int32_t srs_id, const Envelope& e) {
  char head[8] = {'G', 'P', 0, 0x03, 0, 0, 0, 0};
  std::memcpy(head + 4, &srs_id, 4);
  blob.append(head, 8);
  for (double v : {e.minx, e.maxx, e.miny, e.maxy}) blob.append(reinterpret_cast<const char*>(&v), 8);
}

std::uint32_t wkb_type(std::string_view wkb) {
  std::uint32_t t = 0;
  std::memcpy(&t, wkb.data() + 1, 4);
  return t;
}

// Attribute values straight from the stored JSON object text into the fields' slots (the same
// reading as storage::decode_attributes: the last of a name given twice, nested values null).
struct FieldSax : nlohmann::json_sax<nlohmann::json> {
  const std::unordered_map<std::string, int>& index;
  std::vector<AttributeValue>& values;
  int depth = 0;
  int field = -1;
  FieldSax(const std::unordered_map<std::string, int>& i, std::vector<AttributeValue>& v) : index(i), values(v) {}

  bool value(AttributeValue&& v) {
    if (depth == 1 && field >= 0) values[static_cast<std::size_t>(field)] = std::move(v);
    return true;
  }
  bool null() override { return value(std::monostate{}); }
  bool boolean(bool v) override { return value(static_cast<std::int64_t>(v)); }
  bool number_integer(number_integer_t v) override { return value(static_cast<std::int64_t>(v)); }
  bool number_unsigned(number_unsigned_t v) override { return value(static_cast<std::int64_t>(v)); }
  bool number_float(number_float_t v, const string_t&) override { return value(v); }
  bool string(string_t& v) override { return value(std::move(v)); }
  bool binary(binary_t&) override { return value(std::monostate{}); }
  bool start_object(std::size_t) override {
    ++depth;
    return true;
  }
  bool end_object() override {
    --depth;
    return true;
  }
  bool start_array(std::size_t) override {
    ++depth;
    return true;
  }
  bool end_array() override {
    --depth;
    return true;
  }
  bool key(string_t& k) override {
    if (depth != 1) return true;
    auto it = index.find(k);
    field = it == index.end() ? -1 : it->second;
    if (field >= 0) values[static_cast<std::size_t>(field)] = std::monostate{};
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) override {
    throw Error("stored attributes are not valid JSON at byte " + std::to_string(position) + ": " + e.what());
  }
};

}  // namespace

// Direct path: the row's geometry blob from the stored WKB and envelope. A WKB that is not a
// little-endian 2D Polygon or MultiPolygon goes through OGR (read, promoted, written as ISO WKB).
void VectorWriter::Impl::direct_geometry(Prepared& p, std::string_view wkb, const Envelope* bbox,
                                         const std::string& label) {
  p.blob.clear();
  const bool fast = bbox && wkb.size() >= 9 && wkb[0] == 1 && (wkb_type(wkb) == 3 || wkb_type(wkb) == 6);
  if (fast) {
    p.box = *bbox;
    gpkg_header(p.blob, 4490, p.box);
    if (options.multi_polygon && wkb_type(wkb) == 3) {
      const char multi[9] = {1, 6, 0, 0, 0, 1, 0, 0, 0};
      p.blob.append(multi, 9);
    }
    p.blob.append(wkb.data(), wkb.size());
  } else {
    GdalErrorScope scope;
    OGRGeometry* g = nullptr;
    if (OGRGeometryFactory::createFromWkb(wkb.data(), nullptr, &g, wkb.size()) != OGRERR_NONE || !g)
      fail("feature " + label + " has a geometry GDAL cannot read");
    std::unique_ptr<OGRGeometry> owned(g);
    if (options.multi_polygon && wkbFlatten(owned->getGeometryType()) == wkbPolygon)
      owned.reset(OGRGeometryFactory::forceToMultiPolygon(owned.release()));
    OGREnvelope e;
    owned->getEnvelope(&e);
    p.box = {e.MinX, e.MinY, e.MaxX, e.MaxY};
    gpkg_header(p.blob, 4490, p.box);
    std::string out(static_cast<std::size_t>(owned->WkbSize()), '\0');
    owned->exportToWkb(wkbNDR, reinterpret_cast<unsigned char*>(out.data()), wkbVariantIso);
    p.blob += out;
  }
  p.fid = rows_prepared + 1;  // a new table numbers its rows from 1
  index_entries.push_back(rtree_entry(p.fid, p.box));
  if (rows_prepared++ == 0) {
    extent = p.box;
  } else {
    extent.minx = std::min(extent.minx, p.box.minx);
    extent.miny = std::min(extent.miny, p.box.miny);
    extent.maxx = std::max(extent.maxx, p.box.maxx);
    extent.maxy = std::max(extent.maxy, p.box.maxy);
  }
}

void VectorWriter::add(std::string_view wkb, const Attributes& attributes,
                       const std::string& feature_label) {
  Impl& im = *impl_;
  if (im.direct) {
    Prepared& p = im.next_item();
    p.label = feature_label;
    p.values.assign(im.field_types.size(), std::monostate{});
    for (const auto& a : attributes) {
      auto it = im.field_index.find(a.name);
      if (it != im.field_index.end()) p.values[static_cast<std::size_t>(it->second)] = a.value;
    }
    im.direct_geometry(p, wkb, nullptr, feature_label);
    if (im.batch.size >= kBatchSize) im.push();
    return;
  }
  GdalErrorScope scope;
  auto feature = std::make_unique<OGRFeature>(im.defn);
  OGRFeature& f = *feature;
  for (const auto& a : attributes) {
    auto it = im.field_index.find(a.name);
    if (it == im.field_index.end()) continue;
    int i = it->second;
    if (const auto* v = std::get_if<std::int64_t>(&a.value)) {
      if (im.field_types[i] == FieldType::text) f.SetField(i, std::to_string(*v).c_str());
      else f.SetField(i, static_cast<GIntBig>(*v));
    } else if (const auto* d = std::get_if<double>(&a.value)) {
      if (im.field_types[i] == FieldType::text) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.17g", *d);
        f.SetField(i, buf);
      } else {
        f.SetField(i, *d);
      }
    } else if (const auto* s = std::get_if<std::string>(&a.value)) {
      if (!im.encoder) {
        f.SetField(i, s->c_str());
        continue;
      }
      try {
        f.SetField(i, im.encoder->encode(*s).c_str());
      } catch (const Error& e) {
        throw Error("cannot write " + im.path + ": feature " + feature_label + ", field " + a.name + ": " +
                    e.what() + " (write the Shapefile in GB18030 or UTF-8 instead)");
      }
    } else {
      f.SetFieldNull(i);
    }
  }
  OGRGeometry* g = nullptr;
  if (OGRGeometryFactory::createFromWkb(wkb.data(), nullptr, &g, wkb.size()) != OGRERR_NONE || !g)
    im.fail("feature " + feature_label + " has a geometry GDAL cannot read");
  if (im.options.multi_polygon && wkbFlatten(g->getGeometryType()) == wkbPolygon)
    g = OGRGeometryFactory::forceToMultiPolygon(g);
  if (im.ct && g->transform(im.ct.get()) != OGRERR_NONE) {
    delete g;
    im.fail("feature " + feature_label + " cannot be transformed to " + im.options.srs);
  }
  f.SetGeometryDirectly(g);
  Prepared& p = im.next_item();
  p.feature = std::move(feature);
  p.label = feature_label;
  if (im.batch.size >= kBatchSize) im.push();
}

void VectorWriter::add_stored(std::string_view wkb, const Envelope& bbox, std::string_view attributes_json,
                              const std::string& feature_label) {
  Impl& im = *impl_;
  if (!im.direct) {
    add(wkb, storage::decode_attributes(attributes_json), feature_label);
    return;
  }
  Prepared& p = im.next_item();
  p.label = feature_label;
  p.values.assign(im.field_types.size(), std::monostate{});
  if (!attributes_json.empty()) {
    FieldSax sax(im.field_index, p.values);
    nlohmann::json::sax_parse(attributes_json.begin(), attributes_json.end(), &sax);
  }
  im.direct_geometry(p, wkb, &bbox, feature_label);
  if (im.batch.size >= kBatchSize) im.push();
}


void VectorWriter::close() {
  Impl& im = *impl_;
  if (im.batch.size > 0) im.push();
  im.stop(false);
  if (!im.failure.empty()) throw Error(im.failure);
  GdalErrorScope scope;
  im.batch = Batch();
  if (im.direct) {
    im.close_direct();
    return;
  }
  GDALDataset* ds = std::exchange(im.ds, nullptr);
  GDALClose(ds);  // GDAL 3.6's GDALClose reports failures through CPLError only
  std::string why = take_gdal_errors();
  if (!why.empty()) throw Error("cannot write " + im.path + ": " + why);
  if (im.encoder) {
    // The code page, as GDAL writes it for ENCODING=GBK: the encoding's name in the .cpg.
    std::filesystem::path cpg = im.path;
    cpg.replace_extension(".cpg");
    std::ofstream out(cpg, std::ios::binary | std::ios::trunc);
    out << im.encoder->encoding();
    if (!out.flush()) throw Error("cannot write " + cpg.string());
  }
  if (!im.zip.empty()) zip_directory(im.plain_dir, im.zip);
}

std::vector<std::string> shapefile_field_names(const std::vector<std::string>& names,
                                               const std::string& encoding) {
  std::vector<std::string> out;
  std::set<std::string> taken;
  auto upper = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  };
  // The longest prefix of `name` (whole UTF-8 characters) whose encoded form fits `bytes`.
  auto cut = [&](const std::string& name, std::size_t bytes) {
    std::string best;
    for (std::size_t i = 1; i <= name.size(); ++i) {
      if (i < name.size() && (static_cast<unsigned char>(name[i]) & 0xC0) == 0x80) continue;
      std::string prefix = name.substr(0, i);
      std::size_t size;
      try {
        size = encoding.empty() ? prefix.size() : encode_text(prefix, encoding).size();
      } catch (const Error&) {
        size = prefix.size();
      }
      if (size > bytes) break;
      best = prefix;
    }
    return best;
  };
  for (const auto& n : names) {
    std::string name = cut(n, 10);
    if (name.empty()) name = "FIELD";
    for (int k = 1; taken.count(upper(name)); ++k) {
      std::string suffix = "_" + std::to_string(k);
      name = cut(n, 10 - suffix.size()) + suffix;
    }
    taken.insert(upper(name));
    out.push_back(name);
  }
  return out;
}

}  // namespace gz::geo
