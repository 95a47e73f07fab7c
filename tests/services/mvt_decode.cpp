#include "mvt_decode.h"

#include <protozero/pbf_reader.hpp>

#include <stdexcept>

namespace gz::test {

namespace {
std::int64_t unzigzag(std::uint32_t v) {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

std::string read_value(protozero::pbf_reader v) {
  std::string out;
  while (v.next()) {
    switch (v.tag()) {
      case 1: out = v.get_string(); break;
      case 2: out = std::to_string(v.get_float()); break;
      case 3: out = std::to_string(v.get_double()); break;
      case 4: out = std::to_string(v.get_int64()); break;
      case 5: out = std::to_string(v.get_uint64()); break;
      case 6: out = std::to_string(v.get_sint64()); break;
      case 7: out = v.get_bool() ? "true" : "false"; break;
      default: v.skip();
    }
  }
  return out;
}

std::vector<MvtRing> read_geometry(const std::vector<std::uint32_t>& cmds) {
  std::vector<MvtRing> rings;
  std::int64_t x = 0, y = 0;
  bool open = false;
  for (std::size_t i = 0; i < cmds.size();) {
    std::uint32_t id = cmds[i] & 7, count = cmds[i] >> 3;
    ++i;
    if (id == 1 || id == 2) {
      if (i + 2 * std::size_t{count} > cmds.size()) throw std::runtime_error("truncated geometry");
      for (std::uint32_t k = 0; k < count; ++k) {
        std::int64_t dx = unzigzag(cmds[i++]), dy = unzigzag(cmds[i++]);
        if (id == 2 && dx == 0 && dy == 0) throw std::runtime_error("zero-length LineTo");
        x += dx;
        y += dy;
        if (id == 1) {
          rings.emplace_back();
          open = true;
        } else if (!open) {
          throw std::runtime_error("LineTo without MoveTo");
        }
        rings.back().push_back({x, y});
      }
    } else if (id == 7) {
      if (!open) throw std::runtime_error("ClosePath without a path");
      open = false;
    } else {
      throw std::runtime_error("unknown command " + std::to_string(id));
    }
  }
  return rings;
}
}  // namespace

std::vector<MvtLayer> decode_mvt(const std::string& data) {
  std::vector<MvtLayer> layers;
  protozero::pbf_reader tile(data);
  while (tile.next(3)) {
    protozero::pbf_reader l = tile.get_message();
    MvtLayer layer;
    std::vector<std::string> keys, values;
    struct Raw {
      MvtFeature f;
      std::vector<std::uint32_t> tags;
    };
    std::vector<Raw> raw;
    while (l.next()) {
      switch (l.tag()) {
        case 1: layer.name = l.get_string(); break;
        case 2: {
          Raw r;
          protozero::pbf_reader f = l.get_message();
          while (f.next()) {
            switch (f.tag()) {
              case 1: r.f.id = f.get_uint64(); break;
              case 2: {
                auto range = f.get_packed_uint32();
                r.tags.assign(range.begin(), range.end());
                break;
              }
              case 3: r.f.type = f.get_enum(); break;
              case 4: {
                auto range = f.get_packed_uint32();
                r.f.rings = read_geometry({range.begin(), range.end()});
                break;
              }
              default: f.skip();
            }
          }
          raw.push_back(std::move(r));
          break;
        }
        case 3: keys.push_back(l.get_string()); break;
        case 4: values.push_back(read_value(l.get_message())); break;
        case 5: layer.extent = l.get_uint32(); break;
        case 15: layer.version = l.get_uint32(); break;
        default: l.skip();
      }
    }
    for (auto& r : raw) {
      if (r.tags.size() % 2) throw std::runtime_error("odd number of tag indices");
      for (std::size_t i = 0; i < r.tags.size(); i += 2) {
        if (r.tags[i] >= keys.size() || r.tags[i + 1] >= values.size())
          throw std::runtime_error("tag index out of range");
        r.f.tags[keys[r.tags[i]]] = values[r.tags[i + 1]];
      }
      layer.features.push_back(std::move(r.f));
    }
    layers.push_back(std::move(layer));
  }
  return layers;
}

std::int64_t ring_area2(const MvtRing& r) {
  std::int64_t a = 0;
  for (std::size_t i = 0; i < r.size(); ++i) {
    const auto& p = r[i];
    const auto& q = r[(i + 1) % r.size()];
    a += p.x * q.y - q.x * p.y;
  }
  return a;
}

}  // namespace gz::test
