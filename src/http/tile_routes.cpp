#include "http/tile_routes.h"

#include <cstdint>
#include <memory>
#include <optional>

#include "common/error.h"
#include "http/api_support.h"
#include "services/auth.h"
#include "services/tiles.h"

namespace gz::http {

namespace {

constexpr const char* kTileType = "application/vnd.mapbox-vector-tile";

ApiError layer_not_found() {
  return {404, "layer_not_found", "图层不存在", "layer not found"};
}

ApiError tile_not_found(const std::string& zh, const std::string& en) {
  return {404, "tile_not_found", "瓦片不存在：" + zh, "no such tile: " + en};
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

// ?version=N (other parameters are ignored); 400 when it is not a positive integer.
std::optional<int> requested_version(const Request& req) {
  auto q = req.target.find('?');
  if (q == std::string::npos) return std::nullopt;
  std::string query = req.target.substr(q + 1);
  std::optional<int> version;
  std::size_t pos = 0;
  while (pos <= query.size()) {
    auto end = query.find('&', pos);
    if (end == std::string::npos) end = query.size();
    auto item = query.substr(pos, end - pos);
    if (item.rfind("version=", 0) == 0) {
      auto v = parse_index(item.substr(8));
      if (!v || *v < 1 || *v > 1'000'000'000)
        throw ApiError{400, "invalid_version", "version 参数应为正整数",
                       "version must be a positive integer"};
      version = static_cast<int>(*v);
    }
    pos = end + 1;
  }
  return version;
}

}  // namespace

// If-None-Match lists the tag (weak comparison, as RFC 9110 prescribes for this header) or is *.
bool etag_matches(const std::string& if_none_match, const std::string& etag) {
  std::size_t pos = 0;
  while (pos < if_none_match.size()) {
    auto end = if_none_match.find(',', pos);
    if (end == std::string::npos) end = if_none_match.size();
    auto item = if_none_match.substr(pos, end - pos);
    auto b = item.find_first_not_of(" \t");
    auto e = item.find_last_not_of(" \t");
    if (b != std::string::npos) {
      item = item.substr(b, e - b + 1);
      if (item == "*") return true;
      if (item.rfind("W/", 0) == 0) item.erase(0, 2);
      if (item == etag) return true;
    }
    pos = end + 1;
  }
  return false;
}

void add_tile_routes(Router& r, storage::Store& store, storage::IdentityStore& identity) {
  // The overview indexes of the large layers are built in the background from the start.
  auto tiles = std::make_shared<services::TileService>(store, services::TileOptions{},
                                                       std::size_t{256} << 20, true);
  r.add("GET", "/tiles/{layer}/{z}/{x}/{y}.mvt",
        [tiles, &identity](const Request& req, const PathParams& p) {
          auto user = services::authenticate(identity, request_token(req));
          if (!user)
            throw ApiError{401, "unauthenticated", "未登录或会话已过期",
                           "not signed in, or the session has expired"};
          // Outside the caller's grants a layer answers exactly as one that does not exist.
          if (!services::may_see_map_data(*user, identity.regions())) throw layer_not_found();
          auto version = requested_version(req);
          LayerVersion v;
          try {
            v = tiles->layer_version(p.at("layer"), version);
          } catch (const NotFoundError&) {
            throw layer_not_found();
          }
          auto z = parse_index(p.at("z")), x = parse_index(p.at("x")), y = parse_index(p.at("y"));
          if (!z || !x || !y)
            throw tile_not_found("z、x、y 须为非负整数", "z, x and y must be non-negative integers");
          if (!services::tile_exists(*z, *x, *y))
            throw tile_not_found("z 须在 0–22 之间，x、y 须在 0 至 2^z−1 之间",
                                 "z must be 0–22, and x and y 0 to 2^z−1");
          auto tile = tiles->tile(v, {static_cast<int>(*z), static_cast<std::uint32_t>(*x),
                                      static_cast<std::uint32_t>(*y)});
          // A pinned version never changes; the latest may be replaced by a new import, so
          // browsers revalidate it after a minute (a 304 when it has not changed).
          std::string cache_control = version ? "private, max-age=86400, immutable"
                                              : "private, max-age=60";
          Response res{200, kTileType, {},
                       {{"ETag", tile->etag}, {"Cache-Control", cache_control}}};
          if (etag_matches(req.header("if-none-match"), tile->etag)) {
            res.status = 304;
          } else if (tile->data.empty()) {
            res.status = 204;  // no feature here: MapLibre draws nothing, without an error
          } else {
            res.body = tile->data;
          }
          return res;
        });
}

}  // namespace gz::http
