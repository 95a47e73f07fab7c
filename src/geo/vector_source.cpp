#include "geo/vector_source.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <filesystem>

#include "common/error.h"
#include "geo/crs.h"
#include "geo/gdal_support.h"

namespace gz::geo {

namespace {
// Through GDAL's virtual file system: a file on disk, or one of GDAL's virtual paths (/vsimem/,
// /vsizip/…), which GDAL opens as well as it opens files.
bool path_exists(const std::filesystem::path& p) {
  VSIStatBufL st;
  return VSIStatL(p.c_str(), &st) == 0;
}

bool has_sidecar(const std::filesystem::path& p, const char* ext) {
  std::filesystem::path c = p;
  c.replace_extension(ext);
  if (path_exists(c)) return true;
  std::string upper = ext;
  for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  c.replace_extension(upper);
  return path_exists(c);
}

// Whether the Shapefile(s) at `p` say which encoding their .dbf uses: a .cpg next to the file,
// or next to every .dbf of a directory opened as one dataset.
bool shapefile_declares_encoding(const std::filesystem::path& p) {
  std::error_code ec;
  if (!std::filesystem::is_directory(p, ec)) return has_sidecar(p, ".cpg");
  for (const auto& e : std::filesystem::directory_iterator(p, ec)) {
    std::string ext = e.path().extension().string();
    for (auto& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (ext == ".dbf" && !has_sidecar(e.path(), ".cpg")) return false;
  }
  return true;
}
}  // namespace

struct VectorSource::Impl {
  GDALDataset* ds = nullptr;
  OGRLayer* layer = nullptr;
  std::unique_ptr<OGRCoordinateTransformation> ct;
  OGRSpatialReference target;
  std::string srs_name;
  bool check_utf8 = false;
  bool shapefile_without_cpg = false;
  std::int64_t index = 0;
  ~Impl() {
    if (ds) GDALClose(ds);
  }
};

VectorSource::VectorSource(const std::string& path, const SourceOptions& options)
    : impl_(std::make_unique<Impl>()), path_(path) {
  ensure_gdal_registered();
  if (!path_exists(path)) throw InputError(path, "", "", "file does not exist");

  std::filesystem::path fp(path);
  CPLStringList open_options;
  // By driver, not extension: a directory of Shapefiles (or a .shp.zip) is a Shapefile dataset
  // too, and --encoding must reach it.
  GDALDriverH driver = GDALIdentifyDriverEx(path.c_str(), GDAL_OF_VECTOR, nullptr, nullptr);
  if (driver && EQUAL(GDALGetDriverShortName(driver), "ESRI Shapefile")) {
    if (!options.encoding.empty()) {
      open_options.SetNameValue("ENCODING", options.encoding.c_str());
    } else if (!shapefile_declares_encoding(fp)) {
      // No declared encoding: take the bytes as they are and insist on UTF-8, rather than let
      // GDAL guess Latin-1 and store mojibake.
      open_options.SetNameValue("ENCODING", "");
      impl_->shapefile_without_cpg = true;
    }
    impl_->check_utf8 = true;
  } else {
    impl_->check_utf8 = true;
  }

  {
    GdalErrorScope scope;
    impl_->ds = static_cast<GDALDataset*>(GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY,
                                                     nullptr, open_options.List(), nullptr));
    if (!impl_->ds) {
      std::string why = take_gdal_errors();
      throw InputError(path, "", "", "cannot open as a vector dataset" + (why.empty() ? std::string() : ": " + why));
    }
  }
  int nlayers = impl_->ds->GetLayerCount();
  if (nlayers == 0) throw InputError(path, "", "", "the dataset holds no vector layer");
  if (!options.source_layer.empty()) {
    impl_->layer = impl_->ds->GetLayerByName(options.source_layer.c_str());
    if (!impl_->layer) throw InputError(path, "", "", "no layer named '" + options.source_layer + "' in the dataset");
  } else if (nlayers > 1) {
    std::string names;
    for (int i = 0; i < nlayers; ++i)
      names += (i ? ", " : "") + std::string(impl_->ds->GetLayer(i)->GetName());
    throw InputError(path, "", "",
                     "the dataset holds " + std::to_string(nlayers) +
                         " layers; choose one with --source-layer (" + names + ")");
  } else {
    impl_->layer = impl_->ds->GetLayer(0);
  }

