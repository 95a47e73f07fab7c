#include "storage/postgres/attributes_json.h"

#include <nlohmann/json.hpp>

namespace gz::storage::pg {

std::string encode_attributes(const Attributes& attributes) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& a : attributes) {
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::monostate>)
            j[a.name] = nullptr;
          else
            j[a.name] = v;
        },
        a.value);
  }
  // Invalid UTF-8 is replaced, not refused: the column type (json) only holds valid text.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Attributes decode_attributes(std::string_view json) {
  Attributes out;
  auto j = nlohmann::ordered_json::parse(json);
  out.reserve(j.size());
  for (auto it = j.begin(); it != j.end(); ++it) {
    Attribute a;
    a.name = it.key();
    const auto& v = it.value();
    if (v.is_number_integer())
      a.value = v.get<std::int64_t>();
    else if (v.is_number())
      a.value = v.get<double>();
    else if (v.is_string())
      a.value = v.get<std::string>();
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace gz::storage::pg
