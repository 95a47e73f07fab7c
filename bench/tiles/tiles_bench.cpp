// tiles_bench: the tiles a user pans through at z10–z16 over a county, requested cold (empty
// cache) and warm (the same tiles again), in process (TileService) or over HTTP against a
// running `gongzhi serve`. Reports tiles/s, median and p99 latency and the largest tile. Also
// writes the tile paths for wrk (bench/tiles/wrk_tiles.lua), for many-connection throughput.
//
//   tiles_bench --db county.sqlite [--layer land_use] [--write-paths paths.txt]
//               [--port 8080 --token TOKEN]   (HTTP; else in process)
#include <CLI/CLI.hpp>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <tuple>

#include "services/tiles.h"
#include "storage/store.h"

namespace {

using gz::services::TileId;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

std::uint32_t tile_x(double lon, int z) {
  return static_cast<std::uint32_t>((lon + 180) / 360 * std::ldexp(1.0, z));
}
std::uint32_t tile_y(double lat, int z) {
  double r = lat * M_PI / 180;
  return static_cast<std::uint32_t>((1 - std::asinh(std::tan(r)) / M_PI) / 2 * std::ldexp(1.0, z));
}

// A 1920 × 1080 screen with MapLibre's 512-px tiles shows about 5 × 3 tiles (4 × 2 whole ones
// plus the edges). At each zoom the user pans from the west edge of the county to the east edge
// along its middle, one tile column at a time, and back along a row one viewport further north;
// at z10–z12 the county is at most a few screens, so every tile of it is visited.
std::vector<TileId> pan_path(const gz::Envelope& county) {
  std::vector<TileId> path;
  std::set<std::tuple<int, std::uint32_t, std::uint32_t>> seen;
  auto visit = [&](int z, std::uint32_t x, std::uint32_t y) {
    if (seen.insert({z, x, y}).second) path.push_back({z, x, y});
  };
  double cy = (county.miny + county.maxy) / 2;
  for (int z = 10; z <= 16; ++z) {
    std::uint32_t x0 = tile_x(county.minx, z), x1 = tile_x(county.maxx, z);
    std::uint32_t yn = tile_y(county.maxy, z), ys = tile_y(county.miny, z);
    if (z <= 12) {
      for (auto y = yn; y <= ys; ++y)
        for (auto x = x0; x <= x1; ++x) visit(z, x, y);
      continue;
    }
    std::uint32_t ym = tile_y(cy, z);
    for (std::uint32_t row : {ym, ym - 3}) {  // there, and back one screen further north
      bool east = row == ym;
      for (std::uint32_t i = 0; i + 5 <= x1 - x0 + 1; ++i) {
        std::uint32_t left = east ? x0 + i : x1 - 4 - i;
        for (std::uint32_t dx = 0; dx < 5; ++dx)
          for (std::uint32_t dy = 0; dy < 3; ++dy) visit(z, left + dx, row - 1 + dy);
      }
    }
  }
  return path;
}

struct Run {
  std::vector<double> ms;
  // Per zoom: tiles, sum of ms, max ms, max bytes.
  std::map<int, std::tuple<std::size_t, double, double, std::size_t>> by_zoom;
  std::map<int, std::vector<double>> zoom_ms;
  std::size_t max_bytes = 0, total_bytes = 0, empty = 0;
  double seconds = 0;
};

void report(const std::string& name, Run r, bool zooms = false) {
  std::sort(r.ms.begin(), r.ms.end());
  auto pct = [&](double p) {
    if (r.ms.empty()) return 0.0;
    return r.ms[std::min(r.ms.size() - 1, static_cast<std::size_t>(p * r.ms.size()))];
  };
  std::printf("%-22s tiles %5zu  %9.1f tiles/s  median %8.3f ms  p99 %8.3f ms  max %8.3f ms  "
              "max tile %7.1f KB  mean tile %6.1f KB  empty %zu\n",
              name.c_str(), r.ms.size(), r.ms.size() / r.seconds, pct(0.5), pct(0.99),
              r.ms.empty() ? 0.0 : r.ms.back(), r.max_bytes / 1024.0,
              r.ms.empty() ? 0.0 : r.total_bytes / 1024.0 / r.ms.size(), r.empty);
  for (const auto& [z, s] : r.by_zoom) {
    if (!zooms) break;
    auto [n, sum, max, bytes] = s;
    auto ms = r.zoom_ms[z];
    std::sort(ms.begin(), ms.end());
    double p99 = ms.empty() ? 0.0 : ms[std::min(ms.size() - 1, static_cast<std::size_t>(0.99 * ms.size()))];
    std::printf("  z%-2d tiles %4zu  mean %8.3f ms  p99 %8.3f ms  max %8.3f ms  max tile %7.1f KB\n",
                z, n, sum / n, p99, max, bytes / 1024.0);
  }
}

void add_zoom(Run& r, int z, double ms, std::size_t bytes) {
  r.zoom_ms[z].push_back(ms);
  auto& [n, sum, max, b] = r.by_zoom[z];
  ++n;
  sum += ms;
  max = std::max(max, ms);
  b = std::max(b, bytes);
}

std::string path_of(const std::string& layer, const TileId& t) {
  return "/tiles/" + layer + "/" + std::to_string(t.z) + "/" + std::to_string(t.x) + "/" +
         std::to_string(t.y) + ".mvt";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Vector tile benchmark: a user's pan through z10–z16, cold and warm."};
  std::string db, layer = "land_use", paths_file, token;
  int port = 0, warm_passes = 3;
  app.add_option("--db", db, "store (SQLite file or pg:CONNINFO) holding the county")->required();
  app.add_option("--layer", layer, "layer to tile");
  app.add_option("--write-paths", paths_file, "write the tile paths (for wrk) to this file");
  app.add_option("--port", port, "request over HTTP from gongzhi serve on 127.0.0.1:PORT");
  app.add_option("--token", token, "session token for HTTP (Authorization: Bearer)");
  app.add_option("--warm-passes", warm_passes, "warm passes over the path");
  gz::services::TileOptions options;
  int only_zoom = -1;
  app.add_option("--simplify", options.simplify_tolerance,
                 "in process: simplification tolerance, tile units");
  app.add_option("--zoom", only_zoom, "only the tiles of this zoom");
  CLI11_PARSE(app, argc, argv);

  auto store = gz::storage::Store::open(db);
  auto version = store->layer_version(layer, std::nullopt);
  gz::Envelope county{1e9, 1e9, -1e9, -1e9};
  for (const auto& v : store->layers())
    if (v.kind == gz::LayerKind::region)
      store->scan(v, [&](gz::StoredFeature&& f) {
        county.minx = std::min(county.minx, f.bbox.minx);
        county.miny = std::min(county.miny, f.bbox.miny);
        county.maxx = std::max(county.maxx, f.bbox.maxx);
        county.maxy = std::max(county.maxy, f.bbox.maxy);
      });
  if (county.minx > county.maxx) {
    std::cerr << "tiles_bench: no region layer to find the county by\n";
    return 2;
  }
  auto path = pan_path(county);
  if (only_zoom >= 0)
    std::erase_if(path, [&](const TileId& t) { return t.z != only_zoom; });
  std::printf("layer %s v%d, %lld features; pan path z10–z16: %zu tiles\n", layer.c_str(),
              version.version, static_cast<long long>(version.feature_count), path.size());
  if (!paths_file.empty()) {
    std::ofstream out(paths_file);
    for (const auto& t : path) out << path_of(layer, t) << "\n";
  }
  using clock = std::chrono::steady_clock;
  auto ms_since = [](clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(clock::now() - t0).count();
  };

  if (port == 0) {
    gz::services::TileService service(*store, options);
    auto pass = [&] {
      Run r;
      auto start = clock::now();
      for (const auto& t : path) {
        auto t0 = clock::now();
        auto tile = service.tile(version, t);
        r.ms.push_back(ms_since(t0));
        add_zoom(r, t.z, r.ms.back(), tile->data.size());
        r.max_bytes = std::max(r.max_bytes, tile->data.size());
        r.total_bytes += tile->data.size();
        r.empty += tile->data.empty();
      }
      r.seconds = ms_since(start) / 1000;
      return r;
    };
    report("in-process cold", pass(), true);
    for (int i = 0; i < warm_passes; ++i) report("in-process warm", pass());
    return 0;
  }

  // HTTP: one keep-alive connection, requests one after another (latency as one user sees it).
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                         static_cast<unsigned short>(port)));
  auto pass = [&] {
    Run r;
    auto start = clock::now();
    for (const auto& t : path) {
      auto t0 = clock::now();
      bhttp::request<bhttp::empty_body> req{bhttp::verb::get, path_of(layer, t), 11};
      req.set(bhttp::field::host, "127.0.0.1");
      req.set(bhttp::field::authorization, "Bearer " + token);
      req.keep_alive(true);
      bhttp::write(stream, req);
      beast::flat_buffer buffer;
      bhttp::response_parser<bhttp::string_body> parser;
      parser.body_limit(64 << 20);
      bhttp::read(stream, buffer, parser);
      auto& res = parser.get();
      r.ms.push_back(ms_since(t0));
      if (res.result_int() != 200 && res.result_int() != 204) {
        std::cerr << "tiles_bench: " << path_of(layer, t) << " answered " << res.result_int()
                  << ": " << res.body() << "\n";
        std::exit(1);
      }
      add_zoom(r, t.z, r.ms.back(), res.body().size());
      r.max_bytes = std::max(r.max_bytes, res.body().size());
      r.total_bytes += res.body().size();
      r.empty += res.body().empty();
    }
    r.seconds = ms_since(start) / 1000;
    return r;
  };
  report("http cold", pass(), true);
  for (int i = 0; i < warm_passes; ++i) report("http warm (1 conn)", pass());
  return 0;
}
