// Reads Mapbox Vector Tiles back with protozero's pbf_reader, independently of the encoder, so
// tests can assert on what a map client would see: layers, tags, ids, rings in tile coordinates.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gz::test {

struct MvtPoint {
  std::int64_t x = 0, y = 0;
  bool operator==(const MvtPoint&) const = default;
};
using MvtRing = std::vector<MvtPoint>;  // without the closing point

struct MvtFeature {
  std::optional<std::uint64_t> id;
  int type = 0;
  std::map<std::string, std::string> tags;  // values as text ("true", "42", "水田")
  std::vector<MvtRing> rings;               // in command order
};

struct MvtLayer {
  std::string name;
  std::uint32_t version = 1, extent = 4096;
  std::vector<MvtFeature> features;
};

// Throws std::runtime_error on anything the MVT 2.1 spec forbids that the reader notices
// (unknown command, zero-length LineTo, ClosePath on an open path, tag index out of range).
std::vector<MvtLayer> decode_mvt(const std::string& data);

// Twice the signed area (surveyor's formula, tile coordinates, y down): > 0 for an exterior
// ring under MVT 2.1, < 0 for a hole.
std::int64_t ring_area2(const MvtRing& ring);

}  // namespace gz::test
