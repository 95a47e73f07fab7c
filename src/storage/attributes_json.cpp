#include "storage/attributes_json.h"

#include <functional>

#include <nlohmann/json.hpp>

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

Attributes decode_attributes(std::string_view json) {
  Attributes out;
  AttributeSax sax(out, nullptr);
  nlohmann::json::sax_parse(json.begin(), json.end(), &sax);
  return out;
}

Attributes decode_attributes_if(std::string_view json, const std::function<bool(std::string_view)>& keep) {
  Attributes out;
  AttributeSax sax(out, &keep);
  nlohmann::json::sax_parse(json.begin(), json.end(), &sax);
  return out;
}

}  // namespace gz::storage
