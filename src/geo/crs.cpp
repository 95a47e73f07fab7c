#include "geo/crs.h"

#include <proj.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/error.h"

namespace gz::geo {

struct CoordinateTransform::Impl {
  PJ_CONTEXT* ctx = nullptr;
  PJ* pj = nullptr;
  std::string from, to;
  // Vertices of a survey layer are shared by the parcels around them, so the same point is
  // projected several times in a row. PROJ transforms each point on its own, so a small cache
  // of recent points (keyed by their bits) gives exactly what PROJ would, at a fraction of the
  // cost of its pipeline.
  struct Slot {
    std::uint64_t x = 0, y = 0;
    double out_x = 0, out_y = 0;
    bool used = false;
  };
  static constexpr std::size_t kSlots = std::size_t{1} << 14;
  std::vector<Slot> cache;
  std::vector<std::size_t> misses;  // scratch: indices of points not in the cache
  std::vector<double> miss_xy;      // scratch: their coordinates, transformed by PROJ
  static std::size_t slot_of(std::uint64_t x, std::uint64_t y) {
    std::uint64_t h = x * 0x9E3779B97F4A7C15ull ^ (y + 0x632BE59BD9B4E019ull) * 0xC2B2AE3D27D4EB4Full;
    return static_cast<std::size_t>(h ^ (h >> 31)) & (kSlots - 1);
  }
  ~Impl() {
    if (pj) proj_destroy(pj);
    if (ctx) proj_context_destroy(ctx);
  }
};

CoordinateTransform::CoordinateTransform(const std::string& from, const std::string& to)
    : impl_(std::make_unique<Impl>()) {
  impl_->from = from;
  impl_->to = to;
  impl_->ctx = proj_context_create();
  PJ* raw = proj_create_crs_to_crs(impl_->ctx, from.c_str(), to.c_str(), nullptr);
  if (!raw)
    throw Error("cannot transform from " + from + " to " + to + ": " +
                proj_context_errno_string(impl_->ctx, proj_context_errno(impl_->ctx)));
  impl_->pj = proj_normalize_for_visualization(impl_->ctx, raw);
  proj_destroy(raw);
  if (!impl_->pj) throw Error("cannot normalise axis order for " + from + " -> " + to);
}

CoordinateTransform::~CoordinateTransform() = default;

void CoordinateTransform::transform_interleaved(double* xy, std::size_t n) const {
  if (n == 0) return;
  Impl& im = *impl_;
  if (im.cache.empty()) im.cache.resize(Impl::kSlots);
  im.misses.clear();
  im.miss_xy.clear();
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t kx = std::bit_cast<std::uint64_t>(xy[2 * i]);
    std::uint64_t ky = std::bit_cast<std::uint64_t>(xy[2 * i + 1]);
    const Impl::Slot& s = im.cache[Impl::slot_of(kx, ky)];
    if (s.used && s.x == kx && s.y == ky) {
      xy[2 * i] = s.out_x;
      xy[2 * i + 1] = s.out_y;
    } else {
      im.misses.push_back(i);
      im.miss_xy.push_back(xy[2 * i]);
      im.miss_xy.push_back(xy[2 * i + 1]);
    }
  }
  std::size_t m = im.misses.size();
  if (m == 0) return;
  double* in = im.miss_xy.data();
  std::size_t stride = 2 * sizeof(double);
  std::size_t done = proj_trans_generic(im.pj, PJ_FWD, in, stride, m, in + 1, stride, m, nullptr,
                                        0, 0, nullptr, 0, 0);
  if (done != m) throw Error("coordinate transform " + im.from + " -> " + im.to + " failed");
  for (std::size_t i = 0; i < 2 * m; ++i) {
    if (!std::isfinite(in[i]))
      throw Error("coordinate transform " + im.from + " -> " + im.to +
                  " produced a non-finite coordinate (point outside the CRS's area?)");
  }
  for (std::size_t k = 0; k < m; ++k) {
    std::size_t i = im.misses[k];
    Impl::Slot& s = im.cache[Impl::slot_of(std::bit_cast<std::uint64_t>(xy[2 * i]),
                                           std::bit_cast<std::uint64_t>(xy[2 * i + 1]))];
    s = {std::bit_cast<std::uint64_t>(xy[2 * i]), std::bit_cast<std::uint64_t>(xy[2 * i + 1]),
         in[2 * k], in[2 * k + 1], true};
    xy[2 * i] = in[2 * k];
    xy[2 * i + 1] = in[2 * k + 1];
  }
}

