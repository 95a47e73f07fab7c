#include "http/imagery_routes.h"

#include <cstdint>
#include <optional>

#include "http/api_support.h"
#include "http/tile_routes.h"
#include "services/auth.h"
#include "services/imagery.h"
#include "services/tiles.h"

namespace gz::http {

namespace {

ApiError imagery_not_found() {
  return {404, "imagery_not_found", "影像不存在", "imagery not found"};
}

// A decimal integer without sign, leading '+', spaces or overflow; nullopt otherwise.
std::optional<std::int64_t> parse_index(const std::string& s) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// Signed in, with grants that reach the map data; 401 or the 404 of a missing layer otherwise.
void authorize(storage::IdentityStore& identity, const Request& req) {
  auto user = signed_in(identity, req);
  if (!services::may_see_map_data(user, identity.regions())) throw imagery_not_found();
}

nlohmann::json version_json(const storage::ImageryVersion& v) {
  return {{"layer", v.layer},
          {"date", v.date},
          {"kind", v.kind},
          {"format", v.format},
          {"tile_size", v.tile_size},
          {"min_zoom", v.min_zoom},
          {"max_zoom", v.max_zoom},
          {"bounds", {v.bounds.minx, v.bounds.miny, v.bounds.maxx, v.bounds.maxy}},
          {"source", v.source},
          {"source_srs", v.source_srs},
          {"tiles", v.tiles},
          {"bytes", v.bytes},
          {"imported_at", v.imported_at}};
}

}  // namespace

void add_imagery_routes(Router& r, storage::ImageryStore& imagery,
                        storage::IdentityStore& identity) {
  r.add("GET", "/api/v1/imagery", [&imagery, &identity](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    nlohmann::json list = nlohmann::json::array();
    if (services::may_see_map_data(user, identity.regions()))
      for (const auto& v : imagery.versions()) list.push_back(version_json(v));
    return json_response(200, {{"imagery", list}});
  });
  r.add("GET", "/tiles/imagery/{layer}/{date}/{z}/{x}/{y}",
        [&imagery, &identity](const Request& req, const PathParams& p) {
          authorize(identity, req);
          auto v = imagery.version(p.at("layer"), p.at("date"));
          if (!v) throw imagery_not_found();
          auto z = parse_index(p.at("z")), x = parse_index(p.at("x")), y = parse_index(p.at("y"));
          if (!z || !x || !y || !services::tile_exists(*z, *x, *y))
            throw ApiError{404, "tile_not_found",
                           "瓦片不存在：z 须在 0–22 之间，x、y 须在 0 至 2^z−1 之间",
                           "no such tile: z must be 0–22, and x and y 0 to 2^z−1"};
          // The tag covers the import too: importing a date again changes every tile's tag.
          auto data = imagery.tile(v->layer, v->date, static_cast<int>(*z),
                                   static_cast<std::uint32_t>(*x), static_cast<std::uint32_t>(*y));
          std::string etag = services::content_etag(v->imported_at + "\n" + data.value_or(""));
          // A date's imagery changes only when imported again, which is rare: a day's caching,
          // then a revalidation that costs a 304.
          Response res{200, services::imagery_content_type(v->format), {},
                       {{"ETag", etag}, {"Cache-Control", "private, max-age=86400"}}};
          if (etag_matches(req.header("if-none-match"), etag)) {
            res.status = 304;
          } else if (!data) {
            res.status = 204;  // outside the imagery or wholly transparent: nothing to draw
          } else {
            res.body = std::move(*data);
          }
          return res;
        });
}

}  // namespace gz::http
