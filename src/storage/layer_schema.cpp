#include "storage/layer_schema.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "storage/attributes_json.h"

namespace gz::storage {

namespace {
constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
// U+FFFD, what encode_attributes writes for a byte that is not UTF-8.
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

std::string_view type_name(AttributeType t) {
  switch (t) {
    case AttributeType::integer: return "integer";
    case AttributeType::real: return "real";
    default: return "text";
  }
}
}  // namespace

std::size_t LayerSchemaBuilder::field_of(std::size_t position, const std::string& name) {
  if (position < hints_.size()) {
    std::size_t k = hints_[position];
    if (k != kNone && schema_.fields[k].name == name) return k;
  } else {
    hints_.resize(position + 1, kNone);
  }
  auto [it, added] = index_.emplace(name, schema_.fields.size());
  if (added) {
    schema_.fields.push_back({name, AttributeType::integer, 0});
    last_feature_.push_back(0);
  }
  hints_[position] = it->second;
  return it->second;
}

void LayerSchemaBuilder::widen(std::size_t field, const AttributeValue& value) {
  AttributeField& f = schema_.fields[field];
  if (std::holds_alternative<std::int64_t>(value)) {
    f.width = std::max(f.width, 20);
  } else if (std::holds_alternative<double>(value)) {
    if (f.type == AttributeType::integer) f.type = AttributeType::real;
    f.width = std::max(f.width, 24);
  } else if (const auto* s = std::get_if<std::string>(&value)) {
    f.type = AttributeType::text;
    f.width = std::max(f.width, static_cast<int>(std::min<std::size_t>(s->size(), INT32_MAX)));
  }
}

void LayerSchemaBuilder::inspect(const Attributes& attributes) {
  for (std::size_t i = 0; i < attributes.size(); ++i)
    widen(field_of(i, attributes[i].name), attributes[i].value);
}

void LayerSchemaBuilder::inspect_written(const Attributes& attributes, std::string_view json) {
  // A replaced name would be a field of another name: the text decides from the start.
  if (json.find(kReplacement) != std::string_view::npos) return inspect(decode_attributes(json));
  ++features_;
  resolved_.clear();
  bool as_given = true;
  for (std::size_t i = 0; i < attributes.size(); ++i) {
    std::size_t k = field_of(i, attributes[i].name);
    // Named twice: the stored object holds the name once, with the last value.
    if (last_feature_[k] == features_) as_given = false;
    last_feature_[k] = features_;
    if (const auto* d = std::get_if<double>(&attributes[i].value); d && !std::isfinite(*d))
      as_given = false;  // stored as null
    resolved_.push_back(k);
  }
  // The fields are in place in first-named order either way; only the values differ.
  if (!as_given) return inspect(decode_attributes(json));
  for (std::size_t i = 0; i < attributes.size(); ++i) widen(resolved_[i], attributes[i].value);
}

bool wkb_is_single_polygon(std::string_view wkb) {
  if (wkb.size() < 5) return true;  // nothing to tell; the writer reports it
  bool little = wkb[0] == 1;
  std::uint32_t t = 0;
  for (int i = 0; i < 4; ++i) {
    auto b = static_cast<unsigned char>(wkb[static_cast<std::size_t>(little ? 4 - i : 1 + i)]);
    t = (t << 8) | b;
  }
  constexpr std::uint32_t kZ = 0x80000000, kM = 0x40000000, kSrid = 0x20000000;
  if (t & (kZ | kM | kSrid))  // PostGIS extended WKB: flags in the high bits
    t = (t & 0xFFFF) + ((t & kZ) ? 1000 : 0) + ((t & kM) ? 2000 : 0);
  return t == 3;
}

void LayerSchemaBuilder::measure(std::string_view wkb, const Envelope& bbox) {
  ++schema_.count;
  Envelope& e = schema_.extent;
  e.minx = std::min(e.minx, bbox.minx);
  e.miny = std::min(e.miny, bbox.miny);
  e.maxx = std::max(e.maxx, bbox.maxx);
  e.maxy = std::max(e.maxy, bbox.maxy);
  if (!schema_.multi && !wkb_is_single_polygon(wkb)) schema_.multi = true;
}

LayerSchema LayerSchemaBuilder::finish() const {
  LayerSchema out = schema_;
  for (auto& f : out.fields)
    if (f.width == 0) f.type = AttributeType::text;
  return out;
}

std::string encode_layer_schema(const LayerSchema& schema) {
  nlohmann::ordered_json fields = nlohmann::ordered_json::array();
  for (const auto& f : schema.fields)
    fields.push_back({{"name", f.name}, {"type", type_name(f.type)}, {"width", f.width}});
  const Envelope& e = schema.extent;
  nlohmann::ordered_json j = {{"fields", fields},
                              {"extent", {e.minx, e.miny, e.maxx, e.maxy}},
                              {"multi", schema.multi}};
  // Names come from stored attribute text, which is valid UTF-8 already.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

LayerSchema decode_layer_schema(std::string_view json, std::int64_t count, const std::string& where) {
  try {
    auto j = nlohmann::json::parse(json);
    LayerSchema out;
    for (const auto& f : j.at("fields")) {
      std::string type = f.at("type");
      AttributeType t = type == "integer" ? AttributeType::integer
                        : type == "real"  ? AttributeType::real
                        : type == "text"  ? AttributeType::text
                                          : throw StorageError("unknown field type '" + type + "'");
      out.fields.push_back({f.at("name").get<std::string>(), t, f.at("width").get<int>()});
    }
    const auto& e = j.at("extent");
    out.extent = {e.at(0).get<double>(), e.at(1).get<double>(), e.at(2).get<double>(),
                  e.at(3).get<double>()};
    out.multi = j.at("multi").get<bool>();
    out.count = count;
    return out;
  } catch (const std::exception& e) {
    throw StorageError(where + ": the recorded schema of the layer version is damaged: " + e.what());
  }
}

}  // namespace gz::storage