namespace {
struct ProjContext {
  PJ_CONTEXT* ctx = proj_context_create();
  ~ProjContext() { proj_context_destroy(ctx); }
};
struct ProjObject {
  PJ* pj;
  ~ProjObject() {
    if (pj) proj_destroy(pj);
  }
};
}  // namespace

std::string crs_proj_string(const std::string& crs) {
  ProjContext c;
  ProjObject o{proj_create(c.ctx, crs.c_str())};
  if (!o.pj) throw Error("PROJ does not know the CRS " + crs);
  const char* s = proj_as_proj_string(c.ctx, o.pj, PJ_PROJ_5, nullptr);
  if (!s) throw Error("PROJ cannot write " + crs + " as a PROJ string");
  return s;
}

bool transform_is_ballpark(const std::string& from, const std::string& to) {
  ProjContext c;
  ProjObject op{proj_create_crs_to_crs(c.ctx, from.c_str(), to.c_str(), nullptr)};
  if (!op.pj) throw Error("cannot transform from " + from + " to " + to);
  // With several candidate operations PROJ picks per point; ask the list.
  if (proj_get_type(op.pj) != PJ_TYPE_UNKNOWN && proj_coordoperation_has_ballpark_transformation(c.ctx, op.pj))
    return true;
  return false;
}

std::string projected_source_crs(const std::string& source_srs) {
  ProjContext c;
  proj_log_level(c.ctx, PJ_LOG_NONE);
  auto projected = [&](const std::string& definition) -> std::optional<bool> {
    if (definition.empty()) return std::nullopt;
    ProjObject o{proj_create(c.ctx, definition.c_str())};
    if (!o.pj) return std::nullopt;
    PJ_TYPE type = proj_get_type(o.pj);
    if (type == PJ_TYPE_BOUND_CRS) {  // a PROJ string with +towgs84
      ProjObject base{proj_get_source_crs(c.ctx, o.pj)};
      if (!base.pj) return std::nullopt;
      type = proj_get_type(base.pj);
    }
    if (type == PJ_TYPE_PROJECTED_CRS) return true;
    if (type == PJ_TYPE_GEOGRAPHIC_2D_CRS || type == PJ_TYPE_GEOGRAPHIC_3D_CRS ||
        type == PJ_TYPE_GEODETIC_CRS || type == PJ_TYPE_GEOCENTRIC_CRS)
      return false;
    return std::nullopt;
  };
  if (auto p = projected(source_srs)) return *p ? source_srs : std::string();
  // "EPSG:2383 +towgs84=…" (a coordinate file's datum shift): the CRS is the first word.
  std::string first = source_srs.substr(0, source_srs.find(' '));
  if (first != source_srs)
    if (auto p = projected(first)) return *p ? first : std::string();
  return {};
}

int gauss_kruger_3deg_central_meridian(double longitude) {
  int zone = static_cast<int>(std::lround(longitude / 3.0));
  if (zone < 25 || zone > 45)
    throw InputError("longitude " + std::to_string(longitude) +
                     " lies outside the CGCS2000 3-degree Gauss-Kruger zones 25-45 (75E-135E)");
  return zone * 3;
}

int gauss_kruger_3deg_epsg(double longitude) {
  int cm = gauss_kruger_3deg_central_meridian(longitude);
  return 4534 + (cm / 3 - 25);
}

}  // namespace gz::geo
