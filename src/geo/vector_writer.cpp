#include "geo/vector_writer.h"

#include <cpl_string.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <set>
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

struct VectorWriter::Impl {
  std::string path;
  WriterOptions options;
  GDALDataset* ds = nullptr;
  OGRLayer* layer = nullptr;
  std::unique_ptr<OGRCoordinateTransformation> ct;
  std::unordered_map<std::string, int> field_index;  // by store name
  std::vector<FieldType> field_types;
  std::unique_ptr<OGRFeature> feature;
  bool in_transaction = false;
  std::int64_t pending = 0;
  ~Impl() {
    if (ds) GDALClose(ds);
  }
  [[noreturn]] void fail(const std::string& what) const {
    std::string why = take_gdal_errors();
    throw Error("cannot write " + path + ": " + what + (why.empty() ? "" : ": " + why));
  }
};

VectorWriter::VectorWriter(const std::string& path, const WriterOptions& options,
                           const std::vector<FieldSpec>& fields)
    : impl_(std::make_unique<Impl>()) {
  ensure_gdal_registered();
  Impl& im = *impl_;
  im.path = path;
  im.options = options;
  GdalErrorScope scope;
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(options.driver.c_str());
  if (!driver) throw Error("GDAL has no " + options.driver + " driver");
  im.ds = options.add_layer
              ? static_cast<GDALDataset*>(GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE,
                                                     nullptr, nullptr, nullptr))
              : driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr);
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
  if (options.driver == "ESRI Shapefile" && !options.encoding.empty())
    layer_options.SetNameValue("ENCODING", options.encoding.c_str());
  if (options.driver == "CSV") {
    layer_options.SetNameValue("GEOMETRY", "AS_WKT");
    layer_options.SetNameValue("CREATE_CSVT", "YES");
  }
  if (options.driver == "GeoJSON") layer_options.SetNameValue("WRITE_BBOX", "NO");
  OGRwkbGeometryType type = options.multi_polygon ? wkbMultiPolygon : wkbPolygon;
  im.layer = im.ds->CreateLayer(options.layer_name.c_str(), &srs, type, layer_options.List());
  if (!im.layer) im.fail("cannot create layer " + options.layer_name);
  for (const auto& f : fields) {
    OGRFieldDefn defn(f.output_name.c_str(), ogr_type(f.type));
    if (options.driver == "ESRI Shapefile" && f.type == FieldType::text)
      defn.SetWidth(std::clamp(f.width, 1, 254));
    if (im.layer->CreateField(&defn, FALSE) != OGRERR_NONE)
      im.fail("cannot create field " + f.output_name);
    im.field_index.emplace(f.name, static_cast<int>(im.field_types.size()));
    im.field_types.push_back(f.type);
  }
  im.feature = std::make_unique<OGRFeature>(im.layer->GetLayerDefn());
}

VectorWriter::~VectorWriter() = default;

void VectorWriter::add(std::string_view wkb, const Attributes& attributes,
                       const std::string& feature_label) {
  Impl& im = *impl_;
  GdalErrorScope scope;
  if (!im.in_transaction) {
    im.in_transaction = im.ds->StartTransaction() == OGRERR_NONE;
  }
  OGRFeature& f = *im.feature;
  f.Reset();
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
      f.SetField(i, s->c_str());
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
  if (im.layer->CreateFeature(&f) != OGRERR_NONE) im.fail("feature " + feature_label);
  if (im.in_transaction && ++im.pending >= kFeaturesPerTransaction) {
    if (im.ds->CommitTransaction() != OGRERR_NONE) im.fail("commit");
    im.in_transaction = false;
    im.pending = 0;
  }
}

void VectorWriter::close() {
  Impl& im = *impl_;
  GdalErrorScope scope;
  if (im.in_transaction && im.ds->CommitTransaction() != OGRERR_NONE) im.fail("commit");
  im.in_transaction = false;
  im.feature.reset();
  GDALDataset* ds = std::exchange(im.ds, nullptr);
  GDALClose(ds);  // GDAL 3.6's GDALClose reports failures through CPLError only
  std::string why = take_gdal_errors();
  if (!why.empty()) throw Error("cannot write " + im.path + ": " + why);
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
