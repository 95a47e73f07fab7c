// Learning a version's LayerSchema (domain/layer.h: attribute names, types and widths, the
// extent, whether any feature has several parts) one feature at a time, and the JSON text a
// store keeps it as. Every LayerWriter records the schema of the features it was handed when it
// commits, so an export writes from one read of the store; a version written before that is
// learnt by reading its features with the same builder, and both ways give the same schema.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "domain/layer.h"

namespace gz::storage {

class LayerSchemaBuilder {
 public:
  // A feature's attributes as they come back from the store (decoded from its JSON text).
  void inspect(const Attributes& attributes);
  // A feature's attributes as a writer is handed them, with `json`, the text the store keeps
  // for them (encode_attributes): the same schema as inspect(decode_attributes(json)) without
  // decoding, except where the text differs from the values (a name given twice keeps its last
  // value, invalid UTF-8 is replaced, a NaN or infinity is null), where it decodes `json`.
  void inspect_written(const Attributes& attributes, std::string_view json);
  // A feature's geometry (WKB) and its bounding box.
  void measure(std::string_view wkb, const Envelope& bbox);
  // The schema of everything seen; a field that never had a value is text.
  LayerSchema finish() const;

 private:
  std::size_t field_of(std::size_t position, const std::string& name);
  void widen(std::size_t field, const AttributeValue& value);

  LayerSchema schema_;
  std::unordered_map<std::string, std::size_t> index_;
  // The field of the attribute at each position in the previous feature: features of a layer
  // mostly list the same names in the same order, so most look-ups are one comparison.
  std::vector<std::size_t> hints_;
  std::vector<std::size_t> resolved_;       // inspect_written: this feature's fields
  std::vector<std::uint64_t> last_feature_;  // per field: the feature that last named it
  std::uint64_t features_ = 0;
};

// Whether a WKB geometry is one polygon (not a multi-polygon or anything else), read from its
// type: ISO WKB and PostGIS's extended WKB alike (a polygon with Z is not "one polygon" in
// either, as PostGIS gives it back in ISO form).
bool wkb_is_single_polygon(std::string_view wkb);

// The text kept with a version: {"fields":[{"name","type","width"}…],"extent":[…],"multi":…};
// the count is the version's feature count.
std::string encode_layer_schema(const LayerSchema& schema);
// Throws StorageError naming `where` when the text is not such a schema.
LayerSchema decode_layer_schema(std::string_view json, std::int64_t count, const std::string& where);

}  // namespace gz::storage
