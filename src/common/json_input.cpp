#include "common/json_input.h"

namespace gz {

JsonTooDeep::JsonTooDeep(const std::string& what_zh, const std::string& what_en)
    : InvalidRequest("too_deep",
                     what_zh + "的嵌套超过 " + std::to_string(kMaxJsonDepth) + " 层",
                     what_en + " is nested more than " + std::to_string(kMaxJsonDepth) +
                         " levels deep") {}

nlohmann::json parse_json_input(const std::string& text, const std::string& what_zh,
                                const std::string& what_en) {
  // The callback is told the depth of every value as it starts: the number of arrays and
  // objects it is inside. Throwing there stops the parser at the first level too many.
  nlohmann::json::parser_callback_t limit = [&](int depth, nlohmann::json::parse_event_t event,
                                                nlohmann::json&) {
    if ((event == nlohmann::json::parse_event_t::array_start ||
         event == nlohmann::json::parse_event_t::object_start) &&
        depth >= kMaxJsonDepth)
      throw JsonTooDeep(what_zh, what_en);
    return true;
  };
  return nlohmann::json::parse(text, limit);
}

}  // namespace gz
