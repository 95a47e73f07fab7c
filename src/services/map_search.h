// What the one map finds and names (docs/map.md): the places of the region layers with a point
// to label them at and their extent (township and village names drawn on the map, searched by
// name), the land-use spots of a BSM (标识码, through the store's index, never by reading every
// spot), and the layers' fields and coded values in words (data/map_fields.csv with the survey's
// own code table, data/survey_attribute_codes.csv).
#pragma once

#include <string>
#include <vector>

#include "domain/identity.h"
#include "domain/layer.h"
#include "storage/store.h"

namespace gz::services {

struct MapPlace {
  std::string code, name;
  RegionLevel level = RegionLevel::village;
  std::string layer;
  double label_lon = 0, label_lat = 0;  // a point inside the place where it can be
  Envelope extent;
};

// Every region of the latest version of each region layer, by code. Only the code and name
// fields of each feature are decoded.
std::vector<MapPlace> map_places(storage::Store& store);

struct SpotMatch {
  LayerVersion version;
  StoredFeature feature;
};

// The spots whose BSM is `bsm` in the latest version of every land-use layer. Throws UsageError
// when `bsm` is not 1–32 letters or digits.
std::vector<SpotMatch> find_spots_by_bsm(storage::Store& store, const std::string& bsm);

// One field of the map's layers in words, or one coded value of a field (code not empty).
struct MapFieldName {
  std::string field, code, name_zh, name_en;
};
// data/map_fields.csv, then the survey's coded values (CZCSXM, GDPDJB, GDLX), read once.
const std::vector<MapFieldName>& map_field_names();
// Parses a map_fields table; throws InputError naming `source` and the line when a row has no
// field or no name in either language.
std::vector<MapFieldName> parse_map_field_names(const std::string& csv, const std::string& source);

}  // namespace gz::services
