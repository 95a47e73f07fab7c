#include "domain/indicators.h"

#include <nlohmann/json.hpp>

#include "common/data_dir.h"
#include "common/error.h"

namespace gz {

bool IndicatorRule::passes(double value) const {
  const double eps = 1e-9;
  return op == "<=" ? value <= threshold + eps : value >= threshold - eps;
}

const IndicatorRule& IndicatorRules::get(const std::string& id) const {
  for (const auto& r : rules)
    if (r.id == id) return r;
  throw InputError("indicators.json", id, "", "indicator missing from the thresholds file");
}

IndicatorRules IndicatorRules::parse(const std::string& text, const std::string& source) {
  IndicatorRules out;
  try {
    auto j = nlohmann::json::parse(text);
    for (const auto& i : j.at("indicators")) {
      IndicatorRule r;
      r.id = i.at("id").get<std::string>();
      r.name_zh = i.at("name_zh").get<std::string>();
      r.name_en = i.at("name_en").get<std::string>();
      r.op = i.at("op").get<std::string>();
      if (r.op != ">=" && r.op != "<=")
        throw InputError(source, r.id, "op", "must be >= or <=");
      r.threshold = i.at("threshold").get<double>();
      out.rules.push_back(std::move(r));
    }
  } catch (const nlohmann::json::exception& e) {
    throw InputError(source, "", "", std::string("malformed indicators file: ") + e.what());
  }
  return out;
}

const IndicatorRules& IndicatorRules::standard() {
  static const IndicatorRules r = [] {
    std::string path = data_dir() + "/indicators.json";
    return parse(read_file(path), path);
  }();
  return r;
}

}  // namespace gz
