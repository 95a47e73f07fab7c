#include "services/regions.h"

#include "common/error.h"
#include "domain/survey_fields.h"

namespace gz::services {

namespace {

std::vector<Region> read_regions(storage::Store& store, const LayerVersion& v) {
  const std::string& layer = v.layer;
  if (v.kind != LayerKind::region)
    throw UsageError("layer: " + layer + " is of kind " + std::string(to_string(v.kind)) +
                     ", not region");
  std::vector<Region> out;
  store.scan(v, [&](StoredFeature&& f) {
    std::string where = "layer " + layer + " v" + std::to_string(v.version) + " feature " +
                        (f.source_id.empty() ? std::to_string(f.id) : f.source_id);
    auto code = zone_code(f.attributes);
    if (!code) throw UsageError(where + ": no region code (XZQDM)");
    try {
      validate_region_code(*code);
    } catch (const UsageError& e) {
      throw UsageError(where + " (XZQDM '" + *code + "'): " + e.what());
    }
    out.push_back({*code, zone_name(f.attributes).value_or(""), region_level(*code), ""});
  });
  return out;
}

}  // namespace

std::vector<Region> read_region_layer(storage::Store& store, const std::string& layer) {
  return read_regions(store, store.layer_version(layer, std::nullopt));
}

std::vector<Region> import_regions(storage::Store& store, storage::IdentityStore& identity,
                                   const std::string& layer, const std::string& actor) {
  // One version throughout: the one read is the one the audit entry names.
  LayerVersion v = store.layer_version(layer, std::nullopt);
  auto regions = read_regions(store, v);
  return identity.replace_regions(regions, "layer:" + layer + " v" + std::to_string(v.version),
                                  actor);
}

bool may_see_region(const User& user, const std::string& region) {
  for (const auto& g : user.grants) {
    if (g.role == Role::admin || g.role == Role::auditor) return true;
    if (region_contains(g.region_code, region)) return true;
  }
  return false;
}

}  // namespace gz::services
