// JSON that comes from outside (a request body, an uploaded file, a field of either), parsed with
// its nesting limited. nlohmann's parser itself does not recurse, but copying, comparing and
// dumping a value do, one stack frame per level: 100,000 nested arrays (200 KB) overflow a
// thread's stack. Input deeper than kMaxJsonDepth is refused while it is parsed, before anything
// recursive sees it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/error.h"

namespace gz {

// Arrays and objects nested deeper than this are refused. GeoJSON needs four levels for a
// MultiPolygon's coordinates, a FeatureCollection three more, a request body two more.
constexpr int kMaxJsonDepth = 64;

// Too deeply nested input (HTTP 400, code too_deep).
class JsonTooDeep : public InvalidRequest {
 public:
  explicit JsonTooDeep(const std::string& what_zh, const std::string& what_en);
};

// `text` parsed as JSON with at most kMaxJsonDepth levels of arrays and objects. `what_zh` and
// `what_en` name the input in the error ("请求体", "request body"). Throws JsonTooDeep when the
// nesting is deeper, and nlohmann::json::parse_error (as json::parse does) when the text is not
// JSON.
nlohmann::json parse_json_input(const std::string& text, const std::string& what_zh = "请求体",
                                const std::string& what_en = "request body");

}  // namespace gz
