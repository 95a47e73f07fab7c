#include "storage/attributes_json.h"

#include <functional>

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include "common/error.h"

namespace gz::storage {

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
  // Invalid UTF-8 is replaced, not refused: PostgreSQL's json type only holds valid text.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

namespace {
// Builds Attributes straight from parser events: no JSON document in between, which matters
// when a million features are read.
// With a filter, only the top-level fields it accepts are kept; the others are parsed past.
struct AttributeSax : nlohmann::json_sax<nlohmann::json> {
  Attributes& out;
  const std::function<bool(std::string_view)>* filter;
  int depth = 0;
  bool keep = false;  // the current top-level key is kept
  AttributeSax(Attributes& o, const std::function<bool(std::string_view)>* f) : out(o), filter(f) {}

  bool value(AttributeValue v) {
    if (depth == 1 && keep) out.back().value = std::move(v);
    return true;
  }
  bool null() override { return value(std::monostate{}); }
  bool boolean(bool v) override { return value(static_cast<std::int64_t>(v)); }
  bool number_integer(number_integer_t v) override { return value(static_cast<std::int64_t>(v)); }
  bool number_unsigned(number_unsigned_t v) override {
    return value(static_cast<std::int64_t>(v));
  }
  bool number_float(number_float_t v, const string_t&) override { return value(v); }
  bool string(string_t& v) override { return value(std::move(v)); }
  bool binary(binary_t&) override { return value(std::monostate{}); }
  bool start_object(std::size_t) override {
    ++depth;
    return true;
  }
  bool end_object() override {
    --depth;
    return true;
  }
  bool start_array(std::size_t) override {
    ++depth;  // nested values are not attributes; the field stays null
    return true;
  }
  bool end_array() override {
    --depth;
    return true;
  }
  bool key(string_t& k) override {
    if (depth != 1) return true;
    keep = !filter || (*filter)(k);
    if (keep) out.push_back(Attribute{std::move(k), std::monostate{}});
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) override {
    throw StorageError("stored attributes are not valid JSON at byte " + std::to_string(position) +
                       ": " + e.what());
  }
};
}  // namespace

namespace {
// The same decoding with simdjson's On-Demand parser (DESIGN.md §5: simdjson where parsing speed
// matters): a field the filter refuses is skipped without being unescaped or converted, and the
// structure is found with SIMD instructions instead of byte by byte. It reproduces the SAX
// decoder above exactly: stored order, duplicate keys kept, booleans as 0/1, integers as int64
// (unsigned ones past INT64_MAX wrapped, as nlohmann's number_unsigned cast does), every other
// number as a double (both parsers round correctly), nested arrays and objects as null. Anything
// it does not take (invalid or truncated text, a top level that is not an object, integers past
// 64 bits, trailing bytes) returns false, and the caller decodes with nlohmann, which gives the
// same result or the same error as before.
bool decode_simd(std::string_view json, const std::function<bool(std::string_view)>* filter, Attributes& out) {
  thread_local simdjson::ondemand::parser parser;
  thread_local std::string buffer;
  buffer.assign(json.data(), json.size());
  buffer.resize(json.size() + simdjson::SIMDJSON_PADDING, '\0');
  simdjson::padded_string_view input(buffer.data(), json.size(), buffer.size());
  simdjson::ondemand::document doc;
  if (parser.iterate(input).get(doc)) return false;
  simdjson::ondemand::object object;
  if (doc.get_object().get(object)) return false;
  for (auto member : object) {
    simdjson::ondemand::field field;
    if (std::move(member).get(field)) return false;
    std::string_view key;
    if (field.unescaped_key().get(key)) return false;
    if (filter && !(*filter)(key)) continue;  // its value is skipped when the loop moves on
    Attribute a{std::string(key), std::monostate{}};
    simdjson::ondemand::value v = field.value();
    simdjson::ondemand::json_type type;
    if (v.type().get(type)) return false;
    switch (type) {
      case simdjson::ondemand::json_type::null:
        if (!v.is_null()) return false;
        break;
      case simdjson::ondemand::json_type::boolean: {
        bool b = false;
        if (v.get_bool().get(b)) return false;
        a.value = static_cast<std::int64_t>(b);
        break;
      }
      case simdjson::ondemand::json_type::number: {
        simdjson::ondemand::number_type kind;
        if (v.get_number_type().get(kind)) return false;
        if (kind == simdjson::ondemand::number_type::signed_integer) {
          std::int64_t i = 0;
          if (v.get_int64().get(i)) return false;
          a.value = i;
        } else if (kind == simdjson::ondemand::number_type::unsigned_integer) {
          std::uint64_t u = 0;
          if (v.get_uint64().get(u)) return false;
          a.value = static_cast<std::int64_t>(u);
        } else {
          double d = 0;
          if (v.get_double().get(d)) return false;
          a.value = d;
        }
        break;
      }
      case simdjson::ondemand::json_type::string: {
        std::string_view text;
        if (v.get_string().get(text)) return false;
        a.value = std::string(text);
        break;
      }
      default:  // a nested array or object: not an attribute value, the field stays null
        break;
    }
    out.push_back(std::move(a));
  }
  // Nothing may follow the object: past its end the document has no current location.
  const char* rest = nullptr;
  return doc.current_location().get(rest) == simdjson::OUT_OF_BOUNDS;
}

Attributes decode(std::string_view json, const std::function<bool(std::string_view)>* filter) {
  Attributes out;
  try {
    if (decode_simd(json, filter, out)) return out;
  } catch (const simdjson::simdjson_error&) {
    // not taken: decoded again below
  }
  out.clear();
  AttributeSax sax(out, filter);
  nlohmann::json::sax_parse(json.begin(), json.end(), &sax);
  return out;
}
}  // namespace

Attributes decode_attributes(std::string_view json) { return decode(json, nullptr); }

Attributes decode_attributes_if(std::string_view json, const std::function<bool(std::string_view)>& keep) {
  return decode(json, &keep);
}

}  // namespace gz::storage
