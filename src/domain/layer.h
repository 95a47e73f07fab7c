// Layers, their kinds and versions, and feature attributes: the vocabulary of the one map.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gz {

enum class LayerKind {
  land_use,
  ecological_redline,
  permanent_basic_farmland,
  urban_development_boundary,
  village_plan,
  consolidation_unit,
  project,
  parcel,
  region,
};

std::string_view to_string(LayerKind kind);
// Throws UsageError naming the accepted kinds when `text` is not one of them.
LayerKind parse_layer_kind(std::string_view text);
const std::vector<LayerKind>& all_layer_kinds();
// The three planning control lines (三线).
bool is_control_line(LayerKind kind);

struct Envelope {
  double minx = 0, miny = 0, maxx = 0, maxy = 0;
  bool intersects(const Envelope& o) const {
    return minx <= o.maxx && o.minx <= maxx && miny <= o.maxy && o.miny <= maxy;
  }
};

using AttributeValue = std::variant<std::monostate, std::int64_t, double, std::string>;
struct Attribute {
  std::string name;
  AttributeValue value;
};
using Attributes = std::vector<Attribute>;

// Field names in survey data vary in case (DLBM, dlbm); look-ups ignore case.
const AttributeValue* find_attribute(const Attributes& attrs, std::string_view name);
std::optional<std::string> attribute_text(const Attributes& attrs, std::string_view name);
std::optional<double> attribute_number(const Attributes& attrs, std::string_view name);
// First of several candidate names that is present and non-empty.
std::optional<std::string> attribute_text_any(const Attributes& attrs,
                                              std::initializer_list<std::string_view> names);

struct LayerVersion {
  std::int64_t id = 0;  // storage id of this version
  std::string layer;
  LayerKind kind = LayerKind::land_use;
  int version = 0;
  std::int64_t feature_count = 0;
  std::string source;      // file imported from
  std::string source_srs;  // CRS the source declared (or --srs)
  std::string created_at;  // ISO 8601 UTC
};

// What an export must know of a version before it writes the first feature: every attribute
// name in first-seen order with a type wide enough for all its values (integer, widened to real
// by a double; text once any value is text or no value is ever given) and, for text, the
// longest value in bytes; the extent of the features' bounding boxes; whether any geometry is
// not a single polygon; the count. Learnt from the features as they are written
// (storage/layer_schema.h), or by reading them when a version predates that.
enum class AttributeType { integer, real, text };
struct AttributeField {
  std::string name;
  AttributeType type = AttributeType::integer;
  int width = 0;  // bytes: 20 for an integer, 24 for a real, the longest text
  bool operator==(const AttributeField&) const = default;
};
struct LayerSchema {
  std::vector<AttributeField> fields;
  Envelope extent{1e300, 1e300, -1e300, -1e300};  // inverted while no feature has been seen
  bool multi = false;
  std::int64_t count = 0;
};

// One feature as stored: geometry as WKB in CGCS2000 (EPSG:4490) longitude/latitude.
struct StoredFeature {
  std::int64_t id = 0;    // storage id
  std::string source_id;  // feature id in the source (FID or id field)
  std::string wkb;
  Envelope bbox;
  Attributes attributes;
  std::string attributes_json;  // the stored text, when scanned without decoding
};

}  // namespace gz
