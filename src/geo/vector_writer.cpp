#include "geo/vector_writer.h"

#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <condition_variable>
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

namespace gz::geo {

namespace {
// Features per transaction: large enough that commits cost nothing, small enough that a
// GeoPackage's journal stays small.
constexpr std::int64_t kFeaturesPerTransaction = 100000;
// Features handed to the writing thread at a time, and batches it may have waiting: at most
// about 2,000 prepared features are held, whatever the layer's size.
constexpr std::size_t kBatchSize = 256;
constexpr std::size_t kMaxQueuedBatches = 8;

// A feature prepared by the caller (attributes set, geometry read and transformed), waiting to
// be written by the driver.
struct Prepared {
  std::unique_ptr<OGRFeature> feature;
  std::string label;
};
using Batch = std::vector<Prepared>;

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
    batch = Batch();
    batch.reserve(kBatchSize);
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
      for (auto& p : b) {
        if (transactions && !in_transaction) {
          in_transaction = ds->StartTransaction() == OGRERR_NONE;
          transactions = in_transaction;
          take_gdal_errors();  // a driver without transactions says so as an error; that is no failure
        }
        // A failure GDAL reports without failing the call is a failure too (it would else be lost
        // on this thread).
        bool created = layer->CreateFeature(p.feature.get()) == OGRERR_NONE;
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
  im.batch.reserve(kBatchSize);
  im.writer = std::thread([&im] { im.run(); });
}

VectorWriter::~VectorWriter() = default;

void VectorWriter::add(std::string_view wkb, const Attributes& attributes,
                       const std::string& feature_label) {
  Impl& im = *impl_;
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
  im.batch.push_back({std::move(feature), feature_label});
  if (im.batch.size() >= kBatchSize) im.push();
}

void VectorWriter::close() {
  Impl& im = *impl_;
  if (!im.batch.empty()) im.push();
  im.stop(false);
  if (!im.failure.empty()) throw Error(im.failure);
  GdalErrorScope scope;
  im.batch.clear();
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
