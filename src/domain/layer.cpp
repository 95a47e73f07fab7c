#include "domain/layer.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

#include "common/error.h"

namespace gz {

namespace {
struct KindName {
  LayerKind kind;
  std::string_view name;
};
constexpr KindName kKindNames[] = {
    {LayerKind::land_use, "land_use"},
    {LayerKind::ecological_redline, "ecological_redline"},
    {LayerKind::permanent_basic_farmland, "permanent_basic_farmland"},
    {LayerKind::urban_development_boundary, "urban_development_boundary"},
    {LayerKind::village_plan, "village_plan"},
    {LayerKind::consolidation_unit, "consolidation_unit"},
    {LayerKind::project, "project"},
    {LayerKind::parcel, "parcel"},
    {LayerKind::region, "region"},
};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}
}  // namespace

std::string_view to_string(LayerKind kind) {
  for (const auto& k : kKindNames)
    if (k.kind == kind) return k.name;
  return "unknown";
}

LayerKind parse_layer_kind(std::string_view text) {
  for (const auto& k : kKindNames)
    if (k.name == text) return k.kind;
  std::string accepted;
  for (const auto& k : kKindNames) accepted += (accepted.empty() ? "" : ", ") + std::string(k.name);
  throw UsageError("unknown layer kind '" + std::string(text) + "'; expected one of: " + accepted);
}

const std::vector<LayerKind>& all_layer_kinds() {
  static const std::vector<LayerKind> kinds = [] {
    std::vector<LayerKind> v;
    for (const auto& k : kKindNames) v.push_back(k.kind);
    return v;
  }();
  return kinds;
}

bool is_control_line(LayerKind kind) {
  return kind == LayerKind::ecological_redline || kind == LayerKind::permanent_basic_farmland ||
         kind == LayerKind::urban_development_boundary;
}

const AttributeValue* find_attribute(const Attributes& attrs, std::string_view name) {
  for (const auto& a : attrs)
    if (iequals(a.name, name)) return &a.value;
  return nullptr;
}

std::optional<std::string> attribute_text(const Attributes& attrs, std::string_view name) {
  const AttributeValue* v = find_attribute(attrs, name);
  if (!v) return std::nullopt;
  if (const auto* s = std::get_if<std::string>(v)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(v)) {
    if (std::floor(*d) == *d && std::fabs(*d) < 1e15) return std::to_string(static_cast<long long>(*d));
    return std::to_string(*d);
  }
  return std::nullopt;
}

std::optional<double> attribute_number(const Attributes& attrs, std::string_view name) {
  const AttributeValue* v = find_attribute(attrs, name);
  if (!v) return std::nullopt;
  if (const auto* d = std::get_if<double>(v)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(v)) return static_cast<double>(*i);
  if (const auto* s = std::get_if<std::string>(v)) {
    if (s->empty()) return std::nullopt;
    char* end = nullptr;
    double d = std::strtod(s->c_str(), &end);
    if (end && *end == '\0') return d;
  }
  return std::nullopt;
}

std::optional<std::string> attribute_text_any(const Attributes& attrs,
                                              std::initializer_list<std::string_view> names) {
  for (auto n : names) {
    auto t = attribute_text(attrs, n);
    if (t && !t->empty()) return t;
  }
  return std::nullopt;
}

}  // namespace gz
