#include "storage/store.h"

#include <algorithm>

#include "common/error.h"
#include "storage/postgres/pg_store.h"
#include "storage/sqlite/sqlite_store.h"

namespace gz::storage {

std::unique_ptr<Store> Store::open(const std::string& location, const OpenOptions& options) {
  if (is_postgres_location(location)) return std::make_unique<PgStore>(location, options);
  return std::make_unique<SqliteStore>(location, options);
}

bool Store::create(const std::string& location, const std::function<void(Store&)>& build) {
  // A PostgreSQL store has nothing to stage: every version is its own transaction already, and
  // the tables appear under a lock, so the first import simply opens it.
  if (is_postgres_location(location)) {
    PgStore store(location, {.create = true});
    build(store);
    return true;
  }
  return SqliteStore::create_new(location, build);
}

std::vector<LayerVersion> Store::layers_of_kind(LayerKind kind) {
  std::vector<LayerVersion> out;
  for (auto& v : layers())
    if (v.kind == kind) out.push_back(v);
  return out;
}

std::vector<StoredFeature> Store::read_all(const LayerVersion& v, const ScanOptions& options) {
  std::vector<StoredFeature> out;
  out.reserve(static_cast<std::size_t>(std::max<std::int64_t>(0, v.feature_count)));
  scan(v, [&](StoredFeature&& f) { out.push_back(std::move(f)); }, options);
  return out;
}

void validate_layer_name(const std::string& name) {
  if (name.empty()) throw UsageError("layer name is empty");
  // Count code points, accept ASCII letters/digits/_/- and any non-ASCII letter (UTF-8 lead or
  // continuation bytes); reject everything else, which keeps quotes, spaces, ';' and '/' out.
  std::size_t chars = 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    if ((c & 0xC0) != 0x80) ++chars;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c >= 0x80;
    if (!ok)
      throw UsageError("layer name '" + name + "' is not allowed: character '" +
                       std::string(1, static_cast<char>(c)) +
                       "' at position " + std::to_string(i + 1) +
                       "; use letters, digits, '_' or '-'");
  }
  if (chars > 64) throw UsageError("layer name '" + name + "' is longer than 64 characters");
}

}  // namespace gz::storage
