#include "geo/crs.h"

#include <proj.h>

#include <cmath>
#include <vector>

#include "common/error.h"

namespace gz::geo {

struct CoordinateTransform::Impl {
  PJ_CONTEXT* ctx = nullptr;
  PJ* pj = nullptr;
  std::string from, to;
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
  std::size_t stride = 2 * sizeof(double);
  std::size_t done = proj_trans_generic(impl_->pj, PJ_FWD, xy, stride, n, xy + 1, stride, n,
                                        nullptr, 0, 0, nullptr, 0, 0);
  if (done != n) throw Error("coordinate transform " + impl_->from + " -> " + impl_->to + " failed");
  for (std::size_t i = 0; i < 2 * n; ++i) {
    if (!std::isfinite(xy[i]))
      throw Error("coordinate transform " + impl_->from + " -> " + impl_->to +
                  " produced a non-finite coordinate (point outside the CRS's area?)");
  }
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