  OGRSpatialReference source;
  const OGRSpatialReference* declared = impl_->layer->GetSpatialRef();
  if (declared && !declared->IsEmpty()) {
    source = *declared;
  } else if (!options.srs_override.empty()) {
    if (source.SetFromUserInput(options.srs_override.c_str()) != OGRERR_NONE)
      throw UsageError("--srs '" + options.srs_override + "' is not a CRS GDAL/PROJ understands");
  } else {
    throw InputError(path, "", "",
                     "the source declares no coordinate reference system (no .prj or CRS); "
                     "pass --srs EPSG:XXXX to say which one it uses");
  }
  source.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  const char* auth = source.GetAuthorityName(nullptr);
  const char* code = source.GetAuthorityCode(nullptr);
  if (auth && code) {
    impl_->srs_name = std::string(auth) + ":" + code;
  } else {
    source.AutoIdentifyEPSG();
    auth = source.GetAuthorityName(nullptr);
    code = source.GetAuthorityCode(nullptr);
    impl_->srs_name = (auth && code) ? std::string(auth) + ":" + code
                                     : std::string(source.GetName() ? source.GetName() : "unnamed CRS");
  }
  impl_->target.importFromEPSG(kCgcs2000);
  impl_->target.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  if (!source.IsSame(&impl_->target)) {
    impl_->ct.reset(OGRCreateCoordinateTransformation(&source, &impl_->target));
    if (!impl_->ct)
      throw InputError(path, "", "", "cannot transform from " + impl_->srs_name + " to EPSG:4490");
  }
  impl_->layer->ResetReading();
}

VectorSource::~VectorSource() = default;

std::string VectorSource::declared_srs() const { return impl_->srs_name; }

std::int64_t VectorSource::feature_count() const {
  GIntBig n = impl_->layer->GetFeatureCount(FALSE);
  return n;
}

bool VectorSource::next(SourceFeature& out) {
  GdalErrorScope scope;
  std::unique_ptr<OGRFeature> f(impl_->layer->GetNextFeature());
  std::string errors = take_gdal_errors();
  std::string feature_label = "#" + std::to_string(impl_->index + 1);
  if (!errors.empty())
    throw InputError(path_, feature_label, "", "cannot read the feature: " + errors);
  if (!f) return false;
  ++impl_->index;
  if (f->GetFID() != OGRNullFID) feature_label = std::to_string(f->GetFID());
  out.source_id = feature_label;
  out.attributes.clear();

  OGRFeatureDefn* defn = f->GetDefnRef();
  for (int i = 0; i < defn->GetFieldCount(); ++i) {
    OGRFieldDefn* fd = defn->GetFieldDefn(i);
    Attribute a;
    a.name = fd->GetNameRef();
    if (!f->IsFieldSetAndNotNull(i)) {
      out.attributes.push_back(std::move(a));
      continue;
    }
    switch (fd->GetType()) {
      case OFTInteger:
      case OFTInteger64:
        a.value = static_cast<std::int64_t>(f->GetFieldAsInteger64(i));
        break;
      case OFTReal:
        a.value = f->GetFieldAsDouble(i);
        break;
      default: {
        const char* s = f->GetFieldAsString(i);
        std::string text = s ? s : "";
        if (impl_->check_utf8 && !CPLIsUTF8(text.c_str(), -1)) {
          std::string hint = impl_->shapefile_without_cpg
                                 ? "the text is not UTF-8 and the Shapefile has no .cpg; pass "
                                   "--encoding GBK (or the encoding it was written in)"
                                 : "the text is not valid in the declared encoding; pass --encoding "
                                   "with the encoding it was written in";
          throw InputError(path_, feature_label, a.name, hint);
        }
        a.value = std::move(text);
      }
    }
    out.attributes.push_back(std::move(a));
  }

  OGRGeometry* g = f->GetGeometryRef();
  if (!g || g->IsEmpty()) {
    out.geometry = Geometry();
    return true;
  }
  std::unique_ptr<OGRGeometry> owned;
  if (g->hasCurveGeometry()) {
    owned.reset(g->getLinearGeometry());
    g = owned.get();
  }
  if (g->Is3D() || g->IsMeasured()) g->flattenTo2D();
  if (impl_->ct) {
    if (g->transform(impl_->ct.get()) != OGRERR_NONE) {
      std::string why = take_gdal_errors();
      throw InputError(path_, feature_label, "",
                       "cannot transform the geometry from " + impl_->srs_name + " to EPSG:4490" +
                           (why.empty() ? std::string() : ": " + why));
    }
  }
  std::string wkb(static_cast<std::size_t>(g->WkbSize()), '\0');
  g->exportToWkb(wkbNDR, reinterpret_cast<unsigned char*>(wkb.data()), wkbVariantIso);
  out.geometry = Geometry::from_wkb(wkb);
  return true;
}

}  // namespace gz::geo
